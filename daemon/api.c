/* api: see api.h. The handlers for status, topics, import, export, the
 * audit log and the test clock, and the route table. api_event.c answers
 * for sessions, api_osc*.c for organisations, api_outbox.c for the
 * outbox, api_tbd.c for rescheduling; the helpers they all share are
 * api_call.c's. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_internal.h"
#include "change.h"
#include "clock.h"
#include "event.h"
#include "fecha.h"
#include "import.h"
#include "log.h"
#include "schedule.h"
#include "schedule_notice.h"
#include "text.h"
#include "view.h"

/* ---- status, topics ---- */

/* The scheduler's state: idle (nothing more will be sent until
 * something changes or "next" comes), messages in flight, the next
 * instant something falls due; null without a scheduler. */
static json_t *
scheduler_json(const struct api_ctx *ctx)
{
	struct schedule_state s;

	if (ctx->schedule == NULL)
		return json_null();
	if (schedule_state_get(ctx->schedule, &s) < 0)
		log_err("status: the scheduler's state: %s",
		        store_error(ctx->store));
	return json_pack("{s:b, s:I, s:o}", "idle", s.idle, "in_flight",
	                 (json_int_t)s.in_flight, "next", view_time(s.next));
}

static void
h_status(struct api_call *call)
{
	struct store_counts c;
	json_t *o;
	int rc = store_counts_get(call->ctx->store, &c);

	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	o = json_pack(
	    "{s:s, s:o, s:I, s:o, s:s, s:s, s:s}", "version", VERSION,
	    "started_at", view_time(call->ctx->started_at), "uptime_s",
	    (json_int_t)(clock_now() - call->ctx->started_at), "now",
	    view_time(clock_now()), "state_dir", call->ctx->cfg->state_dir,
	    "mail", call->ctx->mail_desc ? call->ctx->mail_desc : "",
	    "timezone", call->ctx->cfg->timezone);
	json_object_set_new(
	    o, "counts",
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	              "s:I}",
	              "events", (json_int_t)c.events, "dated",
	              (json_int_t)c.dated, "tbd", (json_int_t)c.tbd,
	              "cancelled", (json_int_t)c.cancelled, "topics",
	              (json_int_t)c.topics, "oscs", (json_int_t)c.oscs,
	              "subscriptions", (json_int_t)c.subscriptions,
	              "outbox_pending", (json_int_t)c.outbox_pending,
	              "outbox_failed", (json_int_t)c.outbox_failed,
	              "outbox_sent", (json_int_t)c.outbox_sent, "outbox_held",
	              (json_int_t)c.outbox_held, "outbox_dropped",
	              (json_int_t)c.outbox_dropped));
	json_object_set_new(o, "test_clock",
	                    json_boolean(call->ctx->cfg->test_clock));
	json_object_set_new(o, "scheduler", scheduler_json(call->ctx));
	api_reply_json(call, 200, o);
}

/* One topic as JSON, with its own reminder offsets (null: defaults). */
static json_t *
topic_json(struct api_call *call, const struct topic *t)
{
	char *remind = NULL;
	json_t *o;

	store_topic_remind_get(call->ctx->store, t->slug, &remind);
	o = json_pack("{s:s, s:s, s:s, s:o, s:I, s:o}", "code", t->code, "slug",
	              t->slug, "nombre", t->nombre, "title", view_str(t->title),
	              "events", (json_int_t)t->events, "remind",
	              view_str(remind));
	free(remind);
	return o;
}

static void
h_topics(struct api_call *call)
{
	struct topic *t;
	size_t n, i;
	json_t *arr;
	int rc = store_topic_list(call->ctx->store, &t, &n);

	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, topic_json(call, &t[i]));
	topic_array_free(t, n);
	api_reply_json(call, 200, json_pack("{s:o}", "topics", arr));
}

/*
 * PATCH /v1/topics/{id} {"remind": "3d 1h" | "" | null}: the topic's own
 * reminder offsets, used for its sessions that have none of their own;
 * "" or null goes back to [reminders] default.
 */
static void
h_topic_edit(struct api_call *call)
{
	json_t *body = api_body(call), *v;
	struct office of = api_office(call);
	struct topic t;
	const char *text = NULL;
	char why[400];
	int rc;

	if (!body)
		return;
	if (store_topic_get(call->ctx->store, call->param, &t) < 0) {
		api_error(call, 404, "no topic '%s'", call->param);
		return;
	}
	v = json_object_get(body, "remind");
	if (!v) {
		topic_fini(&t);
		api_error(call, 400,
		          "'remind' is the only field a topic can "
		          "change");
		return;
	}
	if (json_is_string(v))
		text = json_string_value(v);
	else if (!json_is_null(v)) {
		topic_fini(&t);
		api_error(call, 400,
		          "'remind' must be a string like \"3d 1h\"");
		return;
	}
	rc = session_topic_remind_set(&of, call->req->peer_uid, t.slug, text,
	                              why, sizeof(why));
	if (rc < 0) {
		topic_fini(&t);
		api_domain_error(call, rc, why);
		return;
	}
	t.events = 0;
	api_reply_json(call, 200, topic_json(call, &t));
	topic_fini(&t);
}

/* The status of an import's report. */
static int
report_status(int rc)
{
	return rc == 0 ? 200 : rc == -EINVAL ? 422 : 500;
}

/* ---- import, export ---- */

/* A session an import changed is announced like an edit: a notice after
 * the quiet period (import_opts.on_update). */
static int
import_notice_note(void *arg, struct store *st, const struct event *old,
                   const struct event *ev)
{
	const struct api_ctx *ctx = arg;

	return schedule_notice_note(st, ctx->cfg, old, ev, 0, clock_now());
}

/* An import job run by api_work: its options live here too. */
struct import_work {
	struct import_job *job;
	char name[256];
	int dry_run;
	int topics_only;
};

static int
import_work_read(void *arg, struct budget *b)
{
	struct import_work *iw = arg;

	return import_job_read(iw->job, b);
}

static int
import_work_finish(void *arg, int read_rc, struct api_ctx *ctx, json_t **body)
{
	struct import_work *iw = arg;
	const struct import_report *r;
	size_t counts[3] = {0, 0, 0}, i, n;
	int rc;

	(void)read_rc;
	rc = import_job_apply(iw->job, ctx->store);
	r = import_job_report(iw->job);
	if (rc == 0 && !iw->dry_run && import_job_changed(iw->job))
		change_all(ctx->changes);
	n = iw->topics_only ? r->ntopics : r->nsessions;
	for (i = 0; i < n; i++) {
		const char *a = iw->topics_only ? r->topics[i].action
		                                : r->sessions[i].action;

		counts[!strcmp(a, "create")   ? 0
		       : !strcmp(a, "update") ? 1
		                              : 2]++;
	}
	if (rc == 0)
		log_info("import %s%s: %zu %s: %zu created, %zu updated, %zu "
		         "unchanged",
		         iw->name, iw->dry_run ? " (dry run)" : "", n,
		         iw->topics_only ? "topics" : "sessions", counts[0],
		         counts[1], counts[2]);
	else if (rc == -EINVAL)
		log_info("import %s: refused (%zu errors)", iw->name,
		         r->nerrors);
	else
		log_err("import %s: not written: %s", iw->name,
		        r->nerrors ? r->errors[r->nerrors - 1].text : "(none)");
	if ((*body = view_import_report(r)) == NULL)
		return 500;
	return report_status(rc);
}

static void
import_work_free(void *arg)
{
	struct import_work *iw = arg;

	import_job_free(iw->job);
	free(iw);
}

/* Start an import job of kind over text (and topics) from call's body. */
static void
import_start(struct api_call *call, enum import_kind kind, const char *text,
             const char *topics, const struct import_opts *o)
{
	struct import_work *iw = calloc(1, sizeof(*iw));

	if (iw == NULL || import_job_new(call->ctx->store, kind, text, topics,
	                                 o, &iw->job) < 0) {
		free(iw);
		api_error(call, 500, "out of memory");
		return;
	}
	snprintf(iw->name, sizeof(iw->name), "%s",
	         o->name ? o->name : "topics");
	iw->dry_run = o->dry_run;
	iw->topics_only = kind == IMPORT_TOPICS_TSV;
	api_work_start(call,
	               kind == IMPORT_TOPICS_TSV ? "topics import" : "import",
	               o->dry_run, import_work_read, import_work_finish,
	               import_work_free, iw);
}

static void
h_topics_import(struct api_call *call)
{
	json_t *body = api_body(call);
	struct import_opts o;
	const char *text;
	int bad = 0;

	if (!body)
		return;
	text = api_body_str(call, body, "text", &bad);
	if (bad)
		return;
	if (!text) {
		api_error(call, 400, "'text' (the topics TSV) is required");
		return;
	}
	memset(&o, 0, sizeof(o));
	o.dry_run = api_body_bool(body, "dry_run");
	o.peer_uid = call->req->peer_uid;
	import_start(call, IMPORT_TOPICS_TSV, text, NULL, &o);
}

static void
h_import(struct api_call *call)
{
	json_t *body = api_body(call), *jyear;
	const char *format, *text, *topics, *name;
	struct import_opts o;
	int bad = 0;

	if (!body)
		return;
	format = api_body_str(call, body, "format", &bad);
	text = bad ? NULL : api_body_str(call, body, "text", &bad);
	topics = bad ? NULL : api_body_str(call, body, "topics_text", &bad);
	name = bad ? NULL : api_body_str(call, body, "name", &bad);
	if (bad)
		return;
	if (!text) {
		api_error(call, 400,
		          "'text' (the file's contents) is required");
		return;
	}
	if (!format)
		format = strstr(text, "BEGIN:VCALENDAR") ? "ics" : "tsv";
	memset(&o, 0, sizeof(o));
	jyear = json_object_get(body, "year");
	if (jyear && !json_is_null(jyear)) {
		if (!json_is_integer(jyear) ||
		    json_integer_value(jyear) < 1900 ||
		    json_integer_value(jyear) > 2200) {
			api_error(call, 400,
			          "'year' must be a year between 1900 and "
			          "2200");
			return;
		}
		o.year = (int)json_integer_value(jyear);
	} else {
		o.year = api_current_year(call->ctx);
	}
	o.dry_run = api_body_bool(body, "dry_run");
	o.domain = call->ctx->cfg->domain;
	o.tzid = call->ctx->cfg->timezone;
	o.name = name ? name : "import";
	o.peer_uid = call->req->peer_uid;
	o.on_update = import_notice_note;
	o.on_update_arg = call->ctx;
	if (!strcmp(format, "tsv"))
		import_start(call, IMPORT_PROGRAMME_TSV, text, topics, &o);
	else if (!strcmp(format, "ics"))
		import_start(call, IMPORT_ICS, text, NULL, &o);
	else
		api_error(call, 400, "'format' must be tsv or ics, not '%s'",
		          format);
}

/* Sessions as iCalendar, straight from the stored VEVENTs. */
static void
h_export(struct api_call *call)
{
	struct store_event_filter f;
	struct event_calendar cal = {0};
	struct topic t;
	size_t n, len;
	char **texts, *out, err[256], name[300];
	int rc;

	if (api_event_filter_read(call, &f) < 0)
		return;
	f.with_cancelled = 1;
	rc = store_event_list_text(call->ctx->store, &f, &texts, &n);
	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	cal.method = "PUBLISH";
	cal.name = "Cronograma";
	if (f.topic && store_topic_get(call->ctx->store, f.topic, &t) == 0) {
		snprintf(name, sizeof(name), "%s", t.nombre);
		cal.name = name;
		topic_fini(&t);
	}
	rc = event_calendar_render_text((const char *const *)texts, n, &cal,
	                                &out, &len, err, sizeof(err));
	store_text_array_free(texts, n);
	if (rc < 0) {
		api_error(call, 500, "export: %s", err);
		return;
	}
	call->res->status = 200;
	call->res->content_type = "text/calendar; charset=utf-8";
	call->res->body = out;
	call->res->body_len = len;
}

/* ---- audit log, clock ---- */

static json_t *
json_or_text(const char *s)
{
	json_t *v;

	if (!s)
		return json_null();
	v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(s);
}

static void
h_log(struct api_call *call)
{
	const char *event = http_request_arg(call->req, "event");
	const char *limit_s = http_request_arg(call->req, "limit");
	struct audit_row *rows;
	struct event ev;
	char uid[512] = "";
	size_t n, i;
	json_t *arr;
	int limit = 100, rc;

	if (limit_s) {
		char *end;
		long l = strtol(limit_s, &end, 10);

		if (*end || l < 0 || l > 100000) {
			api_error(call, 400, "'limit' must be 0..100000");
			return;
		}
		limit = (int)l;
	}
	if (event && *event) {
		if (store_event_get(call->ctx->store, event, &ev) == 0) {
			snprintf(uid, sizeof(uid), "%s", ev.uid);
			event_fini(&ev);
		} else if (strchr(event, '@') || strchr(event, ':')) {
			snprintf(uid, sizeof(uid), "%s", event);
		} else {
			/* A deleted session's short id still finds its
			 * history. */
			snprintf(uid, sizeof(uid), "%s@%s", event,
			         call->ctx->cfg->domain);
		}
	}
	rc = store_audit_list(call->ctx->store, uid[0] ? uid : NULL, limit,
	                      &rows, &n);
	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:I, s:o, s:o, s:s, s:o, s:o, s:o, s:o}",
		                   "id", (json_int_t)rows[i].id, "at",
		                   view_time(rows[i].at), "peer_uid",
		                   rows[i].peer_uid >= 0
		                       ? json_integer(rows[i].peer_uid)
		                       : json_null(),
		                   "action", rows[i].action, "target",
		                   view_str(rows[i].target), "before",
		                   json_or_text(rows[i].before), "after",
		                   json_or_text(rows[i].after), "client",
		                   view_str(rows[i].client)));
	audit_array_free(rows, n);
	api_reply_json(call, 200, json_pack("{s:o}", "entries", arr));
}

static void
h_clock(struct api_call *call)
{
	json_t *body, *adv;
	const char *now_s;
	int64_t now;
	int bad = 0;

	if (!call->ctx->cfg->test_clock) {
		api_error(call, 403,
		          "the clock can only be set when [daemon] test_clock "
		          "= yes");
		return;
	}
	body = api_body(call);
	if (!body)
		return;
	now_s = api_body_str(call, body, "now", &bad);
	if (bad)
		return;
	adv = json_object_get(body, "advance_s");
	if (now_s) {
		if (api_iso_utc_parse(now_s, &now) < 0) {
			api_error(
			    call, 400,
			    "'now' must be YYYY-MM-DDTHH:MM:SSZ, not '%s'",
			    now_s);
			return;
		}
		clock_set(now);
	} else if (json_is_integer(adv)) {
		clock_advance(json_integer_value(adv));
	} else if (!json_object_get(body, "real")) {
		api_error(call, 400, "give 'now' or 'advance_s'");
		return;
	} else {
		clock_real();
	}
	log_info("test clock set to %lld", (long long)clock_now());
	api_changed(call, NULL, NULL);
	api_reply_json(call, 200,
	               json_pack("{s:o}", "now", view_time(clock_now())));
}

/* ---- routing ---- */

const struct api_route api_routes[] = {
#define ROUTE(name, method, pattern, handler, summary)                         \
	{method, pattern, handler, summary},
#include "routes.def"
#undef ROUTE
};

const size_t api_routes_count = sizeof(api_routes) / sizeof(api_routes[0]);

/* Match path against pattern; a "{name}" segment captures into param. */
static int
route_match(const char *pattern, const char *path, char *param, size_t paramlen)
{
	while (*pattern && *path) {
		if (*pattern == '{') {
			const char *pend = strchr(pattern, '}');
			const char *slash = strchr(path, '/');
			size_t len =
			    slash ? (size_t)(slash - path) : strlen(path);

			if (!pend || len == 0 || len >= paramlen)
				return 0;
			memcpy(param, path, len);
			param[len] = '\0';
			pattern = pend + 1;
			path += len;
			continue;
		}
		if (*pattern != *path)
			return 0;
		pattern++;
		path++;
	}
	return *pattern == '\0' && (*path == '\0' || !strcmp(path, "/"));
}

void
api_handle(const struct http_request *req, struct http_response *res, void *arg)
{
	struct api_call call = {.req = req, .res = res, .ctx = arg};
	int path_known = 0;
	size_t i;

	for (i = 0; i < api_routes_count; i++) {
		if (!route_match(api_routes[i].pattern, req->path, call.param,
		                 sizeof(call.param)))
			continue;
		path_known = 1;
		if (strcmp(api_routes[i].method, req->method) &&
		    !(strcmp(req->method, "HEAD") == 0 &&
		      strcmp(api_routes[i].method, "GET") == 0))
			continue;
		api_routes[i].fn(&call);
		if (call.body)
			json_decref(call.body);
		if (res->status == 0)
			log_debug("control %s %s -> answered later (uid %ld)",
			          req->method, req->path, req->peer_uid);
		else if (res->status >= 500)
			log_err("control %s %s -> %d (uid %ld): %s",
			        req->method, req->path, res->status,
			        req->peer_uid, call.error);
		else if (res->status >= 400 && strcmp(req->method, "GET") &&
		         strcmp(req->method, "HEAD"))
			/* A write that was refused: staff may ask why. */
			log_info("control %s %s -> %d (uid %ld): %s",
			         req->method, req->path, res->status,
			         req->peer_uid, call.error);
		else
			log_debug("control %s %s -> %d (uid %ld)", req->method,
			          req->path, res->status, req->peer_uid);
		return;
	}
	if (path_known)
		api_error(&call, 405, "%s is not allowed on %s", req->method,
		          req->path);
	else
		api_error(&call, 404, "no such route: %s", req->path);
}
