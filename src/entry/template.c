/*
 * template.c — see template.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "entry/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/connect.h"
#include "db/query.h"
#include "util/backoff.h"
#include "util/clock.h"
#include "util/digest.h"
#include "util/duration.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/sig.h"
#include "util/strbuf.h"

#define REPORT_EVERY_MS 5000

/* The key of the template lock: "mtpl", and the digest's first 32 bits. */
#define TEMPLATE_LOCK_CLASSID 0x6d74706cu

/* One line of the digest's input: "key LEN:value\n" (a value may hold any
 * byte, a newline too, and still say where it ends); NULL as "-". */
static void add_field(struct strbuf *b, const char *key, const char *value)
{
	if (value)
		strbuf_printf(b, "%s %zu:%s\n", key, strlen(value), value);
	else
		strbuf_printf(b, "%s -\n", key);
}

static int by_revision(const void *a, const void *b)
{
	const struct revdir_file *x = *(const struct revdir_file *const *)a;
	const struct revdir_file *y = *(const struct revdir_file *const *)b;
	return strcmp(x->rev.revision, y->rev.revision);
}

/* Every file below init.dir, by path and bytes. */
static int add_init_files(struct strbuf *b, const char *root, struct err *e)
{
	char **paths = NULL;
	size_t n = 0;
	int rc = 0;

	if (fs_list_tree(root, &paths, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char hex[DIGEST_HEX_LEN + 1];
		char *path = fs_join(root, paths[i]);
		if (!path)
			rc = err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		else if ((rc = fs_digest_bytes(path, hex, e)) == 0)
			strbuf_printf(b, "init %zu:%s %s\n", strlen(paths[i]), paths[i], hex);
		free(path);
	}
	fs_free_list(paths, n);
	return rc;
}

/* The revision files sorted by id (*sorted, malloc'd; NULL when none). */
static int sort_revisions(const struct revdir *rd, const struct revdir_file ***sorted,
			  struct err *e)
{
	*sorted = NULL;
	if (rd->n == 0)
		return 0;
	*sorted = malloc(rd->n * sizeof **sorted);
	if (!*sorted)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	for (size_t i = 0; i < rd->n; i++)
		(*sorted)[i] = &rd->files[i];
	qsort(*sorted, rd->n, sizeof **sorted, by_revision);
	return 0;
}

/* The revision files by id and bytes; the project's roots into *roots. */
static int add_revisions(struct strbuf *b, struct strbuf *roots, const struct revdir *rd,
			 struct err *e)
{
	const struct revdir_file **sorted;
	int rc = 0;

	if (sort_revisions(rd, &sorted, e) < 0)
		return -1;
	for (size_t i = 0; i < rd->n && rc == 0; i++) {
		char hex[DIGEST_HEX_LEN + 1];
		const struct revfile *rev = &sorted[i]->rev;
		if ((rc = fs_digest_bytes(sorted[i]->path, hex, e)) == 0)
			strbuf_printf(b, "revision %s %s\n", rev->revision, hex);
		if (rev->n_down == 0)
			strbuf_printf(roots, "%s%s", roots->len ? "," : "", rev->revision);
	}
	free(sorted);
	return rc;
}

/* The digest of the checks a database passes before it is copied into
 * the template: the verify settings and the manifest's bytes (unreadable:
 * a value no file has; the verify step reports the file).  A copy is taken
 * on trust only by a run that would check the same (tcache.h, sealed). */
static void checks_digest(const struct config *cfg, char hex[DIGEST_HEX_LEN + 1])
{
	const char *manifest = config_str(cfg, CFG_VERIFY_MANIFEST);
	char bytes[DIGEST_HEX_LEN + 1];
	struct strbuf b = {0};

	add_field(&b, "verify.schema", config_str(cfg, CFG_VERIFY_SCHEMA));
	add_field(&b, "verify.min_tables", config_str(cfg, CFG_VERIFY_MIN_TABLES));
	add_field(&b, "verify.manifest", manifest);
	if (manifest)
		add_field(&b, "manifest bytes",
			  fs_digest_bytes(manifest, bytes, &(struct err){0}) == 0 ? bytes : NULL);
	/* out of memory: "", which no template carries */
	hex[0] = '\0';
	if (b.s && !b.failed)
		digest_hex(b.s, b.len, hex);
	strbuf_release(&b);
}

/* The digest over everything that decides the content of a database the
 * pipeline builds (template.h), and the project's identity: its root
 * revisions, version table and role, what stays the same while the
 * project grows. */
static int make_id(struct template_run *tr, const struct config *cfg, const struct revdir *rd,
		   const char *role, struct err *e)
{
	static const enum config_id settings[] = {
		CFG_DATABASE_OWNER,		  CFG_DATABASE_TEMPLATE,
		CFG_DATABASE_ENCODING,		  CFG_DATABASE_LOCALE,
		CFG_MIGRATIONS_VERSION_TABLE,	  CFG_MIGRATIONS_VERSION_TABLE_SCHEMA,
	};
	static const char *const names[] = {
		"database.owner",	    "database.template",
		"database.encoding",	    "database.locale",
		"migrations.version_table", "migrations.version_table_schema",
	};
	const char *schema = config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE_SCHEMA);
	struct strbuf b = {0}, roots = {0}, identity = {0};
	char digest[DIGEST_HEX_LEN + 1], checks[DIGEST_HEX_LEN + 1];
	char *text = NULL, *who = NULL;
	int rc = -1;

	strbuf_puts(&b, "migrate-entry template cache 1\n");
	add_field(&b, "role", role);
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		add_field(&b, names[i], config_str(cfg, settings[i]));
	/* a secret's value is left out: the digest is in the catalog for
	 * every role to read */
	for (size_t i = 0; i < cfg->n_init_vars; i++) {
		add_field(&b, "variable", cfg->init_vars[i].name);
		add_field(&b, "value", cfg->init_vars[i].secret ? NULL : cfg->init_vars[i].value);
	}
	if (add_init_files(&b, config_str(cfg, CFG_INIT_DIR), e) < 0 ||
	    add_revisions(&b, &roots, rd, e) < 0)
		goto out;
	strbuf_printf(&identity, "roots %s, version table %s%s%s, role %s",
		      roots.len ? roots.s : "(none)", schema ? schema : "", schema ? "." : "",
		      config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE), role);
	text = strbuf_detach(&b);
	who = strbuf_detach(&identity);
	if (!text || !who) {
		err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		goto out;
	}
	digest_hex(text, strlen(text), digest);
	checks_digest(cfg, checks);
	if (!digest[0] || tcache_id_init(&tr->id, digest, checks, who, e) < 0)
		goto out;
	tr->have_id = 1;
	log_debug("template cache: digest %s of %zu bytes of input, project %s", digest, strlen(text),
		  who);
	rc = 0;
out:
	strbuf_release(&b);
	strbuf_release(&roots);
	strbuf_release(&identity);
	free(text);
	free(who);
	return rc;
}

static int query_role(PGconn *m, char *role, size_t cap, struct err *e)
{
	PGresult *r;
	if (db_exec(m, "SELECT current_user", &r, e) < 0)
		return -1;
	snprintf(role, cap, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
	PQclear(r);
	return 0;
}

/* Take the template lock; *m (the maintenance connection) is closed while
 * it is awaited and opened again. */
static int take_lock(struct template_run *tr, struct db_target *t, const struct config *cfg,
		     struct ready_deadline d, PGconn **m, struct err *e)
{
	char first[9];
	struct lock_key key = {tr->maint_name, "the template lock", TEMPLATE_LOCK_CLASSID, 0, 1};
	int64_t waited;
	int attempts = 0;

	memcpy(first, tr->id.digest, 8);
	first[8] = '\0';
	key.objid = (uint32_t)strtoul(first, NULL, 16);
	if (lock_acquire_key(&tr->lock, &key, m, t, config_num(cfg, CFG_LOCK_TIMEOUT),
			     config_num(cfg, CFG_WAIT_TIMEOUT), &waited, e) < 0)
		return -1;
	if (!*m && ready_maintenance(t, cfg, d, m, &tr->maint_name, &attempts, e) < 0)
		return -1;
	return 0;
}

/* How the cache's copies are made: database.strategy, or else FILE_COPY
 * where the server lets the client choose (15 and later).  Its default,
 * WAL_LOG, writes every block of the template to the WAL: for a template of
 * some megabytes, several times the time of copying the files, and the
 * template's size in WAL (and on every replica) for each copy; FILE_COPY
 * costs two checkpoints instead (docs/reference.md §3). */
static const char *copy_strategy(PGconn *m, const struct config *cfg)
{
	const char *s = config_str(cfg, CFG_DATABASE_STRATEGY);
	return s ? s : PQserverVersion(m) >= 150000 ? "file_copy" : NULL;
}

/* Clone the target from the ready template: 0 done (r->created, or created
 * by another process), 1 to go the plain way (said in one line), -1 on a
 * signal. */
static int clone(struct template_run *tr, PGconn *m, const char *dbname, const struct config *cfg,
		 int sessions, struct ready_result *r, struct err *e)
{
	if (sessions > 0) {
		log_info("template \"%s\" is in use (%d session%s): creating database \"%s\" without it",
			 tr->id.name, sessions, sessions == 1 ? "" : "s", dbname);
		return 1;
	}
	if (ready_create_database(m, dbname, cfg, tr->id.name, copy_strategy(m, cfg), &r->created,
				  e) == 0) {
		tr->cloned = r->created;
		return 0;
	}
	if (e->code >= EXIT_SIGNAL_BASE)
		return -1;
	if (strcmp(e->sqlstate, "55006") == 0)
		log_info("template \"%s\" is in use: creating database \"%s\" without it (%s)",
			 tr->id.name, dbname, e->msg);
	else
		log_warn("cannot create database \"%s\" from template \"%s\": %s; creating it without "
			 "the template",
			 dbname, tr->id.name, e->msg);
	err_clear(e);
	return 1;
}

int template_create(struct template_run *tr, struct db_target *t, const struct config *cfg,
		    const struct revdir *rd, struct ready_deadline d, int may_build,
		    struct ready_result *r, struct err *e)
{
	const char *dbname = db_target_dbname(t);
	PGconn *m = NULL;
	struct tcache_found found;
	int64_t start = now_ms();
	int attempts = 0, rc = -1, plain = 1;
	char role[256];

	memset(tr, 0, sizeof *tr);
	if (ready_maintenance(t, cfg, d, &m, &tr->maint_name, &attempts, e) < 0)
		return err_prefix(e, "cannot create database \"%s\"", dbname);
	if (query_role(m, role, sizeof role, e) < 0 || make_id(tr, cfg, rd, role, e) < 0 ||
	    tcache_lookup(m, &tr->id, &found, e) < 0)
		goto out;
	/* the lock sits in the maintenance database: held in template1 it
	 * would fail every CREATE DATABASE that copies template1 */
	if (found.st != TCACHE_READY && may_build && strcmp(tr->maint_name, "template1") != 0) {
		if (take_lock(tr, t, cfg, d, &m, e) < 0 || tcache_lookup(m, &tr->id, &found, e) < 0)
			goto out;
		if (found.st == TCACHE_UNFINISHED) {
			/* under the lock nobody is making it: the remains of a run
			 * that stopped half-way, under a name that holds our digest */
			struct err de = {0};
			if (tcache_drop(m, tr->id.name, &de) == 0)
				log_info("dropped \"%s\", a template left unfinished", tr->id.name);
			else
				log_warn("cannot drop \"%s\", a template left unfinished: %s",
					 tr->id.name, de.msg);
		}
		if (found.st == TCACHE_READY)
			lock_release(&tr->lock, &(struct err){0});
	} else if (found.st != TCACHE_READY) {
		log_info("no template \"%s\" of this project yet (%s): creating database \"%s\" without "
			 "it",
			 tr->id.name,
			 !may_build ? "only a bootstrap that runs every step makes one"
				    : "none is made while the maintenance database is template1",
			 dbname);
	}
	if (found.st == TCACHE_READY &&
	    (plain = clone(tr, m, dbname, cfg, found.sessions, r, e)) < 0)
		goto out;
	tr->sealed = tr->cloned && found.sealed;
	if (plain) {
		/* the mark goes up before the target exists: whoever sees the
		 * target sees the mark (template.h) */
		if (tr->lock.held && tcache_wear_mark(tr->lock.conn, dbname, e) < 0)
			goto out;
		if (ready_create_database(m, dbname, cfg, NULL, NULL, &r->created, e) < 0) {
			ready_create_failed(e, dbname);
			goto out;
		}
		if (tr->lock.held && r->created) {
			tr->builder = 1;
			tr->maint = m;
			m = NULL;
		} else if (tr->lock.held) {
			lock_release(&tr->lock, &(struct err){0});
		}
	}
	if (tr->cloned)
		log_info("created database \"%s\" from template \"%s\"", dbname, tr->id.name);
	else if (r->created)
		log_info("created database \"%s\"", dbname);
	/* a copy of a sealed template is at head and verified: nothing for
	 * the run to look at in it (template.h) */
	if (tr->sealed) {
		r->db_missing = 0;
		rc = 0;
	} else {
		rc = ready_open_created(t, d, r, &attempts, e);
	}
	r->create_ms = now_ms() - start;
out:
	if (m)
		PQfinish(m);
	return rc;
}

/* The builder: make the template from the target, drop the stale ones. */
static int make_template(struct template_run *tr, const char *dbname, const struct config *cfg,
			 struct err *e)
{
	int64_t start = now_ms();
	struct err me = {0};
	int dropped;
	char took[32];

	if (tcache_make(tr->maint, dbname, copy_strategy(tr->maint, cfg), &tr->id, &me) < 0) {
		if (me.code >= EXIT_SIGNAL_BASE) {
			*e = me;
			return -1;
		}
		if (strcmp(me.sqlstate, "55006") == 0 || strcmp(me.sqlstate, "42501") == 0)
			log_info("no template made of database \"%s\": %s", dbname, me.msg);
		else
			log_warn("no template made of database \"%s\": %s", dbname, me.msg);
		return 0;
	}
	tr->made = 1;
	tr->make_ms = now_ms() - start;
	log_info("made template \"%s\" of database \"%s\" in %s", tr->id.name, dbname,
		 duration_format(tr->make_ms, took, sizeof took));
	if (tcache_drop_stale(tr->maint, &tr->id, &dropped, &me) < 0) {
		if (me.code >= EXIT_SIGNAL_BASE) {
			*e = me;
			return -1;
		}
		log_warn("%s", me.msg);
	}
	return 0;
}

/* The pid of a builder wearing the mark for dbname, asked on a connection
 * of its own to the target. */
static int mark_holder(struct db_target *t, int64_t deadline, char *pid, size_t cap,
		       struct err *e)
{
	PGconn *c;
	enum db_failure why;
	int rc;

	if (db_connect(t, NULL, deadline, &c, &why, e) < 0)
		return -1;
	rc = tcache_mark_holder(c, db_target_dbname(t), pid, cap, e);
	PQfinish(c);
	return rc;
}

/* Not the builder: while a builder wears the mark for the target, wait
 * (holding no connection to it, which would fail the copy). */
static int wait_for_builder(struct db_target *t, const struct config *cfg, PGconn **work,
			    struct err *e)
{
	const char *dbname = db_target_dbname(t);
	int64_t start = now_ms(), timeout = config_num(cfg, CFG_LOCK_TIMEOUT);
	int64_t deadline = start + timeout, next_report = start;
	struct backoff b;
	char pid[24], took[32];

	if ((*work ? tcache_mark_holder(*work, dbname, pid, sizeof pid, e)
		   : mark_holder(t, deadline, pid, sizeof pid, e)) < 0)
		return -1;
	if (!pid[0])
		return 0;
	PQfinish(*work);
	*work = NULL;
	backoff_init(&b, 100, 1000, (unsigned)getpid() ^ (unsigned)start);
	while (pid[0]) {
		int64_t now = now_ms();
		if (now >= next_report) {
			log_info("waiting for pid %s, which is making a template of database \"%s\", "
				 "before going on (%s so far)",
				 pid, dbname, duration_format(now - start, took, sizeof took));
			next_report = now + REPORT_EVERY_MS;
		}
		if (now >= deadline) {
			err_set(e, EXIT_LOCK_TIMEOUT,
				"timed out after %s waiting for pid %s to make a template of database "
				"\"%s\"",
				duration_format(timeout, took, sizeof took), pid, dbname);
			return err_hint(e, "raise lock.timeout, or end that session "
					   "(pg_terminate_backend): the template is then not made");
		}
		if (sig_sleep(backoff_next(&b, now, deadline), e) < 0 ||
		    mark_holder(t, deadline, pid, sizeof pid, e) < 0)
			return -1;
	}
	return 0;
}

int template_finish(struct template_run *tr, struct db_target *t, const struct config *cfg,
		    PGconn **work, struct err *e)
{
	int rc;

	if (tr->sealed)
		return 0;
	if (!tr->builder)
		return wait_for_builder(t, cfg, work, e);
	/* the copy needs the target without sessions */
	PQfinish(*work);
	*work = NULL;
	rc = make_template(tr, db_target_dbname(t), cfg, e);
	template_release(tr);
	return rc;
}

void template_release(struct template_run *tr)
{
	if (tr->lock.conn)
		lock_release(&tr->lock, &(struct err){0});
	if (tr->maint)
		PQfinish(tr->maint);
	tr->maint = NULL;
	tr->builder = 0;
	if (tr->have_id)
		tcache_id_release(&tr->id);
	tr->have_id = 0;
}
