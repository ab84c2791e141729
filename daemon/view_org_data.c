/* view_org_data: see view_org_data.h. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "org_data.h"
#include "store.h"
#include "view.h"
#include "view_org_data.h"

/* ---- the export ---- */

/* A stored audit text as the export shows it: the JSON it holds, or the
 * text itself. */
static json_t *
audit_text(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_loads(s, JSON_DECODE_ANY, NULL);
	return j ? j : json_string(s);
}

static json_t *
view_odata_osc(const struct org_data *d)
{
	json_t *o = view_osc(&d->osc);

	if (o != NULL)
		json_object_set_new(o, "private_feed",
		                    json_boolean(d->private_feed));
	return o;
}

static json_t *
view_odata_addresses(const struct org_data *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < d->naddresses; i++) {
		const struct odata_address *a = &d->addresses[i];
		json_t *b = json_null();

		if (a->has_state)
			b = json_pack("{s:o, s:o, s:I, s:o, s:o}",
			              "disabled_at", view_time(a->disabled_at),
			              "reason", view_str(a->reason),
			              "soft_count", (json_int_t)a->soft_count,
			              "soft_first", view_time(a->soft_first),
			              "last_at", view_time(a->last_at));
		json_array_append_new(arr, json_pack("{s:s, s:i, s:o}", "email",
		                                     a->email, "position",
		                                     a->pos, "bounces", b));
	}
	return arr;
}

static json_t *
view_odata_subscriptions(const struct org_data *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < d->nsubscriptions; i++) {
		const struct odata_subscription *s = &d->subscriptions[i];

		json_array_append_new(
		    arr, json_pack("{s:s, s:b, s:o, s:o}", "topic", s->topic,
		                   "active", s->active, "created_at",
		                   view_time(s->created_at), "ended_at",
		                   view_time(s->ended_at)));
	}
	return arr;
}

static json_t *
view_odata_bounces(const struct org_data *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < d->nbounces; i++) {
		const struct odata_bounce *b = &d->bounces[i];

		json_array_append_new(
		    arr,
		    json_pack(
		        "{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
		        (json_int_t)b->id, "at", view_time(b->at), "email",
		        view_str(b->email), "outbox_id",
		        b->outbox_id ? json_integer(b->outbox_id) : json_null(),
		        "kind", view_str(b->kind), "status",
		        view_str(b->status), "detail", view_str(b->detail),
		        "source", view_str(b->source)));
	}
	return arr;
}

static json_t *
view_odata_messages(const struct org_data *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < d->nmessages; i++) {
		const struct odata_message *m = &d->messages[i];
		json_t *j = json_pack(
		    "{s:I, s:o, s:i, s:o, s:I, s:o, s:o, s:o, s:i, s:o, s:o, "
		    "s:o}",
		    "id", (json_int_t)m->id, "session", view_str(m->uid), "seq",
		    m->seq, "kind", view_str(m->kind), "offset_s",
		    (json_int_t)m->offset_s, "message_id",
		    view_str(m->message_id), "due", view_time(m->due),
		    "next_try", view_time(m->next_try), "tries", m->tries,
		    "state", view_str(m->state), "last_error",
		    view_str(m->last_error), "sent_at", view_time(m->sent_at));

		json_array_append_new(arr, j);
	}
	return arr;
}

/* Its requests from the public page (never their tokens). */
static json_t *
view_odata_signups(const struct org_data *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < d->nsignups; i++) {
		const struct signup_req *r = &d->signups[i];
		json_t *j = json_pack(
		    "{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
		    "s:o, s:o}",
		    "id", (json_int_t)r->id, "created_at",
		    view_time(r->created_at), "email", view_str(r->email),
		    "name", view_str(r->name), "topics", view_str(r->topics),
		    "client", view_str(r->client), "notice",
		    view_str(r->notice), "expires_at", view_time(r->expires_at),
		    "state", view_str(r->state), "confirmed_at",
		    view_time(r->confirmed_at), "confirm_client",
		    view_str(r->confirm_client), "decided_at",
		    view_time(r->decided_at), "reason", view_str(r->reason));

		json_array_append_new(arr, j);
	}
	return arr;
}

static json_t *
view_odata_audit(const struct org_data *d)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < d->naudit; i++) {
		const struct audit_row *a = &d->audit[i];

		json_array_append_new(
		    arr, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		                   "id", (json_int_t)a->id, "at",
		                   view_time(a->at), "peer_uid",
		                   a->peer_uid >= 0 ? json_integer(a->peer_uid)
		                                    : json_null(),
		                   "action", view_str(a->action), "target",
		                   view_str(a->target), "before",
		                   audit_text(a->before), "after",
		                   audit_text(a->after), "client",
		                   view_str(a->client)));
	}
	return arr;
}

json_t *
view_org_data(const struct org_data *d)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	                 "format", "cronograma-osc-export/1", "exported_at",
	                 view_time(d->at), "organisation", view_odata_osc(d),
	                 "addresses", view_odata_addresses(d), "subscriptions",
	                 view_odata_subscriptions(d), "consent",
	                 view_consent(d->consent, d->nconsent), "bounces",
	                 view_odata_bounces(d), "messages",
	                 view_odata_messages(d), "signup_requests",
	                 view_odata_signups(d), "audit", view_odata_audit(d));
}

json_t *
view_org_forget(const struct org_forget_report *r)
{
	return json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "forgotten",
	    (json_int_t)r->id, "addresses", (json_int_t)r->addresses,
	    "audit_rewritten", (json_int_t)r->audit, "texts_rewritten",
	    (json_int_t)r->texts, "messages_kept", (json_int_t)r->messages,
	    "forgotten_total", (json_int_t)r->forgotten, "wal_truncated",
	    r->wal_truncated);
}

/* ---- erasing from texts ---- */

/* needle in hay from pos, ASCII case ignored when nocase; its offset or
 * -1. */
static long
find(const char *hay, size_t pos, const char *needle, size_t nlen, int nocase)
{
	size_t hlen = strlen(hay);

	for (size_t i = pos; nlen > 0 && i + nlen <= hlen; i++)
		if (nocase ? strncasecmp(hay + i, needle, nlen) == 0
		           : memcmp(hay + i, needle, nlen) == 0)
			return (long)i;
	return -1;
}

/* Replace every needle in *s (malloc'ed, replaced) by marker. 1 when
 * one was there, 0 when none, -ENOMEM. */
static int
replace_all(char **s, const char *needle, int nocase, const char *marker)
{
	size_t nlen = needle ? strlen(needle) : 0, mlen = strlen(marker);
	size_t pos = 0;
	long at;
	int changed = 0;

	/* A name shorter than this would erase parts of ordinary words. */
	if (nlen < 3)
		return 0;
	while ((at = find(*s, pos, needle, nlen, nocase)) >= 0) {
		size_t len = strlen(*s), head = (size_t)at;
		char *t = malloc(len - nlen + mlen + 1);

		if (t == NULL)
			return -ENOMEM;
		memcpy(t, *s, head);
		memcpy(t + head, marker, mlen);
		memcpy(t + head + mlen, *s + head + nlen,
		       len - head - nlen + 1);
		free(*s);
		*s = t;
		pos = head + mlen;
		changed = 1;
	}
	return changed;
}

/* Erase f's addresses, and when tied its name and contact, from *s. */
static int
scrub(const struct view_forget *f, char **s, int tied)
{
	int changed = 0, r;

	for (size_t i = 0; i < f->nemails; i++) {
		if ((r = replace_all(s, f->emails[i], 1, f->marker)) < 0)
			return r;
		changed |= r;
	}
	if (tied) {
		if ((r = replace_all(s, f->name, 0, f->marker)) < 0)
			return r;
		changed |= r;
		if ((r = replace_all(s, f->contact, 0, f->marker)) < 0)
			return r;
		changed |= r;
	}
	return changed;
}

/* Erase f from JSON value v; tied: v is about the organisation. */
static int
scrub_json(const struct view_forget *f, json_t *v, int tied, int top_own)
{
	static const char *const fields[] = {"name", "contact", "state"};
	int changed = 0, r;

	if (json_is_object(v)) {
		json_t *id = json_object_get(v, "id"), *x;
		const char *key;
		int self = top_own || (json_is_integer(id) &&
		                       json_integer_value(id) == f->id);

		if (self) {
			for (size_t i = 0; i < 3; i++) {
				x = json_object_get(v, fields[i]);
				if (json_is_string(x) &&
				    strcmp(json_string_value(x), f->marker)) {
					json_object_set_new(
					    v, fields[i],
					    json_string(f->marker));
					changed = 1;
				}
			}
			x = json_object_get(v, "emails");
			if (json_is_array(x) && json_array_size(x) > 0) {
				json_object_set_new(
				    v, "emails", json_pack("[s]", f->marker));
				changed = 1;
			}
		}
		json_object_foreach(v, key, x)
		{
			if ((r = scrub_json(f, x, tied || self, 0)) < 0)
				return r;
			changed |= r;
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x)
		{
			if ((r = scrub_json(f, x, tied, 0)) < 0)
				return r;
			changed |= r;
		}
	} else if (json_is_string(v)) {
		char *s = strdup(json_string_value(v));

		if (s == NULL)
			return -ENOMEM;
		if ((r = scrub(f, &s, tied)) > 0)
			json_string_set(v, s);
		free(s);
		return r;
	}
	return changed;
}

int
view_forget_text(const struct view_forget *f, const char *text, int own,
                 char **out)
{
	json_t *j;
	int r;

	*out = NULL;
	if (text == NULL)
		return 0;
	/* Only objects and arrays: a bare word is plain text. */
	if ((j = json_loads(text, 0, NULL)) != NULL) {
		r = scrub_json(f, j, own, own);
		if (r > 0 && (*out = json_dumps(j, JSON_COMPACT |
		                                       JSON_SORT_KEYS)) == NULL)
			r = -ENOMEM;
		json_decref(j);
		return r;
	}
	if ((*out = strdup(text)) == NULL)
		return -ENOMEM;
	if ((r = scrub(f, out, own)) <= 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}
