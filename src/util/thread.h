/*
 * thread.h — a helper thread that takes no asynchronous signals: the
 * handlers (util/sig.h) run on the main thread, and a helper learns of a
 * signal from the signal pipe.  Faults stay deliverable, so sanitizers and
 * crashes still report from the thread that faulted.
 */
#ifndef MIGRATE_THREAD_H
#define MIGRATE_THREAD_H

#include <pthread.h>

/* pthread_create with every asynchronous signal blocked in the new thread;
 * returns pthread_create's result (0, or an errno value). */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
