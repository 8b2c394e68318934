/*
 * commands.h — the subcommands, one function each, called by main.c's
 * command table after the configuration is loaded.  Each returns 0 or -1
 * with e set; main reports e and exits with its code.
 */
#ifndef MIGRATE_COMMANDS_H
#define MIGRATE_COMMANDS_H

#include "cli.h"
#include "config.h"
#include "err.h"

struct ctx {
	struct cli cli;
	struct config cfg;
};

/* cmd_db.c: the database lifecycle */
int cmd_bootstrap(struct ctx *c, struct err *e);
int cmd_wait(struct ctx *c, struct err *e);
int cmd_create(struct ctx *c, struct err *e);
int cmd_init(struct ctx *c, struct err *e);

#endif
