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
