/* fecha_words: the words of a date in, for fecha_parse.c's reader:
 * normalised (lower case, accents and ordinal marks to ASCII, each byte
 * remembering the original bytes it stands for) and tokenised (numbers,
 * words, punctuation). See fecha_internal.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fecha.h"
#include "fecha_internal.h"

int
fecha_fail(struct fecha_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->err == NULL || r->errlen == 0)
		return -1;
	if (r->wlen <= FECHA_QUOTE_MAX) {
		n = snprintf(r->err, r->errlen, "'%.*s': ", r->wlen, r->words);
	} else {
		/* Quote the start of very long words, cut between
		 * characters. */
		int cut = FECHA_QUOTE_MAX;

		while (cut > 0 && (r->words[cut] & 0xc0) == 0x80)
			cut--;
		n = snprintf(r->err, r->errlen, "'%.*s...': ", cut, r->words);
	}
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void
fecha_norm_put(struct fecha_norm *nm, char c, int off, int len)
{
	nm->c[nm->n] = c;
	nm->off[nm->n] = (short)off;
	nm->len[nm->n] = (short)len;
	nm->n++;
}

/* Two-byte UTF-8 sequences with ASCII stand-ins: accents, ñ, ordinal
 * marks, the degree sign (used as º) and the no-break space. */
static char
fecha_norm_latin(unsigned char a, unsigned char b)
{
	static const struct {
		unsigned char a, b;
		char c;
	} map[] = {
	    {0xc3, 0x81, 'a'}, {0xc3, 0xa1, 'a'}, {0xc3, 0x89, 'e'},
	    {0xc3, 0xa9, 'e'}, {0xc3, 0x8d, 'i'}, {0xc3, 0xad, 'i'},
	    {0xc3, 0x93, 'o'}, {0xc3, 0xb3, 'o'}, {0xc3, 0x9a, 'u'},
	    {0xc3, 0xba, 'u'}, {0xc3, 0x9c, 'u'}, {0xc3, 0xbc, 'u'},
	    {0xc3, 0x91, 'n'}, {0xc3, 0xb1, 'n'}, {0xc2, 0xba, 'o'},
	    {0xc2, 0xb0, 'o'}, {0xc2, 0xaa, 'a'}, {0xc2, 0xa0, ' '},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].a == a && map[i].b == b)
			return map[i].c;
	return 0;
}

int
fecha_normalise(struct fecha_reader *r, struct fecha_norm *nm)
{
	const unsigned char *s = (const unsigned char *)r->words;
	int i = 0, n = r->wlen, len;
	char c;

	nm->n = 0;
	if (n > FECHA_INPUT_MAX)
		return fecha_fail(r, "longer than %d bytes", FECHA_INPUT_MAX);
	while (i < n) {
		if (s[i] < 0x80) {
			c = (char)s[i];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			else if (c == '\t' || c == '\n' || c == '\r' ||
			         c == '\v' || c == '\f')
				c = ' ';
			fecha_norm_put(nm, c, i, 1);
			i++;
			continue;
		}
		if (i + 1 < n && (c = fecha_norm_latin(s[i], s[i + 1]))) {
			fecha_norm_put(nm, c, i, 2);
			i += 2;
			continue;
		}
		/* En and em dashes read as hyphens. */
		if (i + 2 < n && s[i] == 0xe2 && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0x93 || s[i + 2] == 0x94)) {
			fecha_norm_put(nm, '-', i, 3);
			i += 3;
			continue;
		}
		len = s[i] >= 0xf0   ? 4
		      : s[i] >= 0xe0 ? 3
		      : s[i] >= 0xc0 ? 2
		                     : 1;
		if (i + len > n)
			len = n - i;
		fecha_norm_put(nm, FECHA_NORM_ALIEN, i, len);
		i += len;
	}
	return 0;
}

static int
fecha_is_letter(char c)
{
	return c >= 'a' && c <= 'z';
}

static int
fecha_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The ordinal suffix glued to a number ("1ro", "1er", "9a"), or NONE. */
static enum fecha_ord
fecha_ord_suffix(const char *s, int len)
{
	static const char *const masc[] = {"o", "ro", "er", "ero", "do", "to"};
	static const char *const fem[] = {"a", "ra", "era", "da", "ta"};
	size_t i;

	for (i = 0; i < sizeof(masc) / sizeof(masc[0]); i++)
		if ((int)strlen(masc[i]) == len && !strncmp(s, masc[i], len))
			return FECHA_ORD_MASC;
	for (i = 0; i < sizeof(fem) / sizeof(fem[0]); i++)
		if ((int)strlen(fem[i]) == len && !strncmp(s, fem[i], len))
			return FECHA_ORD_FEM;
	return FECHA_ORD_NONE;
}

int
fecha_tokenise(struct fecha_reader *r, const struct fecha_norm *nm)
{
	struct fecha_tok *t;
	int i = 0, j, k;

	r->ntok = 0;
	while (i < nm->n) {
		char c = nm->c[i];

		if (c == ' ') {
			i++;
			continue;
		}
		if (r->ntok == FECHA_TOKENS_MAX)
			return fecha_fail(r, "too many words");
		t = &r->tok[r->ntok];
		memset(t, 0, sizeof(*t));
		j = i;
		if (fecha_is_digit(c)) {
			t->type = FECHA_TOK_NUM;
			while (j < nm->n && fecha_is_digit(nm->c[j])) {
				if (j - i >= 6)
					return fecha_fail(r, "number too long");
				t->num = t->num * 10 + (nm->c[j] - '0');
				j++;
			}
			t->ndigits = j - i;
			for (k = j; k < nm->n && fecha_is_letter(nm->c[k]); k++)
				;
			t->ord = fecha_ord_suffix(nm->c + j, k - j);
			/* Other letters ("10h") are the next token. */
			if (t->ord != FECHA_ORD_NONE)
				j = k;
		} else if (fecha_is_letter(c)) {
			t->type = FECHA_TOK_WORD;
			while (j < nm->n && fecha_is_letter(nm->c[j])) {
				if (j - i < FECHA_WORD_MAX - 1)
					t->word[j - i] = nm->c[j];
				j++;
			}
			/* A word too long to be known stays unknown. */
			if (j - i >= FECHA_WORD_MAX - 1)
				t->word[0] = '\0';
		} else if (strchr(":-/(),.", c) && c != '\0') {
			t->type = FECHA_TOK_PUNCT;
			t->word[0] = c;
			j++;
		} else {
			return fecha_fail(r, "unexpected character '%.*s'",
			                  nm->len[i], r->words + nm->off[i]);
		}
		t->off = nm->off[i];
		t->len = nm->off[j - 1] + nm->len[j - 1] - t->off;
		r->ntok++;
		i = j;
	}
	return 0;
}
