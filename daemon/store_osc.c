/* store_osc: organisations (OSCs), their addresses, subscriptions and
 * private feed tokens. See store.h, "organisations".
 *
 * An organisation is read with three statements that share one filter
 * (schemas/queries-osc.sql): its row, its addresses and its active
 * subscriptions; the rows of the last two are joined to the first by id. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <sqlite3.h>

#include "addr.h"
#include "clock.h"
#include "store.h"
#include "store_internal.h"

/* Random bytes of a feed token: 128 bits, 22 characters of base64url. */
#define OSC_TOKEN_BYTES 16
#define OSC_TOKEN_LEN   22

void
osc_fini(struct osc *o)
{
	size_t i;

	if (o == NULL)
		return;
	free(o->name);
	for (i = 0; i < o->nemails; i++)
		free(o->emails[i]);
	free(o->emails);
	free(o->contact);
	free(o->state);
	for (i = 0; i < o->ntopics; i++)
		free(o->topics[i]);
	free(o->topics);
	free(o->token);
	memset(o, 0, sizeof *o);
}

void
osc_array_free(struct osc *o, size_t n)
{
	size_t i;

	for (i = 0; o && i < n; i++)
		osc_fini(&o[i]);
	free(o);
}

/* ---- checks ---- */

/* 1 if s holds a control character (CR, LF, tab, …): names, contacts and
 * states may reach mail headers. */
static int
osc_has_control(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; s && *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

static int
osc_fields_check(struct store *st, const struct osc *o)
{
	if (o == NULL || o->name == NULL ||
	    o->name[strspn(o->name, " ")] == '\0')
		return store_fail(st, -EINVAL, "an organisation needs a name");
	if (osc_has_control(o->name))
		return store_fail(
		    st, -EINVAL,
		    "the name of an organisation must be one line");
	if (osc_has_control(o->contact))
		return store_fail(st, -EINVAL, "the contact must be one line");
	if (osc_has_control(o->state))
		return store_fail(st, -EINVAL, "the state must be one line");
	if (o->nemails == 0)
		return store_fail(
		    st, -EINVAL, "organisation '%s' needs an address", o->name);
	return 0;
}

struct osc_owner {
	int64_t id;
	char *name;
};

static int
on_owner_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct osc_owner *w = arg;

	w->id = sqlite3_column_int64(s, 0);
	free(w->name);
	return store_column_dup(st, s, 1, &w->name);
}

/* Each of emails valid, none twice, none another organisation's than id
 * (0 for a new one). */
static int
osc_emails_check(struct store *st, long id, char *const *emails, size_t n)
{
	char why[ADDR_MAX + 128];
	size_t i, j;
	int ret;

	for (i = 0; i < n; i++) {
		struct osc_owner w = {0, NULL};

		if (addr_spec_check(emails[i], why, sizeof why) < 0)
			return store_fail(st, -EINVAL, "%s", why);
		for (j = 0; j < i; j++)
			if (strcasecmp(emails[i], emails[j]) == 0)
				return store_fail(st, -EINVAL,
				                  "address '%s' is given twice",
				                  emails[i]);
		ret = store_stmt_run(st, STMT_OSC_EMAIL_OWNER, on_owner_row, &w,
		                     "s", emails[i]);
		if (ret >= 0 && w.id != 0 && w.id != id)
			ret = store_fail(st, -EEXIST,
			                 "address '%s' already belongs to "
			                 "organisation %lld (%s)",
			                 emails[i], (long long)w.id,
			                 w.name ? w.name : "");
		free(w.name);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Every slug a topic; else -EINVAL naming all the unknown ones. */
static int
osc_topics_check(struct store *st, const char *const *slugs, size_t n)
{
	char list[400] = "";
	size_t i, used = 0, unknown = 0;
	int ret;

	for (i = 0; i < n; i++) {
		int64_t found = 0;

		if (slugs[i] == NULL)
			return store_fail(st, -EINVAL, "a topic is missing");
		ret = store_stmt_run(st, STMT_TOPIC_SLUG_EXISTS,
		                     store_on_row_int64, &found, "s", slugs[i]);
		if (ret < 0)
			return ret;
		if (found)
			continue;
		unknown++;
		if (used < sizeof list)
			used += (size_t)snprintf(
			    list + used, sizeof list - used, "%s'%s'",
			    unknown > 1 ? ", " : "", slugs[i]);
	}
	if (unknown == 0)
		return 0;
	return store_fail(st, -EINVAL, "unknown topic%s %s",
	                  unknown > 1 ? "s" : "", list);
}

static int
osc_exists(struct store *st, long id)
{
	int64_t found = 0;
	int ret = store_stmt_run(st, STMT_OSC_EXISTS, store_on_row_int64,
	                         &found, "I", (int64_t)id);

	if (ret < 0)
		return ret;
	return found ? 0 : store_fail(st, -ENOENT, "no organisation %ld", id);
}

/* ---- tokens ---- */

/* A new random URL-safe token into *out (caller frees). */
static int
osc_token_new(struct store *st, char **out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
	    "tuvwxyz0123456789-_";
	unsigned char r[OSC_TOKEN_BYTES + 2] = {0};
	size_t got = 0, i, o = 0;
	ssize_t k;
	char *t;

	while (got < OSC_TOKEN_BYTES) {
		k = getrandom(r + got, OSC_TOKEN_BYTES - got, 0);
		if (k < 0 && errno != EINTR)
			return store_fail(st, -errno, "getrandom: %s",
			                  strerror(errno));
		if (k > 0)
			got += (size_t)k;
	}
	if ((t = malloc(OSC_TOKEN_LEN + 1)) == NULL)
		return store_fail(st, -ENOMEM, "out of memory");
	/* Three bytes make four characters; the two spare zero bytes pad
	 * the last group, whose extra characters are dropped. */
	for (i = 0; i < OSC_TOKEN_BYTES && o < OSC_TOKEN_LEN; i += 3) {
		unsigned long v = (unsigned long)r[i] << 16 |
		                  (unsigned long)r[i + 1] << 8 | r[i + 2];
		int j;

		for (j = 3; j >= 0 && o < OSC_TOKEN_LEN; j--)
			t[o++] = b64[(v >> (6 * j)) & 0x3f];
	}
	t[o] = '\0';
	*out = t;
	return 0;
}

/* ---- reading ---- */

struct osc_rows {
	struct osc *v;
	size_t n, cap;
	size_t *by_id; /* indexes into v, ordered by id */
};

static int
on_osc_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct osc_rows *r = arg;
	struct osc *o;
	int ret;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		if ((o = realloc(r->v, cap * sizeof *o)) == NULL)
			return store_fail(st, -ENOMEM, "out of memory");
		r->v = o;
		r->cap = cap;
	}
	o = &r->v[r->n];
	memset(o, 0, sizeof *o);
	/* Counted first, so that a failure below frees what was copied. */
	r->n++;
	o->id = (long)sqlite3_column_int64(s, 0);
	o->created_at = sqlite3_column_int64(s, 5);
	o->paused_at = sqlite3_column_int64(s, 6);
	o->erasure_at = sqlite3_column_int64(s, 7);
	if ((ret = store_column_dup(st, s, 1, &o->name)) < 0 ||
	    (ret = store_column_dup(st, s, 2, &o->contact)) < 0 ||
	    (ret = store_column_dup(st, s, 3, &o->state)) < 0 ||
	    (ret = store_column_dup(st, s, 4, &o->token)) < 0)
		return ret;
	return 0;
}

static int
osc_by_id_cmp(const void *a, const void *b, void *arg)
{
	const struct osc_rows *r = arg;
	long x = r->v[*(const size_t *)a].id;
	long y = r->v[*(const size_t *)b].id;

	return (x > y) - (x < y);
}

/* The loaded organisation numbered id, or NULL. */
static struct osc *
osc_rows_find(struct osc_rows *r, long id)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		long v = r->v[r->by_id[mid]].id;

		if (v == id)
			return &r->v[r->by_id[mid]];
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Append a copy of the text of column col to *v (with *n items). */
static int
osc_strv_push(struct store *st, sqlite3_stmt *s, int col, char ***v, size_t *n)
{
	char **grown = realloc(*v, (*n + 1) * sizeof *grown);
	int ret;

	if (grown == NULL)
		return store_fail(st, -ENOMEM, "out of memory");
	*v = grown;
	if ((ret = store_column_dup(st, s, col, &grown[*n])) < 0)
		return ret;
	if (grown[*n] != NULL)
		(*n)++;
	return 0;
}

static int
on_osc_email_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct osc *o = osc_rows_find(arg, (long)sqlite3_column_int64(s, 0));

	return o ? osc_strv_push(st, s, 1, &o->emails, &o->nemails) : 0;
}

static int
on_osc_topic_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct osc *o = osc_rows_find(arg, (long)sqlite3_column_int64(s, 0));

	return o ? osc_strv_push(st, s, 1, &o->topics, &o->ntopics) : 0;
}

/*
 * The organisations matching the filter of the osc_select statements (id
 * NULL, or a number; topic, uid, token NULL for any), with their addresses
 * and topics, ordered by name. Free with osc_array_free.
 */
static int
osc_select(struct store *st, const int64_t *id, const char *topic,
           const char *uid, const char *token, struct osc **out, size_t *n)
{
	struct osc_rows r = {0};
	size_t i;
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_OSC_SELECT, on_osc_row, &r, "Nsss", id,
	                     topic, uid, token);
	if (ret >= 0 && r.n > 0) {
		if ((r.by_id = malloc(r.n * sizeof *r.by_id)) == NULL)
			ret = store_fail(st, -ENOMEM, "out of memory");
	}
	if (ret >= 0 && r.n > 0) {
		for (i = 0; i < r.n; i++)
			r.by_id[i] = i;
		qsort_r(r.by_id, r.n, sizeof *r.by_id, osc_by_id_cmp, &r);
		ret =
		    store_stmt_run(st, STMT_OSC_SELECT_EMAILS, on_osc_email_row,
		                   &r, "Nsss", id, topic, uid, token);
		if (ret >= 0)
			ret = store_stmt_run(st, STMT_OSC_SELECT_TOPICS,
			                     on_osc_topic_row, &r, "Nsss", id,
			                     topic, uid, token);
	}
	free(r.by_id);
	if (ret < 0) {
		osc_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

/* The one organisation of a filter into *out; -ENOENT with what if none. */
static int
osc_select_one(struct store *st, const int64_t *id, const char *token,
               struct osc *out, const char *what)
{
	struct osc *v;
	size_t n;
	int ret;

	memset(out, 0, sizeof *out);
	if ((ret = osc_select(st, id, NULL, NULL, token, &v, &n)) < 0)
		return ret;
	if (n == 0) {
		free(v);
		return store_fail(st, -ENOENT, "%s", what);
	}
	*out = v[0];
	v[0] = (struct osc){0};
	osc_array_free(v, n);
	return 0;
}

int
store_osc_get(struct store *st, long id, struct osc *out)
{
	int64_t key = id;
	char what[64];

	snprintf(what, sizeof what, "no organisation %ld", id);
	return osc_select_one(st, &key, NULL, out, what);
}

struct osc_found {
	int64_t id;
	int kind; /* 0 address, 1 name; -1 none yet */
	size_t names;
};

static int
on_find_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct osc_found *f = arg;
	int kind = sqlite3_column_int(s, 1);

	(void)st;
	if (f->kind < 0) {
		f->id = sqlite3_column_int64(s, 0);
		f->kind = kind;
	}
	if (kind == 1)
		f->names++;
	return 0;
}

int
store_osc_find(struct store *st, const char *name_or_email, struct osc *out)
{
	struct osc_found f = {0, -1, 0};
	int ret;

	memset(out, 0, sizeof *out);
	if (name_or_email == NULL || *name_or_email == '\0')
		return store_fail(st, -EINVAL,
		                  "no organisation name or address");
	ret = store_stmt_run(st, STMT_OSC_FIND, on_find_row, &f, "s",
	                     name_or_email);
	if (ret < 0)
		return ret;
	if (f.kind < 0)
		return store_fail(st, -ENOENT,
		                  "no organisation is named or addressed '%s'",
		                  name_or_email);
	if (f.kind == 1 && f.names > 1)
		return store_fail(st, -EEXIST,
		                  "%zu organisations are named '%s'", f.names,
		                  name_or_email);
	return store_osc_get(st, (long)f.id, out);
}

int
store_osc_email_owner(struct store *st, const char *address, long *id)
{
	struct osc_owner w = {0, NULL};
	int ret;

	*id = 0;
	if (address == NULL)
		return store_fail(st, -EINVAL, "no address");
	ret = store_stmt_run(st, STMT_OSC_EMAIL_OWNER, on_owner_row, &w, "s",
	                     address);
	free(w.name);
	if (ret >= 0)
		*id = (long)w.id;
	return ret;
}

int
store_osc_list(struct store *st, const char *topic, struct osc **out, size_t *n)
{
	return osc_select(st, NULL, topic, NULL, NULL, out, n);
}

int
store_osc_by_token(struct store *st, const char *token, struct osc *out)
{
	memset(out, 0, sizeof *out);
	/* The token is a secret: it is not repeated in the message. */
	if (token == NULL || *token == '\0')
		return store_fail(st, -ENOENT,
		                  "no organisation has that token");
	return osc_select_one(st, NULL, token, out,
	                      "no organisation has that token");
}

int
store_osc_subscribers(struct store *st, const char *uid, struct osc **out,
                      size_t *n)
{
	*out = NULL;
	*n = 0;
	if (uid == NULL || *uid == '\0')
		return store_fail(st, -EINVAL, "no session uid");
	return osc_select(st, NULL, NULL, uid, NULL, out, n);
}

static int
int64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "pos address" lines: by pos. */
static int
email_line_cmp(const void *a, const void *b)
{
	long x = strtol(*(char *const *)a, NULL, 10);
	long y = strtol(*(char *const *)b, NULL, 10);

	return (x > y) - (x < y);
}

/* Split text column col ("a\nb\n...", or NULL) into a new vector *v of
 * *n copies, sorted by cmp. */
static int
osc_lines(struct store *st, sqlite3_stmt *s, int col,
          int (*cmp)(const void *, const void *), char ***v, size_t *n)
{
	const char *t = (const char *)sqlite3_column_text(s, col);
	const char *p, *nl;
	size_t k = 1;

	*v = NULL;
	*n = 0;
	if (t == NULL || *t == '\0')
		return 0;
	for (p = t; (p = strchr(p, '\n')) != NULL; p++)
		k++;
	if ((*v = calloc(k, sizeof **v)) == NULL)
		return store_fail(st, -ENOMEM, "out of memory");
	for (p = t; *n < k; p = nl + 1) {
		size_t len =
		    (nl = strchr(p, '\n')) ? (size_t)(nl - p) : strlen(p);

		if (((*v)[(*n)++] = strndup(p, len)) == NULL)
			return store_fail(st, -ENOMEM, "out of memory");
		if (!nl)
			break;
	}
	qsort(*v, *n, sizeof **v, cmp);
	return 0;
}

/* Row callback of osc_among: the organisation, its addresses (the "pos "
 * cut off) and its topics, if it follows any of the session's. */
static int
on_osc_among_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct osc_rows *r = arg;
	struct osc *o;
	size_t i;
	int ret;

	/* None of the session's topics: not a subscriber. */
	if (sqlite3_column_type(s, 9) == SQLITE_NULL)
		return 0;
	if ((ret = on_osc_row(st, s, r)) < 0)
		return ret;
	o = &r->v[r->n - 1];
	if ((ret = osc_lines(st, s, 8, email_line_cmp, &o->emails,
	                     &o->nemails)) < 0 ||
	    (ret = osc_lines(st, s, 9, str_cmp, &o->topics, &o->ntopics)) < 0)
		return ret;
	for (i = 0; i < o->nemails; i++) {
		char *sp = strchr(o->emails[i], ' ');

		if (sp)
			memmove(o->emails[i], sp + 1, strlen(sp + 1) + 1);
	}
	return 0;
}

int
store_osc_subscribers_among(struct store *st, const char *uid, const long *ids,
                            size_t nids, struct osc **out, size_t *n)
{
	struct osc_rows r = {0};
	int64_t *v;
	char *json, *p;
	size_t i, k = 0;
	int ret;

	*out = NULL;
	*n = 0;
	if (uid == NULL || *uid == '\0')
		return store_fail(st, -EINVAL, "no session uid");
	if (nids == 0)
		return 0;
	/* Sorted and each once, as a JSON array: "[1,2,3]". */
	v = malloc(nids * sizeof *v);
	json = malloc(nids * 21 + 3);
	if (v == NULL || json == NULL) {
		free(v);
		free(json);
		return store_fail(st, -ENOMEM, "out of memory");
	}
	for (i = 0; i < nids; i++)
		v[i] = ids[i];
	qsort(v, nids, sizeof *v, int64_cmp);
	p = json;
	*p++ = '[';
	for (i = 0; i < nids; i++)
		if (i == 0 || v[i - 1] != v[i])
			p += sprintf(p, "%s%lld", k++ ? "," : "",
			             (long long)v[i]);
	*p++ = ']';
	*p = '\0';
	ret = store_stmt_run(st, STMT_OSC_AMONG, on_osc_among_row, &r, "ss",
	                     uid, json);
	free(json);
	free(v);
	if (ret < 0) {
		osc_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

/* ---- writing ---- */

/* Replace id's addresses by emails (checked already). */
static int
osc_emails_put(struct store *st, long id, char *const *emails, size_t n)
{
	size_t i;
	int ret;

	ret = store_stmt_run(st, STMT_OSC_EMAILS_CLEAR, NULL, NULL, "I",
	                     (int64_t)id);
	for (i = 0; ret >= 0 && i < n; i++)
		ret = store_stmt_run(st, STMT_OSC_EMAIL_ADD, NULL, NULL, "IIs",
		                     (int64_t)id, (int64_t)i, emails[i]);
	return ret;
}

/* Subscribe id to slugs (checked already); reactivate: start ended
 * subscriptions again too. */
static int
osc_subscriptions_put(struct store *st, long id, const char *const *slugs,
                      size_t n, int reactivate)
{
	int64_t now = clock_now();
	size_t i;
	int ret = 0;

	for (i = 0; ret >= 0 && i < n; i++)
		ret = store_stmt_run(st, STMT_SUBSCRIPTION_PUT, NULL, NULL,
		                     "IsIi", (int64_t)id, slugs[i], now,
		                     reactivate);
	return ret;
}

int
store_osc_add(struct store *st, const struct osc *o, long *id)
{
	int64_t newid = 0;
	char *token = NULL;
	int ret;

	*id = 0;
	if ((ret = osc_fields_check(st, o)) < 0)
		return ret;
	if ((ret = osc_token_new(st, &token)) < 0)
		return ret;
	if ((ret = store_op_begin(st)) < 0) {
		free(token);
		return ret;
	}
	ret = osc_emails_check(st, 0, o->emails, o->nemails);
	if (ret >= 0)
		ret = osc_topics_check(st, (const char *const *)o->topics,
		                       o->ntopics);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_OSC_INSERT, store_on_row_int64,
		                     &newid, "ssssI", o->name, o->contact,
		                     o->state, token, clock_now());
	if (ret >= 0)
		ret = osc_emails_put(st, (long)newid, o->emails, o->nemails);
	if (ret >= 0)
		ret = osc_subscriptions_put(st, (long)newid,
		                            (const char *const *)o->topics,
		                            o->ntopics, 1);
	if (ret >= 0 && o->consent != NULL)
		ret = store_consent_add(st, (long)newid, o->consent);
	free(token);
	if ((ret = store_op_end(st, ret)) < 0)
		return ret;
	*id = (long)newid;
	return 0;
}

int
store_osc_update(struct store *st, const struct osc *o)
{
	int ret;

	if ((ret = osc_fields_check(st, o)) < 0)
		return ret;
	if ((ret = store_op_begin(st)) < 0)
		return ret;
	ret = osc_exists(st, o->id);
	if (ret >= 0)
		ret = osc_emails_check(st, o->id, o->emails, o->nemails);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_OSC_UPDATE, NULL, NULL, "Isss",
		                     (int64_t)o->id, o->name, o->contact,
		                     o->state);
	if (ret >= 0)
		ret = osc_emails_put(st, o->id, o->emails, o->nemails);
	return store_op_end(st, ret);
}

int
store_osc_remove(struct store *st, long id)
{
	int ret =
	    store_stmt_run(st, STMT_OSC_DELETE, NULL, NULL, "I", (int64_t)id);

	if (ret >= 0 && sqlite3_changes(st->db) == 0)
		ret = store_fail(st, -ENOENT, "no organisation %ld", id);
	return ret;
}

/* Subscribe or (on < 0) unsubscribe id to slugs, all or nothing. */
static int
osc_topics_change(struct store *st, long id, const char *const *slugs, size_t n,
                  int how)
{
	size_t i;
	int ret;

	if (n > 0 && slugs == NULL)
		return store_fail(st, -EINVAL, "no topics");
	if ((ret = store_op_begin(st)) < 0)
		return ret;
	ret = osc_exists(st, id);
	if (ret >= 0)
		ret = osc_topics_check(st, slugs, n);
	if (ret >= 0 && how >= 0)
		ret = osc_subscriptions_put(st, id, slugs, n, how);
	for (i = 0; ret >= 0 && how < 0 && i < n; i++)
		ret = store_stmt_run(st, STMT_SUBSCRIPTION_END, NULL, NULL,
		                     "IsI", (int64_t)id, slugs[i], clock_now());
	return store_op_end(st, ret);
}

int
store_osc_subscribe(struct store *st, long id, const char *const *slugs,
                    size_t n)
{
	return osc_topics_change(st, id, slugs, n, 1);
}

int
store_osc_subscribe_new(struct store *st, long id, const char *const *slugs,
                        size_t n)
{
	return osc_topics_change(st, id, slugs, n, 0);
}

int
store_osc_unsubscribe(struct store *st, long id, const char *const *slugs,
                      size_t n)
{
	return osc_topics_change(st, id, slugs, n, -1);
}

int
store_osc_token_reset(struct store *st, long id, char **out)
{
	char *token = NULL;
	int ret;

	*out = NULL;
	if ((ret = osc_token_new(st, &token)) < 0)
		return ret;
	ret = store_stmt_run(st, STMT_OSC_TOKEN_SET, NULL, NULL, "Is",
	                     (int64_t)id, token);
	if (ret >= 0 && sqlite3_changes(st->db) == 0)
		ret = store_fail(st, -ENOENT, "no organisation %ld", id);
	if (ret < 0) {
		free(token);
		return ret;
	}
	*out = token;
	return 0;
}

int
store_osc_token_get(struct store *st, long id, char **out)
{
	struct osc o;
	int ret;

	*out = NULL;
	if ((ret = store_osc_get(st, id, &o)) < 0)
		return ret;
	if (o.token != NULL) {
		*out = o.token;
		o.token = NULL;
		osc_fini(&o);
		return 0;
	}
	osc_fini(&o);
	return store_osc_token_reset(st, id, out);
}

/* ---- consent ---- */

void
consent_array_free(struct consent *c, size_t n)
{
	size_t i;

	for (i = 0; c != NULL && i < n; i++) {
		free(c[i].how);
		free(c[i].client);
		free(c[i].notice);
		free(c[i].detail);
	}
	free(c);
}

int
store_consent_add(struct store *st, long id, const struct consent *c)
{
	int64_t uid = c->by_uid;

	if (c->how == NULL)
		return store_fail(st, -EINVAL, "consent without how");
	return store_stmt_run(st, STMT_CONSENT_ADD, NULL, NULL, "IIsNsss",
	                      (int64_t)id, clock_now(), c->how,
	                      c->by_uid >= 0 ? &uid : NULL, c->client,
	                      c->notice, c->detail);
}

static int
consent_on_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct consent *c = store_rows_slot(st, arg);
	int ret;

	if (c == NULL)
		return -ENOMEM;
	c->at = sqlite3_column_int64(s, 0);
	c->by_uid = sqlite3_column_type(s, 2) == SQLITE_NULL
	                ? -1
	                : (long)sqlite3_column_int64(s, 2);
	if ((ret = store_column_dup(st, s, 1, &c->how)) < 0 ||
	    (ret = store_column_dup(st, s, 3, &c->client)) < 0 ||
	    (ret = store_column_dup(st, s, 4, &c->notice)) < 0 ||
	    (ret = store_column_dup(st, s, 5, &c->detail)) < 0)
		return ret;
	return 0;
}

int
store_consent_list(struct store *st, long id, struct consent **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct consent)};
	int ret = store_stmt_run(st, STMT_CONSENT_SELECT, consent_on_row, &r,
	                         "I", (int64_t)id);

	if (ret < 0) {
		consent_array_free(r.v, r.n);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}
