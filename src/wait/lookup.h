/*
 * lookup.h — a host name lookup (getaddrinfo) that a wait can give up on.
 *
 * getaddrinfo cannot be interrupted: neither a signal nor a deadline stops
 * it.  So each lookup runs in a helper thread of its own and announces its
 * end on a pipe that the wait polls with its other descriptors.  If the
 * wait ends first, it abandons the lookup: the helper finishes on its own
 * and frees everything when getaddrinfo returns, so the wait still ends on
 * time and nothing leaks.
 *
 * Life cycle: lookup_start, then poll lookup_fd until it is readable and
 * call lookup_finish, or call lookup_abandon at any time.  Either frees the
 * lookup; one of them is called exactly once.  One thread (the waiter) uses
 * a lookup; the helper thread touches only what the lookup's mutex guards.
 */
#ifndef MIGRATE_LOOKUP_H
#define MIGRATE_LOOKUP_H

#include <stddef.h>

struct addrinfo;
struct lookup; /* opaque */

/* Start resolving host:port (a decimal port; stream sockets, any address
 * family) in a helper thread.  Both strings are copied.  NULL with errno
 * set when the thread or its pipe cannot be created. */
struct lookup *lookup_start(const char *host, const char *port);

/* The descriptor that becomes readable when the lookup has ended. */
int lookup_fd(const struct lookup *l);

/* Once lookup_fd is readable: join the helper, free l, and return 0 with
 * *res the addresses (the caller's, freeaddrinfo), or -1 with why (capacity
 * cap) saying why the name did not resolve ("name or service not known").
 * Called earlier, it waits for getaddrinfo to return. */
int lookup_finish(struct lookup *l, struct addrinfo **res, char *why, size_t cap);

/* The waiter no longer cares: free l now if the helper is done, else leave
 * it to the helper.  l must not be used afterwards. */
void lookup_abandon(struct lookup *l);

#endif
