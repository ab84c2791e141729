/* api_bounce: the control API's bounce routes: a message that came back
 * to the bounce address handed in (`cronoctl bounce`, an MTA's pipe),
 * the addresses that take no more mail or bounce, and one enabled again.
 * Each handler parses, calls one operation of address.c and replies. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "api_internal.h"
#include "text.h"
#include "view.h"

/* A JSON string of s made valid UTF-8 (a remote server's words may not
 * be), or null for NULL or "". */
static json_t *
bounce_str(const char *s)
{
	char buf[1024];

	if (s == NULL || *s == '\0')
		return json_null();
	snprintf(buf, sizeof(buf), "%s", s);
	return json_string(text_utf8_fix(buf));
}

/* What became of a message, in one word. */
static const char *
bounce_outcome_word(const struct bounce_outcome *o)
{
	if (o->b.kind == BOUNCE_NONE)
		return "not_a_bounce";
	if (!o->email[0])
		return "not_ours";
	return o->disabled ? "disabled" : "counted";
}

/* POST /v1/bounces: the body is the whole message (RFC 5322). */
void
api_bounce_add(struct api_call *call)
{
	struct office of = api_office(call);
	struct bounce_outcome out;
	char why[512];
	int rc;

	if (call->req->body_len == 0) {
		api_error(call, 400,
		          "the body must be the message that came back "
		          "(RFC 5322)");
		return;
	}
	rc = address_bounce_take(&of, call->req->body, call->req->body_len,
	                         "pipe", &out, why, sizeof(why));
	if (rc == -EINVAL) {
		api_error(call, 422, "not a mail message: %s", why);
		return;
	}
	if (rc < 0) {
		api_error(call, 503, "%s; nothing was recorded, try again",
		          why);
		return;
	}
	api_reply_json(
	    call, 200,
	    json_pack(
	        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "outcome",
	        bounce_outcome_word(&out), "kind", bounce_kind_name(out.b.kind),
	        "address", bounce_str(out.email), "recipient",
	        bounce_str(out.b.recipient), "status", bounce_str(out.b.status),
	        "detail", bounce_str(out.b.detail), "message_id",
	        bounce_str(out.b.message_id), "osc",
	        out.osc_id ? json_integer(out.osc_id) : json_null(), "outbox",
	        out.outbox_id ? json_integer(out.outbox_id) : json_null(),
	        "recorded", json_boolean(out.recorded)));
}

/* One AddressState (schemas/control-api.yaml). */
static json_t *
address_json(const struct address_info *a)
{
	json_t *last = json_null(), *osc = json_null();

	if (a->last_at)
		last = json_pack("{s:o, s:o, s:o, s:o, s:o}", "at",
		                 view_time(a->last_at), "kind",
		                 bounce_str(a->last_kind), "status",
		                 bounce_str(a->last_status), "detail",
		                 bounce_str(a->last_detail), "source",
		                 bounce_str(a->last_source));
	if (a->osc_id)
		osc =
		    json_pack("{s:I, s:o, s:I}", "id", (json_int_t)a->osc_id,
		              "name", bounce_str(a->osc_name),
		              "addresses_enabled", (json_int_t)a->osc_enabled);
	return json_pack("{s:o, s:s, s:o, s:o, s:i, s:o, s:o}", "address",
	                 bounce_str(a->email), "state",
	                 a->disabled_at ? "disabled" : "bouncing",
	                 "disabled_at", view_time(a->disabled_at), "reason",
	                 bounce_str(a->reason), "transient_count",
	                 a->soft_count, "last_bounce", last, "osc", osc);
}

/* GET /v1/addresses[?osc=ID]: the disabled and bouncing addresses, and
 * the organisations left with no address that takes mail. */
void
api_address_list(struct api_call *call)
{
	struct office of = api_office(call);
	const char *s = http_request_arg(call->req, "osc");
	struct address_info *v = NULL;
	json_t *list, *none;
	char why[512], *end;
	size_t n = 0, i, j;
	long osc = 0;
	int rc;

	if (s) {
		osc = strtol(s, &end, 10);
		if (*s < '1' || *s > '9' || *end != '\0') {
			api_error(call, 400,
			          "'osc' must be an organisation "
			          "number");
			return;
		}
	}
	if ((rc = address_list(&of, osc, &v, &n, why, sizeof(why))) < 0) {
		api_domain_error(call, rc, why);
		return;
	}
	list = json_array();
	none = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(list, address_json(&v[i]));
		if (!v[i].osc_id || v[i].osc_enabled > 0)
			continue;
		/* Each organisation once, at its first address. */
		for (j = 0; j < i && v[j].osc_id != v[i].osc_id; j++)
			;
		if (j == i)
			json_array_append_new(
			    none, json_pack("{s:I, s:o}", "id",
			                    (json_int_t)v[i].osc_id, "name",
			                    bounce_str(v[i].osc_name)));
	}
	address_info_array_free(v, n);
	api_reply_json(call, 200,
	               json_pack("{s:o, s:o}", "addresses", list,
	                         "oscs_without_address", none));
}

/* POST /v1/addresses/enable: {"address": "a@x"} or {"osc": ID}. */
void
api_address_enable(struct api_call *call)
{
	json_t *body = api_body(call), *josc, *list;
	struct office of = api_office(call);
	const char *address;
	char why[512], **v = NULL;
	size_t n = 0, i;
	long osc = 0;
	int bad = 0, rc;

	if (!body)
		return;
	address = api_body_str(call, body, "address", &bad);
	if (bad)
		return;
	josc = json_object_get(body, "osc");
	if (josc && !json_is_null(josc)) {
		if (!json_is_integer(josc) || json_integer_value(josc) <= 0) {
			api_error(call, 400,
			          "'osc' must be an organisation number");
			return;
		}
		osc = (long)json_integer_value(josc);
	}
	if ((address == NULL) == (osc == 0)) {
		api_error(call, 400, "give 'address' or 'osc', not both");
		return;
	}
	rc = address_enable(&of, call->req->peer_uid, address, osc, &v, &n, why,
	                    sizeof(why));
	if (rc < 0) {
		api_domain_error(call, rc, why);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(list, bounce_str(v[i]));
		free(v[i]);
	}
	free(v);
	api_reply_json(call, 200, json_pack("{s:o}", "enabled", list));
}
