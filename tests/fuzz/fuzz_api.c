/* libFuzzer target: every control API handler with the JSON (or query)
 * the input gives it. The first byte picks a route of the table, the
 * second the {id} it is called with; the rest is the request's body, or
 * its query for a GET. The request goes to the control server over a
 * socket, as cronoctl's would, against a freshly seeded store. Every
 * answer must be a status the API gives with a JSON body, never a 500
 * (the store is sound), and the daemon must not crash. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "harness.h"

static const char *const ids[] = {
    "2018-01", "2018-02", "2018-03",     "2018-04",
    "1",       "2",       "agenda-2030", "1.1",
    "nada",    "0",       "-1",          "99999999999999999999",
    "%2e%2e",  "a%20b",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[70000], out[1 << 20], path[512];
	const struct api_route *r;
	const char *id, *body;
	size_t blen, i;
	int n, status;

	harness_init();
	if (size < 2 || size > 65536)
		return 0;
	harness_store_fresh();
	clock_set(1519905600);
	r = &api_routes[data[0] % api_routes_count];
	id = ids[data[1] % (sizeof(ids) / sizeof(ids[0]))];
	body = (const char *)data + 2;
	blen = size - 2;
	/* The route's pattern with its {id}. */
	n = 0;
	for (i = 0; r->pattern[i] && n < (int)sizeof(path) - 64; i++) {
		if (r->pattern[i] == '{') {
			n += snprintf(path + n, sizeof(path) - (size_t)n, "%s",
			              id);
			while (r->pattern[i] && r->pattern[i] != '}')
				i++;
			continue;
		}
		path[n++] = r->pattern[i];
	}
	path[n] = '\0';
	if (strcmp(r->method, "GET") == 0) {
		if (memchr(body, '\r', blen) || memchr(body, '\n', blen) ||
		    memchr(body, ' ', blen) || memchr(body, '\0', blen))
			return 0;
		n = snprintf(req, sizeof(req),
		             "GET %s?%.*s HTTP/1.1\r\nHost: x\r\n"
		             "Connection: close\r\n\r\n",
		             path, (int)blen, body);
	} else {
		n = snprintf(
		    req, sizeof(req),
		    "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n",
		    r->method, path, blen);
		if ((size_t)n + blen >= sizeof(req))
			return 0;
		memcpy(req + n, body, blen);
		n += (int)blen;
	}
	status =
	    harness_exchange(HARNESS_CONTROL, req, (size_t)n, out, sizeof(out));
	if (status == 500 || status == 0)
		abort();
	/* Every answer but the export's is JSON. */
	if (strcmp(r->pattern, "/v1/export") != 0 || status >= 400) {
		const char *b = strstr(out, "\r\n\r\n");
		json_t *doc;

		if (b == NULL)
			abort();
		doc = json_loads(b + 4, JSON_DECODE_ANY, NULL);
		if (doc == NULL)
			abort();
		json_decref(doc);
	}
	return 0;
}
