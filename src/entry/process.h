/*
 * process.h — handing over to the application (docs/reference.md §7.7, §7.8).
 *
 * process_exec replaces this process (the application keeps our pid, PID 1
 * in a container): descriptors we opened are closed, descriptors we
 * inherited are passed on untouched (e.g. systemd's LISTEN_FDS), signal
 * dispositions and mask restored, stdio flushed.
 *
 * process_supervise (--init) runs the program as a child like tini: it
 * forwards TERM, INT, HUP, QUIT, USR1, USR2 and WINCH, reaps every zombie,
 * and returns the child's exit status (128+N for a signal).
 */
#ifndef MIGRATE_PROCESS_H
#define MIGRATE_PROCESS_H

#include "util/err.h"

/* Note which descriptors were open at start-up (call first thing). */
void process_note_inherited_fds(void);

/* Exec argv (PATH search).  Returns only on failure: -1 with EXIT_NOT_FOUND
 * (127) or EXIT_NOT_EXECUTABLE (126) and a message naming the program. */
int process_exec(char **argv, struct err *e);

/* Fork, exec argv in the child, supervise until it exits.  Returns the
 * exit code to use (child's status, 128+N, 126/127 when exec failed). */
int process_supervise(char **argv, struct err *e);

#endif
