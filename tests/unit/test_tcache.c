/*
 * test_tcache.c — the pure parts of the template cache's names
 * (db/tcache.h): which names and comments are ours, and the mark.
 */
#include "tap.h"

#include "db/tcache.h"

static const char digest[] = "d37a58e9720aafc7d05ea7e25aa83d039b4ffc8e2d3cc99bbaec7d55d4cfde3e";

static void test_id(void)
{
	struct tcache_id id;
	struct err e = {0};
	CHECK_INT(tcache_id_init(&id, digest, "0123456789abcdef0123",
				 "roots 3be61ad5f00f, version table alembic_version, role app", &e),
		  0);
	CHECK_STR(id.name, "migrate_entry_template_d37a58e9720aafc7");
	CHECK_STR(id.checks, "0123456789abcdef");
	CHECK_STR(id.comment, "migrate-entry template cache 1: digest "
			      "d37a58e9720aafc7d05ea7e25aa83d039b4ffc8e2d3cc99bbaec7d55d4cfde3e; "
			      "checked 0123456789abcdef; "
			      "project roots 3be61ad5f00f, version table alembic_version, role app");
	CHECK(tcache_name_ok(id.name));
	tcache_id_release(&id);
}

static void test_comment_parse(void)
{
	char got[DIGEST_HEX_LEN + 1], checks[TCACHE_CHECKS_LEN + 1];
	const char *identity = NULL;
	char comment[256];

	snprintf(comment, sizeof comment, "%s%s; project roots a; b, role x", TCACHE_COMMENT_HEAD,
		 digest);
	CHECK_INT(tcache_comment_parse(comment, got, checks, &identity), 1);
	CHECK_STR(got, digest);
	CHECK_STR(checks, ""); /* made before the checks were named */
	CHECK_STR(identity, "roots a; b, role x");
	snprintf(comment, sizeof comment, "%s%s; checked 00ff00ff00ff00ff; project roots a",
		 TCACHE_COMMENT_HEAD, digest);
	CHECK_INT(tcache_comment_parse(comment, got, checks, &identity), 1);
	CHECK_STR(checks, "00ff00ff00ff00ff");
	CHECK_STR(identity, "roots a");
	snprintf(comment, sizeof comment, "%s%s; checked 00ff00ff00ff00f; project roots a",
		 TCACHE_COMMENT_HEAD, digest);
	CHECK_INT(tcache_comment_parse(comment, got, checks, &identity), 0);
	snprintf(comment, sizeof comment, "%s%s; checked 00ff00ff00ff00ff0; project roots a",
		 TCACHE_COMMENT_HEAD, digest);
	CHECK_INT(tcache_comment_parse(comment, got, checks, &identity), 0);
	/* not ours */
	CHECK_INT(tcache_comment_parse(NULL, got, checks, &identity), 0);
	CHECK_INT(tcache_comment_parse("", got, checks, &identity), 0);
	CHECK_INT(tcache_comment_parse("default template for new databases", got, checks, &identity), 0);
	snprintf(comment, sizeof comment, "%s%.63s; project x", TCACHE_COMMENT_HEAD, digest);
	CHECK_INT(tcache_comment_parse(comment, got, checks, &identity), 0);
	snprintf(comment, sizeof comment, "%sD37A58E9720AAFC7%s; project x", TCACHE_COMMENT_HEAD,
		 digest + 16);
	CHECK_INT(tcache_comment_parse(comment, got, checks, &identity), 0);
	snprintf(comment, sizeof comment, "%s%s project x", TCACHE_COMMENT_HEAD, digest);
	CHECK_INT(tcache_comment_parse(comment, got, checks, &identity), 0);
	snprintf(comment, sizeof comment, "%s%s", TCACHE_COMMENT_HEAD, digest);
	CHECK_INT(tcache_comment_parse(comment, got, checks, &identity), 0);
}

static void test_name_ok(void)
{
	CHECK(tcache_name_ok("migrate_entry_template_0123456789abcdef"));
	CHECK(!tcache_name_ok("migrate_entry_template_0123456789abcde"));
	CHECK(!tcache_name_ok("migrate_entry_template_0123456789abcdef0"));
	CHECK(!tcache_name_ok("migrate_entry_template_0123456789ABCDEF"));
	CHECK(!tcache_name_ok("migrate_entry_template_0123456789abcdeg"));
	CHECK(!tcache_name_ok("migrate_entry_templat_0123456789abcdef"));
	CHECK(!tcache_name_ok("app"));
}

static void test_mark(void)
{
	char mark[TCACHE_MARK_MAX];
	/* sha256("app") = a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333 */
	tcache_mark("app", mark);
	CHECK_STR(mark, "migrate-entry templating a172cedcae47");
}

int main(void)
{
	RUN(test_id);
	RUN(test_comment_parse);
	RUN(test_name_ok);
	RUN(test_mark);
	return tap_done();
}
