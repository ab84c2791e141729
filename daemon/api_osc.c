/* api_osc: the control API's organisations (OSCs): add, list, show,
 * remove, subscribe, unsubscribe and the private feed token (the CSV
 * import is in api_osc_import.c).
 * See /v1/oscs in schemas/control-api.yaml.
 *
 * An organisation in a route's {id} is its number; an exact name or one of
 * its addresses is accepted too. Every change is audited (target
 * "osc:<id>") and followed by api_others_changed(call). */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_internal.h"
#include "api_osc_internal.h"
#include "import.h"
#include "log.h"
#include "store.h"
#include "text.h"

/* osc_import_row's return for a record with errors (reported). */

/* ---- small helpers ---- */

/* The OSC object of the control API. */
json_t *
api_osc_json(const struct osc *o)
{
	json_t *emails = json_array(), *topics = json_array();
	size_t i;

	for (i = 0; i < o->nemails; i++)
		json_array_append_new(emails, json_string(o->emails[i]));
	for (i = 0; i < o->ntopics; i++)
		json_array_append_new(topics, json_string(o->topics[i]));
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "id",
	                 (json_int_t)o->id, "name", o->name ? o->name : "",
	                 "emails", emails, "contact", api_str_json(o->contact),
	                 "state", api_str_json(o->state), "topics", topics,
	                 "created_at", api_time_json(o->created_at));
}

/* The OSC object as compact text, for the audit log (caller frees). */
char *
api_osc_text(const struct osc *o)
{
	json_t *j = api_osc_json(o);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(j);
	return s;
}

static void
osc_audit(struct api_call *call, const char *action, long id,
          const struct osc *before, const struct osc *after)
{
	char target[40], *b = before ? api_osc_text(before) : NULL;
	char *a = after ? api_osc_text(after) : NULL;

	snprintf(target, sizeof target, "osc:%ld", id);
	api_audit(call, action, target, b, a);
	free(b);
	free(a);
}

/* s without leading and trailing blanks, in place. */
char *
api_osc_trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* A copy of s trimmed, or NULL when it is NULL or blank. */
char *
api_osc_dup_trimmed(const char *s)
{
	char *copy, *t, *out;

	if (s == NULL || (copy = strdup(s)) == NULL)
		return NULL;
	t = api_osc_trim(copy);
	out = *t ? strdup(t) : NULL;
	free(copy);
	return out;
}

/* Append a copy of s to the list *v of *n strings. */
int
api_osc_strv_add(char ***v, size_t *n, const char *s)
{
	char **grown = realloc(*v, (*n + 1) * sizeof *grown);

	if (grown == NULL)
		return -ENOMEM;
	*v = grown;
	if ((grown[*n] = strdup(s)) == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

void
api_osc_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* 1 if v holds s (case-insensitive when nocase). */
int
api_osc_strv_has(char *const *v, size_t n, const char *s, int nocase)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nocase ? strcasecmp(v[i], s) == 0 : strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Split text at any of seps into *v (trimmed, empty parts dropped). */
int
api_osc_strv_split(const char *text, const char *seps, char ***v, size_t *n)
{
	char *copy = strdup(text), *p, *part;
	int ret = 0;

	if (copy == NULL)
		return -ENOMEM;
	for (p = copy; ret == 0 && p != NULL;) {
		part = p;
		p = strpbrk(p, seps);
		if (p)
			*p++ = '\0';
		part = api_osc_trim(part);
		if (*part)
			ret = api_osc_strv_add(v, n, part);
	}
	free(copy);
	return ret;
}

/* "'a', 'b'" of names into buf. */
static void
names_join(char *const *v, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s'%s'",
		                         i ? ", " : "", v[i]);
}

/*
 * Topic names (slugs or codes) to slugs, each once, into *slugs. 0, or
 * -EINVAL with why naming every unknown one, or -ENOMEM.
 */
int
api_osc_topics_resolve(struct store *st, char *const *names, size_t n,
                       char ***slugs, size_t *nslugs, char *why, size_t whylen)
{
	char **unknown = NULL;
	size_t nunknown = 0, i;
	int ret = 0;

	*slugs = NULL;
	*nslugs = 0;
	for (i = 0; ret == 0 && i < n; i++) {
		struct topic t;

		if (store_topic_get(st, names[i], &t) < 0) {
			if (!api_osc_strv_has(unknown, nunknown, names[i], 0))
				ret = api_osc_strv_add(&unknown, &nunknown,
				                       names[i]);
			continue;
		}
		if (!api_osc_strv_has(*slugs, *nslugs, t.slug, 0))
			ret = api_osc_strv_add(slugs, nslugs, t.slug);
		topic_fini(&t);
	}
	if (ret == 0 && nunknown > 0) {
		char list[400];

		names_join(unknown, nunknown, list, sizeof list);
		snprintf(why, whylen, "unknown topic%s %s",
		         nunknown > 1 ? "s" : "", list);
		ret = -EINVAL;
	}
	api_osc_strv_free(unknown, nunknown);
	if (ret < 0) {
		api_osc_strv_free(*slugs, *nslugs);
		*slugs = NULL;
		*nslugs = 0;
	}
	return ret;
}

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
		if (api_osc_strv_split(json_string_value(j), ",;", v, n) == 0)
			return 0;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, x)
		{
			char *t;
			int ret;

			if (!json_is_string(x)) {
				api_osc_strv_free(*v, *n);
				api_error(call, 400,
				          "'%s' must be a list of strings",
				          key);
				return -1;
			}
			if ((t = api_osc_dup_trimmed(json_string_value(x))) ==
			    NULL)
				continue;
			ret = api_osc_strv_add(v, n, t);
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
	api_osc_strv_free(*v, *n);
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

int
api_osc_fields_check(struct osc *o, char *why, size_t whylen)
{
	text_strip_invisible(o->name);
	text_strip_invisible(o->contact);
	text_strip_invisible(o->state);
	if (o->name != NULL && *o->name == '\0') {
		snprintf(why, whylen,
		         "the name is empty (or only invisible "
		         "characters)");
		return -EINVAL;
	}
	if (text_check("the name", o->name, OSC_NAME_MAX, 1, why, whylen) < 0 ||
	    text_check("the contact", o->contact, OSC_CONTACT_MAX, 1, why,
	               whylen) < 0 ||
	    text_check("the state", o->state, OSC_STATE_MAX, 1, why, whylen) <
	        0)
		return -EINVAL;
	if (o->nemails > OSC_EMAILS_MAX) {
		snprintf(why, whylen, "%zu addresses, more than %d", o->nemails,
		         OSC_EMAILS_MAX);
		return -EINVAL;
	}
	return 0;
}

/* ---- add, list, show, remove ---- */

void
api_osc_add(struct api_call *call)
{
	json_t *body = api_body(call);
	char **names = NULL, why[512];
	const char *name, *contact, *state;
	struct osc o = {0}, after;
	size_t nnames = 0;
	int bad = 0, rc;
	long id;

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
	o.name = api_osc_dup_trimmed(name);
	o.contact = api_osc_dup_trimmed(contact);
	o.state = api_osc_dup_trimmed(state);
	if (o.name == NULL) {
		api_error(call, 422, "'name' is required");
		goto out;
	}
	if (o.nemails == 0) {
		api_error(call, 422, "'emails' must hold at least one address");
		goto out;
	}
	if (api_osc_fields_check(&o, why, sizeof why) < 0) {
		api_error(call, 422, "%s", why);
		goto out;
	}
	rc = api_osc_topics_resolve(call->ctx->store, names, nnames, &o.topics,
	                            &o.ntopics, why, sizeof why);
	if (rc < 0) {
		api_error(call, rc == -EINVAL ? 422 : 500, "%s",
		          rc == -EINVAL ? why : "out of memory");
		goto out;
	}
	rc = store_osc_add(call->ctx->store, &o, &id);
	if (rc < 0) {
		api_store_error(call, rc);
		goto out;
	}
	if ((rc = store_osc_get(call->ctx->store, id, &after)) < 0) {
		api_store_error(call, rc);
		goto out;
	}
	osc_audit(call, "osc.add", id, NULL, &after);
	api_others_changed(call);
	api_reply_json(call, 201, api_osc_json(&after));
	osc_fini(&after);
out:
	api_osc_strv_free(names, nnames);
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
		json_array_append_new(arr, api_osc_json(&v[i]));
	osc_array_free(v, n);
	api_reply_json(call, 200, json_pack("{s:o}", "oscs", arr));
}

void
api_osc_get(struct api_call *call)
{
	struct osc o;

	if (osc_load(call, &o) < 0)
		return;
	api_reply_json(call, 200, api_osc_json(&o));
	osc_fini(&o);
}

void
api_osc_remove(struct api_call *call)
{
	struct osc o;
	int rc;

	if (osc_load(call, &o) < 0)
		return;
	rc = store_osc_remove(call->ctx->store, o.id);
	if (rc < 0) {
		api_store_error(call, rc);
	} else {
		osc_audit(call, "osc.remove", o.id, &o, NULL);
		api_others_changed(call);
		api_reply_json(call, 200,
		               json_pack("{s:I}", "deleted", (json_int_t)o.id));
	}
	osc_fini(&o);
}

/* ---- subscriptions ---- */

/* subscribe (how 1) or unsubscribe (how -1) the route's organisation to
 * the body's "topics". */
static void
osc_topics_change(struct api_call *call, int how)
{
	json_t *body = api_body(call);
	char **names = NULL, **slugs = NULL, why[512];
	size_t nnames = 0, nslugs = 0;
	struct osc before, after;
	char *b, *a;
	int rc;

	if (!body || body_strv(call, body, "topics", &names, &nnames) < 0)
		return;
	if (nnames == 0) {
		api_error(call, 400,
		          "'topics' must be a non-empty list of topic slugs");
		api_osc_strv_free(names, nnames);
		return;
	}
	if (osc_load(call, &before) < 0) {
		api_osc_strv_free(names, nnames);
		return;
	}
	rc = api_osc_topics_resolve(call->ctx->store, names, nnames, &slugs,
	                            &nslugs, why, sizeof why);
	api_osc_strv_free(names, nnames);
	if (rc < 0) {
		api_error(call, rc == -EINVAL ? 422 : 500, "%s",
		          rc == -EINVAL ? why : "out of memory");
		osc_fini(&before);
		return;
	}
	if (how > 0)
		rc = store_osc_subscribe(call->ctx->store, before.id,
		                         (const char *const *)slugs, nslugs);
	else
		rc = store_osc_unsubscribe(call->ctx->store, before.id,
		                           (const char *const *)slugs, nslugs);
	api_osc_strv_free(slugs, nslugs);
	if (rc >= 0)
		rc = store_osc_get(call->ctx->store, before.id, &after);
	if (rc < 0) {
		api_store_error(call, rc);
		osc_fini(&before);
		return;
	}
	b = api_osc_text(&before);
	a = api_osc_text(&after);
	/* Asking again for what is already so changes nothing. */
	if (!b || !a || strcmp(b, a) != 0) {
		osc_audit(call, how > 0 ? "osc.subscribe" : "osc.unsubscribe",
		          before.id, &before, &after);
		api_others_changed(call);
	}
	free(b);
	free(a);
	api_reply_json(call, 200, api_osc_json(&after));
	osc_fini(&after);
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

static void
osc_token_reply(struct api_call *call, const char *token)
{
	const char *base = call->ctx->cfg->public_url;
	size_t len = base ? strlen(base) : 0;
	char *url;

	while (len > 0 && base[len - 1] == '/')
		len--;
	if (asprintf(&url, "%.*s/calendarios/osc/%s.ics", (int)len,
	             base ? base : "", token) < 0) {
		api_error(call, 500, "out of memory");
		return;
	}
	api_reply_json(
	    call, 200,
	    json_pack("{s:s, s:s}", "token", token, "feed_url", url));
	free(url);
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
		osc_token_reply(call, token);
	free(token);
	osc_fini(&o);
}

void
api_osc_token_reset(struct api_call *call)
{
	struct osc o;
	char *token;
	int rc;

	if (osc_load(call, &o) < 0)
		return;
	rc = store_osc_token_reset(call->ctx->store, o.id, &token);
	if (rc < 0) {
		api_store_error(call, rc);
	} else {
		char target[40];

		/* The token itself never reaches the audit log. */
		snprintf(target, sizeof target, "osc:%ld", o.id);
		api_audit(call, "osc.token.reset", target, NULL, NULL);
		api_others_changed(call);
		osc_token_reply(call, token);
	}
	free(token);
	osc_fini(&o);
}
