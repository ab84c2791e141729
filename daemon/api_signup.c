/* api_signup: the control API's signup requests waiting for staff
 * ([public] signup = approval): list them, approve or reject one. See
 * /v1/signups in schemas/control-api.yaml. The handlers read the request
 * and call signup.c, which owns the rules, audits and tells the
 * changes. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "signup.h"
#include "strv.h"

/* One request as the API shows it (never its token). */
static json_t *
signup_json(const struct signup_req *r)
{
	char at[32], confirmed[32];
	char **topics = NULL;
	size_t n = 0, i;
	json_t *t = json_array(), *o;

	if (strv_split(r->topics, " ", &topics, &n) == 0)
		for (i = 0; i < n; i++)
			json_array_append_new(t, json_string(topics[i]));
	strv_free(topics, n);
	o = json_pack("{s:I,s:s,s:s,s:o,s:s?,s:s?,s:s,s:s?,s:s?,s:s}", "id",
	              (json_int_t)r->id, "name", r->name, "email", r->email,
	              "topics", t, "client", r->client, "notice", r->notice,
	              "created_at", view_iso_utc(r->created_at, at, sizeof at),
	              "confirmed_at",
	              r->confirmed_at ? view_iso_utc(r->confirmed_at, confirmed,
	                                             sizeof confirmed)
	                              : NULL,
	              "confirm_client", r->confirm_client, "state", r->state);
	return o;
}

void
api_signup_list(struct api_call *call)
{
	struct office of = api_office(call);
	struct signup_req *v = NULL;
	size_t n = 0, i;
	json_t *arr;
	int rc = signup_pending(&of, &v, &n);

	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, signup_json(&v[i]));
	signup_req_array_free(v, n);
	api_reply_json(call, 200,
	               json_pack("{s:o,s:s}", "signups", arr, "mode",
	                         signup_mode(of.cfg) == SIGNUP_APPROVAL
	                             ? "approval"
	                         : signup_mode(of.cfg) == SIGNUP_OPEN ? "open"
	                                                              : "off"));
}

/* The route's {id}: a request's number, else 404 (replied). */
static int
signup_id(struct api_call *call, long *id)
{
	char *end;

	*id = strtol(call->param, &end, 10);
	if (*call->param == '\0' || *end != '\0' || *id <= 0) {
		api_error(call, 404, "no signup request '%s' (give its number)",
		          call->param);
		return -1;
	}
	return 0;
}

void
api_signup_approve(struct api_call *call)
{
	struct office of = api_office(call);
	char why[512];
	long id, osc;
	int rc;

	if (signup_id(call, &id) < 0)
		return;
	rc =
	    signup_approve(&of, call->req->peer_uid, id, &osc, why, sizeof why);
	if (rc < 0)
		api_domain_error(call, rc, why);
	else
		api_reply_json(call, 200,
		               json_pack("{s:I,s:s,s:I}", "id", (json_int_t)id,
		                         "state", "done", "osc",
		                         (json_int_t)osc));
}

void
api_signup_reject(struct api_call *call)
{
	struct office of = api_office(call);
	json_t *body = NULL;
	const char *reason = NULL;
	char why[512];
	long id;
	int rc, bad = 0;

	if (signup_id(call, &id) < 0)
		return;
	if (call->req->body_len > 0) {
		if ((body = api_body(call)) == NULL)
			return;
		reason = api_body_str(call, body, "reason", &bad);
		if (bad)
			return;
	}
	rc = signup_reject(&of, call->req->peer_uid, id, reason, why,
	                   sizeof why);
	if (rc < 0)
		api_domain_error(call, rc, why);
	else
		api_reply_json(call, 200,
		               json_pack("{s:I,s:s}", "id", (json_int_t)id,
		                         "state", "rejected"));
}
