/*
 * initdir.c — see initdir.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "init/initdir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/lockwatch.h"
#include "db/query.h"
#include "db/session.h"
#include "init/datedir.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/digest.h"
#include "util/duration.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/progress.h"
#include "script/runner.h"
#include "script/vars.h"
#include "util/sig.h"
#include "db/store.h"

struct init_file {
	char *key;  /* "<date dir>/<file>", the bookkeeping key */
	char *path; /* init.dir/<date dir>/<file> */
	long date;
};

struct init_list {
	struct init_file *files;
	size_t n, cap;
};

static void list_release(struct init_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->files[i].key);
		free(l->files[i].path);
	}
	free(l->files);
	memset(l, 0, sizeof *l);
}

static int by_date_then_name(const void *a, const void *b)
{
	const struct init_file *x = a, *y = b;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return natural_cmp(x->key, y->key);
}

/* Find the init files in order.  A missing default directory is no files;
 * a missing directory named explicitly is a configuration error.  Scripts
 * outside the dated directories are named once per process, however many
 * times the files are looked for (the check, the look whether there is work,
 * the run). */
static int stray_named;

static int discover(const struct config *cfg, struct init_list *l, struct err *e)
{
	const char *root = config_str(cfg, CFG_INIT_DIR);
	char **dirs = NULL;
	size_t ndirs = 0;
	int rc = -1;

	memset(l, 0, sizeof *l);
	if (!fs_is_dir(root)) {
		if (cfg->v[CFG_INIT_DIR].origin == ORIGIN_DEFAULT)
			return 0;
		return err_set(e, EXIT_CONFIG, "%s: init directory \"%s\" does not exist",
			       cfg->v[CFG_INIT_DIR].where, root);
	}
	if (!stray_named) {
		/* A script beside the dated directories is a mistake worth saying:
		 * it never runs.  (Other files there, like the manifest, are fine.) */
		char **stray = NULL;
		size_t nstray = 0;
		if (fs_list_packed(root, ".sql", &stray, &nstray, e) < 0)
			return -1;
		for (size_t i = 0; i < nstray; i++)
			log_warn("%s/%s is not in a dated directory and does not run (move it into %s/YYYYMMDD/)",
				 root, stray[i], root);
		fs_free_list(stray, nstray);
		stray_named = 1;
	}
	if (fs_list_dirs(root, &dirs, &ndirs, e) < 0)
		return -1;
	for (size_t d = 0; d < ndirs; d++) {
		long date;
		const char *why;
		char *dir;
		char **files = NULL;
		size_t nfiles = 0;

		if (datedir_parse(dirs[d], &date, &why) < 0) {
			err_set(e, EXIT_CONFIG, "init directory \"%s/%s\" is %s", root, dirs[d], why);
			goto out;
		}
		dir = fs_join(root, dirs[d]);
		if (!dir) {
			err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
			goto out;
		}
		if (fs_list_packed(dir, ".sql", &files, &nfiles, e) < 0) {
			free(dir);
			goto out;
		}
		for (size_t f = 0; f < nfiles; f++) {
			struct init_file *it;
			if (array_reserve(&l->files, &l->cap, l->n + 1, sizeof *l->files) < 0) {
				fs_free_list(files, nfiles);
				free(dir);
				err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
				goto out;
			}
			it = &l->files[l->n++];
			it->date = date;
			it->key = fs_join(dirs[d], files[f]);
			it->path = fs_join(dir, files[f]);
		}
		fs_free_list(files, nfiles);
		free(dir);
	}
	qsort(l->files, l->n, sizeof *l->files, by_date_then_name);
	rc = 0;
out:
	fs_free_list(dirs, ndirs);
	if (rc < 0)
		list_release(l);
	return rc;
}

/* The applied rows: key -> sha256 (a small sorted array would do; the
 * number of init files is small, a linear scan per file is fine). */
struct applied {
	PGresult *r;
};

/* The recorded files: path and SHA-256 of each. */
static int read_applied(struct store *s, struct applied *a, struct err *e)
{
	char sql[STORE_NAME_MAX + 32];
	snprintf(sql, sizeof sql, "SELECT path, sha256 FROM %s", s->init);
	return db_exec(s->c, sql, &a->r, e);
}

static const char *applied_sha(const struct applied *a, const char *key)
{
	for (int i = 0; a->r && i < PQntuples(a->r); i++)
		if (strcmp(PQgetvalue(a->r, i, 0), key) == 0)
			return PQgetvalue(a->r, i, 1);
	return NULL;
}

static int record(struct store *s, const char *key, const char *sha, int64_t ms, const char *status,
		  struct err *e)
{
	char sql[STORE_NAME_MAX + 200];
	char dur[32];
	const char *params[4] = {key, sha, dur, status};
	snprintf(dur, sizeof dur, "%lld", (long long)ms);
	snprintf(sql, sizeof sql,
		 "INSERT INTO %s (path, sha256, duration_ms, status) VALUES ($1, $2, $3, $4)", s->init);
	return db_exec_params(s->c, sql, 4, params, NULL, e);
}

/* Record the files dated through (yyyymmdd; LONG_MAX: all) that are not
 * recorded yet as baselined. */
static int record_baselined(struct store *s, const struct init_list *l, const struct applied *a,
			    long through, struct init_report *rep, struct err *e)
{
	for (size_t i = 0; i < l->n; i++) {
		char sha[DIGEST_HEX_LEN + 1];
		if (l->files[i].date > through || applied_sha(a, l->files[i].key))
			continue;
		if (fs_digest_file(l->files[i].path, sha, e) < 0 ||
		    record(s, l->files[i].key, sha, 0, "baselined", e) < 0)
			return -1;
		rep->baselined++;
	}
	return 0;
}

/* Give the next file (and our own bookkeeping) the session a new `psql -f`
 * would start with: a script may leave settings behind (pg_dump empties
 * search_path with set_config(…, false)), a role, or temporary tables.  Not
 * DISCARD ALL: it would release the migration lock.  In a transactional
 * file this runs inside its transaction, before the bookkeeping row. */
static int reset_session(PGconn *c, struct err *e)
{
	return db_exec(c, "SET SESSION AUTHORIZATION DEFAULT; RESET ROLE; RESET ALL; DISCARD TEMP",
		       NULL, e);
}

/* The session's lock_timeout and statement_timeout for the next file
 * (init.lock_timeout, init.statement_timeout): set before it, so a file's
 * own SET wins, and reset with the rest of the session after it. */
static int set_timeouts(PGconn *c, const struct config *cfg, struct err *e)
{
	return session_set_timeouts(c, cfg, CFG_INIT_LOCK_TIMEOUT, CFG_INIT_STATEMENT_TIMEOUT, 0, e);
}

/* Run one file once: in one transaction (like psql -1 -f), or, when it
 * needs autocommit, statement by statement (like psql -f). */
static int run_file_once(struct store *s, const struct config *cfg, const struct init_file *f,
			 struct runner_opts *o, struct runner_stats *st, int64_t start, struct err *e)
{
	struct progress bar;
	struct stat info;
	char sha256[DIGEST_HEX_LEN + 1] = ""; /* taken while the file runs */
	int rc;

	o->sha256 = sha256;
	o->progress = progress_update;
	o->progress_ctx = &bar;
	if (set_timeouts(s->c, cfg, e) < 0 || (!o->autocommit && db_exec(s->c, "BEGIN", NULL, e) < 0))
		return -1;
	progress_start(&bar, f->key, stat(f->path, &info) == 0 ? (uint64_t)info.st_size : 0);
	rc = runner_run_file(s->c, f->path, o, st, e);
	progress_end(&bar);
	if (rc == 0 && !sha256[0])
		rc = err_set(e, EXIT_FAILURE_GENERIC, "%s: cannot compute its SHA-256", f->path);
	if (rc == 0)
		rc = reset_session(s->c, e);
	if (rc == 0)
		rc = record(s, f->key, sha256, now_ms() - start, "applied", e);
	if (!o->autocommit) {
		if (rc == 0)
			rc = db_exec(s->c, "COMMIT", NULL, e);
		else
			db_exec(s->c, "ROLLBACK", NULL, &(struct err){0});
	}
	return rc;
}

/* Run one file.  The mode is decided by scanning the file before anything
 * runs: running it one way and again the other would repeat what a
 * rollback does not undo (sequence values, prepared statements, advisory
 * locks, notifications).  A transactional file whose statement gave up
 * waiting for a lock is rolled back and run again, up to init.lock_retries
 * times; in autocommit mode the runner retries the statement itself. */
static int run_file(struct store *s, const struct config *cfg, const struct vars *vars,
		    const struct init_file *f, struct init_report *rep, struct err *e)
{
	struct runner_stats st = {0};
	struct runner_scan scan;
	struct runner_opts o = {.root = config_str(cfg, CFG_INIT_DIR)};
	int retries = (int)config_num(cfg, CFG_INIT_LOCK_RETRIES);
	int64_t start = now_ms();
	char took[32], label[300];
	int rc;

	o.vars = vars;
	o.lock_retries = retries;
	if (runner_scan_file(f->path, o.root, s->c, vars, &scan, e) < 0)
		return -1;
	log_debug("init script %s: scanned in %s (%s)", f->key,
		  duration_format(now_ms() - start, took, sizeof took),
		  scan.autocommit ? scan.reason : "one transaction");
	o.autocommit = scan.autocommit;
	if (o.autocommit)
		log_info("running init script %s statement by statement (%s)", f->key, scan.reason);
	snprintf(label, sizeof label, "init script %s", f->key);
	lockwatch_start(label, lockwatch_first_ms(config_is_set(cfg, CFG_INIT_LOCK_TIMEOUT)
							  ? config_num(cfg, CFG_INIT_LOCK_TIMEOUT)
							  : 0));
	for (int attempt = 0;; attempt++) {
		memset(&st, 0, sizeof st);
		rc = run_file_once(s, cfg, f, &o, &st, start, e);
		if (rc == 0 || o.autocommit || !lockwatch_retryable(e) || attempt >= retries ||
		    sig_received())
			break;
		log_warn("init script %s: %s; rolled back, retry %d of %d", f->key, e->msg, attempt + 1,
			 retries);
		if (lockwatch_wait_retry(attempt + 1, e) < 0)
			break;
	}
	lockwatch_stop(); /* the blockers last seen stay for the hint */
	if (rc < 0) {
		lockwatch_gave_up_hint(e, retries, "init.lock_retries");
		if (!o.autocommit && (e->code == EXIT_SQL || e->code == EXIT_AUTH))
			err_append_hint(e, "the script was rolled back: nothing of it was applied");
		return -1;
	}
	rep->ran++;
	rep->statements += st.statements;
	log_debug("init script %s: %llu statements in %llu round trips, %llu bytes of COPY data",
		  f->key, (unsigned long long)st.statements, (unsigned long long)st.batches,
		  (unsigned long long)st.copy_bytes);
	log_info("ran init script %s: %llu statement%s in %s", f->key,
		 (unsigned long long)st.statements, st.statements == 1 ? "" : "s",
		 duration_format(now_ms() - start, took, sizeof took));
	return 0;
}

/* init.adopt_through as a date (any of the directory name forms), else
 * the date of the oldest directory; name (cap bytes) gets what to call it
 * in messages. */
static int adopt_through(const struct config *cfg, const struct init_list *l, long *date,
			 char *name, size_t cap, struct err *e)
{
	const struct config_value *v = &cfg->v[CFG_INIT_ADOPT_THROUGH];
	const char *why;

	*date = LONG_MIN;
	snprintf(name, cap, "none");
	if (v->text) {
		if (datedir_parse(v->text, date, &why) < 0)
			return err_set(e, EXIT_CONFIG,
				       "%s: invalid init.adopt_through \"%s\": %s (it names the newest "
				       "dated directory the database already has)",
				       v->where, v->text, why);
		snprintf(name, cap, "%s", v->text);
	} else if (l->n > 0) {
		/* sorted, the oldest first; its key is "<dir>/<file>" */
		*date = l->files[0].date;
		snprintf(name, cap, "%.*s", (int)strcspn(l->files[0].key, "/"), l->files[0].key);
	}
	return 0;
}

int init_check(const struct config *cfg, struct err *e)
{
	struct init_list l;
	long through;
	char name[256];
	int rc;

	if (discover(cfg, &l, e) < 0)
		return -1;
	rc = adopt_through(cfg, &l, &through, name, sizeof name, e);
	list_release(&l);
	return rc;
}

static int load_state(struct store *s, const struct config *cfg, const struct init_list *l,
		      struct applied *a, struct init_report *rep, struct err *e)
{
	int have_init, have_version;
	char **heads = NULL;
	size_t nheads = 0;

	if (store_exists(s, s->init, &have_init, e) < 0)
		return -1;
	if (!have_init) {
		if (store_exists(s, s->version, &have_version, e) < 0)
			return -1;
		if (have_version && store_heads(s, &heads, &nheads, e) < 0)
			return -1;
		if (nheads > 0) {
			/* Adoption: set up by the old script and stamped by Alembic.  The
			 * old script ran the directories it knew, up to adopt_through;
			 * the newer ones are for this tool to run. */
			long through;
			char through_name[256];
			int n = 0;
			if (adopt_through(cfg, l, &through, through_name, sizeof through_name, e) < 0) {
				store_free_heads(heads, nheads);
				return -1;
			}
			for (size_t i = 0; i < l->n; i++)
				n += l->files[i].date <= through;
			log_info("adopting a database Alembic stamped at %s: recording %d init script%s of "
				 "the directories up to %s as baselined without running them "
				 "(init.adopt_through)",
				 heads[0], n, n == 1 ? "" : "s", through_name);
			store_free_heads(heads, nheads);
			if (store_ensure_init(s, e) < 0 ||
			    record_baselined(s, l, a, through, rep, e) < 0)
				return -1;
		} else {
			long tables;
			const char *schema = config_str(cfg, CFG_VERIFY_SCHEMA);
			store_free_heads(heads, nheads);
			if (store_count_tables(s, schema, &tables, e) < 0)
				return -1;
			if (tables > 0 && l->n > 0) {
				err_set(e, EXIT_VERIFY,
					"schema \"%s\" already holds %ld table%s but has no record of init "
					"scripts or revisions",
					schema, tables, tables == 1 ? "" : "s");
				return err_hint(e, "if the init scripts were run by other means, record them "
						   "with 'migrate baseline [REV]' (it also stamps a revision)");
			}
			if (store_ensure_init(s, e) < 0)
				return -1;
		}
	}
	return read_applied(s, a, e);
}

int init_pending(PGconn *c, const struct config *cfg, int *pending, struct err *e)
{
	struct init_list l;
	struct applied a = {0};
	struct store s;
	int have_init = 0, rc = -1;

	*pending = 0;
	if (discover(cfg, &l, e) < 0)
		return -1;
	if (l.n == 0) {
		rc = 0;
		goto out;
	}
	if (store_init(&s, c, cfg, e) < 0 || store_exists(&s, s.init, &have_init, e) < 0)
		goto out;
	if (!have_init) {
		*pending = 1;
		rc = 0;
		goto out;
	}
	if (read_applied(&s, &a, e) < 0)
		goto out;
	for (size_t i = 0; i < l.n && !*pending; i++)
		*pending = applied_sha(&a, l.files[i].key) == NULL;
	rc = 0;
out:
	PQclear(a.r);
	list_release(&l);
	return rc;
}

int init_run(PGconn *c, const struct config *cfg, const struct init_opts *o,
	     struct init_report *rep, struct err *e)
{
	struct init_list l;
	struct applied a = {0};
	struct store s;
	struct vars vars = {0};
	int64_t start = now_ms();
	int rc = -1;

	memset(rep, 0, sizeof *rep);
	if (discover(cfg, &l, e) < 0)
		return -1;
	rep->files = (int)l.n;
	if (l.n == 0) {
		list_release(&l);
		return 0;
	}
	for (size_t i = 0; i < cfg->n_init_vars; i++)
		if (vars_set(&vars, cfg->init_vars[i].name, cfg->init_vars[i].value,
			     cfg->init_vars[i].secret) < 0) {
			err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
			goto out;
		}
	if (store_init(&s, c, cfg, e) < 0 || load_state(&s, cfg, &l, &a, rep, e) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		const char *sha = applied_sha(&a, l.files[i].key);
		if (sig_check(e) < 0)
			goto out;
		if (sha) {
			char now_sha[DIGEST_HEX_LEN + 1];
			if (fs_digest_file(l.files[i].path, now_sha, e) < 0)
				goto out;
			if (strcmp(now_sha, sha) != 0) {
				rep->changed++;
				if (o->strict) {
					err_set(e, EXIT_VERIFY,
						"init script %s changed after it was applied", l.files[i].path);
					err_hint(e, "init scripts run once; put new changes in a new dated "
						    "directory or a revision");
					goto out;
				}
				log_warn("init script %s changed after it was applied (it is not run again; "
					 "put changes in a new dated directory or a revision)",
					 l.files[i].path);
			}
			continue;
		}
		if (run_file(&s, cfg, &vars, &l.files[i], rep, e) < 0)
			goto out;
	}
	rc = 0;
out:
	rep->ms = now_ms() - start;
	vars_release(&vars);
	PQclear(a.r);
	list_release(&l);
	return rc;
}

int init_baseline(PGconn *c, const struct config *cfg, struct init_report *rep, struct err *e)
{
	struct init_list l;
	struct applied a = {0};
	struct store s;
	char sql[STORE_NAME_MAX + 64];
	int rc = -1;

	memset(rep, 0, sizeof *rep);
	if (discover(cfg, &l, e) < 0)
		return -1;
	rep->files = (int)l.n;
	if (store_init(&s, c, cfg, e) < 0 || store_ensure_init(&s, e) < 0)
		goto out;
	snprintf(sql, sizeof sql, "SELECT path, sha256 FROM %s", s.init);
	if (db_exec(c, sql, &a.r, e) < 0 || record_baselined(&s, &l, &a, LONG_MAX, rep, e) < 0)
		goto out;
	rc = 0;
out:
	PQclear(a.r);
	list_release(&l);
	return rc;
}
