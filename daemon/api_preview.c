/* api_preview: messages as organisations get them (preview.c renders
 * them and owns the rules); this file reads the request and renders the
 * answer.
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
#include "preview.h"

/* The rendered message of p as JSON: the headers' words, the text and
 * HTML parts as they read, and the whole message. NULL (after replying)
 * when it cannot be said in JSON. */
static json_t *
rendered_json(struct api_call *call, const struct preview *p)
{
	const struct message_input *in = &p->ri.in;
	json_t *o, *to;
	size_t i;

	to = json_array();
	for (i = 0; in->to && in->to[i]; i++)
		json_array_append_new(to, json_string(in->to[i]));
	o = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:s}", "message_id",
	              in->message_id, "to", to, "from", in->from, "subject",
	              p->parts.subject ? p->parts.subject : "", "text",
	              p->parts.text ? p->parts.text : "", "html",
	              p->parts.html ? p->parts.html : "", "raw", p->raw);
	if (!o)
		api_error(call, 500,
		          "out of memory (or the message is not "
		          "UTF-8)");
	return o;
}

void
api_event_preview(struct api_call *call)
{
	const char *kind = http_request_arg(call->req, "kind");
	struct office of = api_office(call);
	struct preview p;
	struct event ev;
	char why[600], id[128];
	json_t *doc;
	int k, rc;

	if ((k = preview_kind_find(kind)) < 0) {
		api_error(call, 400,
		          "'kind' must be recordatorio, fecha, cambio or "
		          "cancelacion, not '%s'",
		          kind);
		return;
	}
	if (api_event_load(call, &ev) < 0)
		return;
	rc = preview_event(&of, &ev, k, http_request_arg(call->req, "osc"), &p,
	                   why, sizeof(why));
	if (rc < 0) {
		api_domain_error(call, rc, why);
		preview_fini(&p);
		return;
	}
	if ((doc = rendered_json(call, &p)) != NULL) {
		event_short_id(p.ev.uid, id, sizeof(id));
		json_object_set_new(doc, "event", json_string(id));
		json_object_set_new(doc, "kind", json_string(p.kind));
		json_object_set_new(doc, "osc",
		                    json_pack("{s:I, s:s}", "id",
		                              (json_int_t)p.osc->id, "name",
		                              p.osc->name));
		json_object_set_new(doc, "osc_chosen",
		                    json_boolean(p.osc_chosen));
		json_object_set_new(doc, "due", view_time(p.due));
		api_reply_json(call, 200, doc);
	}
	preview_fini(&p);
}

void
api_outbox_show(struct api_call *call)
{
	struct office of = api_office(call);
	const struct outbox_row *r;
	struct preview p;
	char why[600], *end, id[128];
	json_t *doc;
	long long mid;
	int rc;

	mid = strtoll(call->param, &end, 10);
	if (*end || mid <= 0) {
		api_error(call, 400, "'%s' is not a message number",
		          call->param);
		return;
	}
	rc = preview_outbox(&of, mid, &p, why, sizeof(why));
	if (rc < 0) {
		api_domain_error(call, rc, why);
		preview_fini(&p);
		return;
	}
	r = p.row;
	if (p.unrendered)
		doc = json_pack("{s:o, s:s}", "message_id",
		                view_str(r->message_id), "unrendered",
		                p.unrendered);
	else if ((doc = rendered_json(call, &p)) == NULL) {
		preview_fini(&p);
		return;
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
	preview_fini(&p);
}
