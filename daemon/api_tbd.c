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
		o = view_event(&evs[i]);
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
		              "due", view_time(v[i].due)));
	return arr;
}

static json_t *
reminders_json(const struct alarm_due *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:o, s:I}", "due", view_time(v[i].due),
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

void
api_event_reschedule(struct api_call *call)
{
	json_t *body = api_body(call), *o;
	struct alarm_due rem[SCHEDULE_OFFSETS_MAX];
	struct notice_plan *plan = NULL;
	struct office of = api_office(call);
	struct event old, ev;
	const char *when;
	char why[400];
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
	if (event_copy(&ev, &old) < 0) {
		event_fini(&old);
		api_error(call, 500, "out of memory");
		return;
	}
	if ((rc = session_when_set(&of, &old, &ev, call->param, when, why,
	                           sizeof(why))) < 0) {
		api_domain_error(call, rc, why);
		goto out;
	}
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
	o = json_pack("{s:o, s:b, s:o, s:o}", "event", view_event(&ev),
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
	char why[400];
	size_t nplan = 0;
	int bad = 0, flags, rc;

	if (!body)
		return;
	reason = api_body_str(call, body, "reason", &bad);
	if (bad || (flags = notice_flags_read(call, body)) < 0)
		return;
	if (api_event_load(call, &old) < 0)
		return;
	if (event_copy(&ev, &old) < 0) {
		event_fini(&old);
		api_error(call, 500, "out of memory");
		return;
	}
	if ((rc = session_cancel_set(&old, &ev, call->param, reason, why,
	                             sizeof(why))) < 0) {
		api_domain_error(call, rc, why);
		goto out;
	}
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
	               json_pack("{s:o, s:o}", "event", view_event(&ev),
	                         "notices", notices_json(plan, nplan)));
out:
	notice_plan_array_free(plan, nplan);
	event_fini(&ev);
	event_fini(&old);
}
