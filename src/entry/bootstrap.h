/*
 * bootstrap.h — the pipeline (docs/reference.md §7), steps 1–6: wait, create, lock,
 * init, upgrade, verify.  Step 7 (exec) belongs to the caller, after
 * bootstrap_run has closed every connection it opened.
 */
#ifndef MIGRATE_BOOTSTRAP_H
#define MIGRATE_BOOTSTRAP_H

#include <stdint.h>

#include "conf/config.h"
#include "util/err.h"

enum bootstrap_stop {
	BOOTSTRAP_ALL = 0,
	BOOTSTRAP_STOP_AFTER_WAIT,   /* `migrate wait` */
	BOOTSTRAP_STOP_AFTER_CREATE  /* `migrate create` */
};

#include "init/initdir.h"
#include "migrate/migrate.h"
#include "db/verify.h"

struct bootstrap_opts {
	int skip_init, skip_upgrade, skip_verify;
	int strict;
	enum bootstrap_stop stop;
	/* the process execs the program right after a run that succeeds: the
	 * revision files are not freed one by one (exec drops the whole address
	 * space; with musl's allocator, freeing a thousand files returned memory
	 * to the kernel page by page) */
	int exec_follows;
};

/* After an exec that failed: free what a run with exec_follows kept. */
void bootstrap_release_kept(void);

/* What happened, for the summary line. */
struct bootstrap_report {
	char target[1024];   /* user@host:port/db, no password */
	int attempts;
	int64_t wait_ms, create_ms, lock_ms, total_ms;
	int no_lock;          /* nothing to do: the migration lock was not taken */
	int db_missing, created;
	int cloned;              /* created from the template cache's template_name */
	int sealed;              /* ... a sealed one: the steps were not run (template.h) */
	int template_made;       /* this run made template_name (template_ms) */
	int64_t template_ms;
	char template_name[64];
	char services[1024]; /* services waited for, "" if none */
	struct init_report init;
	struct migrate_report upgrade;
	int revisions; /* revision files found */
	struct verify_report verify;
};

/* Run the steps.  Every connection is closed on return, success or not. */
int bootstrap_run(const struct config *cfg, const struct bootstrap_opts *opts,
		  struct bootstrap_report *rep, struct err *e);

/* The one summary line (without the program prefix), malloc'd (caller
 * frees; NULL on no memory). */
char *bootstrap_summary(const struct bootstrap_report *rep, const struct bootstrap_opts *opts,
			char *const *exec_argv);

#endif
