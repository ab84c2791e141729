/* message_mime: buffers, header fields and body encodings for message.c.
 * See message_mime.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message_mime.h"

#define WORD_BYTES 39 /* bytes per encoded word: 52 base64 chars */

char *
mime_hdr_clean(const char *s)
{
	s = s ? s : "";
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	int space = 1; /* drops leading spaces */
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!space)
				*o++ = ' ';
			space = 1;
		} else {
			*o++ = (char)c;
			space = 0;
		}
	}
	if (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

char *
mime_token_clean(const char *s, int *toolong)
{
	s = s ? s : "";
	*toolong = 0;
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"')
			continue;
		*o++ = (char)c;
	}
	*o = '\0';
	if (o - out > MIME_FIELD_MAX) {
		free(out);
		*toolong = 1;
		return NULL;
	}
	return out;
}

void
mime_hdr_begin(struct mime_hdr *h, struct buf *b, const char *name)
{
	h->b = b;
	buf_adds(b, name);
	buf_addc(b, ':');
	h->col = strlen(name) + 1;
	h->first = 1;
}

/* Append " tok", or fold ("\r\n tok") when it would pass the column. */
void
mime_hdr_token(struct mime_hdr *h, const char *tok, size_t n)
{
	if (!h->first && h->col + 1 + n > MIME_LINE_MAX) {
		buf_adds(h->b, "\r\n");
		h->col = 0;
	}
	buf_addc(h->b, ' ');
	buf_add(h->b, tok, n);
	h->col += 1 + n;
	h->first = 0;
}

/* Append a token with no space before it (e.g. the ',' of a list). */
void
mime_hdr_glue(struct mime_hdr *h, const char *s)
{
	buf_adds(h->b, s);
	h->col += strlen(s);
}

void
mime_hdr_end(struct mime_hdr *h)
{
	buf_adds(h->b, "\r\n");
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of n bytes into out (4 * ceil(n / 3) chars + NUL). */
static size_t
mime_b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/*
 * Append text as RFC 2047 "B" encoded words of at most WORD_BYTES bytes
 * each, cut only between UTF-8 characters, so each word stays well under
 * 75 characters and decodes on its own.
 */
static void
mime_hdr_words(struct mime_hdr *h, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text);
	while (n > 0) {
		size_t take = n < WORD_BYTES ? n : WORD_BYTES;
		while (take < n && take > 1 && (s[take] & 0xc0) == 0x80)
			take--;
		char word[12 + 4 * ((WORD_BYTES + 2) / 3) + 1];
		memcpy(word, "=?UTF-8?B?", 10);
		size_t len = 10 + mime_b64_encode(s, take, word + 10);
		memcpy(word + len, "?=", 3);
		mime_hdr_token(h, word, len + 2);
		s += take;
		n -= take;
	}
}

/* 1 if text needs encoded words to travel in an unstructured header. */
static int
mime_hdr_needs_words(const char *text, int phrase)
{
	if (strstr(text, "=?"))
		return 1;
	size_t word = 0;
	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		if (*s >= 0x80 || *s < 0x20)
			return 1;
		/* A phrase keeps only atext: anything else would need quoting.
		 */
		if (phrase && *s != ' ' &&
		    !strchr(
		        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		        "0123456789!#$%&'*+-/=?^_`{|}~",
		        *s))
			return 1;
		word = *s == ' ' ? 0 : word + 1;
		if (word > 60)
			return 1;
	}
	return 0;
}

/* Append cleaned text: plain words when it is short ASCII, else encoded. */
void
mime_hdr_text(struct mime_hdr *h, const char *text, int phrase)
{
	if (mime_hdr_needs_words(text, phrase)) {
		mime_hdr_words(h, text);
		return;
	}
	const char *s = text;
	while (*s) {
		size_t n = strcspn(s, " ");
		if (n)
			mime_hdr_token(h, s, n);
		s += n;
		s += strspn(s, " ");
	}
}

/* "Thu, 08 Feb 2018 16:00:00 +0000" (RFC 5322, C locale names). */
void
mime_hdr_date(struct buf *b, int64_t t)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed",
	                                 "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr",
	                                  "May", "Jun", "Jul", "Aug",
	                                  "Sep", "Oct", "Nov", "Dec"};
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	buf_addf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	         wd[tm.tm_wday % 7], tm.tm_mday, mon[tm.tm_mon % 12],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Quoted-printable: 1 for a byte written as it is anywhere, 2 for a
 * blank (written as it is unless a line ends after it), 0 otherwise. */
static inline int
qp_plain(unsigned char c)
{
	if (c >= 33 && c <= 126)
		return c != '=';
	return c == ' ' || c == '\t' ? 2 : 0;
}

/*
 * Quoted-printable (RFC 2045) of UTF-8 text: any line end in the input
 * (LF, CRLF or CR) becomes CRLF, lines are soft-broken so none passes 76
 * characters, trailing blanks and a leading '.' are encoded.
 */
void
mime_qp_encode(struct buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)text;
	size_t col = 0, len = strlen(text);
	char *o;

	/* Room for the worst case (every byte "=XX", a soft break every 25
	 * bytes), so the loop writes straight into the buffer: this runs for
	 * every message sent. */
	if (buf_reserve(b, 3 * len + 3 * (len / 25 + 2) + 3) < 0)
		return;
	o = b->p + b->len;
	while (*s) {
		/* A run of characters written as they are, that ends before
		 * the line needs a soft break: copied at once. The rest, one
		 * by one below, decides breaks, dots and blanks at an end. */
		if (col < MIME_LINE_MAX - 1 && (col > 0 || *s != '.')) {
			size_t n = 0, room = MIME_LINE_MAX - 1 - col;
			int k;

			while (n < room && (k = qp_plain(s[n])) != 0 &&
			       (k == 1 || (s[n + 1] && s[n + 1] != '\r' &&
			                   s[n + 1] != '\n')))
				n++;
			if (n > 0) {
				memcpy(o, s, n);
				o += n;
				s += n;
				col += n;
				continue;
			}
		}
		if (*s == '\r' || *s == '\n') {
			s += (s[0] == '\r' && s[1] == '\n') ? 2 : 1;
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
			continue;
		}
		unsigned char c = *s;
		int at_end = !s[1] || s[1] == '\r' || s[1] == '\n';
		int literal = (c >= 33 && c <= 126 && c != '=') ||
		              ((c == ' ' || c == '\t') && !at_end);
		if (c == '.' && col == 0)
			literal = 0;
		size_t need = literal ? 1 : 3;
		/* Keep room for the '=' of a soft break unless the line
		 * ends right after this character. */
		if (col + need > (at_end ? MIME_LINE_MAX : MIME_LINE_MAX - 1)) {
			*o++ = '=';
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
			if (c == '.')
				literal = 0, need = 3;
		}
		if (literal) {
			*o++ = (char)c;
		} else {
			*o++ = '=';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
		col += need;
		s++;
	}
	if (col) {
		*o++ = '\r';
		*o++ = '\n';
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

/* Base64 in lines of 76 characters, CRLF. */
void
mime_b64_lines(struct buf *b, const char *data, size_t n)
{
	const size_t chunk = MIME_LINE_MAX / 4 * 3;
	char line[MIME_LINE_MAX + 1];
	for (size_t i = 0; i < n; i += chunk) {
		size_t take = n - i < chunk ? n - i : chunk;
		size_t len = mime_b64_encode((const unsigned char *)data + i,
		                             take, line);
		buf_add(b, line, len);
		buf_adds(b, "\r\n");
	}
}
