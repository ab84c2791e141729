/* api_osc: the control API's organisations (OSCs): add, list, show,
 * remove, subscribe, unsubscribe and the private feed token (the CSV
 * import is in api_osc_import.c).
 * See /v1/oscs in schemas/control-api.yaml.
 *
 * An organisation in a route's {id} is its number; an exact name or one of
 * its addresses is accepted too. The handlers read the request and call
 * the domain operations (org.c), which audit and tell the changes. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_internal.h"
#include "org.h"
#include "strv.h"
#include "import.h"
#include "log.h"
#include "store.h"
#include "text.h"
#include "token.h"

/* ---- reading requests ---- */

/*
 * A body member that is a list of strings (or one string of items
 * separated by ',' or ';') into *v. 0 when absent or null (*v empty);
 * replies 400 and returns -1 when it is something else.
 */
static int
body_strv(struct api_call *call, json_t *body, const char *key, char ***v,
          size_t *n)
{
	json_t *j = json_object_get(body, key), *x;
	size_t i;

	*v = NULL;
	*n = 0;
	if (j == NULL || json_is_null(j))
		return 0;
	if (json_is_string(j)) {
		if (strv_split(json_string_value(j), ",;", v, n) == 0)
			return 0;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, x)
		{
			char *t;
			int ret;

			if (!json_is_string(x)) {
				strv_free(*v, *n);
				api_error(call, 400,
				          "'%s' must be a list of strings",
				          key);
				return -1;
			}
			if ((t = text_dup_trimmed(json_string_value(x))) ==
			    NULL)
				continue;
			ret = strv_add(v, n, t);
			free(t);
			if (ret < 0)
				break;
		}
		if (i == json_array_size(j))
			return 0;
	} else {
		api_error(call, 400, "'%s' must be a list of strings", key);
		return -1;
	}
	strv_free(*v, *n);
	api_error(call, 500, "out of memory");
	return -1;
}

/* Load the organisation the route's {id} names (number, exact name or
 * address); replies 404 (or 409 when a name is ambiguous) if none. */
static int
osc_load(struct api_call *call, struct osc *o)
{
	const char *p = call->param;
	char *end;
	long id;
	int rc;

	id = strtol(p, &end, 10);
	if (*p >= '1' && *p <= '9' && *end == '\0')
		rc = store_osc_get(call->ctx->store, id, o);
	else
		rc = store_osc_find(call->ctx->store, p, o);
	if (rc == -ENOENT)
		api_error(call, 404, "no organisation '%s'", p);
	else if (rc < 0)
		api_store_error(call, rc);
	return rc;
}

/* ---- add, list, show, remove ---- */

void
api_osc_add(struct api_call *call)
{
	json_t *body = api_body(call);
	struct office of = api_office(call);
	char **names = NULL, why[512];
	const char *name, *contact, *state;
	struct osc o = {0}, after;
	size_t nnames = 0;
	int bad = 0, rc;

	if (!body)
		return;
	name = api_body_str(call, body, "name", &bad);
	contact = bad ? NULL : api_body_str(call, body, "contact", &bad);
	state = bad ? NULL : api_body_str(call, body, "state", &bad);
	if (bad)
		return;
	if (body_strv(call, body, "emails", &o.emails, &o.nemails) < 0)
		return;
	if (body_strv(call, body, "topics", &names, &nnames) < 0) {
		osc_fini(&o);
		return;
	}
	o.name = text_dup_trimmed(name);
	o.contact = text_dup_trimmed(contact);
	o.state = text_dup_trimmed(state);
	rc = org_add(&of, call->req->peer_uid, &o, names, nnames, &after, why,
	             sizeof why);
	if (rc < 0) {
		api_domain_error(call, rc, why);
	} else {
		api_reply_json(call, 201, view_osc(&after));
		osc_fini(&after);
	}
	strv_free(names, nnames);
	osc_fini(&o);
}

void
api_osc_list(struct api_call *call)
{
	const char *topic = http_request_arg(call->req, "topic");
	struct topic t = {0};
	struct osc *v;
	size_t n, i;
	json_t *arr;
	int rc;

	if (topic && *topic) {
		if (store_topic_get(call->ctx->store, topic, &t) < 0) {
			api_error(call, 404, "no topic '%s'", topic);
			return;
		}
	}
	rc = store_osc_list(call->ctx->store, t.slug, &v, &n);
	topic_fini(&t);
	if (rc < 0) {
		api_store_error(call, rc);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, view_osc(&v[i]));
	osc_array_free(v, n);
	api_reply_json(call, 200, json_pack("{s:o}", "oscs", arr));
}

void
api_osc_get(struct api_call *call)
{
	struct consent *c = NULL;
	struct osc o;
	size_t n = 0;
	json_t *j;
	int rc;

	if (osc_load(call, &o) < 0)
		return;
	if ((rc = store_consent_list(call->ctx->store, o.id, &c, &n)) < 0) {
		api_store_error(call, rc);
		osc_fini(&o);
		return;
	}
	j = view_osc(&o);
	json_object_set_new(j, "consent", view_consent(c, n));
	api_reply_json(call, 200, j);
	consent_array_free(c, n);
	osc_fini(&o);
}

void
api_osc_remove(struct api_call *call)
{
	struct office of = api_office(call);
	char why[512];
	struct osc o;
	int rc;

	if (osc_load(call, &o) < 0)
		return;
	rc = org_remove(&of, call->req->peer_uid, &o, why, sizeof why);
	if (rc < 0)
		api_domain_error(call, rc, why);
	else
		api_reply_json(call, 200,
		               json_pack("{s:I}", "deleted", (json_int_t)o.id));
	osc_fini(&o);
}

/* ---- subscriptions ---- */

/* subscribe (how 1) or unsubscribe (how -1) the route's organisation to
 * the body's "topics". */
static void
osc_topics_change(struct api_call *call, int how)
{
	json_t *body = api_body(call);
	struct office of = api_office(call);
	char **names = NULL, why[512];
	size_t nnames = 0;
	struct osc before, after;
	int rc;

	if (!body || body_strv(call, body, "topics", &names, &nnames) < 0)
		return;
	if (nnames == 0) {
		api_error(call, 400,
		          "'topics' must be a non-empty list of topic slugs");
		strv_free(names, nnames);
		return;
	}
	if (osc_load(call, &before) < 0) {
		strv_free(names, nnames);
		return;
	}
	rc = org_subscription(&of, call->req->peer_uid, &before, names, nnames,
	                      how, &after, why, sizeof why);
	strv_free(names, nnames);
	if (rc < 0) {
		api_domain_error(call, rc, why);
	} else {
		api_reply_json(call, 200, view_osc(&after));
		osc_fini(&after);
	}
	osc_fini(&before);
}

void
api_osc_subscribe(struct api_call *call)
{
	osc_topics_change(call, 1);
}

void
api_osc_unsubscribe(struct api_call *call)
{
	osc_topics_change(call, -1);
}

/* ---- private feed token ---- */

/* The feed token of organisation id, its feed's URL and the URL of the
 * organisation's own page (whose token follows from the feed token, so
 * a reset changes both). */
static void
osc_token_reply(struct api_call *call, long id, const char *token)
{
	const char *base = call->ctx->cfg->public_url;
	size_t len = base ? strlen(base) : 0;
	char page[TOKEN_MAX], *url, *page_url;

	while (len > 0 && base[len - 1] == '/')
		len--;
	if (token_page_make(id, token, page, sizeof(page)) < 0) {
		api_error(call, 500, "cannot make the page's token");
		return;
	}
	if (asprintf(&url, "%.*s/calendarios/osc/%s.ics", (int)len,
	             base ? base : "", token) < 0) {
		api_error(call, 500, "out of memory");
		return;
	}
	if (asprintf(&page_url, "%.*s/suscripcion/%s", (int)len,
	             base ? base : "", page) < 0) {
		free(url);
		api_error(call, 500, "out of memory");
		return;
	}
	api_reply_json(call, 200,
	               json_pack("{s:s, s:s, s:s}", "token", token, "feed_url",
	                         url, "page_url", page_url));
	free(url);
	free(page_url);
}

void
api_osc_token_get(struct api_call *call)
{
	struct osc o;
	char *token;
	int rc;

	if (osc_load(call, &o) < 0)
		return;
	rc = store_osc_token_get(call->ctx->store, o.id, &token);
	if (rc < 0)
		api_store_error(call, rc);
	else
		osc_token_reply(call, o.id, token);
	free(token);
	osc_fini(&o);
}

void
api_osc_token_reset(struct api_call *call)
{
	struct office of = api_office(call);
	char *token, why[512];
	struct osc o;
	int rc;

	if (osc_load(call, &o) < 0)
		return;
	rc = org_token_reset(&of, call->req->peer_uid, &o, &token, why,
	                     sizeof why);
	if (rc < 0)
		api_domain_error(call, rc, why);
	else
		osc_token_reply(call, o.id, token);
	free(token);
	osc_fini(&o);
}

int
api_osc_load(struct api_call *call, struct osc *o)
{
	return osc_load(call, o);
}
