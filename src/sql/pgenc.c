/*
 * pgenc.c — see pgenc.h.  The length rules are those of PostgreSQL 15's
 * src/common/wchar.c (pg_*_mblen).
 */
#include "sql/pgenc.h"

#include <strings.h>

static const struct {
	const char *name;
	enum pgenc enc;
} names[] = {
	{"UTF8", PGENC_UTF8},          {"UNICODE", PGENC_UTF8},       {"EUC_JP", PGENC_EUC},
	{"EUC_JIS_2004", PGENC_EUC},   {"EUC_KR", PGENC_EUC},         {"EUC_CN", PGENC_EUC_CN},
	{"EUC_TW", PGENC_EUC_TW},      {"MULE_INTERNAL", PGENC_MULE}, {"SJIS", PGENC_SJIS},
	{"SHIFT_JIS_2004", PGENC_SJIS}, {"BIG5", PGENC_DBCS},         {"GBK", PGENC_DBCS},
	{"UHC", PGENC_DBCS},           {"GB18030", PGENC_GB18030},    {"JOHAB", PGENC_JOHAB},
};

/* Every other encoding PostgreSQL knows is one byte per character. */
static const char *const single_byte[] = {
	"SQL_ASCII", "LATIN1", "LATIN2", "LATIN3", "LATIN4", "LATIN5", "LATIN6", "LATIN7",
	"LATIN8", "LATIN9", "LATIN10", "WIN1256", "WIN1258", "WIN866", "WIN874", "KOI8R",
	"WIN1251", "WIN1252", "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8",
	"WIN1250", "WIN1253", "WIN1254", "WIN1255", "WIN1257", "KOI8U", "ALT", "WIN",
	"TCVN", "TCVN5712", "ABC", "VSCII", "WIN1258", "KOI8",
};

bool pgenc_from_name(const char *name, enum pgenc *out)
{
	*out = PGENC_UTF8;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].enc;
			return true;
		}
	for (size_t i = 0; i < sizeof single_byte / sizeof single_byte[0]; i++)
		if (strcasecmp(name, single_byte[i]) == 0) {
			*out = PGENC_SINGLE;
			return true;
		}
	return false;
}

bool pgenc_lexer_unsafe(enum pgenc enc)
{
	return enc == PGENC_SJIS || enc == PGENC_DBCS || enc == PGENC_GB18030 || enc == PGENC_JOHAB;
}

static size_t mule_len(unsigned char c)
{
	if (c >= 0x81 && c <= 0x8d)
		return 2; /* LC1 */
	if (c == 0x9a || c == 0x9b)
		return 3; /* LCPRV1 */
	if (c >= 0x90 && c <= 0x99)
		return 3; /* LC2 */
	if (c == 0x9c || c == 0x9d)
		return 4; /* LCPRV2 */
	return 1;
}

size_t pgenc_mblen(enum pgenc enc, const unsigned char *s, size_t avail)
{
	unsigned char c;
	size_t n = 1;
	if (avail == 0)
		return 0;
	c = s[0];
	if (enc == PGENC_UTF8) {
		/* a character is a byte and the continuation bytes after it (at
		 * most three): an invalid byte counts as one */
		while (n < avail && n < 4 && (s[n] & 0xC0) == 0x80)
			n++;
		return n;
	}
	if (c >= 0x80) {
		switch (enc) {
		case PGENC_UTF8:
			break;
		case PGENC_SINGLE:
			break;
		case PGENC_EUC:
		case PGENC_JOHAB:
			n = c == 0x8f ? 3 : 2;
			break;
		case PGENC_EUC_CN:
		case PGENC_DBCS:
			n = 2;
			break;
		case PGENC_EUC_TW:
			n = c == 0x8e ? 4 : c == 0x8f ? 3 : 2;
			break;
		case PGENC_MULE:
			n = mule_len(c);
			break;
		case PGENC_SJIS:
			n = c >= 0xa1 && c <= 0xdf ? 1 : 2;
			break;
		case PGENC_GB18030:
			n = avail >= 2 && s[1] >= 0x30 && s[1] <= 0x39 ? 4 : 2;
			break;
		}
	}
	return n < avail ? n : avail;
}
