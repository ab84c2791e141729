/* api_event: the control API's sessions: list, show, add, edit, delete
 * (/v1/events in schemas/control-api.yaml). The handlers read the request
 * into a session and call its domain operation (session.c), which owns
 * the rules, the transaction and the audit. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_internal.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "session.h"

/* ---- sessions ---- */

void
api_events_list(struct api_call *call)
{
	struct store_event_filter f;
	struct event *evs;
	size_t n, i;
	json_t *arr;
	int rc;

	if (api_event_filter_read(call, &f) < 0)
		return;
	rc = store_event_list(call->ctx->store, &f, &evs, &n);
	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, view_event(&evs[i]));
	event_array_free(evs, n);
	api_reply_json(call, 200, json_pack("{s:o}", "events", arr));
}

void
api_event_get(struct api_call *call)
{
	struct event ev;
	char *ical, err[256];
	json_t *o;

	if (api_event_load(call, &ev) < 0)
		return;
	o = view_event(&ev);
	if (event_to_ical(&ev, &ical, err, sizeof(err)) == 0) {
		json_object_set_new(o, "ical", json_string(ical));
		free(ical);
	}
	event_fini(&ev);
	api_reply_json(call, 200, o);
}

/*
 * Read the session fields of a POST/PATCH body (title, date | start/end,
 * tz, location, description, topics, remind) and apply them to ev
 * (session_fields_apply, which owns the rules). Replies 4xx and returns
 * -1 on a bad field.
 */
int
api_event_apply(struct api_call *call, json_t *body, struct event *ev)
{
	struct office of = api_office(call);
	struct session_fields f = {0};
	const char **topics = NULL;
	int64_t remind[16];
	json_t *jt, *jr, *x;
	char why[400];
	int bad = 0, rc = -1;
	size_t i;

	f.title = api_body_str(call, body, "title", &bad);
	f.date = bad ? NULL : api_body_str(call, body, "date", &bad);
	f.start = bad ? NULL : api_body_str(call, body, "start", &bad);
	f.end = bad ? NULL : api_body_str(call, body, "end", &bad);
	f.tz = bad ? NULL : api_body_str(call, body, "tz", &bad);
	f.location = bad ? NULL : api_body_str(call, body, "location", &bad);
	f.description =
	    bad ? NULL : api_body_str(call, body, "description", &bad);
	if (bad)
		return -1;
	jt = json_object_get(body, "topics");
	if (jt && !json_is_null(jt)) {
		if (!json_is_array(jt)) {
			api_error(call, 400,
			          "'topics' must be a list of slugs");
			return -1;
		}
		topics = calloc(json_array_size(jt) + 1, sizeof(*topics));
		if (topics == NULL) {
			api_error(call, 500, "out of memory");
			return -1;
		}
		json_array_foreach(jt, i, x)
		{
			if (!json_is_string(x)) {
				api_error(call, 422, "unknown topic '?'");
				goto out;
			}
			topics[i] = json_string_value(x);
		}
		f.topics_set = 1;
		f.topics = topics;
		f.ntopics = json_array_size(jt);
	}
	jr = json_object_get(body, "remind");
	if (jr && !json_is_null(jr)) {
		f.remind_set = 1;
		if (json_is_string(jr)) {
			f.remind_text = json_string_value(jr);
		} else if (json_is_array(jr)) {
			json_array_foreach(jr, i, x)
			{
				if (!json_is_integer(x) || i == 16 ||
				    json_integer_value(x) <= 0) {
					api_error(call, 422,
					          "'remind' must hold positive "
					          "offsets in seconds");
					goto out;
				}
				remind[i] = json_integer_value(x);
			}
			f.remind = remind;
			f.nremind = json_array_size(jr);
		} else {
			api_error(call, 400,
			          "'remind' must be a string or a list");
			goto out;
		}
	}
	if ((rc = session_fields_apply(&of, ev, &f, why, sizeof(why))) < 0)
		api_domain_error(call, rc, why);
out:
	free(topics);
	return rc < 0 ? -1 : 0;
}

void
api_event_add(struct api_call *call)
{
	json_t *body = api_body(call);
	struct office of = api_office(call);
	struct event ev;
	char uid[256], why[400];
	int rc;

	if (!body)
		return;
	if (!json_is_string(json_object_get(body, "title"))) {
		api_error(call, 422, "'title' is required");
		return;
	}
	if (!json_is_string(json_object_get(body, "date")) &&
	    !json_is_string(json_object_get(body, "start"))) {
		api_error(call, 422, "'date' or 'start' is required");
		return;
	}
	event_init(&ev);
	event_str_set(&ev.tzid, call->ctx->cfg->timezone);
	/* A provisional UID, so the session validates; the real one needs
	 * the session's year. */
	snprintf(uid, sizeof(uid), "new@%s", call->ctx->cfg->domain);
	event_str_set(&ev.uid, uid);
	if (api_event_apply(call, body, &ev) < 0) {
		event_fini(&ev);
		return;
	}
	rc = session_add(&of, call->req->peer_uid, &ev, why, sizeof(why));
	if (rc < 0)
		api_domain_error(call, rc, why);
	else
		api_reply_json(call, 201, view_event(&ev));
	event_fini(&ev);
}

/* Save ev as the new state of old (session_save, with
 * call->notice_flags), audited as action. 0 unchanged, 1 saved, or replies
 * with the error and returns negative. */
int
api_event_save(struct api_call *call, const struct event *old, struct event *ev,
               const char *action)
{
	struct office of = api_office(call);
	char why[400];
	int rc = session_save(&of, call->req->peer_uid, old, ev, action,
	                      call->notice_flags, why, sizeof(why));

	if (rc < 0)
		api_domain_error(call, rc, why);
	return rc;
}

void
api_event_edit(struct api_call *call)
{
	json_t *body = api_body(call);
	struct event old, ev;

	if (!body || api_event_load(call, &old) < 0)
		return;
	if (event_copy(&ev, &old) < 0) {
		event_fini(&old);
		api_error(call, 500, "out of memory");
		return;
	}
	if (api_event_apply(call, body, &ev) == 0 &&
	    api_event_save(call, &old, &ev, "event.edit") >= 0)
		api_reply_json(call, 200, view_event(&ev));
	event_fini(&ev);
	event_fini(&old);
}

void
api_event_delete(struct api_call *call)
{
	struct office of = api_office(call);
	const char *force = http_request_arg(call->req, "force");
	struct event ev;
	char why[400];
	int rc;

	if (api_event_load(call, &ev) < 0)
		return;
	rc = session_delete(&of, call->req->peer_uid, &ev, call->param,
	                    force && strcmp(force, "0"), why, sizeof(why));
	if (rc < 0)
		api_domain_error(call, rc, why);
	else
		api_reply_json(call, 200,
		               json_pack("{s:s}", "deleted", ev.uid));
	event_fini(&ev);
}
