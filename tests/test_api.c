/* Tests for daemon/api.c: the route table against
 * schemas/control-api.yaml, and requests answered straight from the
 * handler with a real in-memory store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"

struct fixture {
	struct store *st;
	struct config cfg;
	struct api_ctx ctx;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f || store_open(&f->st, ":memory:", err, sizeof(err)) < 0 ||
	    config_defaults(&f->cfg, err, sizeof(err)) < 0)
		return -1;
	config_set(&f->cfg, "daemon", "domain", "example.org", err,
	           sizeof(err));
	f->ctx.store = f->st;
	f->ctx.cfg = &f->cfg;
	f->ctx.started_at = clock_now();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	config_fini(&f->cfg);
	free(f);
	return 0;
}

/* Run one request through api_handle; returns the status, body in *out
 * (parsed JSON, or NULL). */
static int
call(struct fixture *f, const char *method, const char *path, const char *body,
     json_t **out)
{
	struct http_request req = {0};
	struct http_response res = {0};

	req.method = method;
	req.path = path;
	req.body = body ? body : "";
	req.body_len = body ? strlen(body) : 0;
	req.peer_uid = 1000;
	res.status = 200;
	api_handle(&req, &res, &f->ctx);
	if (out)
		*out = res.body ? json_loads(res.body, JSON_DECODE_ANY, NULL)
		                : NULL;
	free(res.body);
	return res.status;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	long len;
	char *s;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	s = malloc((size_t)len + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)len, fp), (size_t)len);
	s[len] = '\0';
	fclose(fp);
	return s;
}

/* Every route of the table is described in the OpenAPI file with its
 * method, and every path there is a route. */
static void
test_api_routes_match_openapi(void **state)
{
	char *yaml = slurp("schemas/control-api.yaml");
	size_t i;
	int documented = 0;
	char *p;

	(void)state;
	for (i = 0; i < api_routes_count; i++) {
		char key[300], method[16], *at, *next;
		size_t k;

		snprintf(key, sizeof(key), "\n  %s:", api_routes[i].pattern);
		at = strstr(yaml, key);
		if (!at)
			fail_msg("route %s %s is not in control-api.yaml",
			         api_routes[i].method, api_routes[i].pattern);
		/* The path's block ends at the next "\n  /". */
		next = strstr(at + strlen(key), "\n  /");
		for (k = 0; k < sizeof(method) - 1 && api_routes[i].method[k];
		     k++)
			method[k] = (char)(api_routes[i].method[k] | 0x20);
		method[k] = '\0';
		snprintf(key, sizeof(key), "\n    %s:", method);
		p = strstr(at, key);
		if (!p || (next && p > next))
			fail_msg("%s %s: method not described in "
			         "control-api.yaml",
			         api_routes[i].method, api_routes[i].pattern);
	}
	/* And the other way round. */
	for (p = strstr(yaml, "\n  /v1/"); p; p = strstr(p + 1, "\n  /v1/")) {
		char path[300];
		size_t len = strcspn(p + 3, ":\n");
		int found = 0;

		snprintf(path, sizeof(path), "%.*s", (int)len, p + 3);
		for (i = 0; i < api_routes_count; i++)
			if (!strcmp(api_routes[i].pattern, path))
				found = 1;
		if (!found)
			fail_msg("control-api.yaml describes %s, which the "
			         "daemon does not route",
			         path);
		documented++;
	}
	assert_true(documented >= 10);
	free(yaml);
}

static void
test_api_unknown_route_and_method(void **state)
{
	struct fixture *f = *state;
	json_t *body;

	assert_int_equal(call(f, "GET", "/v1/nothing", NULL, &body), 404);
	assert_non_null(json_object_get(body, "error"));
	json_decref(body);
	assert_int_equal(call(f, "PUT", "/v1/events", NULL, &body), 405);
	json_decref(body);
	assert_int_equal(call(f, "GET", "/", NULL, &body), 404);
	json_decref(body);
}

static void
test_api_bad_json_is_400_and_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_counts c;
	json_t *body;

	assert_int_equal(call(f, "POST", "/v1/events", "{\"title\": ", &body),
	                 400);
	assert_non_null(
	    strstr(json_string_value(json_object_get(body, "error")), "JSON"));
	json_decref(body);
	assert_int_equal(call(f, "POST", "/v1/events", "\"x\"", &body), 400);
	json_decref(body);
	assert_int_equal(call(f, "POST", "/v1/events", "{\"title\": 3}", &body),
	                 422);
	json_decref(body);
	assert_int_equal(store_counts_get(f->st, &c), 0);
	assert_int_equal(c.events, 0);
}

static void
test_api_add_edit_and_audit(void **state)
{
	struct fixture *f = *state;
	json_t *body, *log;
	char path[300];
	const char *id;

	assert_int_equal(
	    call(f, "POST", "/v1/topics/import",
	         "{\"text\": \"code\\tslug\\tnombre\\n1.2\\tcambio-"
	         "climatico\\tCambio clim\\u00e1tico\\n\"}",
	         &body),
	    200);
	json_decref(body);
	assert_int_equal(
	    call(f, "POST", "/v1/events",
	         "{\"title\": \"Reuni\\u00f3n\", \"date\": \"8 de febrero "
	         "de 2018, 10:00 h\", \"topics\": [\"cambio-climatico\"]}",
	         &body),
	    201);
	id = json_string_value(json_object_get(body, "id"));
	assert_non_null(id);
	assert_string_equal(json_string_value(json_object_get(body, "start")),
	                    "2018-02-08");
	assert_string_equal(
	    json_string_value(json_object_get(body, "start_utc")),
	    "2018-02-08T16:00:00Z");
	snprintf(path, sizeof(path), "/v1/events/%s", id);
	json_decref(body);
	assert_int_equal(
	    call(f, "PATCH", path, "{\"location\": \"Monterrey\"}", &body),
	    200);
	assert_int_equal(json_integer_value(json_object_get(body, "sequence")),
	                 1);
	json_decref(body);
	/* The same edit again changes nothing: same SEQUENCE. */
	assert_int_equal(
	    call(f, "PATCH", path, "{\"location\": \"Monterrey\"}", &body),
	    200);
	assert_int_equal(json_integer_value(json_object_get(body, "sequence")),
	                 1);
	json_decref(body);
	/* An impossible date is refused and the session stays. */
	assert_int_equal(
	    call(f, "PATCH", path, "{\"date\": \"31 de junio\"}", &body), 422);
	assert_non_null(strstr(
	    json_string_value(json_object_get(body, "error")), "31 de junio"));
	json_decref(body);
	assert_int_equal(call(f, "GET", "/v1/log", NULL, &log), 200);
	assert_int_equal(json_array_size(json_object_get(log, "entries")), 3);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_array_get(json_object_get(log, "entries"), 0),
	                     "peer_uid")),
	                 1000);
	json_decref(log);
}

static void
test_api_clock_needs_test_clock(void **state)
{
	struct fixture *f = *state;
	json_t *body;
	char err[128];

	assert_int_equal(call(f, "POST", "/v1/clock",
	                      "{\"now\": \"2018-01-01T00:00:00Z\"}", &body),
	                 403);
	json_decref(body);
	config_set(&f->cfg, "daemon", "test_clock", "yes", err, sizeof(err));
	assert_int_equal(call(f, "POST", "/v1/clock",
	                      "{\"now\": \"2018-01-01T00:00:00Z\"}", &body),
	                 200);
	assert_int_equal(clock_now(), 1514764800);
	json_decref(body);
	clock_real();
}

/* An error quoting the client's bytes is still a JSON body, whatever
 * they were (found by fuzz_api: an id or a query that is not UTF-8 gave
 * an empty 404); a NUL in a text is named as such. */
static void
test_api_errors_quoting_bad_bytes_are_json(void **state)
{
	struct fixture *f = *state;
	json_t *out;

	assert_int_equal(call(f, "GET",
	                      "/v1/events/a\xff\xa3"
	                      "b",
	                      NULL, &out),
	                 404);
	assert_non_null(out);
	assert_non_null(
	    strstr(json_string_value(json_object_get(out, "error")), "a??b"));
	json_decref(out);
	assert_int_equal(call(f, "POST", "/v1/oscs/import",
	                      "{\"text\": \"name,email\\u0000\"}", &out),
	                 400);
	assert_non_null(strstr(json_string_value(json_object_get(out, "error")),
	                       "NUL character"));
	json_decref(out);
	/* A row shorter than the header, its name column past its end
	 * (found by fuzz_oscs: read a field that was not there). */
	assert_int_equal(call(f, "POST", "/v1/oscs/import",
	                      "{\"text\": \"email,name,topics\\n"
	                      "a@example.org\\n\"}",
	                      &out),
	                 422);
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(out, "errors"), 0), "message")),
	    "line 2 has 1 fields, the header 3");
	json_decref(out);
}

/* What stderr received while fn ran (the log), malloc'ed. */
static char *
stderr_during(void (*fn)(struct fixture *), struct fixture *f)
{
	char path[] = "/tmp/test-api-log-XXXXXX", *text;
	int fd = mkstemp(path), saved = dup(2);

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	fn(f);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	text = slurp(path);
	unlink(path);
	return text;
}

static void
refused_and_failed_writes(struct fixture *f)
{
	json_t *out;

	assert_int_equal(
	    call(f, "POST", "/v1/events", "{\"date\": \"x\"}", &out), 422);
	json_decref(out);
	assert_int_equal(call(f, "GET", "/v1/events/nada", NULL, &out), 404);
	json_decref(out);
	/* The store refuses every write from now on. */
	assert_int_equal(store_exec(f->st, "PRAGMA query_only = 1"), 0);
	assert_int_equal(
	    call(f, "POST", "/v1/oscs",
	         "{\"name\": \"Red\", \"emails\": [\"a@example.org\"]}", &out),
	    500);
	json_decref(out);
}

/* A write that fails is logged with its reason: refused ones (4xx) at
 * info, the daemon's failures (5xx) as errors; reads that find nothing
 * are not. */
static void
test_api_write_failures_logged(void **state)
{
	struct fixture *f = *state;
	char *log;

	log_init("test_api", LOG_LEVEL_INFO);
	log = stderr_during(refused_and_failed_writes, f);
	log_init("test_api", LOG_LEVEL_ERR);
	if (!strstr(log, "info: control POST /v1/events -> 422 (uid 1000): "
	                 "'title' is required") ||
	    !strstr(log, "error: control POST /v1/oscs -> 500 (uid 1000): "
	                 "store: ") ||
	    strstr(log, "/v1/events/nada"))
		fail_msg("log:\n%s", log);
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_api_routes_match_openapi),
	    cmocka_unit_test_setup_teardown(test_api_unknown_route_and_method,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_api_bad_json_is_400_and_changes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_api_add_edit_and_audit, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_api_errors_quoting_bad_bytes_are_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_api_write_failures_logged,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_api_clock_needs_test_clock,
	                                    setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	event_cleanup();
	return rc;
}
