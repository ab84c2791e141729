/* b64: base64 decoding (RFC 4648, section 4: the standard alphabet), one
 * decoder for every place the daemon reads base64: the bytes of an
 * uploaded file (strict) and MIME bodies and encoded words (lenient);
 * and beside it the other transfer decoding of MIME bodies,
 * quoted-printable, and the hex digits it and form bodies (%XX) use.
 * A leaf: no allocation, no other module. */
#ifndef CRONOGRAMA_B64_H
#define CRONOGRAMA_B64_H

#include <stddef.h>

/* The most bytes n characters of base64 decode to: the size of the out
 * buffer b64_decode needs (add one for a NUL). */
#define B64_DECODED_MAX(n) ((n) / 4 * 3 + 3)

enum b64_mode {
	/* A file's bytes sent as base64: only the alphabet, line breaks (CR,
	 * LF) and '=' padding at the end; anything else is an error. */
	B64_STRICT,
	/* MIME (RFC 2045, section 6.8): characters outside the alphabet are
	 * skipped and the first '=' ends the data. Never an error. */
	B64_LENIENT,
};

/*
 * Decode the n characters at s into out, which has room for
 * B64_DECODED_MAX(n) bytes; *outlen is how many were written (out is not
 * NUL-terminated). Returns 0, or -EINVAL in B64_STRICT mode when s is not
 * base64 (out's contents are then undefined).
 */
int b64_decode(const char *s, size_t n, enum b64_mode mode, char *out,
               size_t *outlen);

/* The value of the hexadecimal digit c (either case), or -1. */
int hex_digit(int c);

enum qp_mode {
	QP_KEEP_CR,    /* the bytes as they were sent */
	QP_CRLF_TO_LF, /* for display: a CR before a LF goes */
};

/*
 * Decode the n characters at s, quoted-printable (RFC 2045, section 6.7),
 * into out, which has room for n bytes; returns how many were written
 * (out is not NUL-terminated). "=XX" is that byte; "=" before a line
 * break (CRLF or LF) is a soft break and goes with it; anything else,
 * malformed escapes included, stays as it is. Never an error.
 */
size_t qp_decode(const char *s, size_t n, enum qp_mode mode, char *out);

#endif
