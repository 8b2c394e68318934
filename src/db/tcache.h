/*
 * tcache.h — the template cache's databases on the server (docs/reference.md
 * §7.3): finding this project's template, making one from a database at
 * head, dropping stale ones, and the mark a run that is making a template
 * wears so that other runs do not start their program in the meantime.
 * The digest and the decisions are entry/template.c's; this module only
 * speaks SQL, on a connection to the maintenance database.
 *
 * A template is named TCACHE_PREFIX + the first 16 hex digits of its
 * digest, is made not to take connections (datallowconn false: a session
 * in a template makes every copy of it fail), and is finished when it is a
 * template (datistemplate) and carries the comment
 *
 *     migrate-entry template cache 1: digest <64 hex>; checked <16 hex>;
 *     project <identity>
 *
 * (one line; COMMENT ON DATABASE; the comment and the two flags are set in
 * one transaction, so a template is either finished or recognisably not).
 * "checked" names the checks the database passed before it was copied (the
 * verify settings and manifest, entry/template.c); templates made before
 * it was added lack it.
 * Another database is one of ours, and may be dropped, only when its name
 * has the prefix and 16 hex digits and its comment has that form.
 */
#ifndef MIGRATE_TCACHE_H
#define MIGRATE_TCACHE_H

#include <libpq-fe.h>

#include "util/digest.h"
#include "util/err.h"

#define TCACHE_PREFIX "migrate_entry_template_"
#define TCACHE_COMMENT_HEAD "migrate-entry template cache 1: digest "
#define TCACHE_NAME_MAX 64
#define TCACHE_CHECKS_LEN 16
/* What the application_name of a run making a template from a database
 * starts with: this, a space, and 12 hex digits of the SHA-256 of the
 * database's name. */
#define TCACHE_MARK_HEAD "migrate-entry templating"
#define TCACHE_MARK_MAX 48

/* Which template: owned by the caller, filled by tcache_id_init. */
struct tcache_id {
	char digest[DIGEST_HEX_LEN + 1];
	char checks[TCACHE_CHECKS_LEN + 1];
	char name[TCACHE_NAME_MAX];
	char *identity; /* the project, as written after "; project " (malloc'd) */
	char *comment;  /* the whole comment (malloc'd) */
};

/* Fill id from a digest, the checks' digest (its first TCACHE_CHECKS_LEN
 * hex digits are kept) and a project identity (copied).  -1 (no memory)
 * with e set. */
int tcache_id_init(struct tcache_id *id, const char digest[DIGEST_HEX_LEN + 1],
		   const char *checks, const char *identity, struct err *e);
void tcache_id_release(struct tcache_id *id);

/* Parse a comment of the form above: 1 with digest (64 hex and a NUL),
 * checks (16 hex and a NUL, or "" when the comment has none) and *identity
 * (pointing into comment) set, 0 when it is not one of ours.  Pure. */
int tcache_comment_parse(const char *comment, char digest[DIGEST_HEX_LEN + 1],
			 char checks[TCACHE_CHECKS_LEN + 1], const char **identity);

/* 1 when name is TCACHE_PREFIX followed by exactly 16 lowercase hex
 * digits.  Pure. */
int tcache_name_ok(const char *name);

enum tcache_state {
	TCACHE_ABSENT,     /* no database of that name */
	TCACHE_READY,      /* finished, as described above */
	TCACHE_UNFINISHED  /* the name exists, but not finished: being made, or the
			      remains of a run that stopped half-way */
};

/* What tcache_lookup found. */
struct tcache_found {
	enum tcache_state st;
	/* the sessions connected to it (pg_stat_activity; a clone of a
	 * template in use fails after five seconds with 55006, so it is not
	 * tried) */
	int sessions;
	/* READY, made under the same checks, and still not taking
	 * connections: nobody has changed it since it was made (a change needs
	 * ALTER DATABASE … ALLOW_CONNECTIONS true first, by its owner or a
	 * superuser), so a copy of it is what the run that made it verified */
	int sealed;
};

/* Look id's template up on m. */
int tcache_lookup(PGconn *m, const struct tcache_id *id, struct tcache_found *f, struct err *e);

/* Make id's template from source (a database at head nobody is connected
 * to): CREATE DATABASE, then in one transaction the comment,
 * IS_TEMPLATE true and ALLOW_CONNECTIONS false.  A template made but not
 * finished is dropped again.  -1 with the server's error in e (its
 * SQLSTATE: 55006 source in use, 42501 no privilege). */
int tcache_make(PGconn *m, const char *source, const char *strategy, const struct tcache_id *id,
		struct err *e);

/* Drop the database name, a template of ours: IS_TEMPLATE false, then
 * DROP DATABASE.  -1 with e set. */
int tcache_drop(PGconn *m, const char *name, struct err *e);

/* Drop the stale templates of id's project: every database with a name of
 * ours other than id->name whose comment has id->identity as its project
 * and another digest.  A failure to drop one is a warning (one line each),
 * never an error; -1 only when the list cannot be read.  *dropped counts
 * those dropped. */
int tcache_drop_stale(PGconn *m, const struct tcache_id *id, int *dropped, struct err *e);

/* The mark of a run making a template from database dbname. */
void tcache_mark(const char *dbname, char mark[TCACHE_MARK_MAX]);

/* Wear the mark for dbname on c, in c's open transaction (set_config
 * local: it goes with the transaction, and with the connection). */
int tcache_wear_mark(PGconn *c, const char *dbname, struct err *e);

/* The pid of a session wearing the mark for dbname, other than c's own:
 * pid[0] is '\0' when there is none. */
int tcache_mark_holder(PGconn *c, const char *dbname, char *pid, size_t cap, struct err *e);

#endif
