/* view: see view.h. */
#include <jansson.h>
#include <stdio.h>

#include "event.h"
#include "fecha.h"
#include "import.h"
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

json_t *
view_import_report(const struct import_report *r)
{
	json_t *o = json_object(), *errors = json_array();
	size_t i;

	if (o == NULL || errors == NULL) {
		json_decref(o);
		json_decref(errors);
		return NULL;
	}
	json_object_set_new(o, "ok", json_boolean(r->ok));
	json_object_set_new(o, "dry_run", json_boolean(r->dry_run));
	if (r->with_sessions) {
		json_t *rows = json_array();

		for (i = 0; i < r->nsessions; i++)
			json_array_append_new(rows,
			                      view_import_row(&r->sessions[i]));
		json_object_set_new(o, "rows", rows);
	}
	for (i = 0; i < r->nerrors; i++) {
		const struct import_msg *m = &r->errors[i];
		json_t *e = json_object();

		json_object_set_new(e, "line", view_int_or_null(m->line));
		if (m->n > 0)
			json_object_set_new(e, "n", json_integer(m->n));
		json_object_set_new(e, "message", json_string(m->text));
		json_array_append_new(errors, e);
	}
	json_object_set_new(o, "errors", errors);
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
