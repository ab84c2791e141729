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
#include "view.h"

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

/* ---- jobs ---- */

struct import_job {
	enum import_kind kind;
	const char *text, *topics_text; /* the caller's, until freed */
	struct import_opts o;           /* its strings are the job's */
	char *domain, *tzid, *name;
	struct plan plan; /* sessions; plan.topics: topics */
	struct import_msgs errors;
	struct import_topics topic_rows; /* the topics file's rows */
	struct import_report report;
	size_t ndecided; /* sessions compared with the store */
	int has_place;   /* the TSV has a lugar column */
	int read_rc;     /* 0, -ENOMEM, -EIO or the budget's reason */
	char why[160];   /* the budget's reason, in words */
};

/* Bring the report up to date with the job. */
static void
report_fill(struct import_job *job)
{
	struct import_report *r = &job->report;

	r->dry_run = job->o.dry_run;
	r->with_sessions = job->kind != IMPORT_TOPICS_TSV;
	r->with_topics =
	    job->kind == IMPORT_TOPICS_TSV || job->topics_text != NULL;
	r->sessions = job->plan.v;
	r->nsessions = job->ndecided;
	r->topics = job->topic_rows.v;
	r->ntopics = job->topic_rows.n;
	r->errors = job->errors.v;
	r->nerrors = job->errors.n;
}

/* The store's message as the report's last error. */
static void
store_failed(struct import_job *job, struct store *st)
{
	import_error_add(&job->errors, 0, 0, "store: %s", store_error(st));
}

/* Run the store writes of fn inside one transaction. */
static int
in_transaction(struct import_job *job, struct store *st,
               int (*fn)(struct import_job *, struct store *))
{
	if (store_begin(st) < 0) {
		store_failed(job, st);
		return -EIO;
	}
	if (fn(job, st) < 0) {
		store_failed(job, st);
		store_rollback(st);
		return -EIO;
	}
	if (store_commit(st) < 0) {
		store_failed(job, st);
		store_rollback(st);
		return -EIO;
	}
	return 0;
}

/* Write an audit entry whose after is text (NULL: out of memory). */
static int
audit_add(struct store *st, long peer_uid, const char *action,
          const char *target, char *after)
{
	int rc;

	if (after == NULL)
		return -ENOMEM;
	rc = store_audit_add(st, peer_uid, action, target, NULL, after);
	free(after);
	return rc;
}

static int
topics_job_run(struct import_job *job, struct store *st)
{
	if (topics_write(st, &job->plan.topics) < 0)
		return -EIO;
	report_fill(job);
	return audit_add(st, job->o.peer_uid, "topics.import", "topics",
	                 view_import_topics_text(&job->report));
}

/* ---- sessions ---- */

/*
 * Compare a planned session with what the store has, and decide its
 * action: a new UID is created; a known one keeps its history (created,
 * sequence) and what the file cannot say (per-session reminders, the
 * place when the file has no place column); it is unchanged when
 * subscribers would see no difference, else updated with SEQUENCE + 1.
 */
static int
plan_decide(struct store *st, struct import_session *pl, int file_has_place)
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

static int
plan_job_run(struct import_job *job, struct store *st)
{
	struct plan *p = &job->plan;
	size_t i;

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
	report_fill(job);
	return audit_add(st, p->o->peer_uid, "import",
	                 p->o->name ? p->o->name : "import",
	                 view_import_summary_text(&job->report));
}

/* Count the actions into the summary, then write unless refused or dry. */
static int
plan_finish(struct import_job *job, struct store *st)
{
	struct import_report *r = &job->report;
	size_t i;

	r->created = r->updated = r->unchanged = 0;
	for (i = 0; i < job->plan.n; i++) {
		const char *a = job->plan.v[i].action;

		if (!strcmp(a, "create"))
			r->created++;
		else if (!strcmp(a, "update"))
			r->updated++;
		else
			r->unchanged++;
	}
	r->with_summary = 1;
	if (job->errors.n > 0) {
		r->ok = 0;
		return -EINVAL;
	}
	if (!job->o.dry_run && in_transaction(job, st, plan_job_run) < 0) {
		r->ok = 0;
		return -EIO;
	}
	return 0;
}

/* Replace ev's topics by the known topics they name (by slug, else by
 * name), with the store's names; warn in pl about the others. 0 or
 * -ENOMEM. */
static int
topics_resolve(const struct topic_set *set, struct event *ev, size_t idx,
               struct import_session *pl)
{
	struct event known;
	size_t j, m;
	int rc = 0;

	event_init(&known);
	for (j = 0; j < ev->ntopics && rc == 0; j++) {
		const struct topic *tp =
		    import_topic_find(set, ev->topics[j].slug);

		for (m = 0; !tp && m < set->n; m++)
			if (ev->topics[j].name &&
			    !strcasecmp(set->v[m].nombre, ev->topics[j].name))
				tp = &set->v[m];
		if (!tp) {
			rc = import_warning_add(
			    pl, "event %zu: unknown topic '%s' left out",
			    idx + 1,
			    ev->topics[j].name ? ev->topics[j].name
			                       : ev->topics[j].slug);
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
	return rc;
}

/* Read a VCALENDAR into p: one planned session per good VEVENT, an error
 * per bad one. 0, -ENOMEM or the budget's reason. */
static int
ics_read(struct plan *p, const char *text, struct budget *b)
{
	struct import_msgs *errors = p->errors;
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
		struct import_session *pl = import_plan_add(p);
		struct event *ev = &evs[i];

		if (!pl) {
			rc = -ENOMEM;
			break;
		}
		/* Topics are matched by slug, then by name; others are
		 * dropped with a warning. */
		if ((rc = topics_resolve(&p->topics, ev, i, pl)) < 0)
			break;
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

/* ---- the job's steps ---- */

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
	    (o->name && !(job->name = strdup(o->name)))) {
		import_job_free(job);
		return -ENOMEM;
	}
	job->o.domain = job->domain;
	job->o.tzid = job->tzid;
	job->o.name = job->name;
	job->plan.o = &job->o;
	job->plan.errors = &job->errors;
	job->report.ok = 1;
	/* The store's topics as they are now: the file is read against
	 * them, away from the store. */
	if (store_topic_list(st, &job->plan.topics.v, &job->plan.topics.n) <
	    0) {
		store_failed(job, st);
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
	import_plan_fini(&job->plan);
	import_msgs_fini(&job->errors);
	import_topics_fini(&job->topic_rows);
	free(job->domain);
	free(job->tzid);
	free(job->name);
	free(job);
}

int
import_job_read(struct import_job *job, struct budget *b)
{
	int rc = 0;

	if (job->read_rc < 0)
		return job->read_rc;
	if (job->kind != IMPORT_ICS)
		rc = import_topics_read(
		    job->kind == IMPORT_TOPICS_TSV ? job->text
		                                   : job->topics_text,
		    &job->plan.topics, &job->topic_rows, &job->errors, b);
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
job_refuse(struct import_job *job, int rc)
{
	if (rc == -ETIMEDOUT || rc == -E2BIG || rc == -ECANCELED) {
		import_msgs_clear(&job->errors);
		import_error_add(
		    &job->errors, 0, 0,
		    "the file was refused: reading it %s%s; nothing was "
		    "changed",
		    job->why,
		    rc == -ETIMEDOUT ? " (see [import] timeout)"
		    : rc == -E2BIG   ? " (see [import] max_memory)"
		                     : "");
		rc = -EINVAL;
	} else if (rc == -ENOMEM) {
		import_error_add(&job->errors, 0, 0, "out of memory");
		rc = -EIO;
	}
	job->report.ok = 0;
	return rc;
}

static int
job_apply(struct import_job *job, struct store *st)
{
	struct plan *p = &job->plan;
	size_t i;
	int rc = 0;

	if (job->read_rc < 0)
		return job_refuse(job, job->read_rc);
	if (job->kind == IMPORT_TOPICS_TSV) {
		if (job->errors.n > 0)
			rc = -EINVAL;
		if (rc == 0 && !job->o.dry_run)
			rc = in_transaction(job, st, topics_job_run);
		if (rc < 0)
			job->report.ok = 0;
		return rc == -ENOMEM ? -EIO : rc;
	}
	for (i = 0; i < p->n && rc == 0; i++) {
		struct import_session *pl = &p->v[i];

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
		job->ndecided = i + 1;
	}
	if (rc < 0) {
		store_failed(job, st);
		job->report.ok = 0;
		return -EIO;
	}
	return plan_finish(job, st);
}

int
import_job_apply(struct import_job *job, struct store *st)
{
	int rc = job_apply(job, st);

	report_fill(job);
	return rc;
}

const struct import_report *
import_job_report(const struct import_job *job)
{
	return &job->report;
}

int
import_job_changed(const struct import_job *job)
{
	size_t i;

	for (i = 0; i < job->ndecided; i++)
		if (strcmp(job->plan.v[i].action, "unchanged"))
			return 1;
	for (i = 0; i < job->topic_rows.n; i++)
		if (strcmp(job->topic_rows.v[i].action, "unchanged"))
			return 1;
	return 0;
}

int
import_run(struct store *st, enum import_kind kind, const char *text,
           const char *topics_text, const struct import_opts *o,
           struct import_job **out)
{
	if (import_job_new(st, kind, text, topics_text, o, out) < 0)
		return -ENOMEM;
	import_job_read(*out, NULL);
	return import_job_apply(*out, st);
}
