/* Tests for schedule_notice.c and store_notice.c: what a notice says
 * (baseline against final state), coalescing edits, --now and --silent,
 * cancellations only to organisations told before, the notice a message
 * renders from, the reminders a new date gets, and staff nudges and the
 * weekly digest. Real sqlite (":memory:"), real libical, a fixed clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "event.h"
#include "fecha.h"
#include "fixture.h"
#include "message.h"
#include "schedule_alarm.h"
#include "schedule_notice.h"
#include "store.h"
#include "store_bounce.h"

#define DAY   86400
#define HOUR  3600
#define QUIET 600

struct fx {
	struct store *st;
	struct config cfg;
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct topic t = {.code = "1.3",
	                  .slug = "migracion",
	                  .nombre = "Migración internacional"};
	char err[256];

	assert_non_null(f);
	assert_int_equal(store_open(&f->st, ":memory:", err, sizeof(err)), 0);
	assert_int_equal(config_defaults(&f->cfg, err, sizeof(err)), 0);
	assert_int_equal(config_set(&f->cfg, "daemon", "domain", "example.org",
	                            err, sizeof(err)),
	                 0);
	assert_int_equal(config_set(&f->cfg, "mail", "from",
	                            "Oficina <agenda@example.org>", err,
	                            sizeof(err)),
	                 0);
	assert_int_equal(store_topic_put(f->st, &t), 0);
	clock_set(fixture_utc("2031-01-06T18:00")); /* Monday, 12:00 in CDMX */
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->st);
	config_fini(&f->cfg);
	free(f);
	clock_real();
	event_cleanup();
	return 0;
}

/* A session of topic migracion: date "YYYY-MM-DD" (all day), or NULL for
 * one undecided in March 2031. */
static void
session_make(struct event *ev, const char *uid, const char *date)
{
	event_init(ev);
	assert_int_equal(event_str_set(&ev->uid, uid), 0);
	assert_int_equal(event_str_set(&ev->title, "Diálogo sobre migración"),
	                 0);
	assert_int_equal(event_topic_add(ev, "migracion", "Migración"), 0);
	if (date) {
		assert_int_equal(fecha_iso_parse(date, &ev->start), 0);
		ev->end = ev->start;
		ev->kind = FECHA_DATE;
		ev->status = EVENT_CONFIRMED;
	} else {
		ev->win_start = (struct fecha_date){2031, 3, 1};
		ev->win_end = (struct fecha_date){2031, 3, 31};
		ev->kind = FECHA_TBD;
		ev->status = EVENT_TENTATIVE;
	}
	ev->dtstamp = ev->created = ev->last_modified = clock_now();
}

static void
date_set(struct event *ev, const char *date)
{
	assert_int_equal(fecha_iso_parse(date, &ev->start), 0);
	ev->end = ev->start;
	ev->kind = FECHA_DATE;
	ev->status = EVENT_CONFIRMED;
	memset(&ev->win_start, 0, sizeof(ev->win_start));
	memset(&ev->win_end, 0, sizeof(ev->win_end));
}

static long
osc_add(struct store *st, const char *name, const char *email)
{
	char *emails[] = {(char *)email};
	char *topics[] = {"migracion"};
	struct osc o = {.name = (char *)name,
	                .emails = emails,
	                .nemails = 1,
	                .topics = topics,
	                .ntopics = 1};
	long id = 0;

	assert_int_equal(store_osc_add(st, &o, &id), 0);
	return id;
}

/* Save ev as the new state of *cur (as the control API does): SEQUENCE +
 * 1, stored, noted; *cur becomes a copy of ev. */
static void
edit(struct fx *f, struct event *cur, struct event *ev, int flags)
{
	ev->sequence = cur->sequence + 1;
	assert_int_equal(store_event_put(f->st, ev), 0);
	assert_int_equal(
	    schedule_notice_note(f->st, &f->cfg, cur, ev, flags, clock_now()),
	    0);
	event_fini(cur);
	assert_int_equal(event_copy(cur, ev), 0);
}

/* Run the notices at now; the rows added. */
static size_t
run(struct fx *f)
{
	size_t rows = 0;
	int more = 0;

	assert_int_equal(
	    schedule_notice_run(f->st, &f->cfg, clock_now(), &rows, &more), 0);
	assert_int_equal(more, 0);
	return rows;
}

/* The outbox rows of kind (NULL: all), oldest first, into *out. */
static size_t
rows_of(struct fx *f, const char *kind, const char *state,
        struct outbox_row **out)
{
	struct store_outbox_filter flt = {.state = state};
	struct outbox_row *r;
	size_t n, i, k = 0;

	assert_int_equal(store_outbox_list(f->st, &flt, &r, &n), 0);
	for (i = n; i-- > 0;) {
		if (kind && strcmp(r[i].kind, kind) != 0)
			continue;
		struct outbox_row tmp = r[k];
		r[k] = r[i];
		r[i] = tmp;
		k++;
	}
	/* Free the rest, keep the first k. */
	for (i = k; i < n; i++) {
		free(r[i].uid);
		free(r[i].kind);
		free(r[i].message_id);
		free(r[i].state);
		free(r[i].last_error);
		free(r[i].osc_name);
		free(r[i].emails);
	}
	*out = r;
	return k;
}

/* ---- the decision ---- */

static void
test_notice_decide_dated_moved_place_none(void **state)
{
	struct event tbd, a, b;

	(void)state;
	session_make(&tbd, "d@example.org", NULL);
	session_make(&a, "d@example.org", "2031-03-15");
	session_make(&b, "d@example.org", "2031-03-15");
	assert_int_equal(schedule_notice_decide(&tbd, &a), NOTICE_DATED);
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_NONE);
	/* A new title or description: nothing to tell. */
	event_str_set(&b.title, "Otro título");
	event_str_set(&b.description, "Con orden del día");
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_NONE);
	/* Place only. */
	event_str_set(&b.location, "Cancillería");
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_PLACE);
	/* Date and place: a move (the message says both). */
	date_set(&b, "2031-03-16");
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_MOVED);
	event_str_set(&b.location, NULL);
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_MOVED);
	/* Same day, a time now: moved. */
	date_set(&b, "2031-03-15");
	b.start_min = 600;
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_MOVED);
	/* Same time, another zone: moved. */
	a.start_min = 600;
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_NONE);
	event_str_set(&b.tzid, "Europe/Warsaw");
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_MOVED);
	/* Back to undecided: moved; undecided to another window: nothing. */
	assert_int_equal(schedule_notice_decide(&a, &tbd), NOTICE_MOVED);
	event_fini(&b);
	session_make(&b, "d@example.org", NULL);
	b.win_start.m = b.win_end.m = 4;
	b.win_end.d = 30;
	assert_int_equal(schedule_notice_decide(&tbd, &b), NOTICE_NONE);
	event_fini(&tbd);
	event_fini(&a);
	event_fini(&b);
}

static void
test_notice_decide_range_end(void **state)
{
	struct event a, b;

	(void)state;
	session_make(&a, "r@example.org", "2031-03-15");
	session_make(&b, "r@example.org", "2031-03-15");
	a.kind = b.kind = FECHA_RANGE;
	a.end = b.end = (struct fecha_date){2031, 3, 17};
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_NONE);
	b.end.d = 18;
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_MOVED);
	event_fini(&a);
	event_fini(&b);
}

static void
test_notice_decide_cancel(void **state)
{
	struct event a, b, tbd;

	(void)state;
	session_make(&a, "c@example.org", "2031-03-15");
	session_make(&b, "c@example.org", "2031-03-15");
	session_make(&tbd, "c@example.org", NULL);
	b.status = EVENT_CANCELLED;
	assert_int_equal(schedule_notice_decide(&a, &b), NOTICE_CANCEL);
	assert_int_equal(schedule_notice_decide(&tbd, &b), NOTICE_CANCEL);
	assert_int_equal(schedule_notice_decide(&b, &b), NOTICE_NONE);
	/* Cancelled, then on after all: a date again. */
	assert_int_equal(schedule_notice_decide(&b, &a), NOTICE_DATED);
	event_fini(&a);
	event_fini(&b);
	event_fini(&tbd);
}

static void
test_notice_kind_names(void **state)
{
	int k;

	(void)state;
	for (k = NOTICE_DATED; k <= NOTICE_CANCEL; k++)
		assert_int_equal(
		    schedule_notice_kind_parse(schedule_notice_kind_name(k)),
		    k);
	assert_null(schedule_notice_kind_name(NOTICE_NONE));
	assert_int_equal(schedule_notice_kind_parse("update"), -1);
	assert_int_equal(schedule_notice_kind_parse(NULL), -1);
}

/* ---- coalescing ---- */

static void
test_notice_three_edits_one_notice_with_final_state(void **state)
{
	struct fx *f = *state;
	struct event cur, ev, told, old;
	struct outbox_row *r;
	enum message_kind mk;
	int64_t t0 = clock_now(), due;
	char *baseline;

	osc_add(f->st, "Sin Fronteras", "avisos@sinfronteras.example.org");
	osc_add(f->st, "Red de Migrantes", "red@migrantes.example.net");
	session_make(&cur, "e@example.org", NULL);
	assert_int_equal(store_event_put(f->st, &cur), 0);

	assert_int_equal(event_copy(&ev, &cur), 0);
	date_set(&ev, "2031-03-10");
	edit(f, &cur, &ev, 0);
	clock_advance(60);
	date_set(&ev, "2031-03-12");
	edit(f, &cur, &ev, 0);
	clock_advance(60);
	date_set(&ev, "2031-03-14");
	edit(f, &cur, &ev, 0);
	/* The baseline is the session before the first edit; the notice is
	 * due a quiet period after the last. */
	assert_int_equal(
	    store_notice_get(f->st, "e@example.org", &baseline, &due), 0);
	assert_int_equal(due, t0 + 120 + QUIET);
	assert_int_equal(event_from_ical(baseline, &told, NULL, 0), 0);
	assert_int_equal(told.kind, FECHA_TBD);
	event_fini(&told);
	free(baseline);

	clock_set(t0 + 120 + QUIET - 1);
	assert_int_equal(run(f), 0);
	clock_set(t0 + 120 + QUIET);
	assert_int_equal(run(f), 2);
	assert_int_equal(run(f), 0);
	assert_int_equal(
	    store_notice_get(f->st, "e@example.org", &baseline, &due), -ENOENT);
	assert_int_equal(rows_of(f, "update", "pending", &r), 2);
	assert_int_equal(r[0].seq, 3);
	assert_string_equal(r[0].uid, "e@example.org");
	assert_int_equal(r[0].due, t0 + 120 + QUIET);
	outbox_row_array_free(r, 2);

	/* The message renders the final state against the baseline. */
	event_fini(&ev);
	assert_int_equal(
	    schedule_notice_load(f->st, "e@example.org", 3, &mk, &ev, &old), 0);
	assert_int_equal(mk, MESSAGE_DATED);
	assert_int_equal(ev.sequence, 3);
	assert_int_equal(ev.start.d, 14);
	assert_int_equal(old.kind, FECHA_TBD);
	event_fini(&ev);
	event_fini(&old);
	assert_int_equal(
	    schedule_notice_load(f->st, "e@example.org", 2, &mk, &ev, &old),
	    -ENOENT);
	event_fini(&cur);
}

static void
test_notice_moved_back_says_nothing(void **state)
{
	struct fx *f = *state;
	struct event cur, ev;
	struct outbox_row *r;
	char *baseline;
	int64_t due;

	osc_add(f->st, "Sin Fronteras", "avisos@sinfronteras.example.org");
	session_make(&cur, "b@example.org", "2031-03-10");
	assert_int_equal(store_event_put(f->st, &cur), 0);
	assert_int_equal(event_copy(&ev, &cur), 0);
	date_set(&ev, "2031-03-17");
	edit(f, &cur, &ev, 0);
	date_set(&ev, "2031-03-10");
	edit(f, &cur, &ev, 0);
	clock_advance(QUIET);
	assert_int_equal(run(f), 0);
	assert_int_equal(rows_of(f, NULL, NULL, &r), 0);
	free(r);
	assert_int_equal(
	    store_notice_get(f->st, "b@example.org", &baseline, &due), -ENOENT);
	/* An edit with nothing to say adds no waiting notice. */
	event_str_set(&ev.description, "Orden del día");
	edit(f, &cur, &ev, 0);
	assert_int_equal(
	    store_notice_get(f->st, "b@example.org", &baseline, &due), -ENOENT);
	event_fini(&ev);
	event_fini(&cur);
}

static void
test_notice_now_and_silent(void **state)
{
	struct fx *f = *state;
	struct event cur, ev;
	struct notice_plan *p;
	struct outbox_row *r;
	size_t n;

	osc_add(f->st, "Sin Fronteras", "avisos@sinfronteras.example.org");
	session_make(&cur, "n@example.org", "2031-03-10");
	assert_int_equal(store_event_put(f->st, &cur), 0);
	assert_int_equal(event_copy(&ev, &cur), 0);

	/* Silent drops the waiting notice: the new state is the baseline. */
	date_set(&ev, "2031-03-17");
	edit(f, &cur, &ev, 0);
	date_set(&ev, "2031-03-18");
	assert_int_equal(schedule_notice_plan(f->st, &f->cfg, &cur, &ev,
	                                      SCHEDULE_NOTICE_SILENT,
	                                      clock_now(), &p, &n),
	                 0);
	assert_int_equal(n, 0);
	edit(f, &cur, &ev, SCHEDULE_NOTICE_SILENT);
	clock_advance(QUIET);
	assert_int_equal(run(f), 0);

	/* Back to the 10th: a move from the 18th, which they are taken to
	 * know; with "now" it is due at once. */
	date_set(&ev, "2031-03-10");
	assert_int_equal(schedule_notice_plan(f->st, &f->cfg, &cur, &ev,
	                                      SCHEDULE_NOTICE_NOW, clock_now(),
	                                      &p, &n),
	                 0);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].osc, "Sin Fronteras");
	assert_int_equal(p[0].what, NOTICE_MOVED);
	assert_int_equal(p[0].due, clock_now());
	notice_plan_array_free(p, n);
	assert_int_equal(schedule_notice_plan(f->st, &f->cfg, &cur, &ev, 0,
	                                      clock_now(), &p, &n),
	                 0);
	assert_int_equal(p[0].due, clock_now() + QUIET);
	notice_plan_array_free(p, n);
	edit(f, &cur, &ev, SCHEDULE_NOTICE_NOW);
	assert_int_equal(run(f), 1);
	assert_int_equal(rows_of(f, "update", "pending", &r), 1);
	assert_int_equal(r[0].seq, cur.sequence);
	outbox_row_array_free(r, 1);
	event_fini(&ev);
	event_fini(&cur);
}

/* Mark every pending row sent, as the scheduler would after SMTP 250. */
static void
send_all(struct fx *f)
{
	struct outbox_row *r;
	size_t n, i;

	assert_int_equal(
	    store_outbox_claim(f->st, clock_now(), 1000, "example.org", &r, &n),
	    0);
	for (i = 0; i < n; i++)
		assert_int_equal(store_outbox_done(f->st, r[i].id, "sent", 1,
		                                   clock_now(), NULL,
		                                   clock_now()),
		                 0);
	outbox_row_array_free(r, n);
}

static void
test_notice_cancel_only_to_organisations_told(void **state)
{
	struct fx *f = *state;
	struct event cur, ev;
	struct outbox_row *r;
	struct notice_plan *p;
	long told, never;
	size_t n;
	int added;

	told =
	    osc_add(f->st, "Sin Fronteras", "avisos@sinfronteras.example.org");
	session_make(&cur, "x@example.org", "2031-03-10");
	assert_int_equal(store_event_put(f->st, &cur), 0);
	/* A reminder went to the first organisation. */
	assert_int_equal(store_outbox_add(f->st, cur.uid, 0, "reminder", DAY,
	                                  told, clock_now(), clock_now(),
	                                  "example.org", &added),
	                 0);
	send_all(f);
	never = osc_add(f->st, "Recién Llegada", "nueva@example.net");
	/* A move told to both, still waiting in the outbox. */
	assert_int_equal(event_copy(&ev, &cur), 0);
	date_set(&ev, "2031-03-11");
	edit(f, &cur, &ev, SCHEDULE_NOTICE_NOW);
	assert_int_equal(run(f), 2);

	ev.status = EVENT_CANCELLED;
	event_str_set(&ev.reason, "Se pospone");
	assert_int_equal(schedule_notice_plan(f->st, &f->cfg, &cur, &ev,
	                                      SCHEDULE_NOTICE_NOW, clock_now(),
	                                      &p, &n),
	                 0);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].osc_id, told);
	assert_int_equal(p[0].what, NOTICE_CANCEL);
	notice_plan_array_free(p, n);
	edit(f, &cur, &ev, SCHEDULE_NOTICE_NOW);
	assert_int_equal(run(f), 1);
	assert_int_equal(rows_of(f, "cancel", "pending", &r), 1);
	assert_int_equal(r[0].osc_id, told);
	assert_int_equal(r[0].seq, 2);
	outbox_row_array_free(r, 1);
	/* The move never sent is superseded: the cancellation says it all. */
	assert_int_equal(rows_of(f, "update", "expired", &r), 2);
	assert_true(r[0].osc_id == never || r[1].osc_id == never);
	outbox_row_array_free(r, 2);
	event_fini(&ev);
	event_fini(&cur);
}

static void
test_notice_cancel_never_told_bothers_nobody(void **state)
{
	struct fx *f = *state;
	struct event cur, ev;
	struct notice_plan *p;
	struct outbox_row *r;
	size_t n;

	osc_add(f->st, "Sin Fronteras", "avisos@sinfronteras.example.org");
	session_make(&cur, "q@example.org", NULL);
	assert_int_equal(store_event_put(f->st, &cur), 0);
	assert_int_equal(event_copy(&ev, &cur), 0);
	ev.status = EVENT_CANCELLED;
	assert_int_equal(schedule_notice_plan(f->st, &f->cfg, &cur, &ev, 0,
	                                      clock_now(), &p, &n),
	                 0);
	assert_int_equal(n, 0);
	assert_null(p);
	edit(f, &cur, &ev, 0);
	clock_advance(QUIET);
	assert_int_equal(run(f), 0);
	assert_int_equal(rows_of(f, NULL, NULL, &r), 0);
	free(r);
	event_fini(&ev);
	event_fini(&cur);
}

/* ---- reminders of a new date ---- */

static void
test_notice_reminders_plan(void **state)
{
	struct fx *f = *state;
	struct alarm_due d[SCHEDULE_OFFSETS_MAX];
	struct event ev;
	size_t n;

	session_make(&ev, "m@example.org", "2031-03-10");
	/* All day: 09:00 CDMX (UTC-6) 7 days and 1 day before. */
	assert_int_equal(
	    schedule_reminders_plan(f->st, &f->cfg, &ev, clock_now(), d, &n),
	    0);
	assert_int_equal(n, 2);
	assert_int_equal(d[0].due, fixture_utc("2031-03-03T15:00"));
	assert_int_equal(d[0].offset_s, 7 * DAY);
	assert_int_equal(d[1].due, fixture_utc("2031-03-09T15:00"));
	/* Two days before: the 7-day one is past (too late). */
	assert_int_equal(
	    schedule_reminders_plan(f->st, &f->cfg, &ev,
	                            fixture_utc("2031-03-08T15:00"), d, &n),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].offset_s, DAY);
	/* Undecided or cancelled: none. */
	ev.status = EVENT_CANCELLED;
	assert_int_equal(
	    schedule_reminders_plan(f->st, &f->cfg, &ev, clock_now(), d, &n),
	    0);
	assert_int_equal(n, 0);
	event_fini(&ev);
}

/* ---- staff ---- */

static void
staff_on(struct fx *f)
{
	char err[256];

	assert_int_equal(
	    config_set(&f->cfg, "staff", "emails",
	               "agenda@sre.example.org, jefa@sre.example.org", err,
	               sizeof(err)),
	    0);
}

static void
test_notice_staff_nudges_once_each(void **state)
{
	struct fx *f = *state;
	struct event cur;
	struct outbox_row *r;
	int64_t open = fixture_utc("2031-03-01T14:00"), next, notice_due;
	const char **to;
	char *data, err[256];
	size_t len;

	staff_on(f);
	session_make(&cur, "s@example.org", NULL); /* March 2031 */
	assert_int_equal(store_event_put(f->st, &cur), 0);
	assert_int_equal(schedule_staff_plan(f->st, &f->cfg, NULL), 0);
	assert_int_equal(store_notice_next(f->st, &notice_due, &next), 0);
	assert_int_equal(notice_due, 0);
	assert_int_equal(next, open - 30 * DAY);

	clock_set(open - 30 * DAY - 1);
	assert_int_equal(run(f), 0);
	clock_set(open - 30 * DAY);
	assert_int_equal(run(f), 1);
	assert_int_equal(run(f), 0);
	assert_int_equal(schedule_staff_plan(f->st, &f->cfg, NULL), 0);
	assert_int_equal(run(f), 0);
	assert_int_equal(rows_of(f, "staff", "pending", &r), 1);
	assert_string_equal(r[0].uid, "staff:nudge-soon:s@example.org");
	assert_int_equal(r[0].osc_id, 0);
	send_all(f);
	outbox_row_array_free(r, 1);
	assert_int_equal(rows_of(f, "staff", "sent", &r), 1);
	assert_int_equal(schedule_staff_render(f->st, &f->cfg, &r[0], &data,
	                                       &len, &to, err, sizeof(err)),
	                 0);
	assert_string_equal(to[0], "agenda@sre.example.org");
	assert_string_equal(to[1], "jefa@sre.example.org");
	assert_null(to[2]);
	assert_non_null(strstr(data, "Subject: =?UTF-8?"));
	assert_non_null(strstr(data, "To: agenda@sre.example.org"));
	assert_null(strstr(data, "text/calendar"));
	free(data);
	free(to);
	outbox_row_array_free(r, 1);

	/* At the opening: the second nudge, once. */
	clock_set(open);
	assert_int_equal(run(f), 1);
	clock_set(open + DAY);
	assert_int_equal(run(f), 0);
	event_fini(&cur);
}

static void
test_notice_staff_nudge_dropped_once_dated(void **state)
{
	struct fx *f = *state;
	struct event cur, ev;
	int64_t next;

	staff_on(f);
	session_make(&cur, "z@example.org", NULL);
	assert_int_equal(store_event_put(f->st, &cur), 0);
	assert_int_equal(schedule_staff_plan(f->st, &f->cfg, cur.uid), 0);
	assert_int_equal(event_copy(&ev, &cur), 0);
	date_set(&ev, "2031-03-20");
	edit(f, &cur, &ev, SCHEDULE_NOTICE_SILENT);
	assert_int_equal(schedule_staff_plan(f->st, &f->cfg, ev.uid), 0);
	clock_set(fixture_utc("2031-03-01T14:00"));
	assert_int_equal(run(f), 0);
	/* Without staff addresses nothing is planned at all. */
	assert_int_equal(config_set(&f->cfg, "staff", "emails", "", NULL, 0),
	                 0);
	assert_int_equal(schedule_staff_plan(f->st, &f->cfg, NULL), 0);
	assert_int_equal(
	    schedule_notice_next(f->st, &f->cfg, clock_now(), &next), 0);
	assert_int_equal(next, 0);
	event_fini(&ev);
	event_fini(&cur);
}

static void
test_notice_weekly_digest_on_monday_morning(void **state)
{
	struct fx *f = *state;
	struct outbox_row *r;
	const char **to;
	char *data, err[256];
	size_t len;
	int64_t next;

	staff_on(f);
	/* Sunday 2031-01-12, noon: the next digest is Monday 08:00 CDMX. */
	clock_set(fixture_utc("2031-01-12T18:00"));
	assert_int_equal(
	    schedule_notice_next(f->st, &f->cfg, clock_now(), &next), 0);
	assert_int_equal(next, fixture_utc("2031-01-13T14:00"));
	assert_int_equal(run(f), 0);
	clock_set(fixture_utc("2031-01-13T14:00"));
	assert_int_equal(run(f), 1);
	assert_int_equal(run(f), 0);
	assert_int_equal(
	    schedule_notice_next(f->st, &f->cfg, clock_now(), &next), 0);
	assert_int_equal(next, fixture_utc("2031-01-20T14:00"));
	send_all(f);
	assert_int_equal(rows_of(f, "staff", "sent", &r), 1);
	assert_string_equal(r[0].uid, "staff:digest:2031-01-13");
	assert_int_equal(r[0].due, fixture_utc("2031-01-13T14:00"));
	assert_int_equal(schedule_staff_render(f->st, &f->cfg, &r[0], &data,
	                                       &len, &to, err, sizeof(err)),
	                 0);
	assert_non_null(strstr(data, "Date: Mon, 13 Jan 2031 14:00:00"));
	free(data);
	free(to);
	outbox_row_array_free(r, 1);
	/* A daemon down all Monday does not send it on Tuesday. */
	clock_set(fixture_utc("2031-01-21T14:00"));
	assert_int_equal(run(f), 0);
	assert_int_equal(
	    schedule_notice_next(f->st, &f->cfg, clock_now(), &next), 0);
	assert_int_equal(next, fixture_utc("2031-01-27T14:00"));
}

/* The digest names the addresses bounces disabled since the last digest
 * (not those of before) and the organisations left with no address. */
static void
test_notice_digest_names_bounced_addresses(void **state)
{
	struct fx *f = *state;
	struct bounce_fact b = {.permanent = 1,
	                        .status = "5.1.1",
	                        .detail = "User unknown",
	                        .source = "maildir"};
	char *subject = NULL, *body = NULL;
	long uno, dos;
	int off;

	staff_on(f);
	uno = osc_add(f->st, "Red Uno", "uno@example.org");
	dos = osc_add(f->st, "Red Vieja", "vieja@example.org");
	/* Before the week the digest covers: not named again. */
	b.at = fixture_utc("2031-01-01T12:00");
	b.email = "vieja@example.org";
	b.osc_id = dos;
	assert_int_equal(store_bounce_record(f->st, &b, 3, 86400, &off), 0);
	b.at = fixture_utc("2031-01-10T12:00");
	b.email = "uno@example.org";
	b.osc_id = uno;
	assert_int_equal(store_bounce_record(f->st, &b, 3, 86400, &off), 0);
	assert_int_equal(off, 1);
	clock_set(fixture_utc("2031-01-13T14:00"));
	assert_int_equal(run(f), 1);
	assert_int_equal(store_staff_mail_get(f->st, "staff:digest:2031-01-13",
	                                      &subject, &body),
	                 0);
	assert_non_null(strstr(body, "Correos desactivados por rebotes desde "
	                             "el último resumen (1):\n"
	                             "  - uno@example.org (Red Uno), 10 de "
	                             "enero: permanent failure 5.1.1: User "
	                             "unknown\n"));
	assert_null(strstr(body, "vieja@example.org"));
	assert_non_null(strstr(body, "Organizaciones sin ningún correo que "
	                             "reciba mensajes:\n"
	                             "  - Red Vieja ("));
	assert_non_null(strstr(body, "  - Red Uno ("));
	free(subject);
	free(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_notice_decide_dated_moved_place_none),
	    cmocka_unit_test(test_notice_decide_range_end),
	    cmocka_unit_test(test_notice_decide_cancel),
	    cmocka_unit_test(test_notice_kind_names),
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
	    FX(test_notice_three_edits_one_notice_with_final_state),
	    FX(test_notice_moved_back_says_nothing),
	    FX(test_notice_now_and_silent),
	    FX(test_notice_cancel_only_to_organisations_told),
	    FX(test_notice_cancel_never_told_bothers_nobody),
	    FX(test_notice_reminders_plan),
	    FX(test_notice_staff_nudges_once_each),
	    FX(test_notice_staff_nudge_dropped_once_dated),
	    FX(test_notice_weekly_digest_on_monday_morning),
	    FX(test_notice_digest_names_bounced_addresses),
#undef FX
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
