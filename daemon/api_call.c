/* api_call: what every handler file of the control API (api.c, api_*.c)
 * uses on its call: the body, the reply and the error, times and the
 * session's JSON, the audit entry, telling of a change, loading the
 * {id}'s session and reading a list's filter. A leaf: it calls no
 * handler. See api_internal.h. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_internal.h"
#include "clock.h"
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "text.h"

void
api_reply_json(struct api_call *call, int status, json_t *body)
{
	call->res->status = status;
	call->res->content_type = "application/json";
	call->res->body = json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII);
	call->res->body_len = call->res->body ? strlen(call->res->body) : 0;
	json_decref(body);
}

void
api_error(struct api_call *call, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message quoting the client's bytes must still be JSON. */
	text_utf8_fix(msg);
	snprintf(call->error, sizeof(call->error), "%.299s", msg);
	api_reply_json(call, status, json_pack("{s:s}", "error", msg));
}

/* Map a store error to a reply. */
void
api_store_error(struct api_call *call, int rc)
{
	if (rc == -ENOENT)
		api_error(call, 404, "%s", store_error(call->ctx->store));
	else if (rc == -EINVAL || rc == -EEXIST)
		api_error(call, rc == -EEXIST ? 409 : 422, "%s",
		          store_error(call->ctx->store));
	else
		api_error(call, 500, "store: %s",
		          store_error(call->ctx->store));
}

/* The request body as a JSON object, parsed once. NULL after replying
 * 400 when it is not one. */
json_t *
api_body(struct api_call *call)
{
	json_error_t jerr;
	size_t bad;

	if (call->body)
		return call->body;
	if (call->req->body_len == 0) {
		call->body = json_object();
		return call->body;
	}
	/* Said plainly: jansson would only say it cannot decode a byte. */
	bad = text_utf8_bad(call->req->body, call->req->body_len);
	if (bad < call->req->body_len) {
		api_error(call, 400,
		          "the body is not valid UTF-8 (byte 0x%02x at offset "
		          "%zu): texts must be UTF-8",
		          (unsigned char)call->req->body[bad], bad);
		return NULL;
	}
	call->body = json_loadb(call->req->body, call->req->body_len, 0, &jerr);
	if (!call->body && strstr(jerr.text, "\\u0000") != NULL) {
		api_error(call, 400,
		          "a text in the body holds a NUL character (\\u0000) "
		          "(at %d:%d): no text may",
		          jerr.line, jerr.column);
		return NULL;
	}
	if (!call->body) {
		api_error(call, 400, "the body is not JSON: %s (at %d:%d)",
		          jerr.text, jerr.line, jerr.column);
		return NULL;
	}
	if (!json_is_object(call->body)) {
		json_decref(call->body);
		call->body = NULL;
		api_error(call, 400, "the body must be a JSON object");
		return NULL;
	}
	return call->body;
}

/* A string member of the body; NULL when absent or null. Replies 400 and
 * sets *bad when it is there but not a string. */
const char *
api_body_str(struct api_call *call, json_t *body, const char *key, int *bad)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		api_error(call, 400, "'%s' must be a string", key);
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

int
api_body_bool(json_t *body, const char *key)
{
	json_t *v = json_object_get(body, key);

	return v && (json_is_true(v) ||
	             (json_is_integer(v) && json_integer_value(v) != 0));
}

char *
api_iso_utc(int64_t t, char *buf, size_t buflen)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

json_t *
api_time_json(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	return json_string(api_iso_utc(t, buf, sizeof(buf)));
}

int
api_iso_utc_parse(const char *s, int64_t *out)
{
	struct fecha_date d;
	int h = 0, mi = 0, se = 0, n = 0;
	char date[11];

	if (strlen(s) < 10)
		return -EINVAL;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (fecha_iso_parse(date, &d) < 0)
		return -EINVAL;
	if (s[10] != '\0') {
		if (sscanf(s + 10, "T%2d:%2d:%2dZ%n", &h, &mi, &se, &n) != 3 ||
		    s[10 + n] != '\0' || h > 23 || mi > 59 || se > 60)
			return -EINVAL;
	}
	*out = (int64_t)fecha_date_to_days(d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

static json_t *
date_or_null(struct fecha_date d)
{
	char buf[16];

	if (d.y == 0)
		return json_null();
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.y, d.m, d.d);
	return json_string(buf);
}

static json_t *
time_or_null(int min)
{
	char buf[16];

	if (min < 0)
		return json_null();
	snprintf(buf, sizeof(buf), "%02d:%02d", min / 60, min % 60);
	return json_string(buf);
}

json_t *
api_str_json(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
api_event_json(const struct event *ev)
{
	int dated = ev->kind == FECHA_DATE || ev->kind == FECHA_RANGE;
	json_t *o = json_object(), *topics = json_array(),
	       *remind = json_array();
	char id[128], words[160];
	int64_t s = 0, e = 0;
	size_t i;

	event_short_id(ev->uid, id, sizeof(id));
	event_span_utc(ev, &s, &e);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "uid", json_string(ev->uid));
	json_object_set_new(o, "title",
	                    json_string(ev->title ? ev->title : ""));
	json_object_set_new(o, "kind", json_string(event_kind_name(ev->kind)));
	json_object_set_new(o, "status",
	                    json_string(event_status_name(ev->status)));
	json_object_set_new(o, "sequence", json_integer(ev->sequence));
	json_object_set_new(o, "start",
	                    dated ? date_or_null(ev->start) : json_null());
	json_object_set_new(o, "end",
	                    dated ? date_or_null(ev->end) : json_null());
	json_object_set_new(o, "start_time",
	                    time_or_null(dated ? ev->start_min : -1));
	json_object_set_new(o, "end_time",
	                    time_or_null(dated ? ev->end_min : -1));
	json_object_set_new(
	    o, "tz", json_string(ev->tzid ? ev->tzid : EVENT_DEFAULT_TZID));
	json_object_set_new(o, "start_utc",
	                    dated ? api_time_json(s) : json_null());
	json_object_set_new(o, "end_utc",
	                    dated ? api_time_json(e) : json_null());
	json_object_set_new(o, "window_start",
	                    dated ? json_null() : date_or_null(ev->win_start));
	json_object_set_new(o, "window_end",
	                    dated ? json_null() : date_or_null(ev->win_end));
	if (!dated) {
		fecha_window_words(ev->win_start, ev->win_end, words,
		                   sizeof(words));
		json_object_set_new(o, "window_words", json_string(words));
	} else {
		json_object_set_new(o, "window_words", json_null());
	}
	json_object_set_new(o, "duration_days",
	                    ev->kind == FECHA_APPROX
	                        ? json_integer(ev->duration_days)
	                        : json_null());
	json_object_set_new(o, "words", api_str_json(ev->words));
	json_object_set_new(o, "location", api_str_json(ev->location));
	json_object_set_new(o, "description", api_str_json(ev->description));
	json_object_set_new(o, "reason", api_str_json(ev->reason));
	for (i = 0; i < ev->ntopics; i++)
		json_array_append_new(topics, json_string(ev->topics[i].slug));
	json_object_set_new(o, "topics", topics);
	for (i = 0; i < ev->nremind; i++)
		json_array_append_new(remind, json_integer(ev->remind[i]));
	json_object_set_new(o, "remind", remind);
	json_object_set_new(o, "updated_at", api_time_json(ev->last_modified));
	return o;
}

/* The event's JSON as compact text, for the audit log. */
char *
api_event_text(const struct event *ev)
{
	json_t *o = api_event_json(ev);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(o);
	return s;
}

int
api_audit(struct api_call *call, const char *action, const char *target,
          const char *before, const char *after)
{
	int rc = store_audit_add(call->ctx->store, call->req->peer_uid, action,
	                         target, before, after);

	if (rc < 0)
		log_err("audit: %s", store_error(call->ctx->store));
	return rc;
}

void
api_changed(struct api_call *call, const char *uid)
{
	if (call->ctx->changed)
		call->ctx->changed(call->ctx->changed_arg, uid);
}

void
api_others_changed(struct api_call *call)
{
	if (call->ctx->others_changed)
		call->ctx->others_changed(call->ctx->changed_arg);
}

/* Load the session named by the route's {id}; replies 404 if none. */
int
api_event_load(struct api_call *call, struct event *ev)
{
	int rc = store_event_get(call->ctx->store, call->param, ev);

	if (rc == -ENOENT) {
		api_error(call, 404, "no session '%s'", call->param);
		return rc;
	}
	if (rc < 0) {
		api_store_error(call, rc);
		return rc;
	}
	return 0;
}

/* The office's current year, for date words without one. */
int
api_current_year(const struct api_ctx *ctx)
{
	struct fecha_date d;
	int min;

	if (event_utc_to_local(ctx->cfg->timezone, clock_now(), &d, &min) < 0)
		return 1970 + (int)(clock_now() / 31556952);
	return d.y;
}
/* Fill a filter from ?topic=&tbd=&from=&to=&cancelled=; replies 400 on
 * bad values. */
int
api_event_filter_read(struct api_call *call, struct store_event_filter *f)
{
	const char *topic = http_request_arg(call->req, "topic");
	const char *from = http_request_arg(call->req, "from");
	const char *to = http_request_arg(call->req, "to");
	const char *tbd = http_request_arg(call->req, "tbd");
	const char *cancelled = http_request_arg(call->req, "cancelled");
	struct fecha_date d;

	memset(f, 0, sizeof(*f));
	if (topic && *topic) {
		struct topic t;

		if (store_topic_get(call->ctx->store, topic, &t) < 0) {
			api_error(call, 404, "no topic '%s'", topic);
			return -1;
		}
		topic_fini(&t);
		f->topic = topic;
	}
	f->tbd_only = tbd && strcmp(tbd, "0") && strcmp(tbd, "false");
	f->with_cancelled =
	    cancelled && strcmp(cancelled, "0") && strcmp(cancelled, "false");
	if (from && *from) {
		if (fecha_iso_parse(from, &d) < 0 ||
		    event_local_to_utc(call->ctx->cfg->timezone, d, 0,
		                       &f->from) < 0) {
			api_error(call, 400,
			          "'from' must be a date YYYY-MM-DD");
			return -1;
		}
	}
	if (to && *to) {
		if (fecha_iso_parse(to, &d) < 0 ||
		    event_local_to_utc(call->ctx->cfg->timezone,
		                       fecha_date_add(d, 1), 0, &f->to) < 0) {
			api_error(call, 400, "'to' must be a date YYYY-MM-DD");
			return -1;
		}
	}
	return 0;
}
