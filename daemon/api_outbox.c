/* api_outbox: the control API's outbox and the reminders to come.
 *
 *   GET  /v1/outbox?state=&event=&limit=   messages, newest first
 *   POST /v1/outbox/retry {"id": N} | {"failed": true}
 *   POST /v1/outbox/hold|release|drop {"id": N} | {"event": "EVENT"}
 *   GET  /v1/upcoming?days=N               reminders due, sending nothing
 *
 * See schemas/control-api.yaml. A retry is the domain's (outbox.c): it is
 * audited ("outbox.retry") and the scheduler hears of it; so are a hold,
 * a release and a drop. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_internal.h"
#include "signup.h"
#include "outbox.h"
#include "clock.h"
#include "schedule_alarm.h"
#include "store.h"

#define OUTBOX_LIMIT_DEFAULT 500
#define OUTBOX_LIMIT_MAX     1000000
#define UPCOMING_DAYS        7
#define UPCOMING_DAYS_MAX    3660
#define UPCOMING_MAX         10000

static const char *const outbox_states[] = {
    "pending", "sending", "sent",    "failed",
    "expired", "held",    "dropped", "skipped",
};

/* A query argument as a number in [min, max], or def when absent. -1 after
 * replying 400. */
static int
arg_long(struct api_call *call, const char *name, long min, long max, long def,
         long *out)
{
	const char *s = http_request_arg(call->req, name);
	char *end;
	long v;

	*out = def;
	if (s == NULL || *s == '\0')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		api_error(call, 400, "'%s' must be a number from %ld to %ld",
		          name, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* "a@x,b@y" (blanks around commas allowed) as a JSON array. */
static json_t *
emails_json(const char *list)
{
	json_t *arr = json_array();
	const char *p = list;

	while (p && *p) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0)
			json_array_append_new(arr, json_stringn(p, n));
		p += strcspn(p, ",");
		if (*p == ',')
			p++;
	}
	return arr;
}

/* One message; staff mail (kind "staff") goes to [staff] emails, a
 * signup request's (kind "signup") to the address it gave. */
static json_t *
outbox_row_json(const struct api_call *call, const struct outbox_row *r)
{
	int staff = strcmp(r->kind, "staff") == 0;
	char id[128];
	const char *to = staff ? call->ctx->cfg->staff_emails : r->emails;
	struct signup_req q = {0};
	json_t *o;

	if (strcmp(r->kind, "signup") == 0 &&
	    store_signup_get(
	        call->ctx->store,
	        strtol(r->uid + strlen(SIGNUP_UID_PREFIX), NULL, 10), &q) == 0)
		to = q.email;

	event_short_id(r->uid, id, sizeof(id));
	o = json_object();
	json_object_set_new(o, "id", json_integer(r->id));
	json_object_set_new(o, "event", json_string(id));
	json_object_set_new(o, "uid", json_string(r->uid));
	json_object_set_new(o, "sequence", json_integer(r->seq));
	json_object_set_new(o, "kind", json_string(r->kind));
	json_object_set_new(o, "offset_s", json_integer(r->offset_s));
	json_object_set_new(o, "osc_id", json_integer(r->osc_id));
	json_object_set_new(o, "osc",
	                    staff     ? json_string("staff")
	                    : q.email ? json_string(q.name)
	                              : view_str(r->osc_name));
	json_object_set_new(o, "to", emails_json(to));
	json_object_set_new(o, "message_id", view_str(r->message_id));
	json_object_set_new(o, "due", view_time(r->due));
	json_object_set_new(o, "next_try", view_time(r->next_try));
	json_object_set_new(o, "tries", json_integer(r->tries));
	json_object_set_new(o, "state", json_string(r->state));
	json_object_set_new(o, "last_error", view_str(r->last_error));
	json_object_set_new(o, "sent_at", view_time(r->sent_at));
	signup_req_fini(&q);
	return o;
}

void
api_outbox_list(struct api_call *call)
{
	const char *state = http_request_arg(call->req, "state");
	const char *event = http_request_arg(call->req, "event");
	struct office of = api_office(call);
	struct store_outbox_filter f = {0};
	struct outbox_row *rows;
	char uid[512];
	size_t n, i;
	json_t *arr;
	long limit;
	int rc;

	if (arg_long(call, "limit", 1, OUTBOX_LIMIT_MAX, OUTBOX_LIMIT_DEFAULT,
	             &limit) < 0)
		return;
	if (state && *state) {
		for (i = 0; i < sizeof(outbox_states) / sizeof(*outbox_states);
		     i++)
			if (strcmp(state, outbox_states[i]) == 0)
				break;
		if (i == sizeof(outbox_states) / sizeof(*outbox_states)) {
			api_error(call, 400,
			          "'state' must be pending, sending, sent, "
			          "failed, expired, held, dropped or skipped, "
			          "not '%s'",
			          state);
			return;
		}
		f.state = state;
	}
	if (event && *event) {
		outbox_session_uid(&of, event, uid, sizeof(uid));
		f.uid = uid;
	}
	f.limit = (int)limit;
	rc = store_outbox_list(call->ctx->store, &f, &rows, &n);
	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, outbox_row_json(call, &rows[i]));
	outbox_row_array_free(rows, n);
	api_reply_json(call, 200, json_pack("{s:o}", "messages", arr));
}

void
api_outbox_retry(struct api_call *call)
{
	json_t *body = api_body(call), *jid;
	struct office of = api_office(call);
	char why[400];
	int64_t id = 0;
	size_t n = 0;
	int rc;

	if (!body)
		return;
	jid = json_object_get(body, "id");
	if (jid && !json_is_null(jid)) {
		if (!json_is_integer(jid) || json_integer_value(jid) <= 0) {
			api_error(call, 400, "'id' must be a message number");
			return;
		}
		id = json_integer_value(jid);
	} else if (!api_body_bool(body, "failed")) {
		api_error(call, 400, "give 'id' or \"failed\": true");
		return;
	}
	rc = outbox_retry(&of, call->req->peer_uid, id, &n, why, sizeof(why));
	if (rc < 0) {
		api_domain_error(call, rc, why);
		return;
	}
	api_reply_json(call, 200, json_pack("{s:I}", "retried", (json_int_t)n));
}

/* POST /v1/outbox/hold, release, drop: {"id": N} or {"event": "EVENT"};
 * replies how many messages moved. */
static void
outbox_move_call(struct api_call *call, enum outbox_move move)
{
	static const char *const said[] = {
	    [OUTBOX_HOLD] = "held",
	    [OUTBOX_RELEASE] = "released",
	    [OUTBOX_DROP] = "dropped",
	};
	json_t *body = api_body(call), *jid, *jev;
	struct office of = api_office(call);
	const char *event = NULL;
	char why[600];
	int64_t id = 0;
	size_t n = 0;
	int rc;

	if (!body)
		return;
	jid = json_object_get(body, "id");
	jev = json_object_get(body, "event");
	if (jid && !json_is_null(jid)) {
		if (!json_is_integer(jid) || json_integer_value(jid) <= 0) {
			api_error(call, 400, "'id' must be a message number");
			return;
		}
		id = json_integer_value(jid);
	}
	if (jev && !json_is_null(jev)) {
		if (!json_is_string(jev) || json_string_length(jev) == 0 ||
		    json_string_length(jev) > 400) {
			api_error(call, 400, "'event' must be a session id");
			return;
		}
		event = json_string_value(jev);
	}
	if ((id == 0) == (event == NULL)) {
		api_error(call, 400, "give 'id' or 'event', not both");
		return;
	}
	rc = outbox_move(&of, call->req->peer_uid, move, id, event, &n, why,
	                 sizeof(why));
	if (rc < 0) {
		api_domain_error(call, rc, why);
		return;
	}
	api_reply_json(call, 200,
	               json_pack("{s:I}", said[move], (json_int_t)n));
}

void
api_outbox_hold(struct api_call *call)
{
	outbox_move_call(call, OUTBOX_HOLD);
}

void
api_outbox_release(struct api_call *call)
{
	outbox_move_call(call, OUTBOX_RELEASE);
}

void
api_outbox_drop(struct api_call *call)
{
	outbox_move_call(call, OUTBOX_DROP);
}

/* One upcoming reminder as the API shows it. */
static json_t *
upcoming_json(const struct outbox_upcoming *u)
{
	json_t *names = json_array();
	char id[128];

	for (size_t i = 0; i < u->noscs; i++)
		json_array_append_new(names, json_string(u->oscs[i]));
	event_short_id(u->uid, id, sizeof(id));
	return json_pack("{s:o, s:s, s:s, s:s, s:I, s:I, s:o, s:b}", "due",
	                 view_time(u->due), "event", id, "uid", u->uid, "title",
	                 u->title, "offset_s", (json_int_t)u->offset_s,
	                 "sequence", (json_int_t)u->seq, "oscs", names, "late",
	                 u->late);
}

void
api_upcoming(struct api_call *call)
{
	struct office of = api_office(call);
	int64_t now = clock_now();
	struct outbox_upcoming *u;
	char why[256];
	size_t n, i;
	json_t *arr;
	long days;
	int rc;

	if (arg_long(call, "days", 1, UPCOMING_DAYS_MAX, UPCOMING_DAYS, &days) <
	    0)
		return;
	rc = outbox_upcoming(&of, now, now + days * 86400, UPCOMING_MAX, &u, &n,
	                     why, sizeof why);
	if (rc < 0) {
		api_domain_error(call, rc, why);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, upcoming_json(&u[i]));
	outbox_upcoming_array_free(u, n);
	api_reply_json(call, 200, json_pack("{s:o}", "reminders", arr));
}
