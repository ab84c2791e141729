/* api_osc_import: POST /v1/oscs/import: the organisations CSV, as text
 * or as the file's bytes in base64, read off the loop (api_work.c) by
 * the import (import_osc.c), which owns the rules and writes; this file
 * reads the request and renders the report (view.c). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_internal.h"
#include "b64.h"
#include "budget.h"
#include "import.h"

/* An organisations import run by api_work: the request's text or base64
 * bytes (kept with the request until freed) and the job. */
struct osc_work {
	const char *text, *data;
	int bad_base64; /* 'data' was not base64: a bad request */
	struct import_osc_job *job;
};

/* Decode and read the file (a thread of its own: no store). */
static int
osc_work_read(void *arg, struct budget *b)
{
	struct osc_work *w = arg;
	char *bytes;
	size_t n, len;
	int ret;

	if (w->data == NULL)
		return import_osc_job_read_text(w->job, w->text, b);
	if ((ret = budget_spend(b, strlen(w->data) * 4)) < 0)
		return ret;
	n = strlen(w->data);
	if ((bytes = malloc(B64_DECODED_MAX(n) + 1)) == NULL)
		return -ENOMEM;
	if (b64_decode(w->data, n, B64_STRICT, bytes, &len) < 0) {
		w->bad_base64 = 1;
		free(bytes);
		return 0;
	}
	bytes[len] = '\0';
	ret = import_osc_job_read_bytes(w->job, bytes, len, b);
	free(bytes);
	return ret;
}

/* On the loop: the import writes (or refuses); the report answers. */
static int
osc_work_finish(void *arg, int read_rc, struct api_ctx *ctx, json_t **body)
{
	struct osc_work *w = arg;
	struct office of = {ctx->store, ctx->cfg, ctx->changes};
	int ret;

	if (w->bad_base64) {
		*body = json_pack("{s:s}", "error", "'data' is not base64");
		return 400;
	}
	ret = import_osc_job_apply(w->job, &of, read_rc);
	if ((*body = view_import_osc_report(import_osc_job_report(w->job))) ==
	    NULL)
		return 500;
	return ret == 0 ? 200 : ret == -EINVAL ? 422 : 500;
}

static void
osc_work_free(void *arg)
{
	struct osc_work *w = arg;

	import_osc_job_free(w->job);
	free(w);
}

void
api_osc_import(struct api_call *call)
{
	json_t *body = api_body(call);
	const char *text, *data = NULL;
	struct osc_work *w;
	int bad = 0, dry_run;

	if (!body)
		return;
	text = api_body_str(call, body, "text", &bad);
	if (!bad)
		data = api_body_str(call, body, "data", &bad);
	if (bad)
		return;
	if (!text == !data) {
		api_error(call, 400,
		          "give either 'text' (the CSV) or 'data' (the file's "
		          "bytes in base64)");
		return;
	}
	dry_run = api_body_bool(body, "dry_run");
	if ((w = calloc(1, sizeof *w)) == NULL ||
	    import_osc_job_new(dry_run, call->req->peer_uid, &w->job) < 0) {
		if (w != NULL)
			import_osc_job_free(w->job);
		free(w);
		api_error(call, 500, "out of memory");
		return;
	}
	w->text = text;
	w->data = data;
	api_work_start(call, "organisations import", dry_run, osc_work_read,
	               osc_work_finish, osc_work_free, w);
}
