/*
 * datedir.h — the names of dated init-script directories and the order of
 * files within them (docs/reference.md §8.1).  Pure.
 *
 * A directory name is a date written YYYYMMDD, YYYY-MM-DD or MMDDYYYY
 * (the existing "08032025" is 3 August 2025).  Eight digits are read both
 * ways; for real years (1900–2999) only one reading is a valid date, and a
 * name valid both ways is refused as ambiguous.
 */
#ifndef MIGRATE_DATEDIR_H
#define MIGRATE_DATEDIR_H

/* Parse name into a sortable yyyymmdd number.  Returns 0, or -1 with why
 * set to a static reason ("not a date (expected YYYYMMDD, YYYY-MM-DD or
 * MMDDYYYY)", "ambiguous date …"). */
int datedir_parse(const char *name, long *yyyymmdd, const char **why);

/* Natural order: runs of digits compare as numbers ("2_x.sql" < "10_x.sql"),
 * everything else bytewise; ties broken bytewise.  strcmp-style result. */
int natural_cmp(const char *a, const char *b);

#endif
