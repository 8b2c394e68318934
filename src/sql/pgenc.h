/*
 * pgenc.h — what the runner must know about PostgreSQL's client encodings:
 * how long a character is, given its first bytes, and whether the
 * encoding is safe for a lexer that looks at bytes (psql's notion: an
 * encoding PostgreSQL accepts as a server encoding never has an ASCII byte
 * inside a multibyte character; the client-only ones — SJIS,
 * SHIFT_JIS_2004, BIG5, GBK, UHC, GB18030, JOHAB — can have '\' or '''
 * as a trailing byte).  Pure: no libpq; names as pg_encoding_to_char()
 * spells them.
 */
#ifndef MIGRATE_PGENC_H
#define MIGRATE_PGENC_H

#include <stdbool.h>
#include <stddef.h>

/* How an encoding's characters are built, one class per length rule of
 * PostgreSQL's pg_encoding_mblen(). */
enum pgenc {
	PGENC_UTF8 = 0,   /* the default */
	PGENC_SINGLE,     /* SQL_ASCII, LATIN1…10, WIN*, ISO_8859_*, KOI8* */
	PGENC_EUC,        /* EUC_JP, EUC_JIS_2004, EUC_KR, JOHAB: 0x8e → 2, 0x8f → 3, high → 2 */
	PGENC_EUC_CN,     /* high → 2 */
	PGENC_EUC_TW,     /* 0x8e → 4, 0x8f → 3, high → 2 */
	PGENC_MULE,       /* MULE_INTERNAL: by leading-character set */
	PGENC_SJIS,       /* SJIS, SHIFT_JIS_2004: 0xa1–0xdf → 1, high → 2 */
	PGENC_DBCS,       /* BIG5, GBK, UHC: high → 2 */
	PGENC_GB18030,    /* high → 2, or 4 when the second byte is 0x30–0x39 */
	PGENC_JOHAB       /* as EUC, but client-only */
};

/* The class of an encoding name (case-insensitive; "UTF8", "LATIN1",
 * "SJIS" …).  Unknown names are PGENC_UTF8 and return false. */
bool pgenc_from_name(const char *name, enum pgenc *out);

/* Whether trailing bytes of a character can look like ASCII. */
bool pgenc_lexer_unsafe(enum pgenc enc);

/* Length of the character starting at s[0] (1 for ASCII), never more than
 * avail (a character cut short counts as what is there; avail 0 gives 0).
 * For GB18030 the second byte decides: when avail is 1 it counts as 2.
 * In UTF-8 a character is a byte and the continuation bytes after it (at
 * most three), so an invalid byte counts as one. */
size_t pgenc_mblen(enum pgenc enc, const unsigned char *s, size_t avail);

#endif
