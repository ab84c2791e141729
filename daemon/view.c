/* view: see view.h. */
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "event.h"
#include "fecha.h"
#include "import.h"
#include "store.h"
#include "view.h"

static json_t *
view_date(struct fecha_date d)
{
	char buf[16];

	if (d.y == 0)
		return json_null();
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.y, d.m, d.d);
	return json_string(buf);
}

static json_t *
view_clock(int min)
{
	char buf[16];

	if (min < 0)
		return json_null();
	snprintf(buf, sizeof(buf), "%02d:%02d", min / 60, min % 60);
	return json_string(buf);
}

char *
view_iso_utc(int64_t t, char *buf, size_t buflen)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

json_t *
view_time(int64_t t)
{
	char buf[32];

	if (t == 0)
		return json_null();
	return json_string(view_iso_utc(t, buf, sizeof(buf)));
}

json_t *
view_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *
view_event(const struct event *ev)
{
	int dated = ev->kind == FECHA_DATE || ev->kind == FECHA_RANGE;
	json_t *o = json_object(), *topics = json_array(),
	       *remind = json_array();
	char id[128], words[160];
	int64_t s = 0, e = 0;
	size_t i;

	event_short_id(ev->uid, id, sizeof(id));
	event_span_utc(ev, &s, &e);
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "uid", json_string(ev->uid));
	json_object_set_new(o, "title",
	                    json_string(ev->title ? ev->title : ""));
	json_object_set_new(o, "kind", json_string(event_kind_name(ev->kind)));
	json_object_set_new(o, "status",
	                    json_string(event_status_name(ev->status)));
	json_object_set_new(o, "sequence", json_integer(ev->sequence));
	json_object_set_new(o, "start",
	                    dated ? view_date(ev->start) : json_null());
	json_object_set_new(o, "end", dated ? view_date(ev->end) : json_null());
	json_object_set_new(o, "start_time",
	                    view_clock(dated ? ev->start_min : -1));
	json_object_set_new(o, "end_time",
	                    view_clock(dated ? ev->end_min : -1));
	json_object_set_new(
	    o, "tz", json_string(ev->tzid ? ev->tzid : EVENT_DEFAULT_TZID));
	json_object_set_new(o, "start_utc", dated ? view_time(s) : json_null());
	json_object_set_new(o, "end_utc", dated ? view_time(e) : json_null());
	json_object_set_new(o, "window_start",
	                    dated ? json_null() : view_date(ev->win_start));
	json_object_set_new(o, "window_end",
	                    dated ? json_null() : view_date(ev->win_end));
	if (!dated) {
		fecha_window_words(ev->win_start, ev->win_end, words,
		                   sizeof(words));
		json_object_set_new(o, "window_words", json_string(words));
	} else {
		json_object_set_new(o, "window_words", json_null());
	}
	json_object_set_new(o, "duration_days",
	                    ev->kind == FECHA_APPROX
	                        ? json_integer(ev->duration_days)
	                        : json_null());
	json_object_set_new(o, "words", view_str(ev->words));
	json_object_set_new(o, "location", view_str(ev->location));
	json_object_set_new(o, "description", view_str(ev->description));
	json_object_set_new(o, "reason", view_str(ev->reason));
	for (i = 0; i < ev->ntopics; i++)
		json_array_append_new(topics, json_string(ev->topics[i].slug));
	json_object_set_new(o, "topics", topics);
	for (i = 0; i < ev->nremind; i++)
		json_array_append_new(remind, json_integer(ev->remind[i]));
	json_object_set_new(o, "remind", remind);
	json_object_set_new(o, "updated_at", view_time(ev->last_modified));
	return o;
}

/* The event's JSON as compact text, for the audit log. */
char *
view_event_text(const struct event *ev)
{
	json_t *o = view_event(ev);
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(o);
	return s;
}

static json_t *
view_int_or_null(long v)
{
	return v > 0 ? json_integer(v) : json_null();
}

/* The report row of one session of the file. */
static json_t *
view_import_row(const struct import_session *s)
{
	static const struct fecha_date none = {0, 0, 0};
	const struct event *ev = &s->ev;
	int dated = ev->kind == FECHA_DATE || ev->kind == FECHA_RANGE;
	json_t *row = json_object(), *topics = json_array(),
	       *warnings = json_array();
	size_t i;

	json_object_set_new(row, "n", view_int_or_null(s->n));
	json_object_set_new(row, "line", view_int_or_null(s->line));
	json_object_set_new(row, "uid", json_string(ev->uid));
	json_object_set_new(row, "title", json_string(ev->title));
	json_object_set_new(row, "kind",
	                    json_string(event_kind_name(ev->kind)));
	json_object_set_new(row, "start", view_date(dated ? ev->start : none));
	json_object_set_new(row, "end", view_date(dated ? ev->end : none));
	json_object_set_new(row, "start_time",
	                    view_clock(dated ? ev->start_min : -1));
	json_object_set_new(row, "end_time",
	                    view_clock(dated ? ev->end_min : -1));
	json_object_set_new(row, "window_start",
	                    view_date(dated ? none : ev->win_start));
	json_object_set_new(row, "window_end",
	                    view_date(dated ? none : ev->win_end));
	json_object_set_new(row, "duration_days",
	                    ev->kind == FECHA_APPROX
	                        ? json_integer(ev->duration_days)
	                        : json_null());
	for (i = 0; i < ev->ntopics; i++)
		json_array_append_new(topics, json_string(ev->topics[i].slug));
	json_object_set_new(row, "topics", topics);
	json_object_set_new(row, "action", json_string(s->action));
	for (i = 0; i < s->nwarnings; i++)
		json_array_append_new(warnings, json_string(s->warnings[i]));
	json_object_set_new(row, "warnings", warnings);
	return row;
}

static json_t *
view_import_topics(const struct import_report *r)
{
	json_t *rows = json_array();
	size_t i;

	for (i = 0; i < r->ntopics; i++)
		json_array_append_new(rows,
		                      json_pack("{s:s, s:s, s:s}", "code",
		                                r->topics[i].code, "slug",
		                                r->topics[i].slug, "action",
		                                r->topics[i].action));
	return rows;
}

static json_t *
view_import_summary(const struct import_report *r)
{
	return json_pack("{s:I, s:I, s:I}", "create", (json_int_t)r->created,
	                 "update", (json_int_t)r->updated, "unchanged",
	                 (json_int_t)r->unchanged);
}

/* What every import's report starts with: "ok", "dry_run", then rows
 * when given (its reference taken), then "errors", each {"line", "n" when
 * the programme's row number is known, "message"}. NULL when out of
 * memory. */
static json_t *
view_import_head(int ok, int dry_run, json_t *rows,
                 const struct import_msg *errs, size_t nerrs)
{
	json_t *o = json_object(), *errors = json_array();
	size_t i;

	if (o == NULL || errors == NULL) {
		json_decref(o);
		json_decref(errors);
		json_decref(rows);
		return NULL;
	}
	json_object_set_new(o, "ok", json_boolean(ok));
	json_object_set_new(o, "dry_run", json_boolean(dry_run));
	if (rows != NULL)
		json_object_set_new(o, "rows", rows);
	for (i = 0; i < nerrs; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "line", view_int_or_null(errs[i].line));
		if (errs[i].n > 0)
			json_object_set_new(e, "n", json_integer(errs[i].n));
		json_object_set_new(e, "message", json_string(errs[i].text));
		json_array_append_new(errors, e);
	}
	json_object_set_new(o, "errors", errors);
	return o;
}

json_t *
view_import_report(const struct import_report *r)
{
	json_t *o, *rows = NULL;
	size_t i;

	if (r->with_sessions) {
		rows = json_array();
		for (i = 0; i < r->nsessions; i++)
			json_array_append_new(rows,
			                      view_import_row(&r->sessions[i]));
	}
	o = view_import_head(r->ok, r->dry_run, rows, r->errors, r->nerrors);
	if (o == NULL)
		return NULL;
	if (r->with_topics)
		json_object_set_new(o, "topics", view_import_topics(r));
	if (r->with_summary)
		json_object_set_new(o, "summary", view_import_summary(r));
	return o;
}

/* j as compact text (j's reference taken). */
static char *
view_text(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

char *
view_import_summary_text(const struct import_report *r)
{
	return view_text(view_import_summary(r));
}

char *
view_import_topics_text(const struct import_report *r)
{
	return view_text(view_import_topics(r));
}

/* The OSC object of the control API. */
json_t *
view_osc(const struct osc *o)
{
	json_t *emails = json_array(), *topics = json_array();
	size_t i;

	for (i = 0; i < o->nemails; i++)
		json_array_append_new(emails, json_string(o->emails[i]));
	for (i = 0; i < o->ntopics; i++)
		json_array_append_new(topics, json_string(o->topics[i]));
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
	                 (json_int_t)o->id, "name", o->name ? o->name : "",
	                 "emails", emails, "contact", view_str(o->contact),
	                 "state", view_str(o->state), "topics", topics,
	                 "created_at", view_time(o->created_at), "paused_at",
	                 view_time(o->paused_at), "erasure_requested_at",
	                 view_time(o->erasure_at));
}

json_t *
view_consent(const struct consent *c, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(
		    arr, json_pack("{s:o, s:s, s:o, s:o, s:o, s:o}", "at",
		                   view_time(c[i].at), "how",
		                   c[i].how ? c[i].how : "", "by_uid",
		                   c[i].by_uid >= 0 ? json_integer(c[i].by_uid)
		                                    : json_null(),
		                   "client", view_str(c[i].client), "notice",
		                   view_str(c[i].notice), "detail",
		                   view_str(c[i].detail)));
	return arr;
}

char *
view_osc_text(const struct osc *o)
{
	json_t *j = view_osc(o);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(j);
	return s;
}

/* The rows of an organisations import: [{"line","id","name","action"}],
 * id null for a dry run's new one. */
static json_t *
view_import_osc_rows(const struct import_osc_report *r)
{
	json_t *rows = json_array();
	size_t i;

	for (i = 0; i < r->nrows; i++) {
		const struct import_osc_row *row = &r->rows[i];

		json_array_append_new(
		    rows,
		    json_pack("{s:i, s:o, s:s, s:s}", "line", row->line, "id",
		              row->id ? json_integer(row->id) : json_null(),
		              "name", row->name, "action", row->action));
	}
	return rows;
}

json_t *
view_import_osc_report(const struct import_osc_report *r)
{
	json_t *o = view_import_head(r->ok, r->dry_run, view_import_osc_rows(r),
	                             r->errors, r->nerrors);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "encoding", json_string(r->encoding));
	if (r->separator) {
		char sep[2] = {r->separator, '\0'};

		json_object_set_new(o, "separator", json_string(sep));
	}
	return o;
}

char *
view_import_osc_rows_text(const struct import_osc_report *r)
{
	return view_text(view_import_osc_rows(r));
}
