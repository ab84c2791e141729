/* libFuzzer target: the organisations CSV import, through its control
 * API handler (read off the loop, checked against the store, written all
 * or nothing). The input is the CSV's text. The answer is 200 or 422 with
 * a report, and a refused file changes nothing. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "store.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char req[300000], out[1 << 20];
	struct store_counts before, after;
	json_t *body;
	char *text;
	int n, status;

	harness_init();
	/* A NUL cannot reach the CSV reader: JSON refuses it first (400,
	 * and test_api says so). */
	if (size > 65536 || memchr(data, '\0', size) != NULL)
		return 0;
	/* The CSV goes as a JSON string; text that is not UTF-8 cannot (the
	 * API says so for a raw body; test_texts.py covers that). */
	body = json_pack("{s:s%, s:b}", "text", (const char *)data, size,
	                 "dry_run", size % 2);
	if (body == NULL)
		return 0;
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	harness_store_fresh();
	if (store_counts_get(harness_store(), &before) < 0)
		abort();
	n = snprintf(req, sizeof(req),
	             "POST /v1/oscs/import HTTP/1.1\r\nHost: x\r\n"
	             "Connection: close\r\nContent-Type: application/json\r\n"
	             "Content-Length: %zu\r\n\r\n%s",
	             strlen(text), text);
	free(text);
	if (n < 0 || (size_t)n >= sizeof(req))
		return 0;
	status =
	    harness_exchange(HARNESS_CONTROL, req, (size_t)n, out, sizeof(out));
	if (status != 200 && status != 422)
		abort();
	if (store_counts_get(harness_store(), &after) < 0)
		abort();
	if ((status == 422 || size % 2) &&
	    (after.oscs != before.oscs ||
	     after.subscriptions != before.subscriptions))
		abort();
	return 0;
}
