/* api_osc: the control API's organisations (OSCs): add, list, show,
 * remove, CSV import, subscribe, unsubscribe and the private feed token.
 * See /v1/oscs in schemas/control-api.yaml.
 *
 * An organisation in a route's {id} is its number; an exact name or one of
 * its addresses is accepted too. Every change is audited (target
 * "osc:<id>") and followed by api_changed(call, NULL). */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_internal.h"
#include "import.h"
#include "log.h"
#include "store.h"

#define CSV_MAX_FIELDS 16
#define CSV_MAX_ERRORS 200
/* osc_import_row's return for a record with errors (reported). */
#define ROW_BAD 1

/* ---- small helpers ---- */

static json_t *
osc_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

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
	return json_pack(
	    "{s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)o->id,
	    "name", o->name ? o->name : "", "emails", emails, "contact",
	    osc_str_or_null(o->contact), "state", osc_str_or_null(o->state),
	    "topics", topics, "created_at", api_time_json(o->created_at));
}

/* The OSC object as compact text, for the audit log (caller frees). */
static char *
osc_text(const struct osc *o)
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
	char target[40], *b = before ? osc_text(before) : NULL;
	char *a = after ? osc_text(after) : NULL;

	snprintf(target, sizeof target, "osc:%ld", id);
	api_audit(call, action, target, b, a);
	free(b);
	free(a);
}

/* s without leading and trailing blanks, in place. */
static char *
osc_trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* A copy of s trimmed, or NULL when it is NULL or blank. */
static char *
osc_dup_trimmed(const char *s)
{
	char *copy, *t, *out;

	if (s == NULL || (copy = strdup(s)) == NULL)
		return NULL;
	t = osc_trim(copy);
	out = *t ? strdup(t) : NULL;
	free(copy);
	return out;
}

/* Append a copy of s to the list *v of *n strings. */
static int
strv_add(char ***v, size_t *n, const char *s)
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

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* 1 if v holds s (case-insensitive when nocase). */
static int
strv_has(char *const *v, size_t n, const char *s, int nocase)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nocase ? strcasecmp(v[i], s) == 0 : strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Split text at any of seps into *v (trimmed, empty parts dropped). */
static int
strv_split(const char *text, const char *seps, char ***v, size_t *n)
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
		part = osc_trim(part);
		if (*part)
			ret = strv_add(v, n, part);
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
static int
topics_resolve(struct store *st, char *const *names, size_t n, char ***slugs,
               size_t *nslugs, char *why, size_t whylen)
{
	char **unknown = NULL;
	size_t nunknown = 0, i;
	int ret = 0;

	*slugs = NULL;
	*nslugs = 0;
	for (i = 0; ret == 0 && i < n; i++) {
		struct topic t;

		if (store_topic_get(st, names[i], &t) < 0) {
			if (!strv_has(unknown, nunknown, names[i], 0))
				ret = strv_add(&unknown, &nunknown, names[i]);
			continue;
		}
		if (!strv_has(*slugs, *nslugs, t.slug, 0))
			ret = strv_add(slugs, nslugs, t.slug);
		topic_fini(&t);
	}
	if (ret == 0 && nunknown > 0) {
		char list[400];

		names_join(unknown, nunknown, list, sizeof list);
		snprintf(why, whylen, "unknown topic%s %s",
		         nunknown > 1 ? "s" : "", list);
		ret = -EINVAL;
	}
	strv_free(unknown, nunknown);
	if (ret < 0) {
		strv_free(*slugs, *nslugs);
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
			if ((t = osc_dup_trimmed(json_string_value(x))) == NULL)
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
	o.name = osc_dup_trimmed(name);
	o.contact = osc_dup_trimmed(contact);
	o.state = osc_dup_trimmed(state);
	if (o.name == NULL) {
		api_error(call, 422, "'name' is required");
		goto out;
	}
	if (o.nemails == 0) {
		api_error(call, 422, "'emails' must hold at least one address");
		goto out;
	}
	rc = topics_resolve(call->ctx->store, names, nnames, &o.topics,
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
	api_changed(call, NULL);
	api_reply_json(call, 201, api_osc_json(&after));
	osc_fini(&after);
out:
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
		api_changed(call, NULL);
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
		strv_free(names, nnames);
		return;
	}
	if (osc_load(call, &before) < 0) {
		strv_free(names, nnames);
		return;
	}
	rc = topics_resolve(call->ctx->store, names, nnames, &slugs, &nslugs,
	                    why, sizeof why);
	strv_free(names, nnames);
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
	strv_free(slugs, nslugs);
	if (rc >= 0)
		rc = store_osc_get(call->ctx->store, before.id, &after);
	if (rc < 0) {
		api_store_error(call, rc);
		osc_fini(&before);
		return;
	}
	b = osc_text(&before);
	a = osc_text(&after);
	/* Asking again for what is already so changes nothing. */
	if (!b || !a || strcmp(b, a) != 0) {
		osc_audit(call, how > 0 ? "osc.subscribe" : "osc.unsubscribe",
		          before.id, &before, &after);
		api_changed(call, NULL);
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
		api_changed(call, NULL);
		osc_token_reply(call, token);
	}
	free(token);
	osc_fini(&o);
}

/* ---- CSV import ---- */

/* One CSV record: its first line and its fields, unquoted, in place. */
struct csv_rec {
	int line;
	char *f[CSV_MAX_FIELDS];
	int nf;
};

struct csv {
	char *buf;
	struct csv_rec *v;
	size_t n, cap;
};

static void import_error(json_t *errors, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
import_error(json_t *errors, int line, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	if (json_array_size(errors) >= CSV_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_array_append_new(
	    errors, json_pack("{s:o, s:s}", "line",
	                      line > 0 ? json_integer(line) : json_null(),
	                      "message", msg));
}

/* Skip p past the end of its line; the line count follows. */
static char *
csv_skip_line(char *p, int *line)
{
	p += strcspn(p, "\n");
	if (*p == '\n') {
		p++;
		(*line)++;
	}
	return p;
}

/*
 * Split text into RFC 4180 records: fields separated by ',', a field in
 * double quotes may hold commas, line breaks and "" for a quote; lines end
 * with CRLF or LF; blank lines are skipped. A malformed record is reported
 * in errors by its line and left out. Returns 0 or -ENOMEM.
 */
static int
csv_split(const char *text, struct csv *c, json_t *errors)
{
	int line = 1;
	char *p;

	memset(c, 0, sizeof *c);
	if ((c->buf = strdup(text)) == NULL)
		return -ENOMEM;
	p = c->buf;
	if (strncmp(p, "\xef\xbb\xbf", 3) == 0) /* a spreadsheet's BOM */
		p += 3;
	while (*p) {
		struct csv_rec r = {.line = line};
		int bad = 0, end = 0;

		if (*p == '\n' || (p[0] == '\r' && p[1] == '\n')) {
			p = csv_skip_line(p, &line);
			continue;
		}
		while (!end && !bad) {
			char *w = p, *start = p, term;

			if (*p == '"') {
				start = w = ++p;
				for (;;) {
					if (*p == '\0') {
						import_error(
						    errors, r.line,
						    "line %d: a quoted "
						    "field is not closed",
						    r.line);
						return 0;
					}
					if (*p == '"' && p[1] == '"') {
						*w++ = '"';
						p += 2;
					} else if (*p == '"') {
						p++;
						break;
					} else {
						if (*p == '\n')
							line++;
						*w++ = *p++;
					}
				}
				if (*p != ',' && *p != '\n' && *p != '\0' &&
				    !(p[0] == '\r' && p[1] == '\n')) {
					import_error(errors, r.line,
					             "line %d: text after a "
					             "closing quote",
					             r.line);
					bad = 1;
					break;
				}
			} else {
				p += strcspn(p, ",\"\r\n");
				if (*p == '"') {
					import_error(
					    errors, r.line,
					    "line %d: a quote inside a "
					    "field that does not start "
					    "with one",
					    r.line);
					bad = 1;
					break;
				}
				if (*p == '\r' && p[1] != '\n') {
					import_error(errors, r.line,
					             "line %d: a carriage "
					             "return alone",
					             r.line);
					bad = 1;
					break;
				}
				w = p;
			}
			/* Read the terminator before w's NUL may cover it. */
			term = *p;
			*w = '\0';
			if (r.nf < CSV_MAX_FIELDS)
				r.f[r.nf] = start;
			r.nf++;
			if (term == ',') {
				p++;
				continue;
			}
			end = 1;
			if (term == '\r')
				p++;
			if (*p == '\n' || term == '\n') {
				p++;
				line++;
			}
		}
		if (bad) {
			p = csv_skip_line(p, &line);
			continue;
		}
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 64;
			struct csv_rec *grown =
			    realloc(c->v, cap * sizeof *grown);

			if (grown == NULL)
				return -ENOMEM;
			c->v = grown;
			c->cap = cap;
		}
		c->v[c->n++] = r;
	}
	return 0;
}

static void
csv_free(struct csv *c)
{
	free(c->buf);
	free(c->v);
}

enum { COL_NAME, COL_EMAIL, COL_CONTACT, COL_STATE, COL_TOPICS, COL__N };

static const char *const csv_columns[COL__N] = {"name", "email", "contact",
                                                "state", "topics"};

/* One organisation of the file: what to write and how it went. */
struct osc_plan {
	int line;
	struct osc o; /* the row's fields (id: the one it updates, or 0) */
	const char *action;
	long id; /* after writing */
};

struct osc_import {
	struct osc_plan *v;
	size_t n;
	int col[COL__N]; /* column of each field, -1 if absent */
	int ncols;
};

static void
osc_import_free(struct osc_import *im)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		osc_fini(&im->v[i].o);
	free(im->v);
}

/* Read the header: which column holds which field. 0, or -1 (reported). */
static int
osc_import_header(struct osc_import *im, const struct csv_rec *h,
                  json_t *errors)
{
	int i, k;

	for (k = 0; k < COL__N; k++)
		im->col[k] = -1;
	im->ncols = h->nf;
	if (h->nf > CSV_MAX_FIELDS) {
		import_error(errors, h->line, "line %d: more than %d columns",
		             h->line, CSV_MAX_FIELDS);
		return -1;
	}
	for (i = 0; i < h->nf; i++) {
		const char *name = osc_trim(h->f[i]);

		for (k = 0; k < COL__N; k++)
			if (strcasecmp(name, csv_columns[k]) == 0)
				break;
		if (k == COL__N) {
			import_error(errors, h->line,
			             "line %d: unknown column '%s' (the header "
			             "is name,email,contact,state,topics)",
			             h->line, name);
			return -1;
		}
		if (im->col[k] >= 0) {
			import_error(errors, h->line,
			             "line %d: column '%s' is named twice",
			             h->line, name);
			return -1;
		}
		im->col[k] = i;
	}
	if (im->col[COL_NAME] < 0 || im->col[COL_EMAIL] < 0) {
		import_error(errors, h->line,
		             "line %d: the header must name the columns name "
		             "and email (contact, state and topics may follow)",
		             h->line);
		return -1;
	}
	return 0;
}

static const char *
rec_get(const struct osc_import *im, const struct csv_rec *r, int k)
{
	return im->col[k] < 0 ? "" : osc_trim(r->f[im->col[k]]);
}

/* 1 if s holds a control character (it may reach a mail header). */
static int
has_control(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Check one record and plan it into p: its fields, addresses and topics
 * valid, no address seen on an earlier line, and its known addresses all
 * of one organisation that no earlier line updates. Errors go to errors
 * (the return is then ROW_BAD); -ENOMEM and -EIO are returned as such.
 * The caller osc_fini()s p->o whatever the return.
 */
static int
osc_import_row(struct store *st, struct osc_import *im, const struct csv_rec *r,
               struct osc_plan *p, json_t *errors)
{
	const char *name = rec_get(im, r, COL_NAME);
	char **names = NULL, why[600];
	size_t nnames = 0, i, j, k;
	int field, ret = 0;
	long owner = 0;

	memset(p, 0, sizeof *p);
	p->line = r->line;
	if (r->nf != im->ncols) {
		import_error(errors, r->line,
		             "line %d has %d fields, the header %d", r->line,
		             r->nf, im->ncols);
		return ROW_BAD;
	}
	for (field = 0; field < r->nf; field++)
		if (!import_utf8_valid(r->f[field], strlen(r->f[field]))) {
			import_error(errors, r->line,
			             "line %d is not valid UTF-8", r->line);
			return ROW_BAD;
		}
	if (!*name) {
		import_error(errors, r->line, "line %d: the name is empty",
		             r->line);
		return ROW_BAD;
	}
	for (k = 0; k < COL__N; k++)
		if (k != COL_EMAIL && has_control(rec_get(im, r, (int)k))) {
			import_error(errors, r->line,
			             "line %d: the %s must be one line",
			             r->line, csv_columns[k]);
			return ROW_BAD;
		}
	if ((p->o.name = strdup(name)) == NULL)
		return -ENOMEM;
	p->o.contact = osc_dup_trimmed(rec_get(im, r, COL_CONTACT));
	p->o.state = osc_dup_trimmed(rec_get(im, r, COL_STATE));
	if (strv_split(rec_get(im, r, COL_EMAIL), ",;", &p->o.emails,
	               &p->o.nemails) < 0 ||
	    strv_split(rec_get(im, r, COL_TOPICS), ",;", &names, &nnames) < 0) {
		strv_free(names, nnames);
		return -ENOMEM;
	}
	if (p->o.nemails == 0) {
		import_error(errors, r->line, "line %d: no address", r->line);
		ret = ROW_BAD;
	}
	for (i = 0; ret == 0 && i < p->o.nemails; i++) {
		const char *a = p->o.emails[i];
		long id;

		if (store_osc_email_check(a, why, sizeof why) < 0) {
			import_error(errors, r->line, "line %d: %s", r->line,
			             why);
			ret = ROW_BAD;
			break;
		}
		if (strv_has(p->o.emails, i, a, 1)) {
			import_error(errors, r->line,
			             "line %d: address '%s' is given twice",
			             r->line, a);
			ret = ROW_BAD;
			break;
		}
		for (j = 0; j < im->n; j++)
			if (strv_has(im->v[j].o.emails, im->v[j].o.nemails, a,
			             1))
				break;
		if (j < im->n) {
			import_error(errors, r->line,
			             "line %d: address '%s' is also on line %d",
			             r->line, a, im->v[j].line);
			ret = ROW_BAD;
			break;
		}
		if (store_osc_email_owner(st, a, &id) < 0) {
			import_error(errors, 0, "store: %s", store_error(st));
			ret = -EIO;
			break;
		}
		if (id != 0 && owner != 0 && id != owner) {
			import_error(errors, r->line,
			             "line %d: its addresses belong to two "
			             "organisations (%ld and %ld)",
			             r->line, owner, id);
			ret = ROW_BAD;
			break;
		}
		if (id != 0)
			owner = id;
	}
	for (j = 0; ret == 0 && owner != 0 && j < im->n; j++)
		if (im->v[j].o.id == owner) {
			import_error(
			    errors, r->line,
			    "line %d: organisation %ld is also updated "
			    "by line %d",
			    r->line, owner, im->v[j].line);
			ret = ROW_BAD;
		}
	p->o.id = owner;
	if (ret == 0) {
		ret = topics_resolve(st, names, nnames, &p->o.topics,
		                     &p->o.ntopics, why, sizeof why);
		if (ret == -EINVAL) {
			import_error(errors, r->line, "line %d: %s", r->line,
			             why);
			ret = ROW_BAD;
		}
	}
	strv_free(names, nnames);
	return ret;
}

/*
 * Write one planned organisation (inside the import's transaction). An
 * import adds and updates, never removes: a known organisation takes the
 * row's name, its contact and state when given, keeps its addresses and
 * gains the row's, and is subscribed to the row's topics, except those it
 * unsubscribed from itself.
 */
static int
osc_import_write(struct store *st, struct osc_plan *p)
{
	struct osc old, now;
	char *before = NULL, *after = NULL;
	size_t i;
	int ret = 0;

	if (p->o.id == 0) {
		p->action = "create";
		return store_osc_add(st, &p->o, &p->id);
	}
	p->id = p->o.id;
	if ((ret = store_osc_get(st, p->o.id, &old)) < 0)
		return ret;
	if ((before = osc_text(&old)) == NULL)
		ret = -ENOMEM;
	/* Its addresses first, in their order, then the row's new ones. */
	for (i = 0; ret == 0 && i < p->o.nemails; i++)
		if (!strv_has(old.emails, old.nemails, p->o.emails[i], 1))
			ret =
			    strv_add(&old.emails, &old.nemails, p->o.emails[i]);
	if (ret == 0) {
		strv_free(p->o.emails, p->o.nemails);
		p->o.emails = old.emails;
		p->o.nemails = old.nemails;
		old.emails = NULL;
		old.nemails = 0;
		if (p->o.contact == NULL && old.contact)
			p->o.contact = strdup(old.contact);
		if (p->o.state == NULL && old.state)
			p->o.state = strdup(old.state);
		ret = store_osc_update(st, &p->o);
	}
	if (ret >= 0)
		ret = store_osc_subscribe_new(st, p->o.id,
		                              (const char *const *)p->o.topics,
		                              p->o.ntopics);
	if (ret >= 0 && (ret = store_osc_get(st, p->o.id, &now)) >= 0) {
		after = osc_text(&now);
		osc_fini(&now);
		p->action = before && after && strcmp(before, after) == 0
		                ? "unchanged"
		                : "update";
	}
	free(before);
	free(after);
	osc_fini(&old);
	return ret < 0 ? ret : 0;
}

/* Write every planned organisation in one transaction, committed with
 * its audit row unless dry_run. 0, or a negative code with the error in
 * errors (nothing written). */
static int
osc_import_apply(struct api_call *call, struct osc_import *im, int dry_run,
                 json_t *rows, json_t *errors)
{
	struct store *st = call->ctx->store;
	char *after;
	size_t i;
	int ret;

	if ((ret = store_begin(st)) < 0) {
		import_error(errors, 0, "store: %s", store_error(st));
		return ret;
	}
	for (i = 0; i < im->n; i++) {
		struct osc_plan *p = &im->v[i];
		json_t *id;

		if ((ret = osc_import_write(st, p)) < 0) {
			import_error(errors, p->line, "line %d: %s", p->line,
			             store_error(st));
			store_rollback(st);
			return ret == -EEXIST ? -EINVAL : ret;
		}
		/* A dry run's new organisations get no number. */
		id =
		    dry_run && p->o.id == 0 ? json_null() : json_integer(p->id);
		json_array_append_new(rows, json_pack("{s:i, s:o, s:s, s:s}",
		                                      "line", p->line, "id", id,
		                                      "name", p->o.name,
		                                      "action", p->action));
	}
	if (dry_run)
		return store_rollback(st);
	after = json_dumps(rows, JSON_COMPACT);
	ret = store_audit_add(st, call->req->peer_uid, "osc.import", "oscs",
	                      NULL, after);
	free(after);
	if (ret == 0 && (ret = store_commit(st)) == 0)
		return 0;
	import_error(errors, 0, "store: %s", store_error(st));
	if (ret != 0)
		store_rollback(st);
	return ret;
}

/*
 * Import text (the CSV) all or nothing: every record is read and checked
 * first; if none has an error they are written in one transaction, which a
 * dry run rolls back. *report as in /tmp/api.md. Returns 0, -EINVAL for
 * errors in the file, -EIO for the store.
 */
static int
osc_import_run(struct api_call *call, const char *text, int dry_run,
               json_t **report)
{
	struct store *st = call->ctx->store;
	json_t *rows = json_array(), *errors = json_array();
	struct osc_import im = {0};
	struct csv c;
	size_t i;
	int ret;

	*report = json_pack("{s:b, s:b, s:o, s:o}", "ok", 1, "dry_run", dry_run,
	                    "rows", rows, "errors", errors);
	if (!import_utf8_valid(text, strlen(text)))
		import_error(errors, 0, "the file is not valid UTF-8");
	ret = csv_split(text, &c, errors);
	if (ret == 0 && c.n == 0 && json_array_size(errors) == 0)
		import_error(errors, 1,
		             "line 1: the file is empty; its first "
		             "line is name,email,contact,state,"
		             "topics");
	if (ret == 0 && c.n > 0 &&
	    osc_import_header(&im, &c.v[0], errors) == 0) {
		if ((im.v = calloc(c.n, sizeof *im.v)) == NULL)
			ret = -ENOMEM;
		for (i = 1; ret == 0 && i < c.n; i++) {
			int r = osc_import_row(st, &im, &c.v[i], &im.v[im.n],
			                       errors);

			if (r == 0)
				im.n++;
			else
				osc_fini(&im.v[im.n].o);
			if (r < 0)
				ret = r;
		}
	}
	if (ret == 0 && json_array_size(errors) > 0)
		ret = -EINVAL;
	if (ret == 0)
		ret = osc_import_apply(call, &im, dry_run, rows, errors);
	if (ret == -ENOMEM)
		import_error(errors, 0, "out of memory");
	osc_import_free(&im);
	csv_free(&c);
	if (ret < 0) {
		json_array_clear(rows);
		json_object_set_new(*report, "ok", json_false());
	}
	if (ret == -EINVAL)
		return ret;
	return ret < 0 ? -EIO : 0;
}

void
api_osc_import(struct api_call *call)
{
	json_t *body = api_body(call), *report;
	const char *text;
	int bad = 0, rc, dry_run;

	if (!body)
		return;
	text = api_body_str(call, body, "text", &bad);
	if (bad)
		return;
	if (!text) {
		api_error(call, 400, "'text' (the CSV) is required");
		return;
	}
	dry_run = api_body_bool(body, "dry_run");
	rc = osc_import_run(call, text, dry_run, &report);
	if (rc == 0 && !dry_run)
		api_changed(call, NULL);
	api_reply_json(call, rc == 0 ? 200 : rc == -EINVAL ? 422 : 500, report);
}
