/*
 * sqlclass.h — classify one SQL statement by its leading keywords, so the
 * runner can decide whether a script may run in one transaction
 * (docs/reference.md §8.3: like `psql -1 -f` unless the script has its own
 * transaction control, a statement that cannot run in a transaction block,
 * or the directive `-- migrate:no-transaction`).  Pure: no I/O, no allocation.
 *
 * Only the statement's text is looked at (leading whitespace and comments
 * are skipped; keywords are matched case-insensitively; quoted identifiers,
 * strings and dollar quotes are single tokens).  Statements that PostgreSQL
 * decides about from catalog state cannot be judged from text; see
 * sqlclass.c for the exact list, taken from PreventInTransactionBlock()'s
 * callers in PostgreSQL 15.
 */
#ifndef MIGRATE_SQLCLASS_H
#define MIGRATE_SQLCLASS_H

#include <stdbool.h>
#include <stddef.h>

#include "sql/sqlscan.h"

enum sqlclass_flag {
	/* BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT,
	 * RELEASE, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED */
	SQLCLASS_TRANSACTION_CONTROL = 1u << 0,
	/* cannot run inside a transaction block (CREATE DATABASE, VACUUM, …) */
	SQLCLASS_NO_TRANSACTION_BLOCK = 1u << 1,
	/* COPY … FROM STDIN: data follows in the script */
	SQLCLASS_COPY_FROM_STDIN = 1u << 2,
	/* any COPY (its data flows outside the statement protocol) */
	SQLCLASS_COPY = 1u << 3,
	/* may change a setting the lexer follows (standard_conforming_strings,
	 * client_encoding) or end what SET LOCAL set: SET, RESET, DISCARD, a
	 * transaction's end, any call of set_config().  The runner reads the
	 * settings back before it scans on. */
	SQLCLASS_SETTING = 1u << 4,
	/* behaves differently inside an explicit transaction block than as its
	 * own implicit transaction: CALL and DO (their COMMIT is refused in a
	 * block), LOCK and DECLARE (refused outside one), ANALYZE, SET LOCAL,
	 * SET CONSTRAINTS, SET TRANSACTION (warnings outside one) */
	SQLCLASS_OWN_TRANSACTION = 1u << 5,
	/* opens an explicit block (BEGIN, START TRANSACTION) */
	SQLCLASS_BLOCK_BEGIN = 1u << 6,
	/* ends one (COMMIT, END, ROLLBACK, ABORT, PREPARE TRANSACTION; not
	 * ROLLBACK TO, not … AND CHAIN, which goes on in a new block) */
	SQLCLASS_BLOCK_END = 1u << 7,
};

/* Classify the statement text[0..len) (as returned by sqlscan).  Returns a
 * set of enum sqlclass_flag bits, 0 for an ordinary statement.  When what
 * is not NULL it is set to a static string naming the command that decided
 * a flag ("CREATE INDEX CONCURRENTLY", "COMMIT", …), or "" for none. */
unsigned sqlclass_statement(const char *text, size_t len, const char **what);

/* What a statement does to the settings the lexer follows, read from its
 * text (for a scan that does not execute): SET [SESSION | LOCAL] name
 * {TO | =} value, SET NAMES value, RESET name | ALL, DISCARD ALL, and
 * set_config('name', 'value', is_local) with literal arguments. */
struct sqlclass_setting {
	int std_strings;   /* -1 untouched, 0 off, 1 on, 2 back to the default */
	char encoding[64]; /* "" untouched, "DEFAULT", or the encoding's name */
	bool local;        /* SET LOCAL / is_local: until the transaction ends */
};

/* Fill *out; returns whether the statement touches either setting. */
bool sqlclass_setting(const char *text, size_t len, struct sqlclass_setting *out);

/* A boolean as the server and psql spell it (parse_bool_with_len,
 * ParseVariableBool): case-insensitive unique prefixes of true, false,
 * yes, no; on, off (two letters at least); 1, 0.  1, 0, or -1 for
 * anything else. */
int sqlclass_bool(const char *v);

/* Whether the script buf[0..len) (a whole file in memory) contains the
 * directive line "-- migrate:no-transaction" outside quotes and comments
 * (see sqlscan_no_transaction_directive).  Returns 1 and sets *line (if
 * not NULL) to its line, 0 if absent, -1 when the script does not scan
 * (err filled).  For files streamed through sqlscan, ask the scanner. */
int sqlclass_script_no_transaction(const char *buf, size_t len, size_t *line,
				   struct sqlscan_error *err);

#endif
