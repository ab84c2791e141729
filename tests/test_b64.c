/* b64: RFC 4648's test vectors, the strict reading of an uploaded file's
 * bytes and the lenient MIME one; hex digits and quoted-printable. */
#include <errno.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "b64.h"

/* s decoded in mode: its length, or the error; the bytes in out. */
static long
decode(const char *s, enum b64_mode mode, char *out, size_t outsz)
{
	size_t n = strlen(s), len = 0;
	int rc;

	assert_true(B64_DECODED_MAX(n) + 1 <= outsz);
	memset(out, 'X', outsz);
	rc = b64_decode(s, n, mode, out, &len);
	if (rc < 0)
		return rc;
	assert_true(len <= B64_DECODED_MAX(n));
	out[len] = '\0';
	return (long)len;
}

/* RFC 4648, section 10, in both modes. */
static void
test_b64_rfc4648_vectors(void **state)
{
	static const char *const vec[][2] = {
	    {"", ""},
	    {"Zg==", "f"},
	    {"Zm8=", "fo"},
	    {"Zm9v", "foo"},
	    {"Zm9vYg==", "foob"},
	    {"Zm9vYmE=", "fooba"},
	    {"Zm9vYmFy", "foobar"},
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		for (int m = B64_STRICT; m <= B64_LENIENT; m++) {
			assert_int_equal(decode(vec[i][0], m, out, sizeof out),
			                 strlen(vec[i][1]));
			assert_string_equal(out, vec[i][1]);
		}
	}
}

/* Every byte value comes back, across line breaks (a file's bytes as a
 * mail client folds them at 76 characters). */
static void
test_b64_binary_with_line_breaks(void **state)
{
	static const char enc[] =
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"
	    "\r\nMDEyMzQ1Njc4OTo7PD0+"
	    "P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f\n"
	    "YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6P"
	    "kJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/"
	    "wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v"
	    "8PHy8/T19vf4+fr7/P3+/w==\r\n";
	char out[512];

	(void)state;
	assert_int_equal(decode(enc, B64_STRICT, out, sizeof out), 256);
	for (int i = 0; i < 256; i++)
		assert_int_equal((unsigned char)out[i], i);
}

/* Strict: anything but the alphabet, line breaks and final padding is
 * not base64. */
static void
test_b64_strict_refuses(void **state)
{
	static const char *const bad[] = {
	    "Zm9v YmFy",                     /* a blank */
	    "Zm9v\tYmFy",       "Zm9v-YmFy", /* base64url's alphabet */
	    "Zg==Zm9v",                      /* data after the padding */
	    "Zm9vYmFy\xc3\xa1",              /* not ASCII */
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode(bad[i], B64_STRICT, out, sizeof out),
		                 -EINVAL);
}

/* Lenient (RFC 2045, 6.8): what is not in the alphabet is skipped and the
 * first '=' ends the data; never an error. */
static void
test_b64_lenient_skips_and_stops(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(decode("Zm9v YmFy", B64_LENIENT, out, sizeof out), 6);
	assert_string_equal(out, "foobar");
	assert_int_equal(decode("Zm9v\t-Ym*Fy!", B64_LENIENT, out, sizeof out),
	                 6);
	assert_string_equal(out, "foobar");
	assert_int_equal(decode("Zg==Zm9v", B64_LENIENT, out, sizeof out), 1);
	assert_string_equal(out, "f");
	/* An RFC 2047 word's text: UTF-8 comes back as it was. */
	assert_int_equal(decode("U2VzacOzbg==", B64_LENIENT, out, sizeof out),
	                 7);
	assert_string_equal(out, "Sesi\xc3\xb3n");
}

static void
test_hex_digit(void **state)
{
	const char *d = "0123456789abcdef", *u = "ABCDEF";
	int i;

	(void)state;
	for (i = 0; i < 16; i++)
		assert_int_equal(hex_digit(d[i]), i);
	for (i = 0; i < 6; i++)
		assert_int_equal(hex_digit(u[i]), 10 + i);
	assert_int_equal(hex_digit('g'), -1);
	assert_int_equal(hex_digit('G'), -1);
	assert_int_equal(hex_digit('/'), -1);
	assert_int_equal(hex_digit(':'), -1);
	assert_int_equal(hex_digit('@'), -1);
	assert_int_equal(hex_digit(0xC3), -1);
}

/* qp_decode of s into a NUL-terminated out. */
static size_t
qp(const char *s, enum qp_mode mode, char *out)
{
	size_t n = qp_decode(s, strlen(s), mode, out);

	out[n] = '\0';
	return n;
}

/* Quoted-printable (RFC 2045, 6.7): escapes in either case, soft breaks
 * gone, malformed escapes kept as they are; CRs only for display. */
static void
test_qp_decode(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(qp("Sesi=C3=B3n", QP_KEEP_CR, out), 7);
	assert_string_equal(out, "Sesi\xc3\xb3n");
	assert_int_equal(qp("a=3db=3D", QP_KEEP_CR, out), 4);
	assert_string_equal(out, "a=b=");
	/* Soft line breaks, CRLF and bare LF. */
	assert_int_equal(qp("uno =\r\ndos=\ntres", QP_KEEP_CR, out), 11);
	assert_string_equal(out, "uno dostres");
	/* Malformed: kept, never an error. */
	assert_int_equal(qp("=ZZ =4 =", QP_KEEP_CR, out), 8);
	assert_string_equal(out, "=ZZ =4 =");
	/* Hard line breaks: CRLF kept, or made LF. */
	assert_int_equal(qp("a\r\nb=\r\nc\r", QP_KEEP_CR, out), 6);
	assert_string_equal(out, "a\r\nbc\r");
	assert_int_equal(qp("a\r\nb=\r\nc\r", QP_CRLF_TO_LF, out), 5);
	assert_string_equal(out, "a\nbc\r");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_b64_rfc4648_vectors),
	    cmocka_unit_test(test_b64_binary_with_line_breaks),
	    cmocka_unit_test(test_b64_strict_refuses),
	    cmocka_unit_test(test_b64_lenient_skips_and_stops),
	    cmocka_unit_test(test_hex_digit),
	    cmocka_unit_test(test_qp_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
