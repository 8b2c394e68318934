/*
 * config.h — settings (docs/reference.md §3, §4): defaults < config file < environment <
 * command-line flags.
 *
 * The config file is --config PATH, else $MIGRATE_CONFIG, else ./migrate.ini
 * if it exists; without one, ./alembic.ini's [alembic] sqlalchemy.url is
 * used as the database URL.  File values may use ${VAR} and ${VAR:-default}
 * ($$ is a literal $).  Every setting is also MIGRATE_<SECTION>_<KEY> in the
 * environment; the database URL also DATABASE_URL.  Any variable X may be
 * given as X_FILE (see env.h).
 *
 * Each value remembers where it came from, so errors can say
 * "migrate.ini:12" or "environment MIGRATE_WAIT_TIMEOUT".
 */
#ifndef MIGRATE_CONFIG_H
#define MIGRATE_CONFIG_H

#include <stdint.h>

#include "util/err.h"

enum config_id {
	CFG_DATABASE_URL,
	CFG_DATABASE_MAINTENANCE_DB,
	CFG_DATABASE_CREATE,
	CFG_DATABASE_OWNER,
	CFG_DATABASE_TEMPLATE,
	CFG_DATABASE_ENCODING,
	CFG_DATABASE_LOCALE,
	CFG_DATABASE_STRATEGY,
	CFG_DATABASE_TEMPLATE_CACHE,
	CFG_WAIT_TIMEOUT,
	CFG_WAIT_SERVICES,
	CFG_WAIT_CA_CERT,
	CFG_INIT_DIR,
	CFG_MIGRATIONS_DIR,
	CFG_MIGRATIONS_VERSION_TABLE,
	CFG_MIGRATIONS_VERSION_TABLE_SCHEMA,
	CFG_MIGRATIONS_TRANSACTION_PER_MIGRATION,
	CFG_MIGRATIONS_LOCK_TIMEOUT,
	CFG_MIGRATIONS_STATEMENT_TIMEOUT,
	CFG_MIGRATIONS_LOCK_RETRIES,
	CFG_MIGRATIONS_SCHEMA_FILE,
	CFG_INIT_LOCK_TIMEOUT,
	CFG_INIT_STATEMENT_TIMEOUT,
	CFG_INIT_LOCK_RETRIES,
	CFG_INIT_ADOPT_THROUGH,
	CFG_LOCK_TIMEOUT,
	CFG_LOCK_MODE,
	CFG_VERIFY_SCHEMA,
	CFG_VERIFY_MIN_TABLES,
	CFG_VERIFY_MANIFEST,
	CFG_LOG_FORMAT,
	CFG_LOG_LEVEL,
	CFG_COUNT
};

enum config_origin { ORIGIN_DEFAULT = 0, ORIGIN_FILE, ORIGIN_ENV, ORIGIN_FLAG };

struct config_value {
	char *text;  /* the value as given (expanded), malloc'd; NULL = unset */
	int64_t num; /* parsed: bool 0/1, duration in ms, integer, enum index */
	enum config_origin origin;
	char where[300]; /* "migrate.ini:12", "MIGRATE_WAIT_TIMEOUT", "--wait-timeout" */
};

struct config {
	struct config_value v[CFG_COUNT];
	char *file; /* the config file read, malloc'd, or NULL */
	/* [init.variables] NAME = VALUE and MIGRATE_INIT_VAR_<NAME>[_FILE]:
	 * psql variables for the init scripts (the environment wins) */
	struct config_var *init_vars;
	size_t n_init_vars;
};

struct config_var {
	char *name, *value; /* malloc'd */
	int secret;         /* from a _FILE, or a name that says password, secret, token or key */
	char where[300];
};

/* A command-line override: setting "section.key" = value, from flag. */
struct config_override {
	const char *name;  /* "wait.timeout" */
	const char *value; /* borrowed from argv */
	const char *flag;  /* "--wait-timeout", for messages */
};

/* Load every source in precedence order.  explicit_file is --config's
 * argument or NULL.  Overrides are applied last, in order (a list setting
 * such as wait.services accumulates).  On error the config is still safe to
 * release.  Errors are EXIT_CONFIG and name the key and where it came from. */
int config_load(struct config *cfg, const char *explicit_file, const struct config_override *ov,
		size_t n_ov, struct err *e);

/* Whether name (len bytes) is a psql variable name, as psql's
 * valid_variable_name: ASCII letters and digits, '_' and bytes of 0x80 and
 * up.  The rule for [init.variables] and for every variable of a script. */
int config_var_name_ok(const char *name, size_t len);

/* Free everything config_load allocated. */
void config_release(struct config *cfg);

/* Convenience accessors. */
const char *config_str(const struct config *cfg, enum config_id id); /* NULL when unset */
int64_t config_num(const struct config *cfg, enum config_id id);
int config_is_set(const struct config *cfg, enum config_id id);

/* Expand ${VAR} / ${VAR:-default} / $$ in text (pure apart from getenv and
 * X_FILE reads).  *out is malloc'd.  An unset variable without a default is
 * EXIT_CONFIG naming it. */
int config_expand(const char *text, char **out, struct err *e);

#endif
