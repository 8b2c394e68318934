/*
 * config.c — see config.h.  inih parses the file; we feed it line by line
 * through our own reader (conf/inilines.h) so that every value knows its
 * line number (inih's handler is not given one in Debian's build) and a
 * line may be longer than Debian's inih can hold.
 */
#define _POSIX_C_SOURCE 200809L
#include "conf/config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/env.h"
#include "conf/inilines.h"
#include "util/duration.h"
#include "util/log.h"
#include "util/strbuf.h"

enum setting_type { T_STRING, T_BOOL, T_DURATION, T_INT, T_LIST, T_LOG_FORMAT, T_LOG_LEVEL, T_LOCK_MODE };

struct setting {
	const char *section;
	const char *key;
	enum setting_type type;
	const char *default_text; /* NULL: unset by default */
};

static const struct setting settings[CFG_COUNT] = {
	[CFG_DATABASE_URL] = {"database", "url", T_STRING, NULL},
	[CFG_DATABASE_MAINTENANCE_DB] = {"database", "maintenance_db", T_STRING, NULL},
	[CFG_DATABASE_CREATE] = {"database", "create", T_BOOL, "true"},
	[CFG_DATABASE_OWNER] = {"database", "owner", T_STRING, NULL},
	[CFG_DATABASE_TEMPLATE] = {"database", "template", T_STRING, NULL},
	[CFG_DATABASE_ENCODING] = {"database", "encoding", T_STRING, NULL},
	[CFG_DATABASE_LOCALE] = {"database", "locale", T_STRING, NULL},
	/* CREATE DATABASE … STRATEGY (PostgreSQL 15+): wal_log or file_copy */
	[CFG_DATABASE_STRATEGY] = {"database", "strategy", T_STRING, NULL},
	/* clone a missing database from a template at head; entry/template.c */
	[CFG_DATABASE_TEMPLATE_CACHE] = {"database", "template_cache", T_BOOL, "false"},
	[CFG_WAIT_TIMEOUT] = {"wait", "timeout", T_DURATION, "60s"},
	[CFG_WAIT_SERVICES] = {"wait", "services", T_LIST, NULL},
	/* CA certificates for https services; checked by wait/services.c */
	[CFG_WAIT_CA_CERT] = {"wait", "ca_cert", T_STRING, NULL},
	[CFG_INIT_DIR] = {"init", "dir", T_STRING, "sql/init"},
	[CFG_MIGRATIONS_DIR] = {"migrations", "dir", T_STRING, "migrations"},
	[CFG_MIGRATIONS_VERSION_TABLE] = {"migrations", "version_table", T_STRING, "alembic_version"},
	[CFG_MIGRATIONS_VERSION_TABLE_SCHEMA] = {"migrations", "version_table_schema", T_STRING, NULL},
	[CFG_MIGRATIONS_TRANSACTION_PER_MIGRATION] = {"migrations", "transaction_per_migration", T_BOOL,
						      "true"},
	[CFG_MIGRATIONS_LOCK_TIMEOUT] = {"migrations", "lock_timeout", T_DURATION, "5s"},
	[CFG_MIGRATIONS_STATEMENT_TIMEOUT] = {"migrations", "statement_timeout", T_DURATION, NULL},
	[CFG_MIGRATIONS_LOCK_RETRIES] = {"migrations", "lock_retries", T_INT, "5"},
	/* the schema revision --autogenerate reaches (cmd/cmd_schema.c) */
	[CFG_MIGRATIONS_SCHEMA_FILE] = {"migrations", "schema_file", T_STRING, NULL},
	[CFG_INIT_LOCK_TIMEOUT] = {"init", "lock_timeout", T_DURATION, "5s"},
	[CFG_INIT_STATEMENT_TIMEOUT] = {"init", "statement_timeout", T_DURATION, NULL},
	[CFG_INIT_LOCK_RETRIES] = {"init", "lock_retries", T_INT, "5"},
	/* a dated directory name; checked by init/initdir.c, before anything runs */
	[CFG_INIT_ADOPT_THROUGH] = {"init", "adopt_through", T_STRING, NULL},
	[CFG_LOCK_TIMEOUT] = {"lock", "timeout", T_DURATION, "15m"},
	[CFG_LOCK_MODE] = {"lock", "mode", T_LOCK_MODE, NULL}, /* ignored: one lock scheme */
	[CFG_VERIFY_SCHEMA] = {"verify", "schema", T_STRING, "public"},
	[CFG_VERIFY_MIN_TABLES] = {"verify", "min_tables", T_INT, NULL},
	[CFG_VERIFY_MANIFEST] = {"verify", "manifest", T_STRING, NULL},
	[CFG_LOG_FORMAT] = {"log", "format", T_LOG_FORMAT, "text"},
	[CFG_LOG_LEVEL] = {"log", "level", T_LOG_LEVEL, "info"},
};

static const char *const log_formats[] = {"text", "json", NULL};
static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const lock_modes[] = {"session", "transaction", NULL};

/* "section.key" of a setting, for messages. */
static const char *config_name(enum config_id id)
{
	static char names[CFG_COUNT][64];
	if (!names[id][0])
		snprintf(names[id], sizeof names[id], "%s.%s", settings[id].section, settings[id].key);
	return names[id];
}

static void env_name(enum config_id id, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "MIGRATE_%s_%s", settings[id].section, settings[id].key);
	for (size_t i = 0; i < n && i < cap; i++)
		buf[i] = (char)toupper((unsigned char)buf[i]);
}

const char *config_str(const struct config *cfg, enum config_id id) { return cfg->v[id].text; }
int64_t config_num(const struct config *cfg, enum config_id id) { return cfg->v[id].num; }
int config_is_set(const struct config *cfg, enum config_id id) { return cfg->v[id].text != NULL; }

static int parse_bool(const char *s, int64_t *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1", NULL};
	static const char *const no[] = {"false", "no", "off", "0", NULL};
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

static int parse_enum(const char *s, const char *const *names, int64_t *out)
{
	for (int i = 0; names[i]; i++)
		if (strcasecmp(s, names[i]) == 0)
			return *out = i, 0;
	return -1;
}

static int parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 1000000000)
		return -1;
	*out = v;
	return 0;
}

static const char *type_expectation(enum setting_type type)
{
	switch (type) {
	case T_BOOL:
		return "expected true or false";
	case T_DURATION:
		return "expected a duration such as 500ms, 30s, 5m or 1h";
	case T_INT:
		return "expected a non-negative integer";
	case T_LOG_FORMAT:
		return "expected text or json";
	case T_LOG_LEVEL:
		return "expected error, warn, info or debug";
	case T_LOCK_MODE:
		return "expected session or transaction";
	default:
		return "invalid value";
	}
}

/* Set one value from text.  where names the source for later messages. */
static int set_value(struct config *cfg, enum config_id id, const char *text,
		     enum config_origin origin, const char *where, struct err *e)
{
	const struct setting *s = &settings[id];
	struct config_value *v = &cfg->v[id];
	int64_t num = 0;
	int bad = 0;
	char *copy;

	while (isspace((unsigned char)*text))
		text++;
	switch (s->type) {
	case T_BOOL:
		bad = parse_bool(text, &num);
		break;
	case T_DURATION:
		bad = duration_parse(text, &num);
		break;
	case T_INT:
		bad = parse_int(text, &num);
		break;
	case T_LOG_FORMAT:
		bad = parse_enum(text, log_formats, &num);
		break;
	case T_LOG_LEVEL:
		bad = parse_enum(text, log_levels, &num);
		break;
	case T_LOCK_MODE:
		bad = parse_enum(text, lock_modes, &num);
		break;
	case T_STRING:
	case T_LIST:
		break;
	}
	if (bad)
		return err_set(e, EXIT_CONFIG, "%s: invalid %s \"%s\": %s", where, config_name(id), text,
			       type_expectation(s->type));

	/* A list accumulates across sources of the same kind (continuation
	 * lines, repeated --wait) but a higher-precedence source replaces it. */
	if (s->type == T_LIST && v->text && v->origin == origin && origin != ORIGIN_DEFAULT) {
		size_t n = strlen(v->text) + strlen(text) + 2;
		copy = malloc(n);
		if (copy)
			snprintf(copy, n, "%s %s", v->text, text);
	} else {
		copy = strdup(text);
	}
	if (!copy)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	free(v->text);
	v->text = copy;
	v->num = num;
	v->origin = origin;
	snprintf(v->where, sizeof v->where, "%s", where);
	return 0;
}

static int find_setting(const char *section, const char *key)
{
	for (int i = 0; i < CFG_COUNT; i++)
		if (strcasecmp(settings[i].section, section) == 0 && strcasecmp(settings[i].key, key) == 0)
			return i;
	return -1;
}

/* ---- ${VAR} expansion ---------------------------------------------------- */

int config_expand(const char *text, char **out, struct err *e)
{
	struct strbuf b = {0};
	const char *p = text;

	strbuf_add(&b, "", 0);
	while (*p) {
		const char *dollar = strchr(p, '$');
		if (!dollar) {
			strbuf_puts(&b, p);
			break;
		}
		strbuf_add(&b, p, (size_t)(dollar - p));
		if (dollar[1] == '$') {
			strbuf_add(&b, "$", 1);
			p = dollar + 2;
			continue;
		}
		if (dollar[1] != '{') {
			strbuf_add(&b, "$", 1);
			p = dollar + 1;
			continue;
		}
		const char *name = dollar + 2;
		const char *close = strchr(name, '}');
		if (!close) {
			strbuf_release(&b);
			return err_set(e, EXIT_CONFIG, "unterminated \"${\" in \"%s\"", text);
		}
		const char *dflt = strstr(name, ":-");
		size_t name_len = (dflt && dflt < close) ? (size_t)(dflt - name) : (size_t)(close - name);
		char var[256];
		char *value = NULL;
		if (name_len == 0 || name_len >= sizeof var) {
			strbuf_release(&b);
			return err_set(e, EXIT_CONFIG, "invalid variable reference in \"%.*s\"",
				       (int)(close - dollar + 1), dollar);
		}
		for (size_t i = 0; i < name_len; i++) {
			if (!(isalnum((unsigned char)name[i]) || name[i] == '_')) {
				strbuf_release(&b);
				return err_set(e, EXIT_CONFIG, "invalid variable name \"%.*s\"",
					       (int)name_len, name);
			}
		}
		memcpy(var, name, name_len);
		var[name_len] = '\0';
		if (env_get(var, &value, e) < 0) {
			strbuf_release(&b);
			return -1;
		}
		if (value && *value) {
			strbuf_puts(&b, value);
		} else if (dflt && dflt < close) {
			strbuf_add(&b, dflt + 2, (size_t)(close - dflt - 2));
		} else if (!value) {
			strbuf_release(&b);
			return err_set(e, EXIT_CONFIG,
				       "environment variable \"%s\" is not set (use ${%s:-default} for a "
				       "default)",
				       var, var);
		}
		free(value);
		p = close + 1;
	}
	*out = strbuf_detach(&b);
	return *out ? 0 : err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
}

/* ---- the config file ----------------------------------------------------- */

struct file_ctx {
	struct inilines lines; /* the reader: lines of any length, NUL bytes refused */
	const char *path;
	int alembic; /* reading alembic.ini: only [alembic] sqlalchemy.url */
	struct config *cfg;
	struct err *e;
	int failed;
	int seen[CFG_COUNT]; /* line where each setting was set, for duplicates */
};

/* Whether a variable's name says it holds a secret. */
static int secret_name(const char *name)
{
	static const char *const words[] = {"password", "passwd", "secret", "token", "key", NULL};
	for (const char *const *w = words; *w; w++)
		for (const char *p = name; *p; p++)
			if (strncasecmp(p, *w, strlen(*w)) == 0)
				return 1;
	return 0;
}

/* Set an init variable (a later source replaces an earlier one). */
static int set_init_var(struct config *cfg, const char *name, const char *value, int secret,
			const char *where, struct err *e)
{
	struct config_var *v = NULL;
	for (size_t i = 0; i < cfg->n_init_vars; i++)
		if (strcmp(cfg->init_vars[i].name, name) == 0)
			v = &cfg->init_vars[i];
	if (!v) {
		struct config_var *more =
			realloc(cfg->init_vars, (cfg->n_init_vars + 1) * sizeof *cfg->init_vars);
		if (!more)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
		cfg->init_vars = more;
		v = &cfg->init_vars[cfg->n_init_vars++];
		memset(v, 0, sizeof *v);
		v->name = strdup(name);
		if (!v->name)
			return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	}
	free(v->value);
	v->value = strdup(value);
	if (!v->value)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	v->secret = secret || secret_name(name);
	snprintf(v->where, sizeof v->where, "%s", where);
	if (v->secret)
		log_add_secret(value);
	return 0;
}

int config_var_name_ok(const char *name, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isalnum(c) || c == '_' || c >= 0x80))
			return 0;
	}
	return 1;
}

static int file_handler_value(struct file_ctx *ctx, const char *section, const char *name,
			      const char *value);

/* inih's handler: the value with the text the reader held back restored. */
static int file_handler(void *user, const char *section, const char *name, const char *value)
{
	struct file_ctx *ctx = user;
	char *whole = NULL;

	if (ctx->failed)
		return 1;
	if (inilines_value(&ctx->lines, value, &whole) < 0) {
		ctx->failed = 1;
		err_set(ctx->e, EXIT_FAILURE_GENERIC, "out of memory");
		return 1;
	}
	file_handler_value(ctx, section, name, whole ? whole : value);
	free(whole);
	return 1;
}

static int file_handler_value(struct file_ctx *ctx, const char *section, const char *name,
			      const char *value)
{
	char where[300];
	char *expanded = NULL;
	int id;

	snprintf(where, sizeof where, "%s:%d", ctx->path, ctx->lines.line);
	if (ctx->alembic) {
		if (strcmp(section, "alembic") != 0 || strcmp(name, "sqlalchemy.url") != 0)
			return 1;
		/* configparser escapes % as %%; skip Alembic's template placeholder. */
		char url[2048];
		size_t o = 0;
		for (const char *p = value; *p && o + 1 < sizeof url; p++) {
			url[o++] = *p;
			if (p[0] == '%' && p[1] == '%')
				p++;
		}
		url[o] = '\0';
		if (strncmp(url, "driver://", 9) == 0 || !*url)
			return 1;
		if (set_value(ctx->cfg, CFG_DATABASE_URL, url, ORIGIN_FILE, where, ctx->e) < 0)
			ctx->failed = 1;
		return 1;
	}
	if (strcasecmp(section, "init.variables") == 0) {
		if (!config_var_name_ok(name, strlen(name))) {
			ctx->failed = 1;
			err_set(ctx->e, EXIT_CONFIG, "%s: invalid variable name \"%s\" in [init.variables]",
				where, name);
			return 1;
		}
		if (config_expand(value, &expanded, ctx->e) < 0 ||
		    set_init_var(ctx->cfg, name, expanded, 0, where, ctx->e) < 0) {
			ctx->failed = 1;
			err_prefix(ctx->e, "%s: init variable %s", where, name);
		}
		free(expanded);
		return 1;
	}
	id = find_setting(section, name);
	if (id < 0) {
		ctx->failed = 1;
		if (find_setting(section, "dir") < 0 && find_setting(section, "timeout") < 0 &&
		    find_setting(section, "url") < 0 && find_setting(section, "schema") < 0 &&
		    find_setting(section, "format") < 0)
			err_set(ctx->e, EXIT_CONFIG, "%s: unknown section [%s]", where, section);
		else
			err_set(ctx->e, EXIT_CONFIG, "%s: unknown key \"%s\" in section [%s]", where, name,
				section);
		return 1;
	}
	if (ctx->seen[id] && settings[id].type != T_LIST) {
		ctx->failed = 1;
		err_set(ctx->e, EXIT_CONFIG, "%s: %s is already set at line %d", where, config_name(id),
			ctx->seen[id]);
		return 1;
	}
	ctx->seen[id] = ctx->lines.line;
	if (config_expand(value, &expanded, ctx->e) < 0) {
		ctx->failed = 1;
		err_prefix(ctx->e, "%s: %s", where, config_name(id));
		return 1;
	}
	if (set_value(ctx->cfg, (enum config_id)id, expanded, ORIGIN_FILE, where, ctx->e) < 0)
		ctx->failed = 1;
	free(expanded);
	return 1;
}

/* The reader's own errors, else inih's: the first line that is neither a
 * section header nor key = value. */
static int file_errors(const struct file_ctx *ctx, int rc, struct err *e)
{
	const struct inilines *l = &ctx->lines;
	switch (l->error) {
	case INILINES_TOO_LONG:
		return err_set(e, EXIT_CONFIG, "%s:%d: line too long (at most %d bytes)", ctx->path,
			       l->error_line, INILINES_MAX);
	case INILINES_NUL:
		return err_set(e, EXIT_CONFIG, "%s:%d: the line holds a NUL byte (a config file is text)",
			       ctx->path, l->error_line);
	case INILINES_READ:
		return err_set(e, EXIT_CONFIG, "cannot read config file \"%s\": %s", ctx->path,
			       strerror(l->read_errno));
	case INILINES_OK:
		break;
	}
	if (rc > 0)
		return err_set(e, EXIT_CONFIG, "%s:%d: syntax error (expected [section] or key = value)",
			       ctx->path, rc);
	if (rc < 0)
		return err_set(e, EXIT_CONFIG, "cannot read config file \"%s\"", ctx->path);
	return 0;
}

static int read_file(struct config *cfg, const char *path, int alembic, struct err *e)
{
	struct file_ctx ctx = {.path = path, .alembic = alembic, .cfg = cfg, .e = e};
	struct stat st;
	int rc;

	ctx.lines.fp = fopen(path, "re");
	if (!ctx.lines.fp)
		return err_set(e, EXIT_CONFIG, "cannot open config file \"%s\": %s", path,
			       strerror(errno));
	/* fopen opens a directory, and reading it fails with EISDIR; what a
	 * Docker bind mount of a missing file creates is a directory. */
	if (fstat(fileno(ctx.lines.fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(ctx.lines.fp);
		err_set(e, EXIT_CONFIG, "config file \"%s\" is a directory", path);
		return err_hint(e, "a bind mount of a file that does not exist on the host creates a "
				   "directory: check the source path of the mount");
	}
	rc = ini_parse_stream(inilines_read, &ctx.lines, file_handler, &ctx);
	fclose(ctx.lines.fp);
	inilines_release(&ctx.lines);
	if (ctx.failed)
		return -1;
	return file_errors(&ctx, rc, e);
}

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

static int load_file(struct config *cfg, const char *explicit_file, struct err *e)
{
	char *from_env = NULL;
	const char *path = NULL;
	int rc;

	if (explicit_file) {
		path = explicit_file;
	} else {
		if (env_get("MIGRATE_CONFIG", &from_env, e) < 0)
			return -1;
		if (from_env && *from_env)
			path = from_env;
		else if (file_exists("migrate.ini"))
			path = "migrate.ini";
	}
	if (!path) {
		free(from_env);
		if (file_exists("alembic.ini"))
			return read_file(cfg, "alembic.ini", 1, e);
		return 0;
	}
	cfg->file = strdup(path);
	free(from_env);
	if (!cfg->file)
		return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
	rc = read_file(cfg, cfg->file, 0, e);
	return rc;
}

/* ---- the environment ----------------------------------------------------- */

extern char **environ;

/* MIGRATE_<SECTION>_… names a setting of ours when SECTION is one of ours:
 * an unknown key there is a typo worth stopping for. */
static int check_unknown_env(struct err *e)
{
	for (char **env = environ; *env; env++) {
		const char *var = *env;
		const char *eq = strchr(var, '=');
		char name[256], whole[256];
		size_t n;
		int known = 0, our_section = 0;

		if (strncmp(var, "MIGRATE_", 8) != 0 || !eq)
			continue;
		n = (size_t)(eq - var);
		if (n >= sizeof name)
			continue;
		memcpy(name, var, n);
		name[n] = '\0';
		memcpy(whole, name, n + 1); /* migrations.schema_file is itself a _FILE */
		if (n > 5 && strcmp(name + n - 5, "_FILE") == 0)
			name[n - 5] = '\0';
		if (strcmp(name, "MIGRATE_CONFIG") == 0 || strncmp(name, "MIGRATE_INIT_VAR_", 17) == 0)
			continue;
		for (int i = 0; i < CFG_COUNT; i++) {
			char want[128], section[64];
			env_name((enum config_id)i, want, sizeof want);
			snprintf(section, sizeof section, "MIGRATE_%s_", settings[i].section);
			for (char *c = section; *c; c++)
				*c = (char)toupper((unsigned char)*c);
			if (strcmp(name, want) == 0 || strcmp(whole, want) == 0)
				known = 1;
			if (strncmp(name, section, strlen(section)) == 0)
				our_section = 1;
		}
		if (!known && our_section)
			return err_set(e, EXIT_CONFIG, "unknown setting in environment variable %s", name);
	}
	return 0;
}

/* MIGRATE_INIT_VAR_<NAME> and MIGRATE_INIT_VAR_<NAME>_FILE (a secret). */
static int load_env_init_vars(struct config *cfg, struct err *e)
{
	for (char **env = environ; *env; env++) {
		const char *var = *env, *eq = strchr(var, '=');
		char name[256], full[300];
		char *value = NULL;
		size_t n;
		int from_file = 0, rc;
		if (strncmp(var, "MIGRATE_INIT_VAR_", 17) != 0 || !eq)
			continue;
		n = (size_t)(eq - var) - 17;
		if (n == 0 || n >= sizeof name)
			continue;
		memcpy(name, var + 17, n);
		name[n] = '\0';
		if (n > 5 && strcmp(name + n - 5, "_FILE") == 0) {
			name[n - 5] = '\0';
			from_file = 1;
		}
		snprintf(full, sizeof full, "MIGRATE_INIT_VAR_%s", name);
		if (!config_var_name_ok(name, strlen(name)))
			return err_set(e, EXIT_CONFIG, "environment %s: invalid variable name \"%s\"",
				       full, name);
		if (env_get(full, &value, e) < 0)
			return -1;
		if (!value)
			continue;
		rc = set_init_var(cfg, name, value, from_file, full, e);
		free(value);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int load_env(struct config *cfg, struct err *e)
{
	char *value = NULL;

	if (check_unknown_env(e) < 0)
		return -1;
	/* DATABASE_URL: the common convention, below MIGRATE_DATABASE_URL. */
	if (env_get("DATABASE_URL", &value, e) < 0)
		return -1;
	if (value) {
		int rc = set_value(cfg, CFG_DATABASE_URL, value, ORIGIN_ENV, "DATABASE_URL", e);
		free(value);
		if (rc < 0)
			return -1;
	}
	if (load_env_init_vars(cfg, e) < 0)
		return -1;
	for (int i = 0; i < CFG_COUNT; i++) {
		char name[128];
		int rc;
		env_name((enum config_id)i, name, sizeof name);
		if (env_get(name, &value, e) < 0)
			return -1;
		if (!value)
			continue;
		rc = set_value(cfg, (enum config_id)i, value, ORIGIN_ENV, name, e);
		free(value);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- everything ---------------------------------------------------------- */

/* Names PostgreSQL will use as identifiers: checked with the rest, before
 * anything happens, not when the first statement needs them. */
static int check_identifiers(const struct config *cfg, struct err *e)
{
	static const enum config_id ids[] = {CFG_MIGRATIONS_VERSION_TABLE,
					     CFG_MIGRATIONS_VERSION_TABLE_SCHEMA};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		const struct config_value *v = &cfg->v[ids[i]];
		size_t n = v->text ? strlen(v->text) : 1;
		if (n == 0 || n > 63)
			return err_set(e, EXIT_CONFIG,
				       "%s: invalid %s \"%s\": expected a name of 1 to 63 bytes", v->where,
				       config_name(ids[i]), v->text);
	}
	return 0;
}

int config_load(struct config *cfg, const char *explicit_file, const struct config_override *ov,
		size_t n_ov, struct err *e)
{
	memset(cfg, 0, sizeof *cfg);
	for (int i = 0; i < CFG_COUNT; i++)
		if (settings[i].default_text &&
		    set_value(cfg, (enum config_id)i, settings[i].default_text, ORIGIN_DEFAULT, "default",
			      e) < 0)
			return -1;
	if (load_file(cfg, explicit_file, e) < 0)
		return -1;
	if (load_env(cfg, e) < 0)
		return -1;
	for (size_t i = 0; i < n_ov; i++) {
		const char *dot = strchr(ov[i].name, '.');
		char section[64];
		int id;
		snprintf(section, sizeof section, "%.*s", (int)(dot - ov[i].name), ov[i].name);
		id = find_setting(section, dot + 1);
		if (id < 0)
			return err_set(e, EXIT_FAILURE_GENERIC, "internal: no setting %s", ov[i].name);
		char where[128];
		snprintf(where, sizeof where, "--%s", ov[i].flag);
		if (set_value(cfg, (enum config_id)id, ov[i].value, ORIGIN_FLAG, where, e) < 0)
			return -1;
	}
	return check_identifiers(cfg, e);
}

void config_release(struct config *cfg)
{
	for (int i = 0; i < CFG_COUNT; i++) {
		free(cfg->v[i].text);
		cfg->v[i].text = NULL;
	}
	free(cfg->file);
	cfg->file = NULL;
	for (size_t i = 0; i < cfg->n_init_vars; i++) {
		free(cfg->init_vars[i].name);
		free(cfg->init_vars[i].value);
	}
	free(cfg->init_vars);
	cfg->init_vars = NULL;
	cfg->n_init_vars = 0;
}
