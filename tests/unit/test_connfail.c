/* Unit tests: what a failed connection attempt means (docs/reference.md §7.2, db/connfail.h),
 * from libpq's own messages (PostgreSQL 15, verbose errors). */
#define _POSIX_C_SOURCE 200809L
#include "tap.h"

#include "db/connfail.h"

#define AT "connection to server at \"127.0.0.1\", port 5432 failed: "

static struct connfail f;

static void classify(const char *msg, int needs_password, int before_polling)
{
	connfail_classify(msg, needs_password, before_polling, "app", "appdb", &f);
}

static void test_retried(void)
{
	static const char *const retried[] = {
		AT "Connection refused\n\tIs the server running on that host and accepting TCP/IP "
		   "connections?\n",
		"could not translate host name \"db\" to address: Name or service not known\n",
		AT "FATAL:  57P03: the database system is starting up\nLOCATION:  "
		   "ProcessStartupPacket, postmaster.c:2400\n",
		AT "FATAL:  57P03: the database system is shutting down\n",
		AT "FATAL:  57P03: the database system is not yet accepting connections\nDETAIL:  "
		   "Consistent recovery state has not been yet reached.\n",
		AT "FATAL:  57P01: terminating connection due to administrator command\n",
		AT "FATAL:  53300: sorry, too many clients already\n",
		AT "FATAL:  53300: remaining connection slots are reserved for non-replication "
		   "superuser connections\n",
		AT "server closed the connection unexpectedly\n\tThis probably means the server "
		   "terminated abnormally\n",
		AT "SSL SYSCALL error: EOF detected\n",
		"timeout expired\n",
	};
	for (size_t i = 0; i < sizeof retried / sizeof retried[0]; i++) {
		classify(retried[i], 0, 0);
		CHECK_INT(f.why, DBF_RETRY);
		CHECK_INT(f.code, EXIT_FAILURE_GENERIC);
		CHECK_STR(f.hint, "");
	}
	classify(AT "FATAL:  53300: sorry, too many clients already\n", 0, 0);
	CHECK_STR(f.sqlstate, "53300");
	CHECK_STR(f.msg, AT "FATAL:  sorry, too many clients already");
	classify(AT "FATAL:  57P03: the database system is starting up\nLOCATION:  x.c:1\n", 0, 0);
	CHECK_STR(f.sqlstate, "57P03");
	CHECK_STR(f.msg, AT "FATAL:  the database system is starting up");
}

static void test_database_missing(void)
{
	classify(AT "FATAL:  3D000: database \"appdb\" does not exist\nLOCATION:  InitPostgres, "
		    "postinit.c:885\n",
		 0, 0);
	CHECK_INT(f.why, DBF_DB_MISSING);
	CHECK_STR(f.sqlstate, "3D000");
	CHECK_STR(f.msg, AT "FATAL:  database \"appdb\" does not exist");
	/* behind PgBouncer (auto-database "*"): the same, as 08P01 */
	classify(AT "FATAL:  08P01: database \"appdb\" does not exist\n", 0, 0);
	CHECK_INT(f.why, DBF_DB_MISSING);
	/* PgBouncer without an entry for it: stop at once */
	classify(AT "ERROR:  08P01: no such database: appdb\n", 0, 0);
	CHECK_INT(f.why, DBF_FATAL);
	CHECK(strstr(f.hint, "no entry for database") != NULL);
	/* other 08P01 answers are retried */
	classify(AT "ERROR:  08P01: pgbouncer cannot connect to server\n", 0, 0);
	CHECK_INT(f.why, DBF_RETRY);
}

static void test_authentication(void)
{
	classify(AT "FATAL:  28P01: password authentication failed for user \"app\"\n", 0, 0);
	CHECK_INT(f.why, DBF_AUTH);
	CHECK_INT(f.code, EXIT_AUTH);
	CHECK_STR(f.sqlstate, "28P01");
	CHECK(strstr(f.hint, "check the user and password") != NULL);
	CHECK(strstr(f.hint, "no retry was made") != NULL);

	classify("fe_sendauth: no password supplied\n", 0, 0);
	CHECK_INT(f.code, EXIT_AUTH);
	CHECK(strstr(f.hint, "password") != NULL);
	classify(AT "something\n", 1, 0); /* PQconnectionNeedsPassword */
	CHECK_INT(f.code, EXIT_AUTH);

	classify(AT "FATAL:  28000: no pg_hba.conf entry for host \"10.0.0.5\", user \"app\", "
		    "database \"appdb\", no encryption\n",
		 0, 0);
	CHECK_INT(f.code, EXIT_AUTH);
	CHECK(strstr(f.hint, "pg_hba.conf") != NULL);
	CHECK(strstr(f.hint, "password") == NULL);
}

static void test_permission(void)
{
	/* the password was right: no word about it in the hint */
	classify(AT "FATAL:  42501: permission denied for database \"appdb\"\nDETAIL:  User does "
		    "not have CONNECT privilege.\nLOCATION:  CheckMyDatabase, postinit.c:371\n",
		 0, 0);
	CHECK_INT(f.why, DBF_AUTH);
	CHECK_INT(f.code, EXIT_AUTH);
	CHECK_STR(f.sqlstate, "42501");
	CHECK_STR(f.msg, AT "FATAL:  permission denied for database \"appdb\" DETAIL:  User does not "
			    "have CONNECT privilege.");
	CHECK_STR(f.hint, "role \"app\" lacks the CONNECT privilege on database \"appdb\": grant it "
			  "(GRANT CONNECT ON DATABASE \"appdb\" TO \"app\"); retrying cannot help, so "
			  "no retry was made");
	CHECK(strstr(f.hint, "password") == NULL);

	classify(AT "FATAL:  42501: must be superuser to connect during database shutdown\n", 0, 0);
	CHECK_INT(f.code, EXIT_AUTH);
	CHECK(strstr(f.hint, "lacks a privilege") != NULL);
}

static void test_tls_is_configuration_before_and_after_polling(void)
{
	static const char *const tls[] = {
		AT "server does not support SSL, but SSL was required\n",
		AT "root certificate file \"/nonexistent\" does not exist\nEither provide the file "
		   "or change sslmode to disable server certificate verification.\n",
		AT "SSL error: certificate verify failed\n",
		AT "server certificate for \"db\" does not match host name \"127.0.0.1\"\n",
		AT "could not open certificate file \"/run/secrets/client.crt\": No such file or "
		   "directory\n",
		AT "could not load private key file \"/run/secrets/client.key\": unsupported\n",
		AT "SSL error: tlsv1 alert unknown ca\n",
		AT "GSSAPI encryption required but was impossible (possibly no credential cache, no "
		   "server support, or using a local socket)\n",
	};
	for (size_t i = 0; i < sizeof tls / sizeof tls[0]; i++) {
		classify(tls[i], 0, 0); /* after polling began */
		CHECK_INT(f.why, DBF_FATAL);
		CHECK_INT(f.code, EXIT_CONFIG);
		CHECK(f.hint[0] != '\0');
		classify(tls[i], 0, 1);
		CHECK_INT(f.code, EXIT_CONFIG);
	}
	classify("invalid sslmode value: \"bogus\"\n", 0, 1);
	CHECK_INT(f.why, DBF_FATAL);
	CHECK_INT(f.code, EXIT_CONFIG);
	CHECK(strstr(f.hint, "sslmode") != NULL);
}

static void test_other_fatal(void)
{
	classify("invalid connection option \"bogus\"\n", 0, 1);
	CHECK_INT(f.why, DBF_FATAL);
	CHECK_INT(f.code, EXIT_CONFIG);
	classify("could not look up local user ID 1000: No such file or directory\n", 0, 1);
	CHECK_INT(f.code, EXIT_CONFIG);
	CHECK(strstr(f.hint, "PGUSER") != NULL);
	/* a server error not listed: exit 1 */
	classify(AT "FATAL:  0A000: unsupported frontend protocol 9.0\n", 0, 0);
	CHECK_INT(f.why, DBF_FATAL);
	CHECK_INT(f.code, EXIT_FAILURE_GENERIC);
	CHECK_STR(f.sqlstate, "0A000");
}

static void test_several_hosts(void)
{
	/* libpq tries each host and reports them all: the server's answer decides */
	classify("connection to server at \"10.0.0.1\", port 5432 failed: Connection refused\n"
		 "\tIs the server running on that host and accepting TCP/IP connections?\n"
		 "connection to server at \"10.0.0.2\", port 5432 failed: FATAL:  28P01: password "
		 "authentication failed for user \"app\"\n",
		 0, 0);
	CHECK_INT(f.code, EXIT_AUTH);
	CHECK_STR(f.sqlstate, "28P01");
	CHECK_STR(f.msg, "connection to server at \"10.0.0.1\", port 5432 failed: Connection refused "
			 "connection to server at \"10.0.0.2\", port 5432 failed: FATAL:  password "
			 "authentication failed for user \"app\"");
}

int main(void)
{
	RUN(test_retried);
	RUN(test_database_missing);
	RUN(test_authentication);
	RUN(test_permission);
	RUN(test_tls_is_configuration_before_and_after_polling);
	RUN(test_other_fatal);
	RUN(test_several_hosts);
	return tap_done();
}
