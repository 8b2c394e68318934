/*
 * fuzz_revfile.c — the revision-file parser (rev/revfile.h): revfile_parse
 * on any bytes (not NUL-terminated, right before an inaccessible page), then what the file
 * said written again with revfile_format and parsed back, and the slug of
 * its message.
 *
 * Invariants: a failure has an EXIT_GRAPH error with a message and leaves
 * the struct empty; a success has a valid revision id, valid ids in every
 * list and no duplicates, an upgrade section, sections inside the input and
 * apart, marker lines before body lines; the file written from it parses
 * to the same revision, lists, date, message and unconverted text (header
 * values are one line: compared with CR/LF/tab folded to spaces, trimmed,
 * up to a NUL); revfile_slug stays in its buffer and returns its length.
 * Everything is released (LeakSanitizer checks).
 */
#include "fuzz.h"

#include "rev/revfile.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || c == '\n';
}

/* A header value as it comes back from a written file: up to a NUL, CR LF
 * and tab folded to spaces, blanks trimmed.  out has room for strlen(s)+1. */
static void one_line(const char *s, char *out)
{
	size_t n = s ? strlen(s) : 0, a = 0, k = 0;
	while (n > 0 && blank(s[n - 1]))
		n--;
	while (a < n && blank(s[a]))
		a++;
	for (size_t i = a; i < n; i++)
		out[k++] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') ? ' ' : s[i];
	out[k] = '\0';
	/* what the parser trims around the folded text (\f, \v stay inside) */
	while (k > 0 && blank(out[k - 1]))
		out[--k] = '\0';
	size_t lead = 0;
	while (lead < k && blank(out[lead]))
		lead++;
	memmove(out, out + lead, k - lead + 1);
}

static void same_value(const char *a, const char *b, const char *what)
{
	size_t na = a ? strlen(a) : 0, nb = b ? strlen(b) : 0;
	char *x = fuzz_alloc(na + 1), *y = fuzz_alloc(nb + 1);
	one_line(a, x);
	one_line(b, y);
	if (strcmp(x, y) != 0) {
		fprintf(stderr, "%s: \"%s\" came back as \"%s\"\n", what, x, y);
		FUZZ_CHECK(0, "a header value does not survive being written again");
	}
	free(x);
	free(y);
}

static void same_list(char **a, size_t na, char **b, size_t nb, const char *what)
{
	FUZZ_CHECK(na == nb, what);
	for (size_t i = 0; i < na; i++)
		FUZZ_CHECK(strcmp(a[i], b[i]) == 0, what);
}

static void check_list(char **v, size_t n)
{
	FUZZ_CHECK((v == NULL) == (n == 0), "an absent list is NULL with count 0");
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(revfile_id_ok(v[i], strlen(v[i]), NULL), "an invalid id in a list");
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(v[i], v[k]) != 0, "a duplicate in a list");
	}
}

static void check_section(const struct revfile_section *s, size_t len)
{
	if (!s->present) {
		FUZZ_CHECK(s->offset == 0 && s->length == 0, "an absent section has a body");
		return;
	}
	FUZZ_CHECK(s->offset <= len && s->length <= len - s->offset, "section outside the input");
	FUZZ_CHECK(s->marker_line >= 1 && s->line == s->marker_line + 1, "section lines");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guarded g;
	char *buf = fuzz_guarded(data, size, &g);
	struct revfile rf, back;
	struct err e;
	char slug[REVFILE_SLUG_MAX + 8];

	memset(&e, 0, sizeof e);
	if (revfile_parse(&rf, buf, size, "fuzz.sql", &e) != 0) {
		static const struct revfile empty;
		FUZZ_CHECK(e.code == EXIT_GRAPH || e.code == EXIT_FAILURE_GENERIC, "error code");
		FUZZ_CHECK(e.msg[0] != '\0', "error without a message");
		FUZZ_CHECK(memcmp(&rf, &empty, sizeof rf) == 0, "a failed parse leaves something");
		revfile_release(&rf);
		fuzz_unguard(&g);
		return 0;
	}
	FUZZ_CHECK(rf.file && strcmp(rf.file, "fuzz.sql") == 0, "file name");
	FUZZ_CHECK(rf.revision && revfile_id_ok(rf.revision, strlen(rf.revision), NULL),
		   "revision id");
	FUZZ_CHECK(rf.revision_line >= 1 && rf.down_line >= 1, "header lines");
	check_list(rf.down_revisions, rf.n_down);
	check_list(rf.branch_labels, rf.n_labels);
	check_list(rf.depends_on, rf.n_depends);
	FUZZ_CHECK(rf.upgrade.present, "no upgrade section");
	check_section(&rf.upgrade, size);
	check_section(&rf.downgrade, size);
	if (rf.downgrade.present) {
		const struct revfile_section *a = &rf.upgrade, *b = &rf.downgrade;
		if (b->offset < a->offset) {
			a = &rf.downgrade;
			b = &rf.upgrade;
		}
		FUZZ_CHECK(a->offset + a->length <= b->offset, "sections overlap");
		FUZZ_CHECK(a->marker_line < b->marker_line, "marker order");
	}
	FUZZ_CHECK(rf.revision_line < rf.upgrade.marker_line && rf.down_line < rf.upgrade.marker_line,
		   "a header line after a section marker");

	/* written again (as `migrate revision` writes one) and read back */
	{
		struct revfile_new nf = {
			.revision = rf.revision,
			.down_revisions = (const char *const *)rf.down_revisions,
			.n_down = rf.n_down,
			.branch_labels = (const char *const *)rf.branch_labels,
			.n_labels = rf.n_labels,
			.depends_on = (const char *const *)rf.depends_on,
			.n_depends = rf.n_depends,
			.create_date = rf.create_date,
			.message = rf.message,
			.unconverted = rf.unconverted,
		};
		char *text = NULL;
		FUZZ_CHECK(revfile_format(&text, &nf, &e) == 0, "a parsed file cannot be written");
		if (revfile_parse(&back, text, strlen(text), "again.sql", &e) != 0) {
			fprintf(stderr, "written:\n%s\nerror: %s\n", text, e.msg);
			FUZZ_CHECK(0, "a written file does not parse");
		}
		FUZZ_CHECK(strcmp(back.revision, rf.revision) == 0, "revision");
		same_list(rf.down_revisions, rf.n_down, back.down_revisions, back.n_down,
			  "down_revision");
		same_list(rf.branch_labels, rf.n_labels, back.branch_labels, back.n_labels,
			  "branch_labels");
		same_list(rf.depends_on, rf.n_depends, back.depends_on, back.n_depends,
			  "depends_on");
		same_value(rf.create_date, back.create_date, "create_date");
		same_value(rf.message, back.message, "message");
		FUZZ_CHECK((rf.unconverted == NULL) == (back.unconverted == NULL), "unconverted");
		same_value(rf.unconverted, back.unconverted, "unconverted");
		FUZZ_CHECK(back.upgrade.present && back.upgrade.transactional &&
				   back.downgrade.present,
			   "sections of a written file");
		revfile_release(&back);
		free(text);
	}

	/* the slug of the message, whatever the room */
	for (size_t cap = 0; cap <= sizeof slug; cap += 7) {
		size_t n;
		memset(slug, 'x', sizeof slug);
		n = revfile_slug(slug, cap, rf.message);
		if (cap == 0) {
			FUZZ_CHECK(n == 0, "slug without room");
			continue;
		}
		FUZZ_CHECK(n < cap && slug[n] == '\0' && strlen(slug) == n, "slug length");
		FUZZ_CHECK(n <= REVFILE_SLUG_MAX + 1, "slug too long");
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(slug[i] == '_' || (slug[i] >= 'a' && slug[i] <= 'z') ||
					   (slug[i] >= '0' && slug[i] <= '9'),
				   "slug character");
	}
	revfile_release(&rf);
	{
		static const struct revfile empty;
		FUZZ_CHECK(memcmp(&rf, &empty, sizeof rf) == 0, "release leaves something");
	}
	fuzz_unguard(&g);
	return 0;
}
