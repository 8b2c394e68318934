/*
 * offline.c — see offline.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "migrate/offline.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/migrate.h"
#include "rev/revgraph.h"
#include "rev/revplan.h"
#include "rev/versionsql.h"
#include "db/store.h"

/* The version table's CREATE (from base) or DROP (down to base). */
static void print_version_table(FILE *out, const struct config *cfg, int create)
{
	const char *table = config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE);
	const char *schema = config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE_SCHEMA);
	char *sql = create ? versionsql_ddl(table, schema) : versionsql_drop(table, schema);
	if (sql)
		fprintf(out, "%s;\n\n", sql);
	free(sql);
}

/* The body of a section, without the blank lines around it. */
static void print_body(FILE *out, const char *text, size_t len)
{
	while (len > 0 && (*text == '\n' || *text == '\r' || *text == ' ' || *text == '\t'))
		text++, len--;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
			   text[len - 1] == '\t'))
		len--;
	if (len > 0) {
		fwrite(text, 1, len, out);
		fputs("\n\n", out);
	}
}

int offline_run(FILE *out, const struct config *cfg, const struct revdir *rd, const char *range,
		int upgrade, struct err *e)
{
	char *from = NULL, *to = NULL;
	size_t start_revs[256], n_start = 0;
	const char *current[256];
	struct revplan plan = {0};
	int per_migration = (int)config_num(cfg, CFG_MIGRATIONS_TRANSACTION_PER_MIGRATION);
	int rc = -1, ddl_pending;

	if (!rd->graph)
		return err_set(e, EXIT_GRAPH, "no revisions in \"%s\"", rd->dir);
	if (strchr(range, ':')) {
		if (revgraph_split_range(range, &from, &to, e) < 0)
			return -1;
	} else {
		to = strdup(range);
	}
	if (!upgrade && !from) {
		err_set(e, EXIT_USAGE, "downgrade with --sql needs a range FROM:TO");
		goto out;
	}
	if (from && strcmp(from, "base") != 0 &&
	    revgraph_resolve(rd->graph, from, start_revs, 256, &n_start, e) < 0)
		goto out;
	for (size_t i = 0; i < n_start; i++)
		current[i] = revgraph_id(rd->graph, start_revs[i]);
	if ((upgrade ? revplan_upgrade : revplan_downgrade)(
		    rd->graph, current, n_start, to ? to : "head", &plan, e) < 0 ||
	    migrate_check_plan(rd, &plan, e) < 0)
		goto out;

	/* From base, the version table is created before the first revision;
	 * a plan with nothing to run creates nothing (Alembic creates it with
	 * the first step too). */
	ddl_pending = upgrade && n_start == 0 && plan.n_steps > 0;
	if (!per_migration) {
		fputs("BEGIN;\n\n", out);
		if (ddl_pending)
			print_version_table(out, cfg, 1);
		ddl_pending = 0;
	}
	for (size_t i = 0; i < plan.n_steps; i++) {
		const struct revplan_step *st = &plan.steps[i];
		const struct revdir_file *f = &rd->files[st->rev];
		const struct revfile_section *sec = upgrade ? &f->rev.upgrade : &f->rev.downgrade;
		char what[1024];
		char *version = versionsql_step(st, config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE),
						  config_str(cfg, CFG_MIGRATIONS_VERSION_TABLE_SCHEMA));
		if (!version) {
			err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
			goto out;
		}
		revplan_step_describe(rd->graph, st, what, sizeof what);
		if (sec->transactional) {
			if (per_migration)
				fputs("BEGIN;\n\n", out);
			if (ddl_pending)
				print_version_table(out, cfg, 1);
			fprintf(out, "-- Running %s\n\n", what);
			print_body(out, f->text + sec->offset, sec->length);
		} else {
			if (ddl_pending)
				fputs("BEGIN;\n\n", out), print_version_table(out, cfg, 1), fputs("COMMIT;\n\n", out);
			if (!per_migration)
				fputs("COMMIT;\n\n", out);
			fprintf(out, "-- Running %s (outside a transaction)\n\n", what);
			print_body(out, f->text + sec->offset, sec->length);
			fputs("BEGIN;\n\n", out);
		}
		ddl_pending = 0;
		for (char *line = version, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
			fprintf(out, "%.*s\n\n", (int)(nl - line), line);
		if (per_migration)
			fputs("COMMIT;\n\n", out);
		free(version);
	}
	/* Alembic drops it inside the run-wide transaction, or after the last
	 * per-revision COMMIT.  Only when something ran: "base:base" prints
	 * nothing, as online mode does nothing. */
	if (plan.n_steps > 0 && plan.n_heads == 0)
		print_version_table(out, cfg, 0);
	if (!per_migration)
		fputs("COMMIT;\n\n", out);
	rc = 0;
out:
	revplan_release(&plan);
	free(from);
	free(to);
	return rc;
}
