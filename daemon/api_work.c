/* api_work: imports read on a thread of their own, within a budget.
 *
 * An import handler hands its job to api_work_start() and returns; the
 * request's answer is deferred (http_response_defer). The file is read on
 * a new thread, within [import] timeout and max_memory, while the loop
 * goes on answering everyone else; the thread touches no store and no
 * loop state, and says it is done through a uv_async. Back on the loop,
 * what was read is compared with the store and written (the job's
 * finish), and the answer goes out.
 *
 * Past the timeout the loop answers at once (the import is refused) and
 * tells the thread to stop; the job is freed whenever the thread ends.
 * One import is read at a time; another meanwhile gets 503. When the
 * server stops, the thread is told to stop and nothing is written.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "api.h"
#include "api_internal.h"
#include "budget.h"
#include "http.h"
#include "log.h"

/* After the budget's deadline the thread stops at its next check; the
 * loop waits this much longer before it answers for it. */
#define WORK_GRACE_MS 500

struct api_work {
	struct api_ctx *ctx;
	char what[64];
	int dry_run;
	api_work_read_fn read;
	api_work_finish_fn finish;
	api_work_free_fn free_arg;
	void *arg;
	json_t *keep; /* the request's body, which arg points into */
	struct http_deferred *d;
	struct budget budget;
	pthread_t thread;
	uv_async_t async;
	uv_timer_t timer;
	uint64_t started_ms;
	int read_rc;
	int answered; /* the client has its answer, or is gone */
	int handles;  /* uv handles not yet closed */
};

/* Threads started and not yet joined (loop thread only). */
static unsigned work_running;

/* Answer the deferred request with body (reference stolen). */
static void
work_reply(struct api_work *w, int status, json_t *body)
{
	struct http_response res = {.status = status};

	res.content_type = "application/json";
	res.body = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
	res.body_len = res.body ? strlen(res.body) : 0;
	json_decref(body);
	w->answered = 1;
	if (w->d != NULL) {
		http_deferred_reply(w->d, &res);
		w->d = NULL;
	} else {
		free(res.body);
	}
}

/* The report of an import refused for its budget, shaped like the
 * import's own. */
static json_t *
work_refusal(const struct api_work *w, const char *why)
{
	char msg[300];

	snprintf(msg, sizeof(msg),
	         "the file was refused: reading it %s; nothing was changed",
	         why);
	return json_pack("{s:b, s:b, s:[], s:[{s:n, s:s}]}", "ok", 0, "dry_run",
	                 w->dry_run, "rows", "errors", "line", "message", msg);
}

static void
work_closed(uv_handle_t *h)
{
	struct api_work *w = h->data;

	if (--w->handles > 0)
		return;
	w->free_arg(w->arg);
	json_decref(w->keep);
	free(w);
}

static void
work_close(struct api_work *w)
{
	uv_close((uv_handle_t *)&w->async, work_closed);
	uv_close((uv_handle_t *)&w->timer, work_closed);
}

/* The thread: read, then tell the loop. */
static void *
work_thread(void *p)
{
	struct api_work *w = p;

	w->read_rc = w->read(w->arg, &w->budget);
	uv_async_send(&w->async);
	return NULL;
}

/* On the loop, once the thread is done: apply and answer, unless the
 * answer went out already (timeout) or nobody waits (server stopped). */
static void
work_done(uv_async_t *a)
{
	struct api_work *w = a->data;
	json_t *body = NULL;
	int status;

	pthread_join(w->thread, NULL);
	work_running--;
	uv_timer_stop(&w->timer);
	if (!w->answered) {
		status = w->finish(w->arg, w->read_rc, w->ctx, &body);
		log_info("%s: read in %.2f s, answered %d", w->what,
		         (double)(uv_now(a->loop) - w->started_ms) / 1000.0,
		         status);
		work_reply(w, status, body);
	} else {
		log_info("%s: its reading ended after it was refused or "
		         "abandoned; nothing was written",
		         w->what);
	}
	work_close(w);
}

/* The deadline passed and the thread has not said it is done. */
static void
work_timeout(uv_timer_t *t)
{
	struct api_work *w = t->data;
	char why[160];

	if (w->answered)
		return;
	budget_cancel(&w->budget);
	snprintf(why, sizeof(why),
	         "took longer than %llu s (see [import] timeout)",
	         (unsigned long long)((w->budget.timeout_ms + 999) / 1000));
	log_warn("%s: refused: reading it %s", w->what, why);
	work_reply(w, 422, work_refusal(w, why));
}

/* The server stops before the answer: the thread is told to stop, and
 * nothing it read is written. */
static void
work_gone(void *arg)
{
	struct api_work *w = arg;
	struct http_response none = {.status = 503};

	budget_cancel(&w->budget);
	w->answered = 1;
	if (w->d != NULL) {
		http_deferred_reply(w->d, &none);
		w->d = NULL;
	}
}

void
api_work_start(struct api_call *call, const char *what, int dry_run,
               api_work_read_fn read, api_work_finish_fn finish,
               api_work_free_fn free_arg, void *arg)
{
	const struct config *cfg = call->ctx->cfg;
	uint64_t timeout_ms = (uint64_t)cfg->import_timeout * 1000u;
	size_t max_bytes = (size_t)cfg->import_max_memory << 20;
	struct http_deferred *d;
	struct api_work *w;
	json_t *body = NULL;
	int status, r;

	if (work_running > 0) {
		free_arg(arg);
		http_response_header(call->res, "Retry-After", "5");
		api_error(call, 503,
		          "another import is being read; try again when it "
		          "ends");
		return;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		free_arg(arg);
		api_error(call, 500, "out of memory");
		return;
	}
	w->ctx = call->ctx;
	snprintf(w->what, sizeof(w->what), "%s", what);
	w->dry_run = dry_run;
	w->read = read;
	w->finish = finish;
	w->free_arg = free_arg;
	w->arg = arg;
	budget_init(&w->budget, timeout_ms, max_bytes);
	d = http_response_defer(call->res);
	if (d == NULL) {
		/* No deferred answer here (a direct call, as in tests):
		 * read on this thread, within the same budget. */
		w->read_rc = read(arg, &w->budget);
		status = finish(arg, w->read_rc, w->ctx, &body);
		api_reply_json(call, status, body);
		free_arg(arg);
		free(w);
		return;
	}
	w->d = d;
	/* For the log: the answer is not this one. */
	call->res->status = 0;
	w->keep = json_incref(call->body);
	http_deferred_on_gone(d, work_gone, w);
	uv_async_init(http_deferred_loop(d), &w->async, work_done);
	uv_timer_init(http_deferred_loop(d), &w->timer);
	w->async.data = w->timer.data = w;
	w->handles = 2;
	w->started_ms = uv_now(http_deferred_loop(d));
	if (timeout_ms > 0)
		uv_timer_start(&w->timer, work_timeout,
		               timeout_ms + WORK_GRACE_MS, 0);
	r = pthread_create(&w->thread, NULL, work_thread, w);
	if (r != 0) {
		uv_timer_stop(&w->timer);
		log_err("%s: cannot start a thread: %s", what, strerror(r));
		work_reply(w, 503,
		           json_pack("{s:s}", "error",
		                     "cannot start reading the file now; try "
		                     "again"));
		work_close(w);
		return;
	}
	work_running++;
}
