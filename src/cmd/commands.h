/*
 * commands.h — the subcommands, one function each, called by main.c's
 * command table after the configuration is loaded; the command line is
 * already checked (conf/cli.h: every option given belongs to the command).  Each returns 0 or -1
 * with e set; main reports e and exits with its code.
 */
#ifndef MIGRATE_COMMANDS_H
#define MIGRATE_COMMANDS_H

#include "conf/cli.h"
#include "conf/config.h"
#include "util/err.h"

struct ctx {
	struct cli cli;
	struct config cfg;
};

/* cmd_steps.c: the bootstrap pipeline and its steps one by one */
int cmd_bootstrap(struct ctx *c, struct err *e);
int cmd_wait(struct ctx *c, struct err *e);
int cmd_create(struct ctx *c, struct err *e);
int cmd_init(struct ctx *c, struct err *e);
int cmd_verify(struct ctx *c, struct err *e);

/* cmd_migrate.c: revisions on the database, with Alembic's vocabulary */
int cmd_upgrade(struct ctx *c, struct err *e);
int cmd_downgrade(struct ctx *c, struct err *e);
int cmd_current(struct ctx *c, struct err *e);
int cmd_stamp(struct ctx *c, struct err *e);
int cmd_check(struct ctx *c, struct err *e);
int cmd_baseline(struct ctx *c, struct err *e);

/* cmd_history.c: listing revisions (no database) */
int cmd_history(struct ctx *c, struct err *e);
int cmd_heads(struct ctx *c, struct err *e);
int cmd_branches(struct ctx *c, struct err *e);
int cmd_show(struct ctx *c, struct err *e);

/* cmd_revision.c: writing and checking revision files (no database) */
int cmd_revision(struct ctx *c, struct err *e);
int cmd_merge(struct ctx *c, struct err *e);
int cmd_validate(struct ctx *c, struct err *e);

/* cmd_schema.c: check --schema / --models, the database against a schema
 * file or the SQLAlchemy models; and
 * revision --autogenerate --schema: the sections of a new revision on down
 * (n_down parents) that take the database, at those, to the file's schema
 * and back, each from its marker line on (malloc'd, caller frees) */
int cmd_check_schema(struct ctx *c, struct err *e);
int cmd_check_models(struct ctx *c, struct err *e);
/* … and the snapshot of the schema a file makes (migrate test --schema),
 * the version table vschema.vtable left out */
struct snapshot;
int cmd_schema_snapshot(struct ctx *c, const char *path, const char *vschema, const char *vtable,
			struct snapshot *out, struct err *e);
/* … and whether the database dbname of the target's server matches the
 * models (migrate test --models): EXIT_VERIFY naming what Alembic detects */
int cmd_models_match(struct ctx *c, const char *dbname, struct err *e);
struct revdir;
int cmd_autogenerate(struct ctx *c, const struct revdir *rd, const char *const *down,
		     size_t n_down, char **upgrade, char **downgrade, struct err *e);

/* cmd_test.c: every revision up, down and up again on a scratch database */
int cmd_test(struct ctx *c, struct err *e);

/* cmd_import.c: an Alembic project converted into revision files (no database) */
int cmd_import_alembic(struct ctx *c, struct err *e);

#endif
