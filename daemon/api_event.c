/* api_event: the control API's sessions: list, show, add, edit, delete
 * (/v1/events in schemas/control-api.yaml). Every change goes through
 * api_event_save, which raises SEQUENCE, audits, plans the notices and
 * calls api_changed. */
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
#include "schedule_notice.h"

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
		json_array_append_new(arr, api_event_json(&evs[i]));
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
	o = api_event_json(&ev);
	if (event_to_ical(&ev, &ical, err, sizeof(err)) == 0) {
		json_object_set_new(o, "ical", json_string(ical));
		free(ical);
	}
	event_fini(&ev);
	api_reply_json(call, 200, o);
}

/* "2018-02-08" or "2018-02-08T10:00" into a date and minutes (-1). */
static int
iso_local_parse(const char *s, struct fecha_date *d, int *min)
{
	char date[11];
	int h, m, n = 0;

	if (strlen(s) < 10)
		return -EINVAL;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (fecha_iso_parse(date, d) < 0)
		return -EINVAL;
	*min = -1;
	if (s[10] == '\0')
		return 0;
	if ((s[10] != 'T' && s[10] != ' ') ||
	    sscanf(s + 11, "%2d:%2d%n", &h, &m, &n) != 2 || h > 23 || m > 59)
		return -EINVAL;
	if (s[11 + n] == ':' && strlen(s + 11 + n) == 3)
		n += 3; /* seconds are accepted and dropped */
	if (s[11 + n] != '\0')
		return -EINVAL;
	*min = h * 60 + m;
	return 0;
}

/*
 * Apply the session fields of a POST/PATCH body to ev: title, date |
 * start/end, tz, location, description, topics, remind. Replies 4xx and
 * returns -1 on a bad field.
 */
int
api_event_apply(struct api_call *call, json_t *body, struct event *ev)
{
	const char *title, *date, *start, *end, *tz, *loc, *desc, *remind_s;
	json_t *topics, *remind;
	int bad = 0;
	char err[300];

	title = api_body_str(call, body, "title", &bad);
	date = bad ? NULL : api_body_str(call, body, "date", &bad);
	start = bad ? NULL : api_body_str(call, body, "start", &bad);
	end = bad ? NULL : api_body_str(call, body, "end", &bad);
	tz = bad ? NULL : api_body_str(call, body, "tz", &bad);
	loc = bad ? NULL : api_body_str(call, body, "location", &bad);
	desc = bad ? NULL : api_body_str(call, body, "description", &bad);
	if (bad)
		return -1;
	if (title) {
		if (!*title || strpbrk(title, "\r\n")) {
			api_error(call, 422,
			          "'title' must be one non-empty line");
			return -1;
		}
		event_str_set(&ev->title, title);
	}
	if (tz) {
		if (!event_tzid_known(tz)) {
			api_error(call, 422, "unknown time zone '%s'", tz);
			return -1;
		}
		event_str_set(&ev->tzid, tz);
	}
	if (loc)
		event_str_set(&ev->location, *loc ? loc : NULL);
	if (desc)
		event_str_set(&ev->description, *desc ? desc : NULL);
	if (date && (start || end)) {
		api_error(call, 422, "give 'date' or 'start'/'end', not both");
		return -1;
	}
	if (date) {
		struct fecha f;
		int year = ev->start.y       ? ev->start.y
		           : ev->win_start.y ? ev->win_start.y
		                             : api_current_year(call->ctx);

		if (fecha_parse(date, year, 0, &f, err, sizeof(err)) < 0) {
			api_error(call, 422, "%s", err);
			return -1;
		}
		event_fecha_set(ev, &f);
		event_str_set(&ev->words, date);
		if (ev->status != EVENT_CANCELLED)
			ev->status =
			    f.kind == FECHA_TBD || f.kind == FECHA_APPROX
			        ? EVENT_TENTATIVE
			        : EVENT_CONFIRMED;
	} else if (start || end) {
		struct fecha_date sd, ed;
		int smin = -1, emin = -1;

		if (!start) {
			if (ev->kind != FECHA_DATE && ev->kind != FECHA_RANGE) {
				api_error(call, 422,
				          "'end' needs a 'start' for an "
				          "undecided session");
				return -1;
			}
			sd = ev->start;
			smin = ev->start_min;
		} else if (iso_local_parse(start, &sd, &smin) < 0) {
			api_error(call, 422,
			          "'start' must be YYYY-MM-DD or "
			          "YYYY-MM-DDTHH:MM, not '%s'",
			          start);
			return -1;
		}
		ed = sd;
		if (end && iso_local_parse(end, &ed, &emin) < 0) {
			api_error(call, 422,
			          "'end' must be YYYY-MM-DD or "
			          "YYYY-MM-DDTHH:MM, not '%s'",
			          end);
			return -1;
		}
		if (fecha_date_cmp(ed, sd) < 0 ||
		    (fecha_date_cmp(ed, sd) == 0 && emin >= 0 && smin >= 0 &&
		     emin <= smin)) {
			api_error(call, 422, "the end is before the start");
			return -1;
		}
		ev->kind =
		    fecha_date_cmp(ed, sd) == 0 ? FECHA_DATE : FECHA_RANGE;
		ev->start = sd;
		ev->end = ed;
		ev->start_min = smin;
		ev->end_min = emin;
		memset(&ev->win_start, 0, sizeof(ev->win_start));
		memset(&ev->win_end, 0, sizeof(ev->win_end));
		ev->duration_days = 0;
		event_str_set(&ev->words, NULL);
		if (ev->status != EVENT_CANCELLED)
			ev->status = EVENT_CONFIRMED;
	}
	topics = json_object_get(body, "topics");
	if (topics && !json_is_null(topics)) {
		size_t i, j;
		json_t *v;

		if (!json_is_array(topics)) {
			api_error(call, 400,
			          "'topics' must be a list of slugs");
			return -1;
		}
		for (j = 0; j < ev->ntopics; j++) {
			free(ev->topics[j].slug);
			free(ev->topics[j].name);
		}
		free(ev->topics);
		ev->topics = NULL;
		ev->ntopics = 0;
		json_array_foreach(topics, i, v)
		{
			struct topic t;

			if (!json_is_string(v) ||
			    store_topic_get(call->ctx->store,
			                    json_string_value(v), &t) < 0) {
				api_error(call, 422, "unknown topic '%s'",
				          json_is_string(v)
				              ? json_string_value(v)
				              : "?");
				return -1;
			}
			if (!event_has_topic(ev, t.slug))
				event_topic_add(ev, t.slug, t.nombre);
			topic_fini(&t);
		}
	}
	remind = json_object_get(body, "remind");
	remind_s = json_is_string(remind) ? json_string_value(remind) : NULL;
	if (remind && !json_is_null(remind)) {
		int64_t v[16];
		size_t n = 0, i;

		if (remind_s) {
			if (*remind_s &&
			    (config_durations_parse(remind_s, v, 16, &n) < 0)) {
				api_error(call, 422,
				          "'remind' must be offsets like "
				          "3d,1h, not '%s'",
				          remind_s);
				return -1;
			}
		} else if (json_is_array(remind)) {
			json_t *x;

			json_array_foreach(remind, i, x)
			{
				if (!json_is_integer(x) || n == 16 ||
				    json_integer_value(x) <= 0) {
					api_error(call, 422,
					          "'remind' must hold positive "
					          "offsets in seconds");
					return -1;
				}
				v[n++] = json_integer_value(x);
			}
		} else {
			api_error(call, 400,
			          "'remind' must be a string or a list");
			return -1;
		}
		free(ev->remind);
		ev->remind = NULL;
		ev->nremind = 0;
		if (n) {
			ev->remind = malloc(n * sizeof(*v));
			if (!ev->remind) {
				api_error(call, 500, "out of memory");
				return -1;
			}
			memcpy(ev->remind, v, n * sizeof(*v));
			ev->nremind = n;
		}
	}
	event_clean(ev);
	if (event_validate(ev, err, sizeof(err)) < 0) {
		api_error(call, 422, "%s", err);
		return -1;
	}
	return 0;
}

/* A new UID "YYYY-xHHHHHH@domain" for a session added by hand. */
static void
new_uid(const struct api_ctx *ctx, int year, char *buf, size_t buflen)
{
	unsigned char r[3];
	FILE *f = fopen("/dev/urandom", "r");

	if (!f || fread(r, 1, sizeof(r), f) != sizeof(r)) {
		int64_t t = clock_now_ms();

		r[0] = (unsigned char)t;
		r[1] = (unsigned char)(t >> 8);
		r[2] = (unsigned char)(t >> 16);
	}
	if (f)
		fclose(f);
	snprintf(buf, buflen, "%d-x%02x%02x%02x@%s", year, r[0], r[1], r[2],
	         ctx->cfg->domain);
}

void
api_event_add(struct api_call *call)
{
	json_t *body = api_body(call);
	struct event ev;
	char uid[256], *after;
	int rc, year;

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
	year = ev.start.y ? ev.start.y : ev.win_start.y;
	for (;;) {
		struct event taken;

		new_uid(call->ctx, year, uid, sizeof(uid));
		if (store_event_get(call->ctx->store, uid, &taken) < 0)
			break;
		event_fini(&taken);
	}
	event_str_set(&ev.uid, uid);
	ev.created = ev.last_modified = ev.dtstamp = clock_now();
	rc = store_event_put(call->ctx->store, &ev);
	if (rc < 0) {
		event_fini(&ev);
		api_store_error(call, rc);
		return;
	}
	after = api_event_text(&ev);
	api_audit(call, "event.add", ev.uid, NULL, after);
	free(after);
	api_changed(call, ev.uid);
	api_reply_json(call, 201, api_event_json(&ev));
	event_fini(&ev);
}

/*
 * Store ev as the new state of old: SEQUENCE + 1 and a new LAST-MODIFIED
 * when subscribers would see a difference, and note the change for a
 * notice to subscribers (call->notice_flags: schedule_notice_note).
 * Audits action. 0, or replies with the error and returns negative.
 */
int
api_event_save(struct api_call *call, const struct event *old, struct event *ev,
               const char *action)
{
	char *before, *after;
	int rc, tx;

	if (event_same(ev, old))
		return 0;
	ev->sequence = old->sequence + 1;
	ev->last_modified = ev->dtstamp = clock_now();
	/* The session and its notice to subscribers (schedule_notice_note)
	 * are written together. */
	tx = store_begin(call->ctx->store) == 0;
	rc = store_event_put(call->ctx->store, ev);
	if (rc >= 0)
		rc = schedule_notice_note(call->ctx->store, call->ctx->cfg, old,
		                          ev, call->notice_flags, clock_now());
	if (tx && rc < 0)
		store_rollback(call->ctx->store);
	else if (tx)
		rc = store_commit(call->ctx->store);
	if (rc < 0) {
		api_store_error(call, rc);
		return rc;
	}
	before = api_event_text(old);
	after = api_event_text(ev);
	api_audit(call, action, ev->uid, before, after);
	free(before);
	free(after);
	api_changed(call, ev->uid);
	return 1;
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
		api_reply_json(call, 200, api_event_json(&ev));
	event_fini(&ev);
	event_fini(&old);
}

void
api_event_delete(struct api_call *call)
{
	struct event ev;
	const char *force;
	char *before;
	int rc;

	if (api_event_load(call, &ev) < 0)
		return;
	/* Deleting a session organisations heard of would leave it in their
	 * calendars: they must be told it is cancelled. */
	force = http_request_arg(call->req, "force");
	if (!force || !strcmp(force, "0")) {
		long *told = NULL;
		size_t ntold = 0;

		rc = store_notice_told(call->ctx->store, ev.uid, &told, &ntold);
		free(told);
		if (rc < 0 || ntold > 0) {
			if (rc < 0)
				api_store_error(call, rc);
			else
				api_error(
				    call, 409,
				    "%zu organisation%s heard of %s: cancel "
				    "it (cronoctl cancel) so their calendars "
				    "drop it, or delete with force",
				    ntold, ntold == 1 ? "" : "s", call->param);
			event_fini(&ev);
			return;
		}
	}
	rc = store_event_delete(call->ctx->store, ev.uid);
	if (rc < 0) {
		event_fini(&ev);
		api_store_error(call, rc);
		return;
	}
	before = api_event_text(&ev);
	api_audit(call, "event.delete", ev.uid, before, NULL);
	free(before);
	api_changed(call, ev.uid);
	api_reply_json(call, 200, json_pack("{s:s}", "deleted", ev.uid));
	event_fini(&ev);
}
