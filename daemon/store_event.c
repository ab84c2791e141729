/* store_event: the store's topics and sessions (events). See store.h;
 * the statements are in schemas/queries.sql, run through store.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "clock.h"
#include "event.h"
#include "log.h"
#include "store.h"
#include "store_internal.h"

/* ---- topics ---- */

void
topic_fini(struct topic *t)
{
	if (t == NULL)
		return;
	free(t->code);
	free(t->slug);
	free(t->nombre);
	free(t->title);
	memset(t, 0, sizeof *t);
}

void
topic_array_free(struct topic *t, size_t n)
{
	size_t i;

	for (i = 0; t && i < n; i++)
		topic_fini(&t[i]);
	free(t);
}

int
store_topic_put(struct store *st, const struct topic *t)
{
	int64_t now = clock_now();
	char why[200];
	int ret;

	if (!t || !t->code || !*t->code || !t->slug || !t->nombre ||
	    !*t->nombre)
		return store_fail(st, -EINVAL,
		                  "a topic needs a code, a slug and a name");
	if (event_slug_check(t->slug, why, sizeof why) < 0)
		return store_fail(st, -EINVAL, "%s", why);
	if ((ret = store_op_begin(st)) < 0)
		return ret;
	ret = store_stmt_run(st, STMT_TOPIC_PUT, NULL, NULL, "ssss", t->code,
	                     t->slug, t->nombre, t->title);
	if (ret == -EEXIST)
		ret = store_fail(st, ret, "topic slug '%s' is taken", t->slug);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_META_TOUCH_TOPIC, NULL, NULL,
		                     "sI", t->slug, now);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_META_TOUCH, NULL, NULL, "I", now);
	return store_op_end(st, ret);
}

/* Row callback: code, slug, nombre, title, events into (struct topic *). */
static int
on_topic_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct topic *t = arg;
	int ret;

	memset(t, 0, sizeof *t);
	if ((ret = store_column_dup(st, s, 0, &t->code)) < 0 ||
	    (ret = store_column_dup(st, s, 1, &t->slug)) < 0 ||
	    (ret = store_column_dup(st, s, 2, &t->nombre)) < 0 ||
	    (ret = store_column_dup(st, s, 3, &t->title)) < 0) {
		topic_fini(t);
		return ret;
	}
	t->events = (long)sqlite3_column_int64(s, 4);
	return 0;
}

int
store_topic_get(struct store *st, const char *code_or_slug, struct topic *out)
{
	int ret;

	memset(out, 0, sizeof *out);
	ret = store_stmt_run(st, STMT_TOPIC_GET, on_topic_row, out, "s",
	                     code_or_slug);
	if (ret < 0)
		return ret;
	if (out->code == NULL)
		return store_fail(st, -ENOENT, "no topic '%s'", code_or_slug);
	return 0;
}

static int
on_topic_list_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct topic *t = store_rows_slot(st, arg);

	if (t == NULL)
		return -ENOMEM;
	return on_topic_row(st, s, t);
}

/* Natural order of codes: "1.2" before "1.10" before "2.1". */
static int
topic_code_cmp(const void *a, const void *b)
{
	const struct topic *x = a, *y = b;

	return strverscmp(x->code, y->code);
}

int
store_topic_list(struct store *st, struct topic **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct topic)};
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_TOPIC_LIST, on_topic_list_row, &r, "");
	if (ret < 0) {
		topic_array_free(r.v, r.n);
		return ret;
	}
	if (r.n > 1)
		qsort(r.v, r.n, r.size, topic_code_cmp);
	*out = r.v;
	*n = r.n;
	return 0;
}

/* ---- events ---- */

int
store_event_put(struct store *st, const struct event *ev)
{
	int64_t start, end, now = clock_now();
	char why[256], *ical = NULL, *short_id = NULL;
	int undecided, ret;
	size_t i;

	if (ev == NULL)
		return store_fail(st, -EINVAL, "no session");
	if ((ret = event_validate(ev, why, sizeof why)) < 0)
		return store_fail(st, ret, "%s", why);
	if ((ret = event_span_utc(ev, &start, &end)) < 0)
		return store_fail(st, ret, "session '%s': no span in UTC",
		                  ev->uid);
	if ((ret = event_to_ical(ev, &ical, why, sizeof why)) < 0)
		return store_fail(st, ret, "session '%s': %s", ev->uid, why);
	if ((short_id = strndup(ev->uid, strcspn(ev->uid, "@"))) == NULL) {
		free(ical);
		return store_fail(st, -ENOMEM, "out of memory");
	}
	undecided = ev->kind == FECHA_TBD || ev->kind == FECHA_APPROX;

	if ((ret = store_op_begin(st)) < 0)
		goto out;
	for (i = 0; ret >= 0 && i < ev->ntopics; i++) {
		int64_t found = 0;

		ret = store_stmt_run(st, STMT_TOPIC_SLUG_EXISTS,
		                     store_on_row_int64, &found, "s",
		                     ev->topics[i].slug);
		if (ret >= 0 && !found)
			ret = store_fail(st, -EINVAL, "unknown topic '%s'",
			                 ev->topics[i].slug);
	}
	/* The topics the session leaves must see a change too. */
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_META_TOUCH_EVENT_TOPICS, NULL,
		                     NULL, "sI", ev->uid, now);
	if (ret >= 0) {
		ret = store_stmt_run(
		    st, STMT_EVENT_PUT, NULL, NULL, "ssisssIINNI", ev->uid,
		    short_id, ev->sequence, ical, event_status_name(ev->status),
		    event_kind_name(ev->kind), start, end,
		    undecided ? &start : NULL, undecided ? &end : NULL, now);
		if (ret == -EEXIST)
			ret = store_fail(st, ret,
			                 "session '%s': short id '%s' is "
			                 "taken by another session",
			                 ev->uid, short_id);
	}
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_EVENT_TOPICS_CLEAR, NULL, NULL,
		                     "s", ev->uid);
	for (i = 0; ret >= 0 && i < ev->ntopics; i++)
		ret = store_stmt_run(st, STMT_EVENT_TOPIC_ADD, NULL, NULL, "ss",
		                     ev->uid, ev->topics[i].slug);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_META_TOUCH, NULL, NULL, "I", now);
	ret = store_op_end(st, ret);
out:
	free(short_id);
	free(ical);
	return ret;
}

/* Row callback: parse (uid, ical) into the next slot of a store_rows of
 * struct event. */
static int
on_event_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct event *ev = store_rows_slot(st, arg);
	char why[256];

	if (ev == NULL)
		return -ENOMEM;
	event_init(ev);
	if (event_from_ical((const char *)sqlite3_column_text(s, 1), ev, why,
	                    sizeof why) < 0)
		return store_fail(st, -EIO,
		                  "stored session '%s' does not parse: %s",
		                  (const char *)sqlite3_column_text(s, 0), why);
	return 0;
}

/* The same for a list: a session that does not parse is left out of it,
 * with a log line, rather than failing the list for every caller (a
 * feed, the scheduler, the control API). */
static int
on_event_row_listed(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct store_rows *r = arg;
	struct event *ev = store_rows_slot(st, r);
	char why[256];

	if (ev == NULL)
		return -ENOMEM;
	event_init(ev);
	if (event_from_ical((const char *)sqlite3_column_text(s, 1), ev, why,
	                    sizeof why) < 0) {
		log_err("store: stored session '%s' does not parse (%s); left "
		        "out of the list",
		        (const char *)sqlite3_column_text(s, 0), why);
		event_fini(ev);
		r->n--;
	}
	return 0;
}

int
store_event_get(struct store *st, const char *id, struct event *out)
{
	struct store_rows r = {.size = sizeof(struct event)};
	int ret;

	if (id == NULL)
		return store_fail(st, -EINVAL, "no session id");
	ret = store_stmt_run(st, STMT_EVENT_GET, on_event_row, &r, "s", id);
	if (ret >= 0 && r.n == 0)
		ret = store_fail(st, -ENOENT, "no session '%s'", id);
	if (ret < 0) {
		event_array_free(r.v, r.n);
		return ret;
	}
	/* The query matches one row at most: a short id never holds '@'. */
	*out = *(struct event *)r.v;
	free(r.v);
	return 0;
}

int
store_event_list(struct store *st, const struct store_event_filter *f,
                 struct event **out, size_t *n)
{
	static const struct store_event_filter none = {0};
	struct store_rows r = {.size = sizeof(struct event)};
	int ret;

	*out = NULL;
	*n = 0;
	if (f == NULL)
		f = &none;
	ret = store_stmt_run(st, STMT_EVENT_LIST, on_event_row_listed, &r,
	                     "siIIi", f->topic, f->tbd_only ? 1 : 0, f->from,
	                     f->to, f->with_cancelled ? 1 : 0);
	if (ret < 0) {
		event_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

/* Row callback: copy column 1 (ical) into the next slot of a store_rows
 * of char *. */
static int
on_text_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	char **text = store_rows_slot(st, arg);

	if (text == NULL || store_column_dup(st, s, 1, text) < 0)
		return -ENOMEM;
	if (*text == NULL)
		return store_fail(st, -EIO, "session '%s' has no VEVENT",
		                  (const char *)sqlite3_column_text(s, 0));
	return 0;
}

void
store_text_array_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int
store_event_list_text(struct store *st, const struct store_event_filter *f,
                      char ***out, size_t *n)
{
	static const struct store_event_filter none = {0};
	struct store_rows r = {.size = sizeof(char *)};
	int ret;

	*out = NULL;
	*n = 0;
	if (f == NULL)
		f = &none;
	ret = store_stmt_run(st, STMT_EVENT_LIST, on_text_row, &r, "siIIi",
	                     f->topic, f->tbd_only ? 1 : 0, f->from, f->to,
	                     f->with_cancelled ? 1 : 0);
	if (ret < 0) {
		store_text_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

int
store_event_delete(struct store *st, const char *uid)
{
	int64_t now = clock_now();
	int ret;

	if (uid == NULL)
		return store_fail(st, -EINVAL, "no session id");
	if ((ret = store_op_begin(st)) < 0)
		return ret;
	/* Stamp its topics before they lose it: their feeds change. */
	ret = store_stmt_run(st, STMT_META_TOUCH_EVENT_TOPICS, NULL, NULL, "sI",
	                     uid, now);
	if (ret >= 0)
		ret =
		    store_stmt_run(st, STMT_EVENT_DELETE, NULL, NULL, "s", uid);
	if (ret >= 0 && sqlite3_changes(st->db) == 0)
		ret = store_fail(st, -ENOENT, "no session '%s'", uid);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_META_TOUCH, NULL, NULL, "I", now);
	return store_op_end(st, ret);
}

int
store_event_changed_at(struct store *st, const char *topic, int64_t *at)
{
	*at = 0;
	if (topic == NULL)
		return store_stmt_run(st, STMT_EVENT_CHANGED_AT,
		                      store_on_row_int64, at, "");
	return store_stmt_run(st, STMT_EVENT_TOPIC_CHANGED_AT,
	                      store_on_row_int64, at, "s", topic);
}
