/* api_preview: messages as organisations get them, rendered by the code
 * and from the inputs the scheduler sends with (schedule_input.h).
 *
 *   GET /v1/events/{id}/preview?osc=&kind=   a message never queued
 *   GET /v1/outbox/{id}                      a queued or sent message
 *
 * Neither queues nor changes anything. See schemas/control-api.yaml. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_internal.h"
#include "clock.h"
#include "schedule_input.h"
#include "schedule_notice.h"
#include "store.h"
#include "token.h"

/* The kinds staff name (cronoctl preview --kind), the outbox row kind
 * each is queued as and the message it renders. */
static const struct {
	const char *name, *row_kind;
	enum message_kind kind;
} preview_kinds[] = {
    {"recordatorio", "reminder", MESSAGE_REMINDER},
    {"fecha", "update", MESSAGE_DATED},
    {"cambio", "update", MESSAGE_MOVED},
    {"cancelacion", "cancel", MESSAGE_CANCEL},
};
#define NKINDS (sizeof(preview_kinds) / sizeof(preview_kinds[0]))

/* Render ri into JSON: the headers' words, the text and HTML parts as
 * they read, and the whole message. NULL (after replying) on error. */
static json_t *
rendered_json(struct api_call *call, struct row_input *ri)
{
	struct message_parts mp = {0};
	char err[512], *data = NULL;
	json_t *o, *to;
	size_t len, i;
	int rc;

	rc = message_render(&ri->in, &data, &len, err, sizeof(err));
	if (rc < 0) {
		api_error(call, rc == -ENOMEM ? 500 : 422, "%s", err);
		return NULL;
	}
	if (message_view(data, &mp) < 0) {
		message_parts_fini(&mp);
		free(data);
		api_error(call, 500, "out of memory");
		return NULL;
	}
	to = json_array();
	for (i = 0; ri->in.to && ri->in.to[i]; i++)
		json_array_append_new(to, json_string(ri->in.to[i]));
	o = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "message_id",
	              ri->in.message_id, "to", to, "from", ri->in.from,
	              "subject", mp.subject ? mp.subject : "", "text",
	              mp.text ? mp.text : "", "html", mp.html ? mp.html : "",
	              "raw", data);
	message_parts_fini(&mp);
	free(data);
	if (!o)
		api_error(call, 500,
		          "out of memory (or the message is not "
		          "UTF-8)");
	return o;
}

/* The organisation the "osc" argument names (number, exact name or
 * address) among subs; or, without one, the first of subs. NULL after
 * replying. */
static const struct osc *
preview_osc(struct api_call *call, const struct event *ev,
            const struct osc *subs, size_t nsubs)
{
	const char *arg = http_request_arg(call->req, "osc");
	struct osc o;
	char *end;
	long id;
	size_t i;
	int rc;

	if (arg == NULL || *arg == '\0') {
		if (nsubs == 0)
			api_error(call, 422,
			          "no organisation follows the topics of "
			          "session %s: nobody would get a message",
			          call->param);
		return nsubs ? &subs[0] : NULL;
	}
	id = strtol(arg, &end, 10);
	if (*arg >= '1' && *arg <= '9' && *end == '\0')
		rc = store_osc_get(call->ctx->store, id, &o);
	else
		rc = store_osc_find(call->ctx->store, arg, &o);
	if (rc == -ENOENT) {
		api_error(call, 404, "no organisation '%s'", arg);
		return NULL;
	}
	if (rc < 0) {
		api_store_error(call, rc);
		return NULL;
	}
	for (i = 0; i < nsubs; i++)
		if (subs[i].id == o.id)
			break;
	if (i == nsubs) {
		char topics[512] = "";
		size_t t, len = 0;

		for (t = 0; t < ev->ntopics && len < sizeof(topics); t++)
			len += (size_t)snprintf(
			    topics + len, sizeof(topics) - len, "%s%s",
			    t ? ", " : "", ev->topics[t].slug);
		api_error(call, 422,
		          "organisation '%s' follows none of the topics of "
		          "session %s (%s): it gets no message about it",
		          o.name, call->param, ev->ntopics ? topics : "none");
	}
	osc_fini(&o);
	return i < nsubs ? &subs[i] : NULL;
}

/* The reminder the session's next pending alarm would send: its due
 * time and offset, or now and 0 when none is left. */
static void
next_reminder(struct api_call *call, const struct event *ev, int64_t *due,
              int64_t *offset_s)
{
	struct alarm *a = NULL;
	size_t n = 0, i;

	*due = clock_now();
	*offset_s = 0;
	if (store_alarm_list(call->ctx->store, ev->uid, &a, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		if (a[i].seq == ev->sequence &&
		    strcmp(a[i].state, "pending") == 0) {
			*due = a[i].due;
			*offset_s = a[i].offset_s;
			break;
		}
	alarm_array_free(a, n);
}

void
api_event_preview(struct api_call *call)
{
	const char *kind = http_request_arg(call->req, "kind");
	struct outbox_row row = {0};
	struct row_input ri;
	struct osc *subs = NULL;
	const struct osc *o;
	struct event ev;
	char err[512], msgid[400], rnd[64];
	size_t nsubs = 0, k;
	json_t *doc;
	int rc;

	for (k = 0; kind && *kind && k < NKINDS; k++)
		if (strcmp(kind, preview_kinds[k].name) == 0)
			break;
	if (!kind || !*kind)
		k = 0;
	else if (k == NKINDS) {
		api_error(call, 400,
		          "'kind' must be recordatorio, fecha, cambio or "
		          "cancelacion, not '%s'",
		          kind);
		return;
	}
	if (api_event_load(call, &ev) < 0)
		return;
	rc = store_osc_subscribers(call->ctx->store, ev.uid, &subs, &nsubs);
	if (rc < 0) {
		api_store_error(call, rc);
		event_fini(&ev);
		return;
	}
	if ((o = preview_osc(call, &ev, subs, nsubs)) == NULL)
		goto out;
	if (token_random(rnd, sizeof(rnd)) < 0) {
		api_error(call, 500, "no random bytes for a Message-ID");
		goto out;
	}
	snprintf(msgid, sizeof(msgid), "preview.%s@%s", rnd,
	         call->ctx->cfg->domain);
	row.uid = ev.uid;
	row.seq = ev.sequence;
	row.kind = (char *)preview_kinds[k].row_kind;
	row.osc_id = o->id;
	row.message_id = msgid;
	if (preview_kinds[k].kind == MESSAGE_REMINDER)
		next_reminder(call, &ev, &row.due, &row.offset_s);
	else
		row.due = clock_now();
	rc = row_input_fill(call->ctx->store, call->ctx->cfg, &row, &ev, o, &ri,
	                    err, sizeof(err));
	if (rc < 0) {
		api_error(call, 500, "%s", err);
		row_input_fini(&ri);
		goto out;
	}
	/* Asked for a kind of notice none was recorded for: the session as
	 * it is, told as that kind. */
	if (!ri.have_notice || preview_kinds[k].kind == MESSAGE_CANCEL)
		ri.in.kind = preview_kinds[k].kind;
	if (ri.in.kind == MESSAGE_MOVED && ri.in.old == NULL)
		ri.in.old = ri.in.ev;
	doc = rendered_json(call, &ri);
	row_input_fini(&ri);
	if (doc) {
		char id[128];

		event_short_id(ev.uid, id, sizeof(id));
		json_object_set_new(doc, "event", json_string(id));
		json_object_set_new(doc, "kind",
		                    json_string(preview_kinds[k].name));
		json_object_set_new(doc, "osc",
		                    json_pack("{s:I, s:s}", "id",
		                              (json_int_t)o->id, "name",
		                              o->name));
		json_object_set_new(
		    doc, "osc_chosen",
		    json_boolean(!http_request_arg(call->req, "osc") ||
		                 !*http_request_arg(call->req, "osc")));
		json_object_set_new(doc, "due", view_time(row.due));
		api_reply_json(call, 200, doc);
	}
out:
	osc_array_free(subs, nsubs);
	event_fini(&ev);
}

void
api_outbox_show(struct api_call *call)
{
	struct outbox_row *r = NULL;
	struct osc *subs = NULL;
	const struct osc *o = NULL;
	struct row_input ri;
	struct event ev;
	char err[512], *end, id[128];
	size_t nsubs = 0, i;
	json_t *doc = NULL;
	long long mid;
	int rc, have_ev = 0;

	mid = strtoll(call->param, &end, 10);
	if (*end || mid <= 0) {
		api_error(call, 400, "'%s' is not a message number",
		          call->param);
		return;
	}
	if ((rc = store_outbox_get(call->ctx->store, mid, &r)) < 0) {
		api_store_error(call, rc);
		return;
	}
	if (strcmp(r->kind, "staff") != 0 &&
	    store_event_get(call->ctx->store, r->uid, &ev) == 0) {
		have_ev = 1;
		if (store_osc_subscribers(call->ctx->store, r->uid, &subs,
		                          &nsubs) == 0)
			for (i = 0; i < nsubs && !o; i++)
				if (subs[i].id == r->osc_id)
					o = &subs[i];
	}
	if (o) {
		rc = row_input_fill(call->ctx->store, call->ctx->cfg, r, &ev, o,
		                    &ri, err, sizeof(err));
		if (rc < 0) {
			api_error(call, 500, "%s", err);
			row_input_fini(&ri);
			goto out;
		}
		doc = rendered_json(call, &ri);
		row_input_fini(&ri);
		if (!doc)
			goto out;
	} else {
		/* Nothing to render it from any more. */
		doc = json_pack(
		    "{s:o, s:s}", "message_id", view_str(r->message_id),
		    "unrendered",
		    strcmp(r->kind, "staff") == 0 ? "staff mail is not shown"
		    : have_ev ? "the organisation no longer follows "
		                "the session's topics"
		              : "the session was deleted");
	}
	event_short_id(r->uid, id, sizeof(id));
	json_object_set_new(doc, "id", json_integer(r->id));
	json_object_set_new(doc, "event", json_string(id));
	json_object_set_new(doc, "kind", json_string(r->kind));
	json_object_set_new(doc, "osc", view_str(r->osc_name));
	json_object_set_new(doc, "state", json_string(r->state));
	json_object_set_new(doc, "tries", json_integer(r->tries));
	json_object_set_new(doc, "last_error", view_str(r->last_error));
	json_object_set_new(doc, "due", view_time(r->due));
	json_object_set_new(doc, "next_try", view_time(r->next_try));
	json_object_set_new(doc, "sent_at", view_time(r->sent_at));
	api_reply_json(call, 200, doc);
out:
	osc_array_free(subs, nsubs);
	if (have_ev)
		event_fini(&ev);
	outbox_row_array_free(r, 1);
}
