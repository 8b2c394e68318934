/*
 * revfile.c — see revfile.h.  A single pass over the lines: header lines
 * and comments until the first `-- migrate:` marker, then section bodies
 * delimited by markers.  Values are parsed the way Alembic reads
 * `down_revision = ("a", "b")`: None, one id, or a tuple, quotes optional.
 */
#include "rev/revfile.h"
#include "util/array.h"
#include "util/strbuf.h"


#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum header_key {
	KEY_REVISION,
	KEY_DOWN_REVISION,
	KEY_BRANCH_LABELS,
	KEY_DEPENDS_ON,
	KEY_CREATE_DATE,
	KEY_MESSAGE,
	KEY_UNCONVERTED,
	KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
	"revision", "down_revision", "branch_labels", "depends_on", "create_date", "message",
	"unconverted",
};

#define KNOWN_KEYS \
	"revision, down_revision, branch_labels, depends_on, create_date, message, unconverted"

struct line {
	const char *s; /* start */
	size_t n;      /* length without the newline and a trailing CR */
	size_t start;  /* byte offset of the line */
	size_t next;   /* byte offset of the following line */
	int no;        /* 1-based */
};

static int is_blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank_char(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank_char((*s)[*n - 1]))
		(*n)--;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int oom(struct err *e)
{
	return err_set(e, EXIT_FAILURE_GENERIC, "out of memory");
}

/* Error "<file>:<line>: <message>", code EXIT_GRAPH. */
static int line_error(struct err *e, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int line_error(struct err *e, const char *file, int line, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		return err_set(e, EXIT_GRAPH, "%s:%d: %s", file, line, msg);
	return err_set(e, EXIT_GRAPH, "%s: %s", file, msg);
}

int revfile_id_ok(const char *id, size_t len, const char **why)
{
	const char *reason = NULL;
	if (len == 0)
		reason = "it is empty";
	else if (len > REVFILE_ID_MAX)
		reason = "it is longer than 32 characters (alembic_version.version_num is VARCHAR(32))";
	else if ((len == 4 && memcmp(id, "head", 4) == 0) ||
		 (len == 5 && memcmp(id, "heads", 5) == 0) ||
		 (len == 4 && memcmp(id, "base", 4) == 0) ||
		 (len == 4 && memcmp(id, "None", 4) == 0))
		reason = "it is a reserved word";
	else if (id[0] == '.')
		reason = "it starts with a dot (ids name files)";
	for (size_t i = 0; !reason && i < len; i++) {
		unsigned char c = (unsigned char)id[i];
		if (c == '@' || c == '-' || c == '+' || c == ':')
			reason = "it contains one of @ - + :";
		else if (isspace(c) || c < 0x20 || c == 0x7f)
			reason = "it contains whitespace or a control character";
		else if (c == '\'' || c == '"' || c == ',' || c == '(' || c == ')' || c == '[' ||
			 c == ']' || c == '\\')
			reason = "it contains a quote, comma, bracket or backslash";
		else if (c == '/')
			reason = "it contains a slash (ids name files)";
	}
	if (why)
		*why = reason;
	return reason == NULL;
}

/* A growable list of strings. */
struct strlist {
	char **v;
	size_t n, cap;
};

static int strlist_push(struct strlist *l, char *s)
{
	if (array_reserve(&l->v, &l->cap, l->n + 1, sizeof *l->v) < 0)
		return -1;
	l->v[l->n++] = s;
	return 0;
}

static void strlist_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * Parse a list value: None, () or [] → empty; otherwise optional (...) or
 * [...] around comma-separated items, each optionally quoted; a trailing
 * comma is allowed (Python's one-tuple).  Duplicates are dropped, as
 * Alembic's dedupe_tuple does.  what names the key in messages.
 */
static int parse_list(const char *s, size_t n, const char *file, int lineno, const char *what,
		      char ***out, size_t *count, struct err *e)
{
	struct strlist l = { 0 };
	*out = NULL;
	*count = 0;
	trim(&s, &n);
	if (n == 0)
		return line_error(e, file, lineno, "empty %s (write None when there is none)", what);
	if (n == 4 && memcmp(s, "None", 4) == 0)
		return 0;
	if (n >= 2 && ((s[0] == '(' && s[n - 1] == ')') || (s[0] == '[' && s[n - 1] == ']'))) {
		s++;
		n -= 2;
		trim(&s, &n);
		if (n == 0)
			return 0;
	}
	size_t i = 0;
	for (;;) {
		size_t j = i;
		while (j < n && s[j] != ',')
			j++;
		const char *item = s + i;
		size_t len = j - i;
		trim(&item, &len);
		if (len >= 2 && (item[0] == '\'' || item[0] == '"') && item[len - 1] == item[0]) {
			item++;
			len -= 2;
		}
		int last = j >= n;
		if (len == 0 && !(last && l.n > 0)) {
			strlist_free(l.v, l.n);
			return line_error(e, file, lineno, "empty item in %s", what);
		}
		if (len > 0) {
			const char *why;
			if (!revfile_id_ok(item, len, &why)) {
				int r = line_error(e, file, lineno, "invalid %s \"%.*s\": %s", what,
						   (int)(len > 64 ? 64 : len), item, why);
				strlist_free(l.v, l.n);
				return r;
			}
			int dup = 0;
			for (size_t k = 0; k < l.n && !dup; k++)
				dup = strlen(l.v[k]) == len && memcmp(l.v[k], item, len) == 0;
			if (!dup) {
				char *copy = dup_n(item, len);
				if (!copy || strlist_push(&l, copy) != 0) {
					free(copy);
					strlist_free(l.v, l.n);
					return oom(e);
				}
			}
		}
		if (last)
			break;
		i = j + 1;
	}
	*out = l.v;
	*count = l.n;
	return 0;
}

/* Next line of buf starting at *pos; 0 at the end. */
static int next_line(const char *buf, size_t len, size_t *pos, int *no, struct line *ln)
{
	if (*pos >= len)
		return 0;
	size_t i = *pos;
	while (i < len && buf[i] != '\n')
		i++;
	ln->s = buf + *pos;
	ln->start = *pos;
	ln->n = i - *pos;
	if (ln->n > 0 && ln->s[ln->n - 1] == '\r')
		ln->n--;
	ln->next = i < len ? i + 1 : len;
	ln->no = ++*no;
	*pos = ln->next;
	return 1;
}

/* If the line is `--` [spaces] `migrate:` ..., return 1 and point *rest
 * past "migrate:". */
static int is_marker(const struct line *ln, const char **rest, size_t *restn)
{
	const char *s = ln->s;
	size_t n = ln->n;
	if (n < 2 || s[0] != '-' || s[1] != '-')
		return 0;
	s += 2;
	n -= 2;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n < 8 || memcmp(s, "migrate:", 8) != 0)
		return 0;
	*rest = s + 8;
	*restn = n - 8;
	return 1;
}

/* Parse the part of a marker line after "migrate:". */
static int parse_marker(const char *s, size_t n, const char *file, int lineno, int *is_upgrade,
			int *transactional, struct err *e)
{
	size_t i = 0;
	while (i < n && !is_blank_char(s[i]))
		i++;
	if (i == 7 && memcmp(s, "upgrade", 7) == 0)
		*is_upgrade = 1;
	else if (i == 9 && memcmp(s, "downgrade", 9) == 0)
		*is_upgrade = 0;
	else
		return line_error(e, file, lineno,
				  "unknown section marker \"-- migrate:%.*s\" (expected upgrade or downgrade)",
				  (int)(i > 64 ? 64 : i), s);
	*transactional = 1;
	while (i < n) {
		while (i < n && is_blank_char(s[i]))
			i++;
		size_t j = i;
		while (j < n && !is_blank_char(s[j]))
			j++;
		if (j == i)
			break;
		const char *opt = s + i;
		size_t len = j - i;
		if (len == 17 && memcmp(opt, "transaction:false", 17) == 0)
			*transactional = 0;
		else if (len == 16 && memcmp(opt, "transaction:true", 16) == 0)
			*transactional = 1;
		else
			return line_error(e, file, lineno,
					  "unknown option \"%.*s\" on section marker (only transaction:false)",
					  (int)(len > 64 ? 64 : len), opt);
		i = j;
	}
	return 0;
}

/* If the line is a header line `-- key: value`, return 1 with the key and
 * the value (trimmed). */
static int is_header(const struct line *ln, const char **key, size_t *keyn, const char **val,
		     size_t *valn)
{
	const char *s = ln->s;
	size_t n = ln->n;
	if (n < 2 || s[0] != '-' || s[1] != '-')
		return 0;
	size_t i = 2;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t k = i;
	if (k >= n || !(isalpha((unsigned char)s[k]) || s[k] == '_'))
		return 0;
	while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_'))
		k++;
	if (k >= n || s[k] != ':')
		return 0;
	*key = s + i;
	*keyn = k - i;
	*val = s + k + 1;
	*valn = n - k - 1;
	trim(val, valn);
	return 1;
}

static int is_blank_line(const struct line *ln)
{
	for (size_t i = 0; i < ln->n; i++)
		if (!is_blank_char(ln->s[i]))
			return 0;
	return 1;
}

static int handle_header(struct revfile *rf, const char *key, size_t keyn, const char *val,
			 size_t valn, int lineno, int seen[KEY_COUNT], struct err *e)
{
	int k;
	for (k = 0; k < KEY_COUNT; k++)
		if (strlen(key_names[k]) == keyn && memcmp(key_names[k], key, keyn) == 0)
			break;
	if (k == KEY_COUNT) {
		line_error(e, rf->file, lineno, "unknown header key \"%.*s\"",
			   (int)(keyn > 64 ? 64 : keyn), key);
		return err_hint(e, "known keys: " KNOWN_KEYS);
	}
	if (seen[k])
		return line_error(e, rf->file, lineno, "duplicate header key \"%s\" (first on line %d)",
				  key_names[k], seen[k]);
	seen[k] = lineno;
	switch ((enum header_key)k) {
	case KEY_REVISION: {
		const char *why;
		if (valn >= 2 && (val[0] == '\'' || val[0] == '"') && val[valn - 1] == val[0]) {
			val++;
			valn -= 2;
		}
		if (!revfile_id_ok(val, valn, &why))
			return line_error(e, rf->file, lineno, "invalid revision id \"%.*s\": %s",
					  (int)(valn > 64 ? 64 : valn), val, why);
		rf->revision = dup_n(val, valn);
		rf->revision_line = lineno;
		return rf->revision ? 0 : oom(e);
	}
	case KEY_DOWN_REVISION:
		rf->down_line = lineno;
		return parse_list(val, valn, rf->file, lineno, "down_revision", &rf->down_revisions,
				  &rf->n_down, e);
	case KEY_BRANCH_LABELS:
		return parse_list(val, valn, rf->file, lineno, "branch label", &rf->branch_labels,
				  &rf->n_labels, e);
	case KEY_DEPENDS_ON:
		return parse_list(val, valn, rf->file, lineno, "depends_on", &rf->depends_on,
				  &rf->n_depends, e);
	case KEY_CREATE_DATE:
		rf->create_date = dup_n(val, valn);
		return rf->create_date ? 0 : oom(e);
	case KEY_MESSAGE:
		rf->message = dup_n(val, valn);
		return rf->message ? 0 : oom(e);
	case KEY_UNCONVERTED:
		rf->unconverted = dup_n(val, valn);
		rf->unconverted_line = lineno;
		return rf->unconverted ? 0 : oom(e);
	case KEY_COUNT:
		break;
	}
	return 0;
}

static int parse_body(struct revfile *rf, const char *buf, size_t len, struct err *e)
{
	int seen[KEY_COUNT] = { 0 };
	size_t pos = 0;
	int no = 0;
	struct line ln;
	struct revfile_section *open = NULL;

	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3; /* UTF-8 byte order mark */
	while (next_line(buf, len, &pos, &no, &ln)) {
		const char *rest, *key, *val;
		size_t restn, keyn, valn;
		if (is_marker(&ln, &rest, &restn)) {
			int up = 0, tx = 1;
			if (parse_marker(rest, restn, rf->file, ln.no, &up, &tx, e) != 0)
				return -1;
			struct revfile_section *sec = up ? &rf->upgrade : &rf->downgrade;
			if (sec->present)
				return line_error(e, rf->file, ln.no,
						  "second \"-- migrate:%s\" section (first on line %d)",
						  up ? "upgrade" : "downgrade", sec->marker_line);
			if (open)
				open->length = ln.start - open->offset;
			sec->present = 1;
			sec->transactional = tx;
			sec->marker_line = ln.no;
			sec->offset = ln.next;
			sec->line = ln.no + 1;
			open = sec;
			continue;
		}
		if (open)
			continue; /* section body */
		if (is_header(&ln, &key, &keyn, &val, &valn)) {
			if (handle_header(rf, key, keyn, val, valn, ln.no, seen, e) != 0)
				return -1;
			continue;
		}
		if (is_blank_line(&ln))
			continue;
		const char *s = ln.s;
		size_t n = ln.n;
		trim(&s, &n);
		if (n >= 2 && s[0] == '-' && s[1] == '-')
			continue; /* a plain comment */
		line_error(e, rf->file, ln.no,
			   "unexpected text before the first \"-- migrate:upgrade\" marker");
		return err_hint(e, "SQL belongs in a \"-- migrate:upgrade\" or \"-- migrate:downgrade\" "
				   "section; header lines are \"-- key: value\"");
	}
	if (open)
		open->length = len - open->offset;

	if (!seen[KEY_REVISION])
		return line_error(e, rf->file, 1, "missing \"-- revision:\" header");
	if (!seen[KEY_DOWN_REVISION]) {
		line_error(e, rf->file, 1, "missing \"-- down_revision:\" header");
		return err_hint(e, "write \"-- down_revision: None\" for a first revision");
	}
	if (!rf->upgrade.present)
		return line_error(e, rf->file, 0, "missing \"-- migrate:upgrade\" section");
	return 0;
}

int revfile_parse(struct revfile *rf, const char *buf, size_t len, const char *file,
		  struct err *e)
{
	memset(rf, 0, sizeof *rf);
	rf->file = dup_n(file, strlen(file));
	if (!rf->file)
		return oom(e);
	if (parse_body(rf, buf, len, e) != 0) {
		revfile_release(rf);
		return -1;
	}
	return 0;
}

void revfile_release(struct revfile *rf)
{
	free(rf->file);
	free(rf->revision);
	strlist_free(rf->down_revisions, rf->n_down);
	strlist_free(rf->branch_labels, rf->n_labels);
	strlist_free(rf->depends_on, rf->n_depends);
	free(rf->create_date);
	free(rf->message);
	free(rf->unconverted);
	memset(rf, 0, sizeof *rf);
}

static int add_list(struct strbuf *b, const char *key, const char *what, const char *const *v,
		    size_t n, struct err *e)
{
	strbuf_puts(b, "-- ");
	strbuf_puts(b, key);
	strbuf_puts(b, ": ");
	if (n == 0)
		strbuf_puts(b, "None");
	for (size_t i = 0; i < n; i++) {
		const char *why;
		if (!revfile_id_ok(v[i], strlen(v[i]), &why))
			return err_set(e, EXIT_USAGE, "invalid %s \"%s\": %s", what, v[i], why);
		if (i)
			strbuf_puts(b, ", ");
		strbuf_puts(b, v[i]);
	}
	strbuf_puts(b, "\n");
	return 0;
}

/* Header values are one line: fold CR/LF/tabs to spaces, trim. */
static void add_one_line(struct strbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	trim(&s, &n);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		strbuf_add(b, &c, 1);
	}
}

int revfile_format(char **out, const struct revfile_new *nf, struct err *e)
{
	struct strbuf b = { 0 };
	char *header;
	*out = NULL;
	if (revfile_format_header(&header, nf, e) < 0)
		return -1;
	strbuf_puts(&b, header);
	strbuf_puts(&b, "\n-- migrate:upgrade\n\n-- migrate:downgrade\n");
	free(header);
	*out = strbuf_detach(&b);
	return *out ? 0 : oom(e);
}

int revfile_format_header(char **out, const struct revfile_new *nf, struct err *e)
{
	struct strbuf b = { 0 };
	const char *why;
	*out = NULL;
	if (!nf->revision || !revfile_id_ok(nf->revision, strlen(nf->revision), &why))
		return err_set(e, EXIT_USAGE, "invalid revision id \"%s\": %s",
			       nf->revision ? nf->revision : "", nf->revision ? why : "it is empty");
	strbuf_puts(&b, "-- revision: ");
	strbuf_puts(&b, nf->revision);
	strbuf_puts(&b, "\n");
	if (add_list(&b, "down_revision", "down_revision", nf->down_revisions, nf->n_down, e) != 0 ||
	    add_list(&b, "branch_labels", "branch label", nf->branch_labels, nf->n_labels, e) != 0 ||
	    add_list(&b, "depends_on", "depends_on", nf->depends_on, nf->n_depends, e) != 0) {
		strbuf_release(&b);
		return -1;
	}
	strbuf_puts(&b, "-- create_date: ");
	add_one_line(&b, nf->create_date);
	strbuf_puts(&b, "\n-- message: ");
	add_one_line(&b, nf->message);
	strbuf_puts(&b, "\n");
	if (nf->unconverted) {
		strbuf_puts(&b, "-- unconverted: ");
		add_one_line(&b, nf->unconverted);
		strbuf_puts(&b, "\n");
	}
	*out = strbuf_detach(&b);
	return *out ? 0 : oom(e);
}

size_t revfile_slug(char *dst, size_t cap, const char *message)
{
	char slug[REVFILE_SLUG_MAX + 2];
	size_t n = 0;
	int truncated = 0;
	const unsigned char *p = (const unsigned char *)(message ? message : "");

	while (*p && !truncated) {
		while (*p && !(*p < 0x80 && (isalnum(*p) || *p == '_')))
			p++;
		if (!*p)
			break;
		if (n > 0) {
			if (n == REVFILE_SLUG_MAX) {
				truncated = 1;
				break;
			}
			slug[n++] = '_';
		}
		while (*p && *p < 0x80 && (isalnum(*p) || *p == '_')) {
			if (n == REVFILE_SLUG_MAX) {
				truncated = 1;
				break;
			}
			slug[n++] = (char)tolower(*p);
			p++;
		}
	}
	if (truncated) {
		/* slug[:40].rsplit("_", 1)[0] + "_" */
		size_t cut = n;
		while (cut > 0 && slug[cut - 1] != '_')
			cut--;
		n = cut > 0 ? cut - 1 : n;
		slug[n++] = '_';
	}
	slug[n] = '\0';
	if (cap == 0)
		return 0;
	size_t m = n < cap - 1 ? n : cap - 1;
	memcpy(dst, slug, m);
	dst[m] = '\0';
	return m;
}
