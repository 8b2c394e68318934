/*
 * alembic_read.h — an Alembic project as the Python half of `migrate
 * import-alembic` sees it (src/cmd/import_alembic.py, compiled into the
 * binary): each revision's graph fields and its upgrade and downgrade SQL,
 * rendered by Alembic in offline mode, or the Python error that stopped the
 * rendering.
 *
 * alembic_python picks the interpreter, alembic_read runs it (and
 * alembic_autogenerate, for `revision --autogenerate` from SQLAlchemy
 * models) and alembic_parse reads its records (pure; the unit tests feed it
 * bytes).
 */
#ifndef MIGRATE_ALEMBIC_READ_H
#define MIGRATE_ALEMBIC_READ_H

#include <stddef.h>

#include "util/err.h"

struct alembic_segment {
	int in_transaction; /* 0: inside op.get_context().autocommit_block() */
	char *sql;
};

struct alembic_body {
	struct alembic_segment *segments; /* in order */
	size_t n_segments;
	char *error;  /* why it could not be rendered (segments are then empty) */
	char *source; /* with error: "FILE:LINE\n" and the function's Python source */
};

struct alembic_rev {
	char *id;
	char *path; /* the Python file, relative to its versions directory */
	char **down;
	size_t n_down;
	char **labels;
	size_t n_labels;
	char **depends_on; /* resolved revision ids */
	size_t n_depends;
	char *create_date; /* NULL when the docstring has none */
	char *message;
	struct alembic_body upgrade, downgrade;
};

struct alembic_project {
	char *alembic_version;
	struct alembic_rev *revs; /* from the roots on (parents before children) */
	size_t n_revs;
	char **warnings; /* what could not be carried over, for the summary */
	size_t n_warnings;
	char **settings; /* "version_table=x": what migrate.ini should say too */
	size_t n_settings;
	char **detected; /* alembic_autogenerate: the operations, as Alembic names them */
	size_t n_detected;
};

/* The interpreter to run: given (--python), else $MIGRATE_PYTHON, else the
 * one named on the first line of the `alembic` command found on PATH (the
 * Python it runs with), else "python3".  Writes at most cap-1 bytes. */
void alembic_python(const char *given, char *out, size_t cap);

/* Run python on the project of ini (its [section]) and parse what it says
 * into *p (release with alembic_project_release, also after a failure).
 * EXIT_CONFIG when the interpreter is missing, cannot import Alembic, or
 * the project cannot be read. */
int alembic_read(struct alembic_project *p, const char *python, const char *ini,
		 const char *section, struct err *e);

/* The models route of `revision --autogenerate`: env.py of ini's [section]
 * runs online against url (NULL: as configured), Alembic compares its
 * target_metadata with that database (url is also its DATABASE_URL, for
 * the env.py files that read that), and *p gets one revision
 * ("autogenerate") whose upgrade and downgrade are the operations found,
 * rendered in offline mode, and their names in p->detected.  Errors as
 * alembic_read's. */
int alembic_autogenerate(struct alembic_project *p, const char *python, const char *ini,
			 const char *section, const char *url, struct err *e);

/* Parse the records buf[0..len) (the format is described in the Python
 * file).  EXIT_CONFIG on malformed records or a `fatal` one. */
int alembic_parse(struct alembic_project *p, const char *buf, size_t len, struct err *e);

void alembic_project_release(struct alembic_project *p);

#endif
