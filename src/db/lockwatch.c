/*
 * lockwatch.c — see lockwatch.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/lockwatch.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/sig.h"
#include "util/strbuf.h"

#define REPEAT_MS 5000

static struct {
	char what[256];
	int64_t first_ms; /* 0: off */
	int64_t next_ms;  /* waited-ms at which to look next */
	PGconn *side;     /* the second connection, opened when first needed */
	int side_failed;  /* opening it failed: do not try again */
	char last[1024];
} w;

void lockwatch_start(const char *what, int64_t first_ms)
{
	snprintf(w.what, sizeof w.what, "%s", what ? what : "a statement");
	w.first_ms = first_ms > 0 ? first_ms : 0;
	w.last[0] = '\0';
}

int64_t lockwatch_first_ms(int64_t lock_timeout_ms)
{
	if (lock_timeout_ms <= 0 || lock_timeout_ms * 3 / 5 >= 2000)
		return 2000;
	return lock_timeout_ms * 3 / 5 > 50 ? lock_timeout_ms * 3 / 5 : 50;
}

void lockwatch_stop(void)
{
	w.first_ms = 0;
	if (w.side)
		PQfinish(w.side);
	w.side = NULL;
	w.side_failed = 0;
}

/* A connection to where c is connected, with c's parameters (its password
 * included), for looking at pg_stat_activity while c waits. */
static PGconn *open_side(PGconn *c)
{
	PQconninfoOption *opts = PQconninfo(c);
	const char *keys[64], *vals[64];
	int n = 0;
	if (!opts)
		return NULL;
	for (PQconninfoOption *o = opts; o->keyword && n < 60; o++) {
		if (!o->val || !o->val[0] || strcmp(o->keyword, "connect_timeout") == 0 ||
		    strcmp(o->keyword, "application_name") == 0 || strcmp(o->keyword, "options") == 0)
			continue;
		keys[n] = o->keyword;
		vals[n++] = o->val;
	}
	keys[n] = "connect_timeout";
	vals[n++] = "5";
	keys[n] = "application_name";
	vals[n++] = "migrate-entry lock watch";
	keys[n] = "options";
	vals[n++] = "-c statement_timeout=3000 -c lock_timeout=1000";
	keys[n] = NULL;
	vals[n] = NULL;
	PGconn *side = PQconnectdbParams(keys, vals, 0);
	PQconninfoFree(opts);
	if (PQstatus(side) != CONNECTION_OK) {
		log_debug("lock watch: cannot open a second connection: %s", PQerrorMessage(side));
		PQfinish(side);
		return NULL;
	}
	return side;
}

static const char blockers_sql[] =
	"SELECT a.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, ''), "
	"coalesce(host(a.client_addr), CASE WHEN a.client_port = -1 THEN 'a local socket' END, ''), "
	"coalesce(a.state, ''), coalesce(extract(epoch FROM now() - a.state_change)::bigint, 0), "
	"left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 60) "
	"FROM unnest(pg_blocking_pids($1::int)) AS b(pid) JOIN pg_stat_activity a ON a.pid = b.pid "
	"ORDER BY a.pid";

/* The side query, waited for in the way every query is (a signal ends the
 * wait, and then the side connection: the statement being watched is
 * cancelled by the caller).  NULL when it could not complete. */
static PGresult *ask(const char *sql, const char *const *params)
{
	PGresult *r = NULL, *next;
	struct err e = {0};
	int64_t deadline = now_ms() + 4000;
	if (!PQsendQueryParams(w.side, sql, 1, NULL, params, NULL, NULL, 0))
		goto broken;
	for (;;) {
		while (PQisBusy(w.side)) {
			if (sig_wait_fd(PQsocket(w.side), POLLIN, deadline, &e) <= 0 ||
			    !PQconsumeInput(w.side))
				goto broken;
		}
		if (!(next = PQgetResult(w.side)))
			return r;
		PQclear(r);
		r = next;
	}
broken:
	PQclear(r);
	PQfinish(w.side);
	w.side = NULL;
	return NULL;
}

static void describe(const PGresult *r, struct strbuf *b)
{
	for (int i = 0; i < PQntuples(r) && i < 5; i++) {
		const char *state = PQgetvalue(r, i, 4);
		strbuf_printf(b, "%spid %s (user %s", i ? "; " : "", PQgetvalue(r, i, 0),
			      PQgetvalue(r, i, 1));
		if (*PQgetvalue(r, i, 2))
			strbuf_printf(b, ", application \"%s\"", PQgetvalue(r, i, 2));
		if (*PQgetvalue(r, i, 3))
			strbuf_printf(b, ", from %s", PQgetvalue(r, i, 3));
		if (*state)
			strbuf_printf(b, ", %s for %ss", state, PQgetvalue(r, i, 5));
		if (*PQgetvalue(r, i, 6))
			strbuf_printf(b, ": %s", PQgetvalue(r, i, 6));
		strbuf_puts(b, ")");
	}
	if (PQntuples(r) > 5)
		strbuf_printf(b, " and %d more", PQntuples(r) - 5);
}

static void look(PGconn *c, int64_t waited_ms)
{
	char pid[16];
	const char *params[1] = {pid};
	struct strbuf b = {0};
	if (!w.side && !w.side_failed && !(w.side = open_side(c)))
		w.side_failed = 1;
	if (!w.side)
		return;
	snprintf(pid, sizeof pid, "%d", PQbackendPID(c));
	PGresult *r = ask(blockers_sql, params);
	if (!r)
		return;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
		describe(r, &b);
		if (b.s) {
			snprintf(w.last, sizeof w.last, "%s", b.s);
			char took[32];
			log_warn("%s has waited %s for a lock held by %s", w.what,
				 duration_format(waited_ms, took, sizeof took), b.s);
		}
	} else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_debug("lock watch: %s", PQerrorMessage(w.side));
		if (PQstatus(w.side) != CONNECTION_OK) {
			PQfinish(w.side);
			w.side = NULL;
		}
	}
	PQclear(r);
	strbuf_release(&b);
}

int64_t lockwatch_tick(PGconn *c, int64_t waited_ms)
{
	if (w.first_ms <= 0)
		return 1000;
	if (waited_ms < w.first_ms) {
		w.next_ms = w.first_ms;
		return w.first_ms - waited_ms < 1000 ? w.first_ms - waited_ms : 1000;
	}
	if (waited_ms >= w.next_ms) {
		look(c, waited_ms);
		w.next_ms = waited_ms + REPEAT_MS;
	}
	return w.next_ms - waited_ms < 1000 ? w.next_ms - waited_ms : 1000;
}

int lockwatch_retryable(const struct err *e)
{
	return e->code == EXIT_SQL &&
	       (strcmp(e->sqlstate, "55P03") == 0 || strcmp(e->sqlstate, "40P01") == 0);
}

void lockwatch_gave_up_hint(struct err *e, int retries, const char *setting)
{
	if (!lockwatch_retryable(e))
		return;
	if (w.last[0])
		err_append_hint(e, "blocked by %s", w.last);
	if (retries > 0)
		err_append_hint(e, "gave up after %d retr%s (%s)", retries, retries == 1 ? "y" : "ies",
				setting);
}

int lockwatch_wait_retry(int attempt, struct err *e)
{
	static unsigned seed;
	int64_t ms = 1000;
	for (int i = 1; i < attempt && ms < 30000; i++)
		ms *= 2;
	if (ms > 30000)
		ms = 30000;
	if (!seed)
		seed = (unsigned)now_ms() ^ (unsigned)getpid();
	ms = ms / 2 + (int64_t)(rand_r(&seed) % (unsigned)(ms / 2 + 1));
	err_clear(e);
	w.last[0] = '\0';
	return sig_sleep(ms, e);
}
