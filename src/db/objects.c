/*
 * objects.c — see objects.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "db/objects.h"

#include "db/query.h"

int schema_objects_query(PGconn *c, const char *sql, const char *version_schema,
			 const char *version_table, PGresult **res, struct err *e)
{
	const char *params[2] = {version_schema, version_table};
	/* PostgreSQL renders names as the search path sees them: with only
	 * pg_catalog on it, every other name is schema-qualified, whatever the
	 * session's path (a pg_dump script empties it) */
	/* … and the other settings that change how values print, or how the
	 * query's own literals read, fixed (a script or the database may have
	 * set them otherwise) */
	const struct db_stmt stmts[] = {
		{"BEGIN", 0, NULL},
		{"SET LOCAL search_path = pg_catalog", 0, NULL},
		{"SET LOCAL standard_conforming_strings = on", 0, NULL},
		{"SET LOCAL datestyle = 'ISO, MDY'", 0, NULL},
		{"SET LOCAL intervalstyle = postgres", 0, NULL},
		{"SET LOCAL extra_float_digits = 1", 0, NULL},
		{"SET LOCAL quote_all_identifiers = off", 0, NULL},
		{sql, 2, params},
		{"COMMIT", 0, NULL}};
	enum { N = sizeof stmts / sizeof *stmts, QUERY = N - 2 };
	PGresult *out[N];

	*res = NULL;
	if (db_exec_pipeline(c, stmts, N, out, NULL, e) < 0) {
		for (int i = 0; i < N; i++)
			PQclear(out[i]);
		if (PQtransactionStatus(c) != PQTRANS_IDLE)
			PQclear(PQexec(c, "ROLLBACK"));
		return err_prefix(e, "cannot read the schema");
	}
	for (int i = 0; i < N; i++)
		if (i != QUERY)
			PQclear(out[i]);
	*res = out[QUERY];
	return 0;
}
