/* message_mime: the byte-level pieces of message.c: header fields
 * (cleaned of controls, RFC 2047 encoded words, folded), quoted-printable
 * and base64 bodies, written into a struct buf (buf.h). Private to message*.c.
 */
#ifndef CRONOGRAMA_MESSAGE_MIME_H
#define CRONOGRAMA_MESSAGE_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MIME_LINE_MAX  76  /* fold headers and break body lines before this */
#define MIME_FIELD_MAX 900 /* longest address, id or URL in a header */

/*
 * A copy of s fit for one header line: every control character (CR and LF
 * above all) becomes a space, runs of spaces collapse, ends are trimmed.
 * "" for NULL; NULL only when out of memory. The caller frees it.
 */
char *mime_hdr_clean(const char *s);

/*
 * A copy of s without the bytes that cannot be part of an address, a
 * message id or a URL in angle brackets: controls, spaces, '<', '>', '"'.
 * Longer than MIME_FIELD_MAX: NULL with *toolong set; NULL alone when out
 * of memory.
 */
char *mime_token_clean(const char *s, int *toolong);

/* One header being written, to fold at whitespace before MIME_LINE_MAX. */
struct mime_hdr {
	struct buf *b;
	size_t col;
	int first; /* no token yet: never fold right after the colon */
};

/* "Name:"; then tokens, each after a space or a fold; then the CRLF. */
void mime_hdr_begin(struct mime_hdr *h, struct buf *b, const char *name);
void mime_hdr_token(struct mime_hdr *h, const char *tok, size_t n);
/* Append s right after the last token (the ',' of a list). */
void mime_hdr_glue(struct mime_hdr *h, const char *s);
void mime_hdr_end(struct mime_hdr *h);
/* Cleaned text as words: plain when it is short-worded ASCII (atext only
 * when phrase is set), else RFC 2047 UTF-8 "B" encoded words. */
void mime_hdr_text(struct mime_hdr *h, const char *text, int phrase);
/* "Date: Thu, 08 Feb 2018 16:00:00 +0000" and its CRLF. */
void mime_hdr_date(struct buf *b, int64_t t);

/* Quoted-printable of UTF-8 text, every line end made CRLF, lines of at
 * most 76 characters. */
void mime_qp_encode(struct buf *b, const char *text);
/* Base64 of n bytes in CRLF lines of 76 characters. */
void mime_b64_lines(struct buf *b, const char *data, size_t n);

#endif
