/* api_tbd: sessions whose date is still undecided ("fecha por definir"),
 * and fixing, moving or cancelling a session.
 *
 *   GET  /v1/tbd                       undecided sessions, by window
 *   POST /v1/events/{id}/reschedule    {"when","dry_run","now","silent"}
 *   POST /v1/events/{id}/cancel        {"reason","now","silent"}
 *
 * See schemas/control-api.yaml. Changes go through api_event_save, which
 * notes them for a notice to subscribers (schedule_notice_note) with the
 * call's flags; the reply says who will be told, and when, as
 * schedule_notice_plan foresees it, and which reminders the new date
 * gets (schedule_reminders_plan). */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_internal.h"
#include "clock.h"
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "schedule_alarm.h"
#include "schedule_notice.h"
#include "store.h"

/* ---- GET /v1/tbd ---- */

void
api_tbd_list(struct api_call *call)
{
	struct store_event_filter f = {.tbd_only = 1};
	struct fecha_date today = {0};
	struct event *evs = NULL;
	size_t n = 0, i;
	json_t *arr;
	int min, rc;

	rc = store_event_list(call->ctx->store, &f, &evs, &n);
	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	event_utc_to_local(call->ctx->cfg->timezone, clock_now(), &today, &min);
	/* The store orders undecided sessions by window start, then uid. */
	arr = json_array();
	for (i = 0; i < n; i++) {
		json_t *o;

		if (evs[i].status == EVENT_CANCELLED ||
		    schedule_event_dated(&evs[i]))
			continue;
		o = api_event_json(&evs[i]);
		json_object_set_new(
		    o, "days_to_window",
		    today.y
		        ? json_integer(fecha_date_to_days(evs[i].win_start) -
		                       fecha_date_to_days(today))
		        : json_null());
		json_array_append_new(arr, o);
	}
	event_array_free(evs, n);
	api_reply_json(call, 200, json_pack("{s:o}", "events", arr));
}

/* ---- replies ---- */

static json_t *
notices_json(const struct notice_plan *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(
		    arr,
		    json_pack("{s:s, s:I, s:s, s:s, s:o}", "osc",
		              v[i].osc ? v[i].osc : "", "osc_id",
		              (json_int_t)v[i].osc_id, "kind",
		              v[i].what == NOTICE_CANCEL ? "cancel" : "update",
		              "notice", schedule_notice_kind_name(v[i].what),
		              "due", api_time_json(v[i].due)));
	return arr;
}

static json_t *
reminders_json(const struct alarm_due *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:o, s:I}", "due", api_time_json(v[i].due),
		                   "offset_s", (json_int_t)v[i].offset_s));
	return arr;
}

/* The "now" and "silent" members of body as SCHEDULE_NOTICE_* flags;
 * -1 after replying 400 when both are set. */
static int
notice_flags_read(struct api_call *call, json_t *body)
{
	int flags = 0;

	if (api_body_bool(body, "now"))
		flags |= SCHEDULE_NOTICE_NOW;
	if (api_body_bool(body, "silent"))
		flags |= SCHEDULE_NOTICE_SILENT;
	if (flags == (SCHEDULE_NOTICE_NOW | SCHEDULE_NOTICE_SILENT)) {
		api_error(call, 400, "'now' and 'silent' exclude each other");
		return -1;
	}
	return flags;
}

/* ---- POST /v1/events/{id}/reschedule ---- */

/* 1 if when starts as an ISO date ("2018-03-15", "2018-03-15T10:00"). */
static int
when_is_iso(const char *when)
{
	static const char form[] = "dddd-dd-dd";
	size_t i;

	for (i = 0; form[i]; i++)
		if (form[i] == 'd' ? !isdigit((unsigned char)when[i])
		                   : when[i] != form[i])
			return 0;
	return when[10] == '\0' || when[10] == 'T' || when[10] == ' ';
}

/*
 * Apply WHEN to ev (a copy of old): an ISO date or date and time, or
 * Spanish words read with the session's year. The result must be a date
 * or a range. 0, or replies 422 and returns -1.
 */
static int
when_apply(struct api_call *call, const struct event *old, struct event *ev,
           const char *when)
{
	struct fecha_date d;
	char date[11];
	json_t *patch;
	int iso = when_is_iso(when), rc;

	if (iso) {
		memcpy(date, when, 10);
		date[10] = '\0';
		if (fecha_iso_parse(date, &d) < 0) {
			api_error(call, 422, "'%s' is not a valid date", when);
			return -1;
		}
	}
	patch = json_pack("{s:s}", iso ? "start" : "date", when);
	rc = api_event_apply(call, patch, ev);
	json_decref(patch);
	if (rc < 0)
		return -1;
	if (!schedule_event_dated(ev)) {
		char win[160];

		fecha_window_words(ev->win_start, ev->win_end, win,
		                   sizeof(win));
		api_error(call, 422,
		          "'%s' is not a date: it reads as a window (%s)", when,
		          win);
		return -1;
	}
	/* A day without a time keeps the session's hours. */
	if (!iso && ev->kind == FECHA_DATE && ev->start_min < 0 &&
	    schedule_event_dated(old) && old->start_min >= 0) {
		ev->start_min = old->start_min;
		ev->end_min = old->end_min;
	}
	event_str_set(&ev->words, when);
	if (ev->status != EVENT_CANCELLED)
		ev->status = EVENT_CONFIRMED;
	return 0;
}

void
api_event_reschedule(struct api_call *call)
{
	json_t *body = api_body(call), *o;
	struct alarm_due rem[SCHEDULE_OFFSETS_MAX];
	struct notice_plan *plan = NULL;
	struct event old, ev;
	const char *when;
	size_t nplan = 0, nrem = 0;
	int bad = 0, flags, dry, rc;
	int64_t now = clock_now();

	if (!body)
		return;
	when = api_body_str(call, body, "when", &bad);
	if (bad)
		return;
	if (!when || !*when) {
		api_error(call, 400, "'when' (the new date) is required");
		return;
	}
	if ((flags = notice_flags_read(call, body)) < 0)
		return;
	dry = api_body_bool(body, "dry_run");
	if (api_event_load(call, &old) < 0)
		return;
	if (old.status == EVENT_CANCELLED) {
		api_error(call, 409,
		          "session '%s' is cancelled: edit its date with "
		          "'cronoctl edit' if it takes place after all",
		          call->param);
		event_fini(&old);
		return;
	}
	if (event_copy(&ev, &old) < 0) {
		event_fini(&old);
		api_error(call, 500, "out of memory");
		return;
	}
	if (when_apply(call, &old, &ev, when) < 0)
		goto out;
	if (!event_same(&ev, &old))
		ev.sequence = old.sequence + 1;
	if ((rc = schedule_notice_plan(call->ctx->store, call->ctx->cfg, &old,
	                               &ev, flags, now, &plan, &nplan)) < 0 ||
	    (rc = schedule_reminders_plan(call->ctx->store, call->ctx->cfg, &ev,
	                                  now, rem, &nrem)) < 0) {
		api_store_error(call, rc);
		goto out;
	}
	if (!dry) {
		call->notice_flags = flags;
		if (api_event_save(call, &old, &ev,
		                   flags & SCHEDULE_NOTICE_SILENT
		                       ? "event.reschedule.silent"
		                       : "event.reschedule") < 0)
			goto out;
	}
	o = json_pack("{s:o, s:b, s:o, s:o}", "event", api_event_json(&ev),
	              "dry_run", dry, "notices", notices_json(plan, nplan),
	              "reminders", reminders_json(rem, nrem));
	api_reply_json(call, 200, o);
out:
	notice_plan_array_free(plan, nplan);
	event_fini(&ev);
	event_fini(&old);
}

/* ---- POST /v1/events/{id}/cancel ---- */

void
api_event_cancel(struct api_call *call)
{
	json_t *body = api_body(call);
	struct notice_plan *plan = NULL;
	struct event old, ev;
	const char *reason;
	size_t nplan = 0;
	int bad = 0, flags, rc;

	if (!body)
		return;
	reason = api_body_str(call, body, "reason", &bad);
	if (bad || (flags = notice_flags_read(call, body)) < 0)
		return;
	if (api_event_load(call, &old) < 0)
		return;
	if (old.status == EVENT_CANCELLED) {
		api_error(call, 409, "session '%s' is already cancelled",
		          call->param);
		event_fini(&old);
		return;
	}
	if (event_copy(&ev, &old) < 0) {
		event_fini(&old);
		api_error(call, 500, "out of memory");
		return;
	}
	ev.status = EVENT_CANCELLED;
	if (reason && *reason)
		event_str_set(&ev.reason, reason);
	rc = schedule_notice_plan(call->ctx->store, call->ctx->cfg, &old, &ev,
	                          flags, clock_now(), &plan, &nplan);
	if (rc < 0) {
		api_store_error(call, rc);
		goto out;
	}
	call->notice_flags = flags;
	if (api_event_save(call, &old, &ev,
	                   flags & SCHEDULE_NOTICE_SILENT
	                       ? "event.cancel.silent"
	                       : "event.cancel") < 0)
		goto out;
	api_reply_json(call, 200,
	               json_pack("{s:o, s:o}", "event", api_event_json(&ev),
	                         "notices", notices_json(plan, nplan)));
out:
	notice_plan_array_free(plan, nplan);
	event_fini(&ev);
	event_fini(&old);
}
