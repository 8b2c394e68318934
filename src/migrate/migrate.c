/*
 * migrate.c — see migrate.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "migrate/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/lock.h"
#include "db/lockwatch.h"
#include "db/query.h"
#include "db/session.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/log.h"
#include "rev/revgraph.h"
#include "rev/revplan.h"
#include "rev/versionsql.h"
#include "script/runner.h"
#include "util/sig.h"
#include "util/strbuf.h"
#include "db/store.h"

static void join_ids(const char *const *ids, size_t n, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	if (n == 0) {
		snprintf(buf, cap, "base");
		return;
	}
	for (size_t i = 0; i < n && len + 1 < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", ids[i]);
}

int migrate_heads(PGconn *c, const struct config *cfg, const struct revdir *rd, char ***heads,
		  size_t *n, struct err *e)
{
	struct store s;
	if (store_init(&s, c, cfg, e) < 0 || store_heads(&s, heads, n, e) < 0)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		if (!revdir_find(rd, (*heads)[i])) {
			err_set(e, EXIT_GRAPH,
				"the database is at revision %s, which is not in \"%s\"", (*heads)[i],
				rd->dir);
			err_hint(e, "the database was migrated by a newer version of the application; run "
				    "a build that contains this revision, or stamp the database");
			store_free_heads(*heads, *n);
			*heads = NULL;
			*n = 0;
			return -1;
		}
	}
	return 0;
}

int migrate_check_section(const struct revdir_file *f, int upgrade, size_t *statements,
			  struct err *e)
{
	const struct revfile_section *sec = upgrade ? &f->rev.upgrade : &f->rev.downgrade;
	struct runner_scan scan;
	if (statements)
		*statements = 0;
	if (!sec->present)
		return 0;
	/* NULL root: includes are refused in revision sections (a revision is
	 * one file, its checksum covers all it runs) */
	if (runner_scan_buffer(f->path, f->text + sec->offset, sec->length, (size_t)sec->line, NULL,
			       NULL, &scan, e) < 0) {
		e->code = EXIT_GRAPH;
		return -1;
	}
	if (statements)
		*statements = scan.statements;
	if (sec->transactional && scan.autocommit) {
		err_set(e, EXIT_GRAPH, "%s:%d: the %s section needs to run outside a transaction (%s)",
			f->path, sec->marker_line, upgrade ? "upgrade" : "downgrade", scan.reason);
		return err_hint(e, "mark it \"-- migrate:%s transaction:false\"",
				upgrade ? "upgrade" : "downgrade");
	}
	return 0;
}

/* ---- running one step ---------------------------------------------------- */

struct run {
	PGconn *c;
	const struct config *cfg;
	const struct revdir *rd;
	struct store st;
	int per_migration; /* one transaction per revision */
	int in_tx;         /* a run-wide transaction is open */
	int committed;     /* a run-wide transaction was committed early (transaction:false) */
	int retries;       /* migrations.lock_retries */
	int run_attempt;   /* retries of the whole run so far (run-wide transaction) */
	int64_t watch_ms;  /* when to look who blocks a waiting statement (db/lockwatch.h) */
	char *applied_by;  /* the history's applied_by, a literal (run_applied_by) */
	/* What the last step left to send, to go in the same round trip as the
	 * next step's first statements (or alone at the end): its history row
	 * (pending_history, NULL when it was sent) and, with a transaction per
	 * revision, its COMMIT (pending_commit). */
	char *pending_history;
	int pending_commit;
	const struct revplan_step *pending_step;
	int64_t pending_start;
	/* With one transaction for the run, the history rows of the steps
	 * that ran wait here and go out as one INSERT before the COMMIT (or
	 * before a section outside a transaction): in the one transaction
	 * nobody sees them earlier either, and one statement of n rows costs
	 * the server a fraction of n statements. */
	struct history_batch {
		struct batch_row {
			const struct revdir_file *f;
			int up;
			int64_t start, finish;
		} *rows;
		size_t n, cap;
	} batch;
	/* … and so do their version-table changes: kept as the rows the table
	 * holds (at) and the rows it will hold (now), and written as the one
	 * net change, in the same round trip as the history rows.  In the one
	 * transaction nobody sees the rows in between; Alembic's statement per
	 * step costs the server as much as a small revision's body. */
	struct net_version {
		const char **at, **now;
		size_t n_at, n_now, cap;
	} net;
	const char *const *heads; /* the version-table rows the plan starts from */
	size_t n_heads;
	/* after a failure: the step it belongs to, when not the one running */
	const struct revplan_step *failed;
	int64_t failed_start;
	/* … or the run-wide transaction's (no step's): RUN_COMMIT, its COMMIT;
	 * RUN_KEPT, what it kept to send (its history rows, its net
	 * version-table change) */
	enum { RUN_OK, RUN_COMMIT, RUN_KEPT } run_failed;
};

/* One step's version-table statements (n of them, each must change one
 * row), as plain statements with literals: the server parses and plans
 * them once per revision, so they are kept simple (no CTE, no casts of
 * text, no function lookups).  They go out with the step's section, after
 * its last statement; the history row (which needs the step's duration)
 * goes with the next round trip. */
struct bookkeeping {
	char **stmts; /* n, then room for the history row; NULL-terminated */
	long *rows;   /* rows each changed, -1: did not complete */
	size_t n;
	char *changes; /* the version-table statements, for the message */
	const struct revdir_file *f;
	const struct revplan_step *step;
	int64_t start;
};

static int exec(struct run *r, const char *sql, struct err *e) { return db_exec(r->c, sql, NULL, e); }

static int set_timeouts(struct run *r, int local, struct err *e)
{
	return session_set_timeouts(r->c, r->cfg, CFG_MIGRATIONS_LOCK_TIMEOUT,
				    CFG_MIGRATIONS_STATEMENT_TIMEOUT, local, e);
}

static int reset_timeouts(struct run *r, struct err *e)
{
	if (config_is_set(r->cfg, CFG_MIGRATIONS_LOCK_TIMEOUT) && exec(r, "RESET lock_timeout", e) < 0)
		return -1;
	if (config_is_set(r->cfg, CFG_MIGRATIONS_STATEMENT_TIMEOUT) &&
	    exec(r, "RESET statement_timeout", e) < 0)
		return -1;
	return 0;
}

/* Who applies the run, as the history records it (applied_by). */
#define APPLIED_BY_SQL                                                                             \
	"session_user || ' via ' || replace(current_setting('application_name'), '" LOCK_WORK_MARK  \
	"', '')"

/* The history row of a step that failed (in a transaction of its own). */
static int history(struct run *r, const struct revdir_file *f, const char *direction, int64_t ms,
		   int success, struct err *e)
{
	char sql[STORE_NAME_MAX + 600];
	char dur[32];
	const char *params[5] = {f->rev.revision, direction, f->sha256, dur, success ? "t" : "f"};
	snprintf(dur, sizeof dur, "%lld", (long long)ms);
	snprintf(sql, sizeof sql,
		 "INSERT INTO %s (revision, direction, sha256, started_at, finished_at, duration_ms, "
		 "success, applied_by) VALUES ($1, $2, $3, clock_timestamp() - ($4 || ' ms')::interval, "
		 "clock_timestamp(), $4::int, $5::boolean, " APPLIED_BY_SQL ")",
		 r->st.history);
	return db_exec_params(r->c, sql, 5, params, NULL, e);
}

/* The section a step runs: f's upgrade or downgrade. */
static const struct revfile_section *section_of(const struct revdir_file *f,
						const struct revplan_step *step)
{
	return step->dir == REVPLAN_UP ? &f->rev.upgrade : &f->rev.downgrade;
}

static void bookkeeping_free(struct bookkeeping *b)
{
	if (!b)
		return;
	for (size_t i = 0; b->stmts && b->stmts[i]; i++)
		free(b->stmts[i]);
	free(b->stmts);
	free(b->rows);
	free(b->changes);
	free(b);
}

/* The history row of a step whose section ran, with literals. */
static char *history_row(const struct run *r, const struct revdir_file *f,
			 const struct revplan_step *step, int64_t start)
{
	const char *raw[3] = {f->rev.revision, step->dir == REVPLAN_UP ? "upgrade" : "downgrade",
			      f->sha256};
	char *lit[3] = {0};
	struct strbuf sql = {0};
	long long ms = (long long)(now_ms() - start);
	int ok = 1;
	for (int i = 0; ok && i < 3; i++)
		ok = (lit[i] = PQescapeLiteral(r->c, raw[i], strlen(raw[i]))) != NULL;
	if (ok)
		strbuf_printf(&sql,
			      "INSERT INTO %s (revision, direction, sha256, started_at, finished_at, "
			      "duration_ms, success, applied_by) VALUES (%s, %s, %s, clock_timestamp() "
			      "- '%lld ms'::interval, clock_timestamp(), %lld, true, %s)",
			      r->st.history, lit[0], lit[1], lit[2], ms, ms, r->applied_by);
	for (int i = 0; i < 3; i++)
		PQfreemem(lit[i]);
	if (!ok)
		strbuf_release(&sql);
	return ok ? strbuf_detach(&sql) : NULL;
}

static void batch_free(struct history_batch *h)
{
	free(h->rows);
	memset(h, 0, sizeof *h);
}

/* Keep the history row of a step that finished now (one transaction for
 * the run). */
static int batch_add(struct run *r, const struct revdir_file *f, const struct revplan_step *step,
		     int64_t start, struct err *e)
{
	struct history_batch *h = &r->batch;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct batch_row *rows = realloc(h->rows, cap * sizeof *rows);
		if (!rows)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		h->rows = rows;
		h->cap = cap;
	}
	h->rows[h->n++] = (struct batch_row){f, step->dir == REVPLAN_UP, start, now_ms()};
	return 0;
}

/* s as an element of an array literal: in double quotes, with \ and "
 * escaped. */
static void array_element(struct strbuf *b, const char *s)
{
	strbuf_puts(b, b->len > 1 ? ",\"" : "\"");
	for (; *s; s++)
		strbuf_printf(b, "%s%c", *s == '"' || *s == '\\' ? "\\" : "", *s);
	strbuf_puts(b, "\"");
}

/* The version-table statements of step (none when deferred: the run's
 * net change has them, net_apply), or of changes (malloc'd, taken, when
 * step is NULL: the net change). */
static struct bookkeeping *bookkeeping_make(struct run *r, const struct revdir_file *f,
					    const struct revplan_step *step, int64_t start,
					    int deferred, char *changes, struct err *e)
{
	struct bookkeeping *b = calloc(1, sizeof *b);
	size_t cap = 2;
	int ok = b != NULL && (b->changes = step ? deferred ? strdup("")
							   : versionsql_step(step, r->st.table,
									     r->st.qualifier)
						 : changes) != NULL;
	if (!b)
		free(changes);
	for (const char *p = ok ? b->changes : ""; *p; p++)
		cap += *p == '\n';
	ok = ok && (b->stmts = calloc(cap, sizeof *b->stmts)) && (b->rows = malloc(cap * sizeof *b->rows));
	for (size_t i = 0; ok && i < cap; i++)
		b->rows[i] = -1;
	/* one statement per line of versionsql_step's, without its ";\n" */
	for (const char *p = ok ? b->changes : "", *end; ok && (end = strstr(p, ";\n")) != NULL;
	     p = end + 2)
		ok = (b->stmts[b->n++] = strndup(p, (size_t)(end - p))) != NULL;
	if (!ok) {
		bookkeeping_free(b);
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		return NULL;
	}
	for (char *p = b->changes; *p; p++) /* one line, for the message */
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	b->f = f;
	b->step = step;
	b->start = start;
	return b;
}

/* A failure that belongs to b's step (its bookkeeping, or its COMMIT). */
static int belongs_to(struct run *r, const struct revplan_step *step, int64_t start)
{
	r->failed = step;
	r->failed_start = start;
	return -1;
}

/* Each version-table change must have changed one row (as Alembic checks
 * online); else the transaction is not committed. */
static int bookkeeping_check(struct run *r, const struct bookkeeping *b, struct err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->rows[i] == 1)
			continue;
		err_set(e, EXIT_GRAPH,
			"the version table %s did not change as expected (each of these must match "
			"one row: %s); was it changed concurrently?",
			r->st.version_plain, b->changes);
		if (!b->step) {
			r->run_failed = RUN_KEPT;
			return -1;
		}
		return belongs_to(r, b->step, b->start);
	}
	return 0;
}

/* ---- what a run in one transaction keeps until its COMMIT ---------------- */

static int net_holds(const char *const *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], id) == 0)
			return 1;
	return 0;
}

static void net_remove(struct net_version *v, const char *id)
{
	for (size_t i = 0; i < v->n_now; i++)
		if (strcmp(v->now[i], id) == 0) {
			memmove(&v->now[i], &v->now[i + 1], (v->n_now - i - 1) * sizeof *v->now);
			v->n_now--;
			return;
		}
}

static int net_add(struct net_version *v, const char *id, struct err *e)
{
	if (v->n_now == v->cap || v->n_at == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 8;
		const char **at = realloc(v->at, cap * sizeof *at);
		const char **now = at ? realloc(v->now, cap * sizeof *now) : NULL;
		if (at)
			v->at = at;
		if (!now)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		v->now = now;
		v->cap = cap;
	}
	v->now[v->n_now++] = id;
	return 0;
}

/* The table holds the rows now. */
static void net_settle(struct net_version *v)
{
	if (v->n_now > 0)
		memcpy(v->at, v->now, v->n_now * sizeof *v->at);
	v->n_at = v->n_now;
}

/* Start from the rows the table holds (the run's first plan: heads). */
static int net_start(struct run *r, const char *const *heads, size_t n, struct err *e)
{
	struct net_version *v = &r->net;
	v->n_at = v->n_now = 0;
	for (size_t i = 0; i < n; i++)
		if (net_add(v, heads[i], e) < 0)
			return -1;
	net_settle(v);
	return 0;
}

/* The rows after step, as versionsql_step's statements leave them. */
static int net_apply(struct run *r, const struct revplan_step *s, struct err *e)
{
	struct net_version *v = &r->net;
	int pair = s->n_from > 0 && s->n_to > 0;
	size_t i;

	switch (s->op) {
	case REVPLAN_INSERT:
		for (i = 0; i < s->n_to; i++)
			if (net_add(v, s->to[i], e) < 0)
				return -1;
		return 0;
	case REVPLAN_DELETE:
		for (i = 0; i < s->n_from; i++)
			net_remove(v, s->from[i]);
		return 0;
	case REVPLAN_UPDATE:
		if (pair)
			net_remove(v, s->from[0]);
		return pair ? net_add(v, s->to[0], e) : 0;
	case REVPLAN_MERGE:
		for (i = 0; i < s->n_from; i++)
			net_remove(v, s->from[i]);
		return pair ? net_add(v, s->to[0], e) : 0;
	case REVPLAN_UNMERGE:
		for (i = 0; i + 1 < s->n_to; i++)
			if (net_add(v, s->to[i], e) < 0)
				return -1;
		if (pair)
			net_remove(v, s->from[0]);
		return pair ? net_add(v, s->to[s->n_to - 1], e) : 0;
	}
	return 0;
}

/* The statements of the net change (malloc'd; "" for none; NULL: no
 * memory), in versionsql_step's words: an UPDATE per row that went for one
 * that came, then DELETEs or INSERTs for the rest. */
static char *net_changes(const struct run *r)
{
	const struct net_version *v = &r->net;
	const char **gone = malloc((v->n_at + 1) * sizeof *gone);
	const char **came = malloc((v->n_now + 1) * sizeof *came);
	size_t n_gone = 0, n_came = 0, i;
	struct strbuf b = {0};

	strbuf_puts(&b, "");
	if (!gone || !came)
		b.failed = 1;
	for (i = 0; !b.failed && i < v->n_at; i++)
		if (!net_holds(v->now, v->n_now, v->at[i]))
			gone[n_gone++] = v->at[i];
	for (i = 0; !b.failed && i < v->n_now; i++)
		if (!net_holds(v->at, v->n_at, v->now[i]))
			came[n_came++] = v->now[i];
	for (i = 0; !b.failed && i < n_gone + n_came; i++) {
		struct revplan_step t = {0};
		char *text;
		if (i < n_gone && i < n_came)
			t = (struct revplan_step){.op = REVPLAN_UPDATE, .from = &gone[i], .n_from = 1,
						  .to = &came[i], .n_to = 1};
		else if (i < n_gone)
			t = (struct revplan_step){.op = REVPLAN_DELETE, .from = &gone[i], .n_from = 1};
		else if (i < n_came)
			t = (struct revplan_step){.op = REVPLAN_INSERT, .to = &came[i], .n_to = 1};
		else
			break;
		if ((text = versionsql_step(&t, r->st.table, r->st.qualifier)) != NULL)
			strbuf_puts(&b, text);
		else
			b.failed = 1;
		free(text);
	}
	free(gone);
	free(came);
	if (b.failed) {
		strbuf_release(&b);
		return NULL;
	}
	return strbuf_detach(&b);
}

/* Send what the run kept, in one round trip: its net version-table change
 * (each statement checked) and its history rows, as one INSERT of arrays
 * (its text and plan do not grow with the rows; a VALUES list of a
 * thousand rows takes the server longer to parse than to insert).  The
 * times are the server's clock, set back by how long ago each step
 * started and finished.  A failure is the run's (RUN_KEPT). */
static int kept_send(struct run *r, struct err *e)
{
	struct history_batch *h = &r->batch;
	struct strbuf hist = {0}, col[5] = {{0}};
	const char *params[5];
	struct bookkeeping *b;
	struct db_stmt *st = NULL;
	PGresult **out = NULL;
	int64_t now = now_ms();
	size_t n = 0;
	int rc = -1, oom = 0;

	if (!(b = bookkeeping_make(r, NULL, NULL, 0, 0, net_changes(r), e)))
		return -1;
	if (b->n == 0 && h->n == 0) {
		bookkeeping_free(b);
		return 0;
	}
	for (int k = 0; k < 5; k++)
		strbuf_puts(&col[k], "{");
	for (size_t i = 0; i < h->n; i++) {
		const struct batch_row *row = &h->rows[i];
		char ago[2][24];
		snprintf(ago[0], sizeof ago[0], "%lld", (long long)(now - row->start));
		snprintf(ago[1], sizeof ago[1], "%lld", (long long)(now - row->finish));
		array_element(&col[0], row->f->rev.revision);
		array_element(&col[1], row->up ? "upgrade" : "downgrade");
		array_element(&col[2], row->f->sha256);
		array_element(&col[3], ago[0]);
		array_element(&col[4], ago[1]);
	}
	for (int k = 0; k < 5; k++) {
		strbuf_puts(&col[k], "}");
		params[k] = col[k].s;
		oom |= col[k].failed;
	}
	strbuf_printf(&hist,
		      "INSERT INTO %s (revision, direction, sha256, started_at, finished_at, "
		      "duration_ms, success, applied_by) "
		      "SELECT u.rev, u.dir, u.sha, c.t - u.started * interval '1 ms', "
		      "c.t - u.finished * interval '1 ms', u.started - u.finished, true, %s "
		      "FROM (SELECT clock_timestamp() AS t) c, "
		      "unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) "
		      "WITH ORDINALITY AS u(rev, dir, sha, started, finished, n) ORDER BY u.n",
		      r->st.history, r->applied_by);
	st = calloc(b->n + 1, sizeof *st);
	out = calloc(b->n + 1, sizeof *out);
	if (oom || hist.failed || !st || !out) {
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < b->n; i++)
		st[n++] = (struct db_stmt){b->stmts[i], 0, NULL};
	if (h->n > 0)
		st[n++] = (struct db_stmt){hist.s, 5, params};
	h->n = 0;
	rc = db_exec_pipeline(r->c, st, n, out, NULL, e);
	for (size_t i = 0; i < b->n; i++)
		b->rows[i] = out[i] ? atol(PQcmdTuples(out[i])) : -1;
	for (size_t i = 0; i < n; i++)
		PQclear(out[i]);
	if (rc < 0) {
		r->run_failed = RUN_KEPT;
		err_prefix(e, "recording the run's revisions");
	} else if ((rc = bookkeeping_check(r, b, e)) == 0) {
		net_settle(&r->net);
	}
done:
	free(st);
	free(out);
	for (int k = 0; k < 5; k++)
		strbuf_release(&col[k]);
	strbuf_release(&hist);
	bookkeeping_free(b);
	return rc;
}

/* The history row of b's step, made now that it ran (its duration): kept
 * for the run's batch with one transaction for the run, else pending. */
static int history_pending(struct run *r, const struct bookkeeping *b, int commit, struct err *e)
{
	if (!r->per_migration)
		return batch_add(r, b->f, b->step, b->start, e);
	r->pending_history = history_row(r, b->f, b->step, b->start);
	r->pending_commit = commit;
	r->pending_step = b->step;
	r->pending_start = b->start;
	return r->pending_history ? 0 : err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
}

static void pending_clear(struct run *r)
{
	free(r->pending_history);
	r->pending_history = NULL;
	r->pending_commit = 0;
	r->pending_step = NULL;
}

/* What the last step left (its history row, its COMMIT), alone. */
static int send_pending(struct run *r, struct err *e)
{
	const struct revplan_step *step = r->pending_step;
	int64_t start = r->pending_start;
	const char *hist = r->pending_history, *commit = r->pending_commit ? "COMMIT" : "";
	struct strbuf sql = {0};
	int rc;
	if (!r->per_migration && kept_send(r, e) < 0)
		return -1;
	if (!hist && !*commit)
		return 0;
	strbuf_printf(&sql, "%s%s%s", hist ? hist : "", hist && *commit ? "; " : "", commit);
	pending_clear(r);
	if (sql.failed) {
		strbuf_release(&sql);
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	/* after a signal too: the revision ran and was checked, and is
	 * committed as it was when its COMMIT went with the next round trip */
	rc = sig_received() ? db_exec_regardless(r->c, sql.s, e) : exec(r, sql.s, e);
	strbuf_release(&sql);
	if (rc < 0 && step) { /* placed as in the round trip it would have joined */
		const struct revdir_file *f = &r->rd->files[step->rev];
		err_prefix(e, "%s:%d:1", f->path, section_of(f, step)->marker_line);
		return belongs_to(r, step, start);
	}
	return rc;
}

/* A section that ran outside a transaction: its version-table change and
 * history row in a transaction of their own (the run-wide one, when it
 * goes on), sent and checked now; with a transaction per revision, its
 * COMMIT goes with the next round trip. */
static int record_autocommit_step(struct run *r, struct bookkeeping *b, struct err *e)
{
	struct db_stmt *st = calloc(b->n + 1, sizeof *st);
	PGresult **out = calloc(b->n + 1, sizeof *out);
	int rc = -1;
	if (!st || !out || !(b->stmts[b->n] = history_row(r, b->f, b->step, b->start))) {
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		goto done;
	}
	for (size_t i = 0; i <= b->n; i++)
		st[i] = (struct db_stmt){b->stmts[i], 0, NULL};
	rc = db_exec_pipeline(r->c, st, b->n + 1, out, NULL, e);
	for (size_t i = 0; i < b->n; i++)
		b->rows[i] = out[i] ? atol(PQcmdTuples(out[i])) : -1;
	for (size_t i = 0; i <= b->n; i++)
		PQclear(out[i]);
	rc = rc < 0 ? belongs_to(r, b->step, b->start) : bookkeeping_check(r, b, e);
	if (rc == 0 && r->per_migration) {
		r->pending_commit = 1;
		r->pending_step = b->step;
		r->pending_start = b->start;
	} else if (rc == 0) {
		/* written (what the run kept went before the section): the
		 * table holds the rows after this step */
		rc = net_apply(r, b->step, e);
		net_settle(&r->net);
	}
done:
	free(st);
	free(out);
	return rc;
}

/* A transactional section: what the last step left (its history row, its
 * COMMIT), BEGIN and the SET LOCAL timeouts go out with the section's first
 * statements, and its version-table change (b) after its last, in the same
 * round trip when the section is small; then its history row is pending. */
static int run_transactional(struct run *r, const struct revdir_file *f,
			     const struct revfile_section *sec, struct bookkeeping *b,
			     struct runner_stats *stats, struct err *e)
{
	struct runner_opts o = {.root = r->rd->dir, .lock_retries = r->retries};
	char set[2][SESSION_TIMEOUT_SQL_MAX];
	const char *prologue[4], *carry[3];
	const struct revplan_step *pending = r->pending_step;
	int64_t pending_start = r->pending_start;
	int n = 0, k = session_timeout_sql(r->cfg, CFG_MIGRATIONS_LOCK_TIMEOUT,
					   CFG_MIGRATIONS_STATEMENT_TIMEOUT, 1, set), rc;

	if (r->per_migration)
		prologue[n++] = "BEGIN";
	for (int i = 0; i < k; i++)
		prologue[n++] = set[i];
	prologue[n] = NULL;
	o.prologue = prologue;
	if (pending) {
		const struct revdir_file *cf = &r->rd->files[pending->rev];
		n = 0;
		if (r->pending_history)
			carry[n++] = r->pending_history;
		if (r->pending_commit)
			carry[n++] = "COMMIT";
		carry[n] = NULL;
		o.carry = carry;
		o.carry_file = cf->path;
		o.carry_line = (size_t)section_of(cf, pending)->marker_line;
	}
	o.epilogue = (const char *const *)b->stmts;
	o.epilogue_rows = b->rows;
	o.epilogue_line = (size_t)sec->marker_line;
	stats->carry_failed = 0;
	rc = runner_run_buffer(r->c, f->path, f->text + sec->offset, sec->length, (size_t)sec->line,
			       &o, stats, e);
	pending_clear(r); /* sent (or lost with the transaction) */
	if (rc < 0 && stats->carry_failed)
		return belongs_to(r, pending, pending_start);
	if (rc == 0)
		rc = bookkeeping_check(r, b, e);
	if (rc == 0 && !r->per_migration)
		rc = net_apply(r, b->step, e);
	return rc == 0 ? history_pending(r, b, r->per_migration, e) : -1;
}

/* The section of one step and its bookkeeping, once. */
static int run_section(struct run *r, const struct revdir_file *f, const struct revfile_section *sec,
		       const struct revplan_step *step, int64_t start, struct runner_stats *stats,
		       struct err *e)
{
	struct runner_opts o = {.root = r->rd->dir, .lock_retries = r->retries};
	/* with one transaction for the run, a transactional section's change
	 * goes into the net one */
	int deferred = !r->per_migration && sec->transactional;
	struct bookkeeping *b = bookkeeping_make(r, f, step, start, deferred, NULL, e);
	int rc;

	if (!b)
		return -1;
	if (sec->transactional) {
		rc = run_transactional(r, f, sec, b, stats, e);
	} else {
		/* Outside any transaction: end the run-wide one first (as
		 * Alembic's autocommit_block does); the version is recorded in
		 * a transaction of its own after the section.  A statement
		 * that meets lock_timeout is retried by the runner (what ran
		 * before it stays, and is not run again). */
		rc = send_pending(r, e);
		if (rc == 0 && r->in_tx && (rc = exec(r, "COMMIT", e)) < 0)
			r->run_failed = RUN_COMMIT;
		if (rc == 0) {
			r->committed |= r->in_tx;
			r->in_tx = 0;
		}
		o.autocommit = 1;
		if (rc == 0)
			rc = set_timeouts(r, 0, e);
		if (rc == 0)
			rc = runner_run_buffer(r->c, f->path, f->text + sec->offset, sec->length,
					       (size_t)sec->line, &o, stats, e);
		if (rc == 0)
			rc = reset_timeouts(r, e);
		if (rc == 0)
			rc = exec(r, "BEGIN", e);
		if (rc == 0)
			rc = record_autocommit_step(r, b, e);
		if (rc == 0 && !r->per_migration) {
			/* the record of what ran outside any transaction is
			 * committed at once: a later failure of the run must
			 * not undo it; then the run-wide transaction goes on */
			rc = exec(r, "COMMIT", e);
			if (rc == 0)
				rc = exec(r, "BEGIN", e);
			r->in_tx = rc == 0;
		}
	}
	bookkeeping_free(b);
	return rc;
}

/* After a failure of run_section: 1 when it is to be run again, after a
 * lock wait gave up (lock_timeout, a deadlock) in a revision that has its
 * own transaction (then rolled back here) and retries are left. */
static int retry_section(struct run *r, const struct revdir_file *f,
			 const struct revfile_section *sec, int attempt, struct err *e)
{
	if (!lockwatch_retryable(e) || attempt >= r->retries || !sec->transactional ||
	    !r->per_migration || sig_received())
		return 0;
	db_exec(r->c, "ROLLBACK", NULL, &(struct err){0});
	log_warn("revision %s: %s; rolled back, retry %d of %d", f->rev.revision, e->msg, attempt + 1,
		 r->retries);
	return lockwatch_wait_retry(attempt + 1, e) == 0;
}

/* The run-wide transaction (transaction_per_migration = false) is retried
 * whole, when nothing of it was committed yet. */
static int retry_run(const struct run *r, const struct err *e)
{
	return !r->per_migration && !r->committed && lockwatch_retryable(e) &&
	       r->run_attempt < r->retries && !sig_received();
}

static int step_failed(struct run *r, const struct revplan_step *step, int64_t start,
		       struct err *e);

/* The run-wide transaction's COMMIT failed (a deferred constraint), or its
 * batch of history rows: the run's failure, not a revision's. */
static int run_commit_failed(struct run *r, struct err *e)
{
	if (PQtransactionStatus(r->c) != PQTRANS_IDLE)
		db_exec(r->c, "ROLLBACK", NULL, &(struct err){0});
	r->in_tx = 0;
	if (r->run_failed != RUN_KEPT)
		err_prefix(e, "the run's COMMIT");
	return err_append_hint(e, "the run was rolled back (migrations.transaction_per_migration = "
				  "false); the database stays where it was before it%s",
			       r->committed ? ", except for what ran before the last section outside "
					      "a transaction"
					    : "");
}

static int run_step(struct run *r, const struct revplan_step *step, struct err *e)
{
	const struct revdir_file *f = &r->rd->files[step->rev];
	const struct revfile_section *sec = section_of(f, step);
	struct runner_stats stats = {0};
	char what[1024], took[32], label[64];
	int64_t start = now_ms();
	int rc;

	revplan_step_describe(r->rd->graph, step, what, sizeof what);
	log_info("running %s%s%s", what, f->rev.message ? ", " : "", f->rev.message ? f->rev.message : "");
	snprintf(label, sizeof label, "revision %s", f->rev.revision);
	lockwatch_start(label, r->watch_ms);

	for (int attempt = 0;; attempt++) {
		r->failed = NULL;
		rc = run_section(r, f, sec, step, start, &stats, e);
		/* a failure of the step before (its COMMIT, its carried
		 * bookkeeping) is not retried here */
		if (rc == 0 || (r->failed && r->failed != step) || r->run_failed ||
		    !retry_section(r, f, sec, attempt, e))
			break;
	}
	if (rc < 0 && r->run_failed)
		return run_commit_failed(r, e);
	if (rc < 0)
		return r->failed ? step_failed(r, r->failed, r->failed_start, e)
				 : step_failed(r, step, start, e);
	log_debug("%s: %llu statements in %s", f->rev.revision, (unsigned long long)stats.statements,
		  duration_format(now_ms() - start, took, sizeof took));
	return 0;
}

/* A step failed (its section, its bookkeeping or its COMMIT): roll back,
 * record the failure in the history, say how far it was rolled back. */
static int step_failed(struct run *r, const struct revplan_step *step, int64_t start,
		       struct err *e)
{
	const struct revdir_file *f = &r->rd->files[step->rev];
	int up = step->dir == REVPLAN_UP;
	const struct revfile_section *sec = section_of(f, step);

	if (PQtransactionStatus(r->c) != PQTRANS_IDLE)
		db_exec(r->c, "ROLLBACK", NULL, &(struct err){0});
	r->in_tx = 0;
	if (retry_run(r, e))
		return -1; /* run_plan runs it all again: no history row, no hint */
	if (!sig_received()) {
		struct err ignored = {0};
		history(r, f, up ? "upgrade" : "downgrade", now_ms() - start, 0, &ignored);
	}
	if (e->code != EXIT_SQL && e->code != EXIT_AUTH) /* AUTH: a privilege (42501) */
		return -1;
	lockwatch_gave_up_hint(e, r->retries, "migrations.lock_retries");
	if (!sec->transactional)
		err_append_hint(e, "revision %s was rolled back as far as possible: its section ran "
				   "outside a transaction, statements before the failing one stay applied",
				f->rev.revision);
	else if (r->per_migration)
		err_append_hint(e, "revision %s was rolled back; the database stays at the previous "
				   "revision",
				f->rev.revision);
	else
		err_append_hint(e, "the run was rolled back (migrations.transaction_per_migration = "
				   "false); the database stays where it was before it%s",
				r->committed ? ", except for what ran before the last section outside a "
					       "transaction"
					     : "");
	return -1;
}

/* Before anything runs: every section of the plan exists and may run the
 * way it is marked, so a bad file late in the plan does not leave the
 * database half-way. */
int migrate_check_converted(const struct revdir *rd, struct err *e)
{
	for (size_t i = 0; i < rd->n; i++) {
		const struct revfile *rf = &rd->files[i].rev;
		if (!rf->unconverted)
			continue;
		err_set(e, EXIT_GRAPH, "%s:%d: revision %s was not converted from Alembic: %s",
			rd->files[i].path, rf->unconverted_line, rf->revision, rf->unconverted);
		return err_hint(e, "write its SQL by hand (the Python it came from is in the file, as "
				   "comments), then delete the \"-- unconverted:\" line");
	}
	return 0;
}

int migrate_check_plan(const struct revdir *rd, const struct revplan *plan, struct err *e)
{
	if (migrate_check_converted(rd, e) < 0)
		return -1;
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct revdir_file *f = &rd->files[plan->steps[i].rev];
		int up = plan->steps[i].dir == REVPLAN_UP;
		if (!section_of(f, &plan->steps[i])->present)
			return err_set(e, EXIT_GRAPH,
				       "%s: revision %s has no \"-- migrate:%s\" section", f->path,
				       f->rev.revision, up ? "upgrade" : "downgrade");
		if (migrate_check_section(f, up, NULL, e) < 0)
			return -1;
	}
	return 0;
}

/* applied_by, read once for the run's history rows. */
static int run_applied_by(struct run *r, struct err *e)
{
	PGresult *res;
	if (db_exec(r->c, "SELECT quote_literal(" APPLIED_BY_SQL ")", &res, e) < 0)
		return -1;
	r->applied_by = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return r->applied_by ? 0 : err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
}

/* The end of the run: the last revision's COMMIT, or the run-wide
 * transaction's last bookkeeping and COMMIT. */
static int finish_plan(struct run *r, struct err *e)
{
	int in_tx = r->in_tx;
	r->failed = NULL;
	r->in_tx = 0;
	if (send_pending(r, e) < 0)
		return r->failed      ? step_failed(r, r->failed, r->failed_start, e)
		       : r->run_failed ? run_commit_failed(r, e)
				       : -1;
	if (in_tx && exec(r, "COMMIT", e) < 0)
		return run_commit_failed(r, e);
	return 0;
}

static int run_plan_once(struct run *r, const struct revplan *plan, struct err *e)
{
	r->run_failed = RUN_OK;
	if (!r->per_migration) {
		if (net_start(r, r->heads, r->n_heads, e) < 0 || exec(r, "BEGIN", e) < 0)
			return -1;
		r->in_tx = 1;
	}
	for (size_t i = 0; i < plan->n_steps; i++) {
		int stop = sig_check(e) < 0;
		/* a signal between revisions: the one that ran is done and
		 * checked, and is committed as it would have been before */
		if (stop && r->pending_commit && send_pending(r, &(struct err){0}) < 0)
			log_warn("revision %s: its COMMIT failed after the signal; it was rolled back",
				 r->rd->files[r->failed->rev].rev.revision);
		if (stop || run_step(r, &plan->steps[i], e) < 0) {
			if (r->in_tx || PQtransactionStatus(r->c) != PQTRANS_IDLE)
				db_exec(r->c, "ROLLBACK", NULL, &(struct err){0});
			r->in_tx = 0;
			pending_clear(r);
			r->batch.n = 0; /* rolled back with the run */
			return -1;
		}
	}
	return finish_plan(r, e);
}

/* With one transaction for the whole run, a lock wait that gave up rolls
 * all of it back: run it all again (retry_run says when). */
static int run_plan(struct run *r, const struct revplan *plan, struct err *e)
{
	for (r->run_attempt = 0;; r->run_attempt++) {
		if (run_plan_once(r, plan, e) == 0)
			return 0;
		if (!retry_run(r, e))
			return -1;
		log_warn("%s; the run was rolled back, retry %d of %d", e->msg, r->run_attempt + 1,
			 r->retries);
		if (lockwatch_wait_retry(r->run_attempt + 1, e) < 0)
			return -1;
	}
}

typedef int (*planner)(const struct revgraph *g, const char *const *current, size_t n_current,
		       const char *target, struct revplan *plan, struct err *e);

/* Plan with plan_fn (toward target), or run the steps of given as they are. */
static int migrate(PGconn *c, const struct config *cfg, const struct revdir *rd, const char *target,
		   planner plan_fn, const struct revplan *given, struct migrate_report *rep,
		   struct err *e)
{
	struct run r = {.c = c, .cfg = cfg, .rd = rd};
	struct revplan plan = {0};
	char **heads = NULL;
	size_t n = 0;
	int64_t start = now_ms();
	int rc = -1;

	memset(rep, 0, sizeof *rep);
	r.per_migration = (int)config_num(cfg, CFG_MIGRATIONS_TRANSACTION_PER_MIGRATION);
	r.retries = (int)config_num(cfg, CFG_MIGRATIONS_LOCK_RETRIES);
	r.watch_ms = lockwatch_first_ms(config_is_set(cfg, CFG_MIGRATIONS_LOCK_TIMEOUT)
						? config_num(cfg, CFG_MIGRATIONS_LOCK_TIMEOUT)
						: 0);
	if (store_init(&r.st, c, cfg, e) < 0 || migrate_heads(c, cfg, rd, &heads, &n, e) < 0)
		return -1;
	join_ids((const char *const *)heads, n, rep->from, sizeof rep->from);
	snprintf(rep->to, sizeof rep->to, "%s", rep->from);
	if (!rd->graph) {
		rc = 0;
		goto out;
	}
	r.heads = (const char *const *)heads;
	r.n_heads = n;
	if (given)
		plan = *given;
	else if (plan_fn(rd->graph, (const char *const *)heads, n, target, &plan, e) < 0)
		goto out;
	if (migrate_check_plan(rd, &plan, e) < 0)
		goto out;
	if (plan.n_steps > 0 &&
	    (store_ensure_version(&r.st, e) < 0 || store_ensure_history(&r.st, e) < 0 ||
	     run_applied_by(&r, e) < 0))
		goto out;
	if (run_plan(&r, &plan, e) < 0)
		goto out;
	rep->steps = (int)plan.n_steps;
	join_ids(plan.heads, plan.n_heads, rep->to, sizeof rep->to);
	rc = 0;
out:
	rep->ms = now_ms() - start;
	lockwatch_stop();
	batch_free(&r.batch);
	free(r.net.at);
	free(r.net.now);
	free(r.applied_by);
	if (!given)
		revplan_release(&plan);
	store_free_heads(heads, n);
	return rc;
}

int migrate_pending(PGconn *c, const struct config *cfg, const struct revdir *rd, size_t *pending,
		    struct err *e)
{
	struct revplan plan = {0};
	char **heads = NULL;
	size_t n = 0;
	int rc = 0;

	*pending = 0;
	if (!rd->graph)
		return 0;
	if (migrate_heads(c, cfg, rd, &heads, &n, e) < 0)
		return -1;
	rc = revplan_upgrade(rd->graph, (const char *const *)heads, n, "heads", &plan, e);
	*pending = plan.n_steps;
	revplan_release(&plan);
	store_free_heads(heads, n);
	return rc;
}

int migrate_fresh_heads(const struct revdir *rd, char *buf, size_t cap, struct err *e)
{
	struct revplan plan = {0};

	snprintf(buf, cap, "base");
	if (!rd->graph)
		return 0;
	if (revplan_upgrade(rd->graph, NULL, 0, "heads", &plan, e) < 0)
		return -1;
	join_ids(plan.heads, plan.n_heads, buf, cap);
	revplan_release(&plan);
	return 0;
}

int migrate_upgrade(PGconn *c, const struct config *cfg, const struct revdir *rd,
		    const char *target, struct migrate_report *rep, struct err *e)
{
	return migrate(c, cfg, rd, target, revplan_upgrade, NULL, rep, e);
}

int migrate_downgrade(PGconn *c, const struct config *cfg, const struct revdir *rd,
		      const char *target, struct migrate_report *rep, struct err *e)
{
	return migrate(c, cfg, rd, target, revplan_downgrade, NULL, rep, e);
}

int migrate_steps(PGconn *c, const struct config *cfg, const struct revdir *rd,
		  const struct revplan_step *steps, size_t n, struct migrate_report *rep,
		  struct err *e)
{
	struct revplan given = {(struct revplan_step *)steps, n, NULL, 0};
	return migrate(c, cfg, rd, NULL, NULL, &given, rep, e);
}

/* ---- stamp ---------------------------------------------------------------- */

/* Delete the version rows (current heads) on the lineage of any of revs:
 * those that reach one of them or that one of them reaches. */
static int delete_related(PGconn *c, const struct store *st, const struct revdir *rd,
			  char **heads, size_t n, const size_t *revs, size_t nrevs, struct err *e)
{
	char sql[STORE_NAME_MAX + 128];
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE version_num = $1", st->version);
	for (size_t i = 0; i < n; i++) {
		size_t h = (size_t)(revdir_find(rd, heads[i]) - rd->files);
		for (size_t k = 0; k < nrevs; k++) {
			int related = revgraph_reaches(rd->graph, h, revs[k]);
			if (related == 0)
				related = revgraph_reaches(rd->graph, revs[k], h);
			if (related < 0)
				return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
			if (related) {
				const char *params[1] = {heads[i]};
				if (db_exec_params(c, sql, 1, params, NULL, e) < 0)
					return -1;
				break;
			}
		}
	}
	return 0;
}

int migrate_stamp(PGconn *c, const struct config *cfg, const struct revdir *rd, const char *target,
		  int purge, struct migrate_report *rep, struct err *e)
{
	struct store st;
	size_t want[256], nwant = 0, branch[256], nbranch = 0;
	char **heads = NULL;
	size_t n = 0;
	char sql[STORE_NAME_MAX + 128];
	int64_t start = now_ms();
	int rc = -1;

	memset(rep, 0, sizeof *rep);
	if (store_init(&st, c, cfg, e) < 0)
		return -1;
	if (strcmp(target, "base") != 0) {
		size_t len = strlen(target);
		if (!rd->graph)
			return err_set(e, EXIT_GRAPH, "no revisions in \"%s\"", rd->dir);
		if (revgraph_resolve(rd->graph, target, want, 256, &nwant, e) < 0)
			return -1;
		/* BRANCH@base (a label or a revision): as Alembic, only the heads on
		 * that branch go; the others stay */
		if (nwant == 0 && len > 5 && strcmp(target + len - 5, "@base") == 0) {
			char prefix[256];
			snprintf(prefix, sizeof prefix, "%.*s", (int)(len - 5), target);
			if (revgraph_resolve(rd->graph, prefix, branch, 256, &nbranch, e) < 0)
				return -1;
		}
	}
	if (purge) {
		if (store_heads(&st, &heads, &n, e) < 0)
			return -1;
	} else if (migrate_heads(c, cfg, rd, &heads, &n, e) < 0) {
		return -1;
	}
	join_ids((const char *const *)heads, n, rep->from, sizeof rep->from);
	if (store_ensure_version(&st, e) < 0 || db_exec(c, "BEGIN", NULL, e) < 0)
		goto out;
	if (!purge && nbranch > 0) {
		if (delete_related(c, &st, rd, heads, n, branch, nbranch, e) < 0)
			goto rollback;
	} else if (purge || nwant == 0) {
		snprintf(sql, sizeof sql, "DELETE FROM %s", st.version);
		if (db_exec(c, sql, NULL, e) < 0)
			goto rollback;
	} else if (delete_related(c, &st, rd, heads, n, want, nwant, e) < 0) {
		/* A target replaces the rows on its own lineage and keeps the others. */
		goto rollback;
	}
	for (size_t k = 0; k < nwant; k++) {
		const char *params[1] = {revgraph_id(rd->graph, want[k])};
		snprintf(sql, sizeof sql,
			 "INSERT INTO %s (version_num) VALUES ($1) ON CONFLICT DO NOTHING", st.version);
		if (db_exec_params(c, sql, 1, params, NULL, e) < 0)
			goto rollback;
	}
	if (db_exec(c, "COMMIT", NULL, e) < 0)
		goto out;
	store_free_heads(heads, n);
	heads = NULL;
	if (store_heads(&st, &heads, &n, e) < 0)
		goto out;
	join_ids((const char *const *)heads, n, rep->to, sizeof rep->to);
	rc = 0;
	goto out;
rollback:
	db_exec(c, "ROLLBACK", NULL, &(struct err){0});
out:
	rep->ms = now_ms() - start;
	store_free_heads(heads, n);
	return rc;
}

/* When a revision was last applied, for the message (the rare path: the
 * bulk query leaves dates out, since a first to_char costs a new session
 * more than the comparison). */
static void applied_on(struct store *st, const char *revision, char *out, size_t cap)
{
	char sql[STORE_NAME_MAX + 256];
	const char *params[1] = {revision};
	PGresult *r = NULL;
	snprintf(out, cap, "an unknown date");
	snprintf(sql, sizeof sql,
		 "SELECT to_char(finished_at, 'YYYY-MM-DD HH24:MI:SS') FROM %s "
		 "WHERE revision = $1 AND success AND direction = 'upgrade' ORDER BY id DESC LIMIT 1",
		 st->history);
	if (db_exec_params(st->c, sql, 1, params, &r, &(struct err){0}) == 0 && PQntuples(r) == 1)
		snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

int migrate_report_changed(PGconn *c, const struct config *cfg, const struct revdir *rd,
			   struct err *e)
{
	struct store st;
	char sql[STORE_NAME_MAX + 512];
	PGresult *r;
	int exists;
	if (store_init(&st, c, cfg, e) < 0 || store_exists(&st, st.history, &exists, e) < 0)
		return -1;
	if (!exists)
		return 0;
	snprintf(sql, sizeof sql,
		 "SELECT revision, sha256 FROM (SELECT DISTINCT ON (revision) revision, sha256, "
		 "direction FROM %s WHERE success AND direction IN ('upgrade', 'downgrade') "
		 "ORDER BY revision, id DESC) last WHERE direction = 'upgrade'",
		 st.history);
	if (db_exec(c, sql, &r, e) < 0)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		const struct revdir_file *f = revdir_find(rd, PQgetvalue(r, i, 0));
		char when[64];
		if (!f || strcmp(f->sha256, PQgetvalue(r, i, 1)) == 0)
			continue;
		applied_on(&st, f->rev.revision, when, sizeof when);
		log_warn("revision %s (%s) changed after it was applied on %s", f->rev.revision,
			 f->path, when);
	}
	PQclear(r);
	return 0;
}
