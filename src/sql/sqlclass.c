/*
 * sqlclass.c — see sqlclass.h.
 *
 * NO_TRANSACTION_BLOCK covers these callers of PreventInTransactionBlock()
 * in PostgreSQL 15, as far as the text decides:
 *   CREATE DATABASE, DROP DATABASE, ALTER DATABASE … SET TABLESPACE,
 *   CREATE TABLESPACE, DROP TABLESPACE,
 *   CREATE [UNIQUE] INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY,
 *   REINDEX … CONCURRENTLY (keyword or option), REINDEX SCHEMA|DATABASE|SYSTEM,
 *   VACUUM (any form; ANALYZE alone may run in a transaction),
 *   ALTER SYSTEM, CLUSTER without a table name, DISCARD ALL,
 *   ALTER TABLE … DETACH PARTITION … CONCURRENTLY,
 *   CREATE SUBSCRIPTION (unless connect = false or create_slot = false),
 *   ALTER SUBSCRIPTION … REFRESH PUBLICATION, ALTER SUBSCRIPTION …
 *   SET|ADD|DROP PUBLICATION (unless refresh = false),
 *   DROP SUBSCRIPTION (PostgreSQL refuses it only when the subscription has
 *   a replication slot, which the text cannot tell: flagged),
 *   COMMIT PREPARED, ROLLBACK PREPARED.
 * Not decidable from text, so not flagged: CLUSTER of a partitioned table,
 * and anything a function, procedure or DO block does when called.
 * Statements longer than MAX_TOKENS tokens are judged on their beginning.
 */
#include "sql/sqlclass.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKENS 256

enum tkind { T_WORD, T_STRING, T_QIDENT, T_NUMBER, T_PUNCT };

struct tok {
	enum tkind kind;
	const char *p;
	size_t n;
};

struct toks {
	struct tok t[MAX_TOKENS];
	size_t n;
};

static bool c_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool c_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool c_ident_cont(unsigned char c)
{
	return c_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* Skip a quoted run starting at s[i] == q; backslash escapes if bs. */
static size_t skip_quoted(const char *s, size_t len, size_t i, char q, bool bs)
{
	i++;
	while (i < len) {
		if (bs && s[i] == '\\') {
			i += 2;
			continue;
		}
		if (s[i] == q) {
			if (i + 1 < len && s[i + 1] == q) {
				i += 2;
				continue;
			}
			return i + 1;
		}
		i++;
	}
	return len;
}

/* A statement from sqlscan is lexically complete, so this lexer can be
 * simple: it only has to keep quotes and comments from looking like words. */
static void tokenize(const char *s, size_t len, struct toks *out)
{
	size_t i = 0;
	out->n = 0;
	while (i < len && out->n < MAX_TOKENS) {
		unsigned char c = (unsigned char)s[i];
		size_t start = i;
		enum tkind kind;
		if (c_space(c)) {
			i++;
			continue;
		}
		if (c == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n' && s[i] != '\r')
				i++;
			continue;
		}
		if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			int depth = 0;
			for (i += 2; i < len; i++) {
				if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
					i++;
					if (depth-- == 0) {
						i++;
						break;
					}
				} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
					i++;
					depth++;
				}
			}
			continue;
		}
		if (c == '\'') {
			i = skip_quoted(s, len, i, '\'', false);
			kind = T_STRING;
		} else if ((c == 'e' || c == 'E') && i + 1 < len && s[i + 1] == '\'') {
			i = skip_quoted(s, len, i + 1, '\'', true);
			kind = T_STRING;
		} else if (c == '"') {
			i = skip_quoted(s, len, i, '"', false);
			kind = T_QIDENT;
		} else if (c == '$' && i + 1 < len && (s[i + 1] == '$' || c_ident_start((unsigned char)s[i + 1]))) {
			size_t t = i + 1;
			while (t < len && s[t] != '$' && c_ident_cont((unsigned char)s[t]))
				t++;
			if (t < len && s[t] == '$') {
				size_t taglen = t + 1 - i;
				const char *close = NULL;
				for (size_t k = t + 1; k + taglen <= len; k++)
					if (s[k] == '$' && memcmp(s + k, s + i, taglen) == 0) {
						close = s + k;
						break;
					}
				i = close ? (size_t)(close - s) + taglen : len;
				kind = T_STRING;
			} else {
				i++;
				kind = T_PUNCT;
			}
		} else if (c_ident_start(c)) {
			while (i < len && c_ident_cont((unsigned char)s[i]))
				i++;
			kind = T_WORD;
		} else if (c >= '0' && c <= '9') {
			while (i < len && (c_ident_cont((unsigned char)s[i]) || s[i] == '.'))
				i++;
			kind = T_NUMBER;
		} else {
			i++;
			kind = T_PUNCT;
		}
		out->t[out->n].kind = kind;
		out->t[out->n].p = s + start;
		out->t[out->n].n = i - start;
		out->n++;
	}
}

static bool is_word(const struct toks *t, size_t i, const char *kw)
{
	size_t n = strlen(kw);
	if (i >= t->n || t->t[i].kind != T_WORD || t->t[i].n != n)
		return false;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)t->t[i].p[k];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + ('a' - 'A'));
		if (c != (unsigned char)kw[k])
			return false;
	}
	return true;
}

static bool is_punct(const struct toks *t, size_t i, char c)
{
	return i < t->n && t->t[i].kind == T_PUNCT && t->t[i].p[0] == c;
}

/* Index of the first word kw at or after i (any depth), or t->n. */
static size_t find_word(const struct toks *t, size_t i, const char *kw)
{
	for (; i < t->n; i++)
		if (is_word(t, i, kw))
			return i;
	return t->n;
}

static bool has_word(const struct toks *t, size_t i, const char *kw)
{
	return find_word(t, i, kw) < t->n;
}

/* "name = false" or "name false" (also off, 0, 'false', 'off') among the
 * options. */
static bool option_false(const struct toks *t, const char *name)
{
	for (size_t i = 0; i + 1 < t->n; i++) {
		const struct tok *v;
		size_t k = i + 1;
		if (!is_word(t, i, name))
			continue;
		if (is_punct(t, k, '='))
			k++;
		if (k >= t->n)
			break;
		v = &t->t[k];
		if (is_word(t, k, "false") || is_word(t, k, "off") ||
		    (v->kind == T_NUMBER && v->n == 1 && v->p[0] == '0') ||
		    (v->kind == T_STRING &&
		     ((v->n == 7 && memcmp(v->p, "'false'", 7) == 0) ||
		      (v->n == 5 && memcmp(v->p, "'off'", 5) == 0))))
			return true;
	}
	return false;
}

/* Skip a parenthesised group starting at i (if any). */
static size_t skip_parens(const struct toks *t, size_t i)
{
	int depth = 0;
	if (!is_punct(t, i, '('))
		return i;
	for (; i < t->n; i++) {
		if (is_punct(t, i, '('))
			depth++;
		else if (is_punct(t, i, ')') && --depth == 0)
			return i + 1;
	}
	return i;
}

static unsigned classify_create(const struct toks *t, const char **what)
{
	size_t i = 1;
	if (is_word(t, i, "database")) {
		*what = "CREATE DATABASE";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	if (is_word(t, i, "tablespace")) {
		*what = "CREATE TABLESPACE";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	if (is_word(t, i, "unique"))
		i++;
	if (is_word(t, i, "index") && is_word(t, i + 1, "concurrently")) {
		*what = "CREATE INDEX CONCURRENTLY";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	if (is_word(t, 1, "subscription") && !option_false(t, "connect") &&
	    !option_false(t, "create_slot")) {
		*what = "CREATE SUBSCRIPTION";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	return 0;
}

static unsigned classify_drop(const struct toks *t, const char **what)
{
	if (is_word(t, 1, "database")) {
		*what = "DROP DATABASE";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	if (is_word(t, 1, "tablespace")) {
		*what = "DROP TABLESPACE";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	if (is_word(t, 1, "index") && is_word(t, 2, "concurrently")) {
		*what = "DROP INDEX CONCURRENTLY";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	if (is_word(t, 1, "subscription")) {
		*what = "DROP SUBSCRIPTION";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	return 0;
}

static unsigned classify_alter(const struct toks *t, const char **what)
{
	if (is_word(t, 1, "system")) {
		*what = "ALTER SYSTEM";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	if (is_word(t, 1, "database")) {
		size_t s = find_word(t, 2, "set");
		if (s < t->n && is_word(t, s + 1, "tablespace")) {
			*what = "ALTER DATABASE SET TABLESPACE";
			return SQLCLASS_NO_TRANSACTION_BLOCK;
		}
		return 0;
	}
	if (is_word(t, 1, "table")) {
		size_t d = find_word(t, 2, "detach");
		if (d < t->n && is_word(t, d + 1, "partition") &&
		    has_word(t, d + 2, "concurrently")) {
			*what = "ALTER TABLE DETACH PARTITION CONCURRENTLY";
			return SQLCLASS_NO_TRANSACTION_BLOCK;
		}
		return 0;
	}
	if (is_word(t, 1, "subscription")) {
		size_t p = find_word(t, 2, "publication");
		if (p < t->n && is_word(t, p - 1, "refresh")) {
			*what = "ALTER SUBSCRIPTION REFRESH PUBLICATION";
			return SQLCLASS_NO_TRANSACTION_BLOCK;
		}
		if (p < t->n &&
		    (is_word(t, p - 1, "set") || is_word(t, p - 1, "add") ||
		     is_word(t, p - 1, "drop")) &&
		    !option_false(t, "refresh")) {
			*what = "ALTER SUBSCRIPTION PUBLICATION with refresh";
			return SQLCLASS_NO_TRANSACTION_BLOCK;
		}
	}
	return 0;
}

static unsigned classify_reindex(const struct toks *t, const char **what)
{
	size_t i = skip_parens(t, 1);
	if (has_word(t, 1, "concurrently") && !option_false(t, "concurrently")) {
		*what = "REINDEX CONCURRENTLY";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	if (is_word(t, i, "schema") || is_word(t, i, "database") || is_word(t, i, "system")) {
		*what = is_word(t, i, "schema")	    ? "REINDEX SCHEMA"
			: is_word(t, i, "database") ? "REINDEX DATABASE"
						    : "REINDEX SYSTEM";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	return 0;
}

static unsigned classify_cluster(const struct toks *t, const char **what)
{
	size_t i = 1;
	if (is_word(t, i, "verbose"))
		i++;
	i = skip_parens(t, i);
	if (i >= t->n || is_punct(t, i, ';')) {
		*what = "CLUSTER";
		return SQLCLASS_NO_TRANSACTION_BLOCK;
	}
	return 0;
}

/* COPY … FROM STDIN with FROM STDIN next to each other at depth 0 (the
 * same test sqlscan applies). */
static bool copy_from_stdin(const struct toks *t)
{
	int depth = 0;
	for (size_t i = 1; i + 1 < t->n; i++) {
		if (is_punct(t, i, '('))
			depth++;
		else if (is_punct(t, i, ')') && depth > 0)
			depth--;
		else if (depth == 0 && is_word(t, i, "from") &&
			 (is_word(t, i + 1, "stdin") || is_word(t, i + 1, "stdout")))
			return true;
	}
	return false;
}

/* Whether the statement may change what the lexer follows (see
 * SQLCLASS_SETTING). */
static bool touches_settings(const struct toks *t)
{
	static const char *const first[] = {"set", "reset", "discard", "commit", "end",
					    "rollback", "abort", "prepare"};
	for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
		if (is_word(t, 0, first[i]))
			return true;
	return has_word(t, 0, "set_config");
}

static unsigned classify(const struct toks *t, const char **what);

/* Of a transaction-control statement: whether it opens or ends an
 * explicit block.  "AND CHAIN" ends one and opens the next at once. */
static unsigned block_edge(const struct toks *t)
{
	size_t chain = find_word(t, 1, "chain");
	if (is_word(t, 0, "begin") || is_word(t, 0, "start"))
		return SQLCLASS_BLOCK_BEGIN;
	if (chain < t->n && is_word(t, chain - 1, "and"))
		return 0;
	if (is_word(t, 0, "rollback") && is_word(t, 1, "to"))
		return 0;
	if (is_word(t, 0, "commit") || is_word(t, 0, "end") || is_word(t, 0, "rollback") ||
	    is_word(t, 0, "abort") || (is_word(t, 0, "prepare") && is_word(t, 1, "transaction")))
		return SQLCLASS_BLOCK_END;
	return 0;
}

unsigned sqlclass_statement(const char *text, size_t len, const char **what)
{
	struct toks t;
	const char *dummy;
	unsigned flags;
	if (!what)
		what = &dummy;
	*what = "";
	tokenize(text, len, &t);
	if (t.n == 0 || t.t[0].kind != T_WORD)
		return 0;
	flags = classify(&t, what);
	if (touches_settings(&t))
		flags |= SQLCLASS_SETTING;
	if (is_word(&t, 0, "copy"))
		flags |= SQLCLASS_COPY;
	if (flags & SQLCLASS_TRANSACTION_CONTROL)
		flags |= block_edge(&t);
	if (is_word(&t, 0, "call") || is_word(&t, 0, "do") || is_word(&t, 0, "lock") ||
	    is_word(&t, 0, "declare") || is_word(&t, 0, "analyze") || is_word(&t, 0, "analyse") ||
	    (is_word(&t, 0, "set") && (is_word(&t, 1, "local") || is_word(&t, 1, "constraints") ||
				       is_word(&t, 1, "transaction"))))
		flags |= SQLCLASS_OWN_TRANSACTION;
	return flags;
}

static unsigned classify(const struct toks *t, const char **what)
{
	unsigned flags = 0;
	if (is_word(t, 0, "begin") || is_word(t, 0, "end") || is_word(t, 0, "abort") ||
	    is_word(t, 0, "savepoint") || is_word(t, 0, "release")) {
		*what = is_word(t, 0, "begin")	      ? "BEGIN"
			: is_word(t, 0, "end")	      ? "END"
			: is_word(t, 0, "abort")     ? "ABORT"
			: is_word(t, 0, "savepoint") ? "SAVEPOINT"
						      : "RELEASE";
		return SQLCLASS_TRANSACTION_CONTROL;
	}
	if (is_word(t, 0, "start") && is_word(t, 1, "transaction")) {
		*what = "START TRANSACTION";
		return SQLCLASS_TRANSACTION_CONTROL;
	}
	if (is_word(t, 0, "commit") || is_word(t, 0, "rollback")) {
		bool commit = is_word(t, 0, "commit");
		if (is_word(t, 1, "prepared")) {
			*what = commit ? "COMMIT PREPARED" : "ROLLBACK PREPARED";
			return SQLCLASS_TRANSACTION_CONTROL | SQLCLASS_NO_TRANSACTION_BLOCK;
		}
		*what = commit ? "COMMIT" : "ROLLBACK";
		return SQLCLASS_TRANSACTION_CONTROL;
	}
	if (is_word(t, 0, "prepare") && is_word(t, 1, "transaction") && t->n > 2 &&
	    t->t[2].kind == T_STRING) {
		*what = "PREPARE TRANSACTION";
		return SQLCLASS_TRANSACTION_CONTROL;
	}
	if (is_word(t, 0, "create"))
		flags = classify_create(t, what);
	else if (is_word(t, 0, "drop"))
		flags = classify_drop(t, what);
	else if (is_word(t, 0, "alter"))
		flags = classify_alter(t, what);
	else if (is_word(t, 0, "reindex"))
		flags = classify_reindex(t, what);
	else if (is_word(t, 0, "cluster"))
		flags = classify_cluster(t, what);
	else if (is_word(t, 0, "vacuum")) {
		*what = "VACUUM";
		flags = SQLCLASS_NO_TRANSACTION_BLOCK;
	} else if (is_word(t, 0, "discard") && is_word(t, 1, "all")) {
		*what = "DISCARD ALL";
		flags = SQLCLASS_NO_TRANSACTION_BLOCK;
	} else if (is_word(t, 0, "copy") && copy_from_stdin(t)) {
		*what = "COPY FROM STDIN";
		flags = SQLCLASS_COPY_FROM_STDIN;
	}
	return flags;
}

/* The text of a value token: a word or number as written, a '…' string
 * without its quotes ('' undoubled), lower-cased when fold. */
static void token_value(const struct tok *v, char *out, size_t cap, bool fold)
{
	size_t n = 0;
	const char *p = v->p, *end = v->p + v->n;
	if (v->kind == T_STRING && p < end && *p == '\'') {
		p++;
		if (end > p && end[-1] == '\'')
			end--;
	}
	for (; p < end && n + 1 < cap; p++) {
		char c = *p;
		if (c == '\'' && p + 1 < end && p[1] == '\'')
			p++;
		if (fold && c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		out[n++] = c;
	}
	out[n] = '\0';
}

int sqlclass_bool(const char *v)
{
	size_t n = strlen(v);
	if (n == 0)
		return -1;
	if (strncasecmp(v, "true", n) == 0 || strncasecmp(v, "yes", n) == 0 || strcmp(v, "1") == 0 ||
	    (n >= 2 && strncasecmp(v, "on", n) == 0))
		return 1;
	if (strncasecmp(v, "false", n) == 0 || strncasecmp(v, "no", n) == 0 || strcmp(v, "0") == 0 ||
	    (n >= 2 && strncasecmp(v, "off", n) == 0))
		return 0;
	return -1;
}

/* One setting's new value (the token v; NULL or DEFAULT: the default). */
static bool apply_setting(const char *name, const struct tok *v, struct sqlclass_setting *out)
{
	char value[64];
	bool is_default = !v || (v->kind == T_WORD && v->n == 7 && strncasecmp(v->p, "default", 7) == 0);
	if (strcmp(name, "standard_conforming_strings") == 0) {
		int b;
		if (is_default) {
			out->std_strings = 2;
			return true;
		}
		token_value(v, value, sizeof value, true);
		b = sqlclass_bool(value);
		if (b < 0)
			return false; /* the server refuses it */
		out->std_strings = b;
		return true;
	}
	if (strcmp(name, "client_encoding") == 0 || strcmp(name, "names") == 0) {
		if (is_default)
			snprintf(out->encoding, sizeof out->encoding, "DEFAULT");
		else
			token_value(v, out->encoding, sizeof out->encoding, false);
		return true;
	}
	return false;
}

bool sqlclass_setting(const char *text, size_t len, struct sqlclass_setting *out)
{
	struct toks t;
	char name[64];
	size_t i = 1;
	memset(out, 0, sizeof *out);
	out->std_strings = -1;
	tokenize(text, len, &t);
	if (t.n == 0)
		return false;
	if (is_word(&t, 0, "set")) {
		if (is_word(&t, 1, "session") && !is_word(&t, 2, "authorization") &&
		    !is_word(&t, 2, "characteristics"))
			i = 2;
		else if (is_word(&t, 1, "local"))
			i = 2, out->local = true;
		if (i >= t.n || t.t[i].kind != T_WORD)
			return false;
		token_value(&t.t[i], name, sizeof name, true);
		if (strcmp(name, "names") == 0)
			return apply_setting(name, i + 1 < t.n ? &t.t[i + 1] : NULL, out);
		i++;
		if (is_word(&t, i, "to") || is_punct(&t, i, '='))
			i++;
		return i < t.n && apply_setting(name, &t.t[i], out);
	}
	if (is_word(&t, 0, "reset") || (is_word(&t, 0, "discard") && is_word(&t, 1, "all"))) {
		if (is_word(&t, 1, "all")) {
			out->std_strings = 2;
			snprintf(out->encoding, sizeof out->encoding, "DEFAULT");
			return true;
		}
		if (t.n < 2 || t.t[1].kind != T_WORD)
			return false;
		token_value(&t.t[1], name, sizeof name, true);
		return apply_setting(name, NULL, out);
	}
	/* set_config('name', 'value', is_local), literal arguments only */
	for (size_t k = 0; k + 7 < t.n; k++) {
		bool found;
		if (!is_word(&t, k, "set_config") || !is_punct(&t, k + 1, '(') ||
		    t.t[k + 2].kind != T_STRING || !is_punct(&t, k + 3, ',') ||
		    t.t[k + 4].kind != T_STRING || !is_punct(&t, k + 5, ','))
			continue;
		token_value(&t.t[k + 2], name, sizeof name, true);
		found = apply_setting(name, &t.t[k + 4], out);
		if (found) {
			char local[16];
			token_value(&t.t[k + 6], local, sizeof local, true);
			out->local = sqlclass_bool(local) == 1;
			return true;
		}
	}
	return false;
}

int sqlclass_script_no_transaction(const char *buf, size_t len, size_t *line,
				   struct sqlscan_error *err)
{
	struct sqlscan sc;
	struct sqlscan_item it;
	enum sqlscan_result r;
	int found;
	sqlscan_init(&sc);
	do
		r = sqlscan_next(&sc, buf, len, true, &it, err);
	while (r != SQLSCAN_EOF && r != SQLSCAN_ERROR);
	found = sqlscan_no_transaction_directive(&sc, line) ? 1 : 0;
	sqlscan_release(&sc);
	return r == SQLSCAN_ERROR ? -1 : found;
}
