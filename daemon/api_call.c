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
#include "change.h"
#include "clock.h"
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "session.h"
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
struct office
api_office(const struct api_call *call)
{
	struct office of = {call->ctx->store, call->ctx->cfg,
	                    call->ctx->changes};

	return of;
}

void
api_domain_error(struct api_call *call, int rc, const char *why)
{
	int status = rc == -ENOENT   ? 404
	             : rc == -EINVAL ? 422
	             : rc == -EEXIST ? 409
	                             : 500;

	api_error(call, status, "%s", why);
}

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

void
api_changed(struct api_call *call, const char *uid, const struct event *ev)
{
	if (uid != NULL)
		change_session(call->ctx->changes, uid, ev);
	else
		change_all(call->ctx->changes);
}

void
api_others_changed(struct api_call *call)
{
	change_osc(call->ctx->changes);
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
