/* text: see text.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int
text_utf8_valid(const char *s, size_t len)
{
	return text_utf8_bad(s, len) == len;
}

size_t
text_utf8_bad(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n, k;
		unsigned long cp;

		if (c == 0)
			return i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

char *
text_utf8_fix(char *s)
{
	size_t len = strlen(s), at;

	while ((at = text_utf8_bad(s, len)) < len) {
		s[at] = '?';
	}
	return s;
}

/* 1 if the code point is one text_strip_invisible() removes. */
static int
text_invisible(unsigned long cp)
{
	return cp == 0x061c || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

size_t
text_strip_invisible(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;
	size_t removed = 0;

	if (s == NULL)
		return 0;
	while (*r) {
		size_t n = *r < 0x80 ? 1 : *r < 0xe0 ? 2 : *r < 0xf0 ? 3 : 4;
		unsigned long cp = 0;
		size_t k;

		/* Not UTF-8 after all: leave the byte as it is. */
		for (k = 1; k < n; k++)
			if ((r[k] & 0xc0) != 0x80)
				n = 1;

		/* All the characters removed are two or three bytes long. */
		if (n == 2)
			cp = (unsigned long)(r[0] & 0x1f) << 6 | (r[1] & 0x3f);
		else if (n == 3)
			cp = (unsigned long)(r[0] & 0x0f) << 12 |
			     (unsigned long)(r[1] & 0x3f) << 6 | (r[2] & 0x3f);
		if (n > 1 && text_invisible(cp)) {
			r += n;
			removed++;
			continue;
		}
		if (w != r)
			memmove(w, r, n);
		w += n;
		r += n;
	}
	/* Nothing is written when nothing was removed (s may be a
	 * constant "" then). */
	if (w != r)
		*w = '\0';
	return removed;
}

int
text_check(const char *what, const char *s, size_t max, int one_line, char *err,
           size_t errlen)
{
	size_t len = s != NULL ? strlen(s) : 0;
	const char *p;

	if (s == NULL)
		return 0;
	if (!text_utf8_valid(s, len)) {
		snprintf(err, errlen, "%s is not valid UTF-8", what);
		return -EINVAL;
	}
	if (len > max) {
		snprintf(err, errlen, "%s is %zu bytes long, more than %zu",
		         what, len, max);
		return -EINVAL;
	}
	if (one_line)
		for (p = s; *p; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') ||
			    *p == 0x7f) {
				snprintf(err, errlen,
				         "%s has a line break or a control "
				         "character",
				         what);
				return -EINVAL;
			}
	return 0;
}

char *
text_trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

char *
text_dup_trimmed(const char *s)
{
	char *copy, *t, *out;

	if (s == NULL || (copy = strdup(s)) == NULL)
		return NULL;
	t = text_trim(copy);
	out = *t ? strdup(t) : NULL;
	free(copy);
	return out;
}
