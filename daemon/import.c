/* import: see import.h.
 *
 * An import is a job in three steps: import_job_new (on the loop: the
 * store's topics as they are), import_job_read (any thread: the text read
 * and checked, within a budget, no store), import_job_apply (on the loop:
 * each session compared with the store, then all written in one
 * transaction, or none). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget.h"
#include "clock.h"
#include "event.h"
#include "fecha.h"
#include "import.h"
#include "import_internal.h"
#include "log.h"
#include "text.h"

/* ---- topics ---- */

/* Write the topics read from a file (events == -1 marks a change). */
static int
topics_write(struct store *st, const struct topic_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].events == -1 && store_topic_put(st, &s->v[i]) < 0)
			return -EIO;
	return 0;
}

static json_t *
report_new(int dry_run)
{
	return json_pack("{s:b, s:b, s:[], s:[]}", "ok", 1, "dry_run", dry_run,
	                 "rows", "errors");
}

/* Run the store writes of fn inside one transaction. */
static int
in_transaction(struct store *st, int (*fn)(struct store *, void *), void *arg,
               json_t *errors)
{
	if (store_begin(st) < 0) {
		import_error_add(errors, 0, 0, "store: %s", store_error(st));
		return -EIO;
	}
	if (fn(st, arg) < 0) {
		import_error_add(errors, 0, 0, "store: %s", store_error(st));
		store_rollback(st);
		return -EIO;
	}
	if (store_commit(st) < 0) {
		import_error_add(errors, 0, 0, "store: %s", store_error(st));
		store_rollback(st);
		return -EIO;
	}
	return 0;
}

struct topics_job {
	struct topic_set *set;
	long peer_uid;
	json_t *rows;
};

static int
topics_job_run(struct store *st, void *arg)
{
	struct topics_job *job = arg;
	char *after;
	int rc;

	if (topics_write(st, job->set) < 0)
		return -EIO;
	after = json_dumps(job->rows, JSON_COMPACT);
	rc = store_audit_add(st, job->peer_uid, "topics.import", "topics", NULL,
	                     after);
	free(after);
	return rc;
}

/* ---- sessions ---- */

static void
date_json(json_t *o, const char *key, struct fecha_date d)
{
	char buf[16];

	if (d.y == 0) {
		json_object_set_new(o, key, json_null());
		return;
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.y, d.m, d.d);
	json_object_set_new(o, key, json_string(buf));
}

static void
time_json(json_t *o, const char *key, int min)
{
	char buf[16];

	if (min < 0) {
		json_object_set_new(o, key, json_null());
		return;
	}
	snprintf(buf, sizeof(buf), "%02d:%02d", min / 60, min % 60);
	json_object_set_new(o, key, json_string(buf));
}

/* The report row of one planned session. */
static json_t *
row_json(const struct planned *pl, int n, int line, json_t *warnings)
{
	static const struct fecha_date none = {0, 0, 0};
	const struct event *ev = &pl->ev;
	int dated = ev->kind == FECHA_DATE || ev->kind == FECHA_RANGE;
	json_t *row = json_object(), *topics = json_array();
	size_t i;

	json_object_set_new(row, "n", n > 0 ? json_integer(n) : json_null());
	json_object_set_new(row, "line",
	                    line > 0 ? json_integer(line) : json_null());
	json_object_set_new(row, "uid", json_string(ev->uid));
	json_object_set_new(row, "title", json_string(ev->title));
	json_object_set_new(row, "kind",
	                    json_string(event_kind_name(ev->kind)));
	date_json(row, "start", dated ? ev->start : none);
	date_json(row, "end", dated ? ev->end : none);
	time_json(row, "start_time", dated ? ev->start_min : -1);
	time_json(row, "end_time", dated ? ev->end_min : -1);
	date_json(row, "window_start", dated ? none : ev->win_start);
	date_json(row, "window_end", dated ? none : ev->win_end);
	json_object_set_new(row, "duration_days",
	                    ev->kind == FECHA_APPROX
	                        ? json_integer(ev->duration_days)
	                        : json_null());
	for (i = 0; i < ev->ntopics; i++)
		json_array_append_new(topics, json_string(ev->topics[i].slug));
	json_object_set_new(row, "topics", topics);
	json_object_set_new(row, "action", json_string(pl->action));
	json_object_set_new(row, "warnings",
	                    warnings ? warnings : json_array());
	return row;
}

/*
 * Compare a planned session with what the store has, and decide its
 * action: a new UID is created; a known one keeps its history (created,
 * sequence) and what the file cannot say (per-session reminders, the
 * place when the file has no place column); it is unchanged when
 * subscribers would see no difference, else updated with SEQUENCE + 1.
 */
static int
plan_decide(struct store *st, struct planned *pl, int file_has_place)
{
	struct event old;
	int64_t now = clock_now();
	int rc = store_event_get(st, pl->ev.uid, &old);

	pl->ev.dtstamp = now;
	if (rc == -ENOENT) {
		pl->action = "create";
		pl->ev.created = now;
		pl->ev.last_modified = now;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (!pl->ev.remind && old.nremind) {
		pl->ev.remind = malloc(old.nremind * sizeof(*old.remind));
		if (!pl->ev.remind) {
			event_fini(&old);
			return -ENOMEM;
		}
		memcpy(pl->ev.remind, old.remind,
		       old.nremind * sizeof(*old.remind));
		pl->ev.nremind = old.nremind;
	}
	if (!file_has_place && !pl->ev.location && old.location)
		event_str_set(&pl->ev.location, old.location);
	if (!pl->ev.url && old.url)
		event_str_set(&pl->ev.url, old.url);
	pl->ev.created = old.created ? old.created : now;
	if (event_same(&pl->ev, &old)) {
		pl->action = "unchanged";
		pl->ev.sequence = old.sequence;
		pl->ev.last_modified = old.last_modified;
	} else {
		pl->action = "update";
		pl->ev.sequence = old.sequence + 1;
		pl->ev.last_modified = now;
		/* Kept for the notice to subscribers. */
		pl->old = old;
		pl->has_old = 1;
		return 0;
	}
	event_fini(&old);
	return 0;
}

struct plan_job {
	struct plan *plan;
	const char *topics_text;
};

static int
plan_job_run(struct store *st, void *arg)
{
	struct plan_job *job = arg;
	struct plan *p = job->plan;
	json_t *summary = json_object_get(p->report, "summary");
	char *after;
	size_t i;
	int rc;

	if (job->topics_text && topics_write(st, &p->topics) < 0)
		return -EIO;
	for (i = 0; i < p->n; i++) {
		if (!strcmp(p->v[i].action, "unchanged"))
			continue;
		if (store_event_put(st, &p->v[i].ev) < 0)
			return -EIO;
		if (p->v[i].has_old && p->o->on_update &&
		    p->o->on_update(p->o->on_update_arg, st, &p->v[i].old,
		                    &p->v[i].ev) < 0)
			return -EIO;
	}
	after = json_dumps(summary, JSON_COMPACT);
	rc = store_audit_add(st, p->o->peer_uid, "import",
	                     p->o->name ? p->o->name : "import", NULL, after);
	free(after);
	return rc;
}

/* Count actions into report.summary, then write unless refused or dry. */
static int
plan_finish(struct store *st, struct plan *p, const char *topics_text)
{
	json_t *errors = json_object_get(p->report, "errors");
	long counts[3] = {0, 0, 0};
	size_t i;

	for (i = 0; i < p->n; i++) {
		const char *a = p->v[i].action;

		counts[!strcmp(a, "create")   ? 0
		       : !strcmp(a, "update") ? 1
		                              : 2]++;
	}
	json_object_set_new(p->report, "summary",
	                    json_pack("{s:i, s:i, s:i}", "create", counts[0],
	                              "update", counts[1], "unchanged",
	                              counts[2]));
	if (json_array_size(errors) > 0) {
		json_object_set_new(p->report, "ok", json_false());
		return -EINVAL;
	}
	if (!p->o->dry_run) {
		struct plan_job job = {p, topics_text};

		if (in_transaction(st, plan_job_run, &job, errors) < 0) {
			json_object_set_new(p->report, "ok", json_false());
			return -EIO;
		}
	}
	return 0;
}

/* Replace ev's topics by the known topics they name (by slug, else by
 * name), with the store's names; warn about the others. */
static void
topics_resolve(const struct topic_set *set, struct event *ev, size_t idx,
               json_t *warnings)
{
	struct event known;
	size_t j, m;

	event_init(&known);
	for (j = 0; j < ev->ntopics; j++) {
		const struct topic *tp =
		    import_topic_find(set, ev->topics[j].slug);

		for (m = 0; !tp && m < set->n; m++)
			if (ev->topics[j].name &&
			    !strcasecmp(set->v[m].nombre, ev->topics[j].name))
				tp = &set->v[m];
		if (!tp) {
			json_array_append_new(
			    warnings,
			    json_sprintf("event %zu: unknown topic '%s' "
			                 "left out",
			                 idx + 1,
			                 ev->topics[j].name
			                     ? ev->topics[j].name
			                     : ev->topics[j].slug));
			continue;
		}
		if (!event_has_topic(&known, tp->slug))
			event_topic_add(&known, tp->slug, tp->nombre);
	}
	for (j = 0; j < ev->ntopics; j++) {
		free(ev->topics[j].slug);
		free(ev->topics[j].name);
	}
	free(ev->topics);
	ev->topics = known.topics;
	ev->ntopics = known.ntopics;
	known.topics = NULL;
	known.ntopics = 0;
	event_fini(&known);
}

/* Read a VCALENDAR into p: one planned session per good VEVENT, an error
 * per bad one. 0, -ENOMEM or the budget's reason. */
static int
ics_read(struct plan *p, const char *text, struct budget *b)
{
	json_t *errors = json_object_get(p->report, "errors");
	struct event *evs = NULL;
	size_t n = 0, i;
	char err[400];
	int rc = 0, line = 0;

	if (!text_utf8_valid(text, strlen(text))) {
		import_error_add(errors, 0, 0, "the file is not valid UTF-8");
		return 0;
	}
	rc = event_calendar_read(text, b, &evs, &n, &line, err, sizeof(err));
	if (rc == -EINVAL) {
		import_error_add(errors, line, 0, "%s", err);
		return 0;
	}
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++) {
		json_t *warnings = json_array();
		struct planned *pl = import_plan_add(p);
		struct event *ev = &evs[i];

		if (!pl) {
			json_decref(warnings);
			rc = -ENOMEM;
			break;
		}
		pl->warnings = warnings;
		/* Topics are matched by slug, then by name; others are
		 * dropped with a warning. */
		topics_resolve(&p->topics, ev, i, warnings);
		/* Move the parsed session into the plan. */
		pl->ev = *ev;
		event_init(ev);
		event_clean(&pl->ev);
		if (!pl->ev.uid ||
		    event_validate(&pl->ev, err, sizeof(err)) < 0) {
			import_error_add(errors, 0, (int)i + 1,
			                 "event %zu (%s): %s", i + 1,
			                 pl->ev.uid ? pl->ev.uid : "no UID",
			                 pl->ev.uid ? err : "no UID");
			import_plan_drop_last(p);
			continue;
		}
		/* The file's SEQUENCE, CREATED and LAST-MODIFIED are the
		 * calendar's: kept for a new session. */
		pl->from_file = 1;
		pl->file_seq = pl->ev.sequence;
		pl->file_created = pl->ev.created;
		pl->file_modified = pl->ev.last_modified;
		if ((rc = budget_spend(b, import_planned_bytes(pl))) < 0)
			break;
	}
	event_array_free(evs, n);
	return rc;
}

/* ---- jobs ---- */

struct import_job {
	enum import_kind kind;
	const char *text, *topics_text; /* the caller's, until freed */
	struct import_opts o;           /* its strings are the job's */
	char *domain, *tzid, *name;
	struct plan plan; /* sessions; plan.topics: topics */
	json_t *report;
	json_t *topic_rows; /* report rows of the topics file */
	int has_place;      /* the TSV has a lugar column */
	int read_rc;        /* 0, -ENOMEM, -EIO or the budget's reason */
	char why[160];      /* the budget's reason, in words */
};

int
import_job_new(struct store *st, enum import_kind kind, const char *text,
               const char *topics_text, const struct import_opts *o,
               struct import_job **out)
{
	struct import_job *job = calloc(1, sizeof(*job));

	*out = NULL;
	if (!job)
		return -ENOMEM;
	job->kind = kind;
	job->text = text;
	job->topics_text = kind == IMPORT_PROGRAMME_TSV ? topics_text : NULL;
	job->o = *o;
	if ((o->domain && !(job->domain = strdup(o->domain))) ||
	    (o->tzid && !(job->tzid = strdup(o->tzid))) ||
	    (o->name && !(job->name = strdup(o->name))) ||
	    !(job->report = report_new(o->dry_run)) ||
	    !(job->topic_rows = json_array())) {
		import_job_free(job);
		return -ENOMEM;
	}
	job->o.domain = job->domain;
	job->o.tzid = job->tzid;
	job->o.name = job->name;
	job->plan.o = &job->o;
	job->plan.report = job->report;
	if (kind == IMPORT_TOPICS_TSV) {
		json_object_set(job->report, "topics", job->topic_rows);
		json_object_del(job->report, "rows");
	} else if (job->topics_text) {
		json_object_set(job->report, "topics", job->topic_rows);
	}
	/* The store's topics as they are now: the file is read against
	 * them, away from the store. */
	if (store_topic_list(st, &job->plan.topics.v, &job->plan.topics.n) <
	    0) {
		import_error_add(json_object_get(job->report, "errors"), 0, 0,
		                 "store: %s", store_error(st));
		job->read_rc = -EIO;
	}
	*out = job;
	return 0;
}

void
import_job_free(struct import_job *job)
{
	if (!job)
		return;
	import_plan_free(&job->plan);
	json_decref(job->report);
	json_decref(job->topic_rows);
	free(job->domain);
	free(job->tzid);
	free(job->name);
	free(job);
}

int
import_job_read(struct import_job *job, struct budget *b)
{
	json_t *errors = json_object_get(job->report, "errors");
	int rc = 0;

	if (job->read_rc < 0)
		return job->read_rc;
	if (job->kind != IMPORT_ICS)
		rc = import_topics_read(
		    job->kind == IMPORT_TOPICS_TSV ? job->text
		                                   : job->topics_text,
		    &job->plan.topics, job->topic_rows, errors, b);
	if (rc == 0 && job->kind == IMPORT_PROGRAMME_TSV)
		rc = import_programme_read(&job->plan, job->text,
		                           &job->has_place, b);
	else if (rc == 0 && job->kind == IMPORT_ICS)
		rc = ics_read(&job->plan, job->text, b);
	if (rc < 0 && b != NULL && b->over < 0)
		budget_why(b, job->why, sizeof(job->why));
	job->read_rc = rc;
	return rc;
}

/* Refuse the job: its report says so, nothing is written. */
static int
job_refuse(struct import_job *job, int rc, json_t **report)
{
	json_t *errors = json_object_get(job->report, "errors");

	if (rc == -ETIMEDOUT || rc == -E2BIG || rc == -ECANCELED) {
		json_array_clear(errors);
		import_error_add(
		    errors, 0, 0,
		    "the file was refused: reading it %s%s; nothing was "
		    "changed",
		    job->why,
		    rc == -ETIMEDOUT ? " (see [import] timeout)"
		    : rc == -E2BIG   ? " (see [import] max_memory)"
		                     : "");
		rc = -EINVAL;
	} else if (rc == -ENOMEM) {
		import_error_add(errors, 0, 0, "out of memory");
		rc = -EIO;
	}
	json_object_set_new(job->report, "ok", json_false());
	*report = json_incref(job->report);
	return rc;
}

int
import_job_apply(struct import_job *job, struct store *st, json_t **report)
{
	json_t *errors = json_object_get(job->report, "errors");
	json_t *rows = json_object_get(job->report, "rows");
	struct plan *p = &job->plan;
	size_t i;
	int rc = 0;

	if (job->read_rc < 0)
		return job_refuse(job, job->read_rc, report);
	if (job->kind == IMPORT_TOPICS_TSV) {
		if (json_array_size(errors) > 0)
			rc = -EINVAL;
		if (rc == 0 && !job->o.dry_run) {
			struct topics_job tj = {&p->topics, job->o.peer_uid,
			                        job->topic_rows};

			rc = in_transaction(st, topics_job_run, &tj, errors);
		}
		if (rc < 0)
			json_object_set_new(job->report, "ok", json_false());
		*report = json_incref(job->report);
		return rc == -ENOMEM ? -EIO : rc;
	}
	for (i = 0; i < p->n && rc == 0; i++) {
		struct planned *pl = &p->v[i];

		rc = plan_decide(st, pl,
		                 job->kind == IMPORT_ICS || job->has_place);
		if (rc < 0)
			break;
		if (pl->from_file && !strcmp(pl->action, "create")) {
			pl->ev.sequence = pl->file_seq;
			if (pl->file_created)
				pl->ev.created = pl->file_created;
			if (pl->file_modified)
				pl->ev.last_modified = pl->file_modified;
		}
		json_array_append_new(
		    rows, row_json(pl, pl->n, pl->line, pl->warnings));
		pl->warnings = NULL;
	}
	if (rc < 0) {
		import_error_add(errors, 0, 0, "store: %s", store_error(st));
		json_object_set_new(job->report, "ok", json_false());
		*report = json_incref(job->report);
		return -EIO;
	}
	rc = plan_finish(st, p, job->topics_text);
	*report = json_incref(job->report);
	return rc;
}

/* The whole job at once, on the caller's thread: for tests and tools. */
static int
import_run(struct store *st, enum import_kind kind, const char *text,
           const char *topics_text, const struct import_opts *o,
           json_t **report)
{
	struct import_job *job;
	int rc;

	*report = NULL;
	if (import_job_new(st, kind, text, topics_text, o, &job) < 0) {
		*report = json_pack("{s:b, s:b, s:[], s:[{s:n, s:s}]}", "ok", 0,
		                    "dry_run", o->dry_run, "rows", "errors",
		                    "line", "message", "out of memory");
		return -EIO;
	}
	import_job_read(job, NULL);
	rc = import_job_apply(job, st, report);
	import_job_free(job);
	return rc;
}

int
import_programme_tsv(struct store *st, const char *text, const char *topics_tsv,
                     const struct import_opts *o, json_t **report)
{
	return import_run(st, IMPORT_PROGRAMME_TSV, text, topics_tsv, o,
	                  report);
}

int
import_ics(struct store *st, const char *text, const struct import_opts *o,
           json_t **report)
{
	return import_run(st, IMPORT_ICS, text, NULL, o, report);
}

int
import_topics_tsv(struct store *st, const char *text, int dry_run,
                  long peer_uid, json_t **report)
{
	struct import_opts o = {.dry_run = dry_run, .peer_uid = peer_uid};

	return import_run(st, IMPORT_TOPICS_TSV, text, NULL, &o, report);
}
