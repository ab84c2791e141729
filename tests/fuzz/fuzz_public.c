/* libFuzzer target: the public site's whole request path. The input is
 * a raw HTTP request, sent to the public server as a client would (http.c:
 * MHD, limits, deadlines; public.c: routes, feeds, pages, conditional
 * headers, the unsubscribe form, the organisation's page and its forms).
 * "{B}" in it becomes a valid unsubscribe token, "{F}" a valid private
 * feed token and "{P}" a valid page token, so that the fuzzer reaches
 * past the token checks. The server must answer or close, never crash,
 * and never answer 500: the store is sound. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* in with each "{B}", "{F}" and "{P}" replaced by its token, into out. */
static size_t
expand(const uint8_t *in, size_t n, char *out, size_t cap)
{
	const char *b = harness_baja_token(), *f = harness_feed_token();
	const char *p = harness_page_token();
	size_t i, o = 0;

	for (i = 0; i < n && o < cap; i++) {
		const char *t = NULL;

		if (i + 2 < n && in[i] == '{' && in[i + 2] == '}')
			t = in[i + 1] == 'B'   ? b
			    : in[i + 1] == 'F' ? f
			    : in[i + 1] == 'P' ? p
			                       : NULL;
		if (t != NULL && o + strlen(t) < cap) {
			memcpy(out + o, t, strlen(t));
			o += strlen(t);
			i += 2;
			continue;
		}
		out[o++] = (char)in[i];
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[16384], out[1 << 20];
	size_t n;
	int status;

	harness_init();
	if (size > 8192)
		return 0;
	n = expand(data, size, req, sizeof(req) - 4);
	/* Mostly whole requests: one whose headers never end only waits
	 * for its deadline. */
	if (memmem(req, n, "\r\n\r\n", 4) == NULL) {
		memcpy(req + n, "\r\n\r\n", 4);
		n += 4;
	}
	status = harness_exchange(HARNESS_PUBLIC, req, n, out, sizeof(out));
	if (status == 500)
		abort();
	return 0;
}
