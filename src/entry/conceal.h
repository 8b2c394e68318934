/*
 * conceal.h — what the tool keeps to itself (docs/reference.md §7.7, §5.3).
 *
 * The program's environment.  The program after `--` (exec'd, or the
 * child of --init) gets the environment the tool was started with, minus
 * the tool's own variables, MIGRATE_* (the tool's settings, among them
 * MIGRATE_DATABASE_URL and its password).  What the tool set in its own
 * environment while it ran is not passed on either: a libpq variable it
 * read from X_FILE (PGPASSWORD from PGPASSWORD_FILE, conf/env.h) stays the
 * tool's; the program still gets PGPASSWORD_FILE, the user's.  Everything
 * else the user set, DATABASE_URL included, is passed on as given.
 *
 * The command line.  A password in --database-url or in a --wait URL is
 * overwritten in argv as soon as the configuration holds its own copy, so
 * that /proc/<pid>/cmdline (ps) shows the URLs with *** from then on.
 */
#ifndef MIGRATE_CONCEAL_H
#define MIGRATE_CONCEAL_H

#include "conf/cli.h"
#include "util/err.h"

/* Remember the environment as the tool received it (call first thing, before
 * anything sets a variable).  -1 with e when out of memory.  Without it,
 * conceal_environment only removes MIGRATE_*. */
int conceal_note_environment(struct err *e);

/* Before exec or fork: environ becomes the remembered environment minus
 * MIGRATE_* (the old array is left alone: a helper thread may still read it). */
void conceal_environment(void);

/* Overwrite in place the passwords of the --database-url and --wait values
 * that cli borrowed from argv (call once config_load copied them; cli's
 * borrowed values are redacted afterwards).  Each value keeps its length or
 * shrinks (the rest of its bytes become NULs); a password shorter than
 * "***" is overwritten with as many '*'. */
void conceal_argv(const struct cli *cli);

#endif
