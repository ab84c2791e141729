/* b64: base64 decoding; see b64.h. */
#include <errno.h>

#include "b64.h"

/* The value of a base64 digit, or -1. */
static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_decode(const char *s, size_t n, enum b64_mode mode, char *out,
           size_t *outlen)
{
	unsigned long acc = 0;
	size_t i, o = 0;
	int bits = 0, pad = 0, v;

	for (i = 0; i < n; i++) {
		v = b64_value((unsigned char)s[i]);
		if (v < 0) {
			if (mode == B64_LENIENT) {
				if (s[i] == '=')
					break;
				continue;
			}
			if (s[i] == '\r' || s[i] == '\n')
				continue;
			if (s[i] != '=')
				return -EINVAL;
			pad++;
			continue;
		}
		/* Strict: nothing but line breaks and padding after '='. */
		if (pad)
			return -EINVAL;
		acc = (acc << 6 | (unsigned long)v) & 0xFFFFFF;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xFF);
		}
	}
	*outlen = o;
	return 0;
}

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
qp_decode(const char *s, size_t n, enum qp_mode mode, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n &&
		    (hi = hex_digit((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_digit((unsigned char)s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '=' && i + 1 < n && s[i + 1] == '\n') {
			i += 1;
		} else if (s[i] == '=' && i + 2 < n && s[i + 1] == '\r' &&
		           s[i + 2] == '\n') {
			i += 2;
		} else if (mode == QP_CRLF_TO_LF && s[i] == '\r' && i + 1 < n &&
		           s[i + 1] == '\n') {
			continue;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}
