/*
 * fsutil.h — small file-system helpers shared by the directory loaders.
 */
#ifndef MIGRATE_FSUTIL_H
#define MIGRATE_FSUTIL_H

#include <stddef.h>

#include "util/err.h"

/* Read a whole file into a malloc'd, NUL-terminated buffer (*len excludes
 * the NUL).  Errors name the file (EXIT_FAILURE_GENERIC). */
int fs_read_file(const char *path, char **out, size_t *len, struct err *e);

/* The same for a file known to be a regular file (listed by fs_list): the
 * first read shorter than asked is taken as the end, which saves a system
 * call or two per file when a directory holds thousands. */
int fs_read_regular(const char *path, char **out, size_t *len, struct err *e);

/* List the regular files of dir whose names end in suffix, sorted by name
 * (strcmp), as malloc'd names in a malloc'd array (free with
 * fs_free_list).  A missing directory is -1 with errno-style message; so
 * is an entry with the suffix that is not a regular file (a dangling
 * symlink, a directory, a FIFO): a file that would be skipped without a
 * word must be an error instead.  Whether each can be read is left to the
 * caller, who reads them all at once (fs_read_regular). */
int fs_list(const char *dir, const char *suffix, char ***names, size_t *n, struct err *e);
void fs_free_list(char **names, size_t n);

/* The same, also listing the compressed forms NAME.gz, NAME.xz and
 * NAME.zst of names ending in suffix (util/unpack.h), and checking that
 * each can be read (no permission is an error here: the files are read
 * later, one after the other, with work done in between). */
int fs_list_packed(const char *dir, const char *suffix, char ***names, size_t *n, struct err *e);

/* The same for subdirectories (any name not starting with '.'). */
int fs_list_dirs(const char *dir, char ***names, size_t *n, struct err *e);

/* SHA-256 of a file's contents, streamed (a compressed script: of its
 * text, as the runner reads it). */
int fs_digest_file(const char *path, char hex[65], struct err *e);

/* SHA-256 of a file's bytes as they are on disk, streamed. */
int fs_digest_bytes(const char *path, char hex[65], struct err *e);

/* Every regular file below root (following symbolic links; names starting
 * with '.' left out, as everywhere), as malloc'd paths relative to root
 * ("08032025/01_x.sql"), sorted bytewise, in a malloc'd array (free with
 * fs_free_list).  A root that is not a directory is an empty list;
 * entries that are neither files nor directories (a dangling link, a FIFO)
 * are left out.  At most 64 levels deep. */
int fs_list_tree(const char *root, char ***paths, size_t *n, struct err *e);

/* 1 if path is an existing directory. */
int fs_is_dir(const char *path);

/* Join dir and name with one '/'; malloc'd (NULL on no memory). */
char *fs_join(const char *dir, const char *name);

/* Write data to path atomically (temp file + rename); refuses to replace
 * an existing file when exclusive is set. */
int fs_write_file(const char *path, const char *data, size_t len, int exclusive, struct err *e);

#endif
