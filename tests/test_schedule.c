/* Tests for schedule.c and store_outbox.c: when reminders are due (timed,
 * all-day, zones), the late rule, alarms of a new SEQUENCE, idempotent
 * expansion, the backoff, and the running scheduler on a real libuv loop
 * (maildir, and an SMTP port that refuses connections). Real sqlite
 * (":memory:"), real libical, a fixed clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "fecha.h"
#include "fixture.h"
#include "mailer.h"
#include "change.h"
#include "schedule.h"
#include "schedule_alarm.h"
#include "schedule_internal.h"
#include "store.h"
#include "store_bounce.h"
#include "store_internal.h"
#include "token.h"

#define DAY  86400
#define HOUR 3600

struct fx {
	struct store *st;
	struct config cfg;
	char dir[64];
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	fixture_open(&f->st, &f->cfg, f->dir, "test-schedule");
	assert_int_equal(config_set(&f->cfg, "mail", "template_dir",
	                            "/nonexistent", err, sizeof(err)),
	                 0);
	assert_int_equal(config_set(&f->cfg, "mail", "from",
	                            "Oficina <agenda@example.org>", err,
	                            sizeof(err)),
	                 0);
	fixture_topic_add(f->st, "1.3", "migracion", "Migración internacional");
	clock_set(fixture_utc("2031-01-01T00:00"));
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	fixture_close(f->st, &f->cfg, f->dir);
	free(f);
	return 0;
}

/* A dated session: date "YYYY-MM-DD", min -1 for all day; topics comma
 * separated; remind NULL-terminated list of offsets or NULL. */
static void
session_make(struct event *ev, const char *uid, const char *date, int min,
             const char *tz, const char *topics)
{
	char buf[256], *tok, *save = NULL;

	event_init(ev);
	assert_int_equal(event_str_set(&ev->uid, uid), 0);
	assert_int_equal(event_str_set(&ev->title, "Reunión de prueba"), 0);
	assert_int_equal(event_str_set(&ev->tzid, tz), 0);
	assert_int_equal(fecha_iso_parse(date, &ev->start), 0);
	ev->end = ev->start;
	ev->kind = FECHA_DATE;
	ev->status = EVENT_CONFIRMED;
	ev->start_min = min;
	snprintf(buf, sizeof(buf), "%s", topics);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		assert_int_equal(event_topic_add(ev, tok, tok), 0);
	ev->dtstamp = ev->created = ev->last_modified = clock_now();
}

static void
session_put(struct store *st, const char *uid, const char *date, int min,
            const char *tz, const char *topics, const int64_t *remind,
            size_t nremind)
{
	struct event ev;

	session_make(&ev, uid, date, min, tz, topics);
	if (nremind) {
		ev.remind = malloc(nremind * sizeof(*remind));
		assert_non_null(ev.remind);
		memcpy(ev.remind, remind, nremind * sizeof(*remind));
		ev.nremind = nremind;
	}
	assert_int_equal(store_event_put(st, &ev), 0);
	event_fini(&ev);
}

static long
osc_add(struct store *st, const char *name, const char *email,
        const char *topic1, const char *topic2)
{
	char *emails[] = {(char *)email};
	char *topics[] = {(char *)topic1, (char *)topic2};
	struct osc o = {.name = (char *)name,
	                .emails = emails,
	                .nemails = 1,
	                .topics = topics,
	                .ntopics = topic2 ? 2 : 1};
	long id = 0;

	assert_int_equal(store_osc_add(st, &o, &id), 0);
	return id;
}

/* The due instants of a session computed by the rules, sorted as given. */
static size_t
dues(struct fx *f, const struct event *ev, struct alarm_due *out)
{
	int64_t off[SCHEDULE_OFFSETS_MAX];
	size_t n, k;

	assert_int_equal(
	    schedule_offsets(f->st, &f->cfg, ev, off, SCHEDULE_OFFSETS_MAX, &n),
	    0);
	assert_int_equal(schedule_due_compute(ev, off, n, f->cfg.timezone,
	                                      f->cfg.allday_min, out, &k),
	                 0);
	return k;
}

static size_t
outbox_count(struct store *st, const char *state)
{
	struct store_outbox_filter flt = {.state = state};
	struct outbox_row *r;
	size_t n;

	assert_int_equal(store_outbox_list(st, &flt, &r, &n), 0);
	outbox_row_array_free(r, n);
	return n;
}

/* The status counts (kept by triggers, 003-outbox-counts.sql) agree with
 * the rows themselves. */
static void
counts_agree(struct store *st)
{
	struct store_counts c;

	assert_int_equal(store_counts_get(st, &c), 0);
	assert_int_equal(c.outbox_pending, (long)outbox_count(st, "pending"));
	assert_int_equal(c.outbox_failed, (long)outbox_count(st, "failed"));
	assert_int_equal(c.outbox_sent, (long)outbox_count(st, "sent"));
}

/* ---- when ---- */

static void
test_schedule_due_timed(void **state)
{
	struct fx *f = *state;
	struct alarm_due d[SCHEDULE_OFFSETS_MAX];
	struct event ev;
	int64_t start =
	    fixture_utc("2031-03-10T16:00"); /* 10:00 in CDMX, UTC-6 */

	session_make(&ev, "t1@example.org", "2031-03-10", 600,
	             "America/Mexico_City", "cambio-climatico");
	assert_int_equal(dues(f, &ev, d), 3); /* 7d 1d 2h */
	assert_int_equal(d[0].offset_s, 7 * DAY);
	assert_int_equal(d[0].due, start - 7 * DAY);
	assert_int_equal(d[1].offset_s, DAY);
	assert_int_equal(d[1].due, start - DAY);
	assert_int_equal(d[2].offset_s, 2 * HOUR);
	assert_int_equal(d[2].due, start - 2 * HOUR);
	event_fini(&ev);
}

static void
test_schedule_due_allday_merges_same_day(void **state)
{
	struct fx *f = *state;
	struct alarm_due d[SCHEDULE_OFFSETS_MAX];
	struct event ev;

	session_make(&ev, "a1@example.org", "2031-03-10", -1,
	             "America/Mexico_City", "cambio-climatico");
	/* 1d and 2h both fall on 9 March: one email at 09:00 office time. */
	assert_int_equal(dues(f, &ev, d), 2);
	assert_int_equal(d[0].offset_s, 7 * DAY);
	assert_int_equal(d[0].due, fixture_utc("2031-03-03T15:00"));
	assert_int_equal(d[1].offset_s, DAY);
	assert_int_equal(d[1].due, fixture_utc("2031-03-09T15:00"));
	event_fini(&ev);
}

static void
test_schedule_due_allday_time_configured(void **state)
{
	struct fx *f = *state;
	struct alarm_due d[SCHEDULE_OFFSETS_MAX];
	struct event ev;
	char err[128];

	assert_int_equal(config_set(&f->cfg, "reminders", "allday_time",
	                            "17:30", err, sizeof(err)),
	                 0);
	/* Abroad, all day: the office's zone still decides the hour. */
	session_make(&ev, "a2@example.org", "2031-06-10", -1, "Europe/Warsaw",
	             "cambio-climatico");
	assert_int_equal(dues(f, &ev, d), 2);
	assert_int_equal(d[1].due, fixture_utc("2031-06-09T23:30"));
	event_fini(&ev);
}

static void
test_schedule_due_zones(void **state)
{
	struct fx *f = *state;
	struct alarm_due d[SCHEDULE_OFFSETS_MAX];
	struct event ev;

	/* Katowice in winter (CET, UTC+1) and summer (CEST, UTC+2). */
	session_make(&ev, "k1@example.org", "2031-12-03", 600, "Europe/Warsaw",
	             "cambio-climatico");
	assert_int_equal(dues(f, &ev, d), 3);
	assert_int_equal(d[2].due, fixture_utc("2031-12-03T07:00"));
	event_fini(&ev);
	session_make(&ev, "k2@example.org", "2031-06-10", 600, "Europe/Warsaw",
	             "cambio-climatico");
	assert_int_equal(dues(f, &ev, d), 3);
	assert_int_equal(d[2].due, fixture_utc("2031-06-10T06:00"));
	event_fini(&ev);
	/* Mexico City kept summer time in 2018 (UTC-5 in July) ... */
	session_make(&ev, "m1@example.org", "2018-07-10", 600,
	             "America/Mexico_City", "cambio-climatico");
	assert_int_equal(dues(f, &ev, d), 3);
	assert_int_equal(d[2].due, fixture_utc("2018-07-10T13:00"));
	event_fini(&ev);
	/* ... and has had none since October 2022: UTC-6 all year. */
	session_make(&ev, "m2@example.org", "2031-07-10", 600,
	             "America/Mexico_City", "cambio-climatico");
	assert_int_equal(dues(f, &ev, d), 3);
	assert_int_equal(d[2].due, fixture_utc("2031-07-10T14:00"));
	event_fini(&ev);
}

static void
test_schedule_offsets_precedence(void **state)
{
	struct fx *f = *state;
	int64_t off[SCHEDULE_OFFSETS_MAX];
	const int64_t own[] = {HOUR, 3 * DAY, HOUR};
	struct event ev;
	size_t n;

	session_make(&ev, "p1@example.org", "2031-03-10", 600,
	             "America/Mexico_City", "agenda-2030,cambio-climatico");
	/* The topic's own offsets beat the defaults: the first that has. */
	assert_int_equal(
	    store_topic_remind_set(f->st, "cambio-climatico", "3d 1h"), 0);
	assert_int_equal(schedule_offsets(f->st, &f->cfg, &ev, off,
	                                  SCHEDULE_OFFSETS_MAX, &n),
	                 0);
	assert_int_equal(n, 2);
	assert_int_equal(off[0], 3 * DAY);
	assert_int_equal(off[1], HOUR);
	assert_int_equal(store_topic_remind_set(f->st, "agenda-2030", "14400"),
	                 0);
	assert_int_equal(schedule_offsets(f->st, &f->cfg, &ev, off,
	                                  SCHEDULE_OFFSETS_MAX, &n),
	                 0);
	assert_int_equal(n, 1);
	assert_int_equal(off[0], 4 * HOUR);
	/* The session's own beat both (sorted, without duplicates). */
	ev.remind = malloc(sizeof(own));
	memcpy(ev.remind, own, sizeof(own));
	ev.nremind = 3;
	assert_int_equal(schedule_offsets(f->st, &f->cfg, &ev, off,
	                                  SCHEDULE_OFFSETS_MAX, &n),
	                 0);
	assert_int_equal(n, 2);
	assert_int_equal(off[0], 3 * DAY);
	assert_int_equal(off[1], HOUR);
	event_fini(&ev);
}

static void
test_schedule_undecided_and_cancelled_get_none(void **state)
{
	struct fx *f = *state;
	struct alarm_due d[SCHEDULE_OFFSETS_MAX];
	struct event ev;

	session_make(&ev, "u1@example.org", "2031-03-10", 600,
	             "America/Mexico_City", "cambio-climatico");
	ev.status = EVENT_CANCELLED;
	assert_int_equal(dues(f, &ev, d), 0);
	ev.status = EVENT_TENTATIVE;
	ev.kind = FECHA_TBD;
	ev.win_start = ev.start;
	ev.win_end = fecha_date_add(ev.start, 30);
	assert_int_equal(dues(f, &ev, d), 0);
	event_fini(&ev);
}

/* ---- the late rule, the backoff ---- */

static void
test_schedule_late_rule(void **state)
{
	int64_t start = fixture_utc("2031-03-10T16:00"), due = start - DAY;

	(void)state;
	/* On time, or within the grace: yes. */
	assert_true(schedule_late_ok(due, due, DAY, start, -1));
	assert_true(
	    schedule_late_ok(due + SCHEDULE_GRACE_S, due, DAY, start, 0));
	/* Default max_late: half the offset (12 h for 1d). */
	assert_true(schedule_late_ok(due + 12 * HOUR - 1, due, DAY, start, -1));
	assert_false(schedule_late_ok(due + 12 * HOUR, due, DAY, start, -1));
	/* A configured max_late. */
	assert_true(schedule_late_ok(due + HOUR - 1, due, DAY, start, HOUR));
	assert_false(schedule_late_ok(due + HOUR, due, DAY, start, HOUR));
	/* Never once the session has started, whatever max_late says. */
	assert_false(schedule_late_ok(start, start - 2 * HOUR, 2 * HOUR, start,
	                              30 * DAY));
}

static void
test_schedule_backoff_doubles_to_an_hour(void **state)
{
	const int64_t want[] = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(*want); i++) {
		int64_t lo = schedule_backoff((int)i + 1, 0.0);
		int64_t hi = schedule_backoff((int)i + 1, 0.999);

		assert_int_equal(lo, want[i]);
		assert_true(hi >= lo);
		assert_true(hi <= want[i] + want[i] / 4);
		assert_true(hi <= SCHEDULE_BACKOFF_MAX_S);
	}
	/* Jitter spreads retries. */
	assert_true(schedule_backoff(3, 0.5) > schedule_backoff(3, 0.0));
}

/* ---- alarms in the store, expansion ---- */

static void
test_schedule_alarms_follow_sequence(void **state)
{
	struct fx *f = *state;
	const char *uid = "s1@example.org";
	struct alarm *a;
	struct event ev;
	size_t n, i, pending = 0, expanded = 0;
	int more;

	osc_add(f->st, "Red Uno", "uno@example.org", "cambio-climatico", NULL);
	session_put(f->st, uid, "2031-03-10", 600, "America/Mexico_City",
	            "cambio-climatico", NULL, 0);
	assert_int_equal(
	    schedule_alarms_refresh(f->st, &f->cfg, uid, clock_now()), 0);
	assert_int_equal(store_alarm_list(f->st, uid, &a, &n), 0);
	assert_int_equal(n, 3);
	alarm_array_free(a, n);

	/* The 7-day reminder goes out (one row), the session moves a week
	 * later in version 1. */
	clock_set(fixture_utc("2031-03-03T16:00"));
	assert_int_equal(
	    schedule_expand(f->st, &f->cfg, clock_now(), 1000, NULL, &more), 0);
	assert_int_equal(outbox_count(f->st, "pending"), 1);
	assert_int_equal(store_event_get(f->st, uid, &ev), 0);
	assert_int_equal(fecha_iso_parse("2031-03-17", &ev.start), 0);
	ev.end = ev.start;
	ev.sequence = 1;
	assert_int_equal(store_event_put(f->st, &ev), 0);
	event_fini(&ev);
	assert_int_equal(
	    schedule_alarms_refresh(f->st, &f->cfg, uid, clock_now()), 0);
	assert_int_equal(store_alarm_list(f->st, uid, &a, &n), 0);
	for (i = 0; i < n; i++) {
		if (a[i].seq == 0) {
			/* Only the expanded one of version 0 is left. */
			assert_string_equal(a[i].state, "expanded");
			assert_int_equal(a[i].offset_s, 7 * DAY);
			expanded++;
		} else {
			assert_int_equal(a[i].seq, 1);
			assert_string_equal(a[i].state, "pending");
			pending++;
		}
	}
	alarm_array_free(a, n);
	assert_int_equal(expanded, 1);
	/* The same 7-day offset is due again for the new date. */
	assert_int_equal(pending, 3);
	/* Version 0's message still waiting will never go out. */
	assert_int_equal(outbox_count(f->st, "pending"), 0);
	assert_int_equal(outbox_count(f->st, "expired"), 1);

	/* Cancelled: no pending alarm is left. */
	assert_int_equal(store_event_get(f->st, uid, &ev), 0);
	ev.status = EVENT_CANCELLED;
	ev.sequence = 2;
	assert_int_equal(store_event_put(f->st, &ev), 0);
	event_fini(&ev);
	assert_int_equal(
	    schedule_alarms_refresh(f->st, &f->cfg, NULL, clock_now()), 0);
	assert_int_equal(store_alarm_list(f->st, uid, &a, &n), 0);
	for (i = 0; i < n; i++)
		assert_string_not_equal(a[i].state, "pending");
	alarm_array_free(a, n);
}

static void
test_schedule_expand_idempotent(void **state)
{
	struct fx *f = *state;
	const char *uid = "e1@example.org";
	struct store_outbox_filter all = {0};
	struct outbox_row *r;
	size_t n, rows;
	int more;

	osc_add(f->st, "Red Uno", "uno@example.org", "cambio-climatico",
	        "agenda-2030");
	osc_add(f->st, "Red Dos", "dos@example.org", "agenda-2030", NULL);
	osc_add(f->st, "Red Tres", "tres@example.org", "migracion", NULL);
	session_put(f->st, uid, "2031-03-10", 600, "America/Mexico_City",
	            "cambio-climatico,agenda-2030", NULL, 0);
	assert_int_equal(
	    schedule_alarms_refresh(f->st, &f->cfg, uid, clock_now()), 0);
	clock_set(fixture_utc("2031-03-03T16:00"));
	assert_int_equal(
	    schedule_expand(f->st, &f->cfg, clock_now(), 1000, &rows, &more),
	    0);
	/* One row per subscribed organisation, whatever its topics count;
	 * none for the organisation of another topic. */
	assert_int_equal(rows, 2);
	assert_int_equal(outbox_count(f->st, NULL), 2);
	/* A crash before the alarm was marked: the second expansion adds
	 * nothing. */
	assert_int_equal(
	    store_alarm_state_set(f->st, uid, 0, 7 * DAY, "pending"), 0);
	assert_int_equal(
	    schedule_expand(f->st, &f->cfg, clock_now(), 1000, &rows, &more),
	    0);
	assert_int_equal(outbox_count(f->st, NULL), 2);
	assert_int_equal(store_outbox_list(f->st, &all, &r, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(r[0].kind, "reminder");
	assert_int_equal(r[0].offset_s, 7 * DAY);
	assert_int_equal(r[0].due, fixture_utc("2031-03-03T16:00"));
	outbox_row_array_free(r, n);
}

/* An alarm becomes its rows in one statement: one per subscribed
 * organisation, in the order store_osc_subscribers gives (by name), the
 * counts kept (004-outbox-bulk), and a Message-ID chosen at the first
 * claim, unique, and kept. */
static void
test_schedule_expand_one_statement(void **state)
{
	struct fx *f = *state;
	const char *uid = "e2@example.org";
	struct osc *subs;
	struct outbox_row *r, *c;
	size_t n, nsubs, nc, i, j, rows;
	int more;
	char names[3][16];

	for (i = 0; i < 3; i++) {
		char email[64];

		/* Added Z, Y, X: ids and names in opposite orders. */
		snprintf(names[i], sizeof(names[i]), "Red %c",
		         (char)('Z' - (int)i));
		snprintf(email, sizeof(email), "r%zu@example.org", i);
		osc_add(f->st, names[i], email, "agenda-2030", NULL);
	}
	session_put(f->st, uid, "2031-03-10", 600, "America/Mexico_City",
	            "agenda-2030", NULL, 0);
	assert_int_equal(
	    schedule_alarms_refresh(f->st, &f->cfg, uid, clock_now()), 0);
	clock_set(fixture_utc("2031-03-03T16:00"));
	assert_int_equal(
	    schedule_expand(f->st, &f->cfg, clock_now(), 1000, &rows, &more),
	    0);
	assert_int_equal(rows, 3);
	counts_agree(f->st);
	/* Newest first in the list: the rows were added X, Y, Z. */
	assert_int_equal(store_osc_subscribers(f->st, uid, &subs, &nsubs), 0);
	assert_int_equal(nsubs, 3);
	assert_int_equal(store_outbox_list(f->st, NULL, &r, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r[2 - i].osc_id, subs[i].id);
		/* Not chosen yet. */
		assert_null(r[i].message_id);
	}
	osc_array_free(subs, nsubs);
	outbox_row_array_free(r, n);
	/* Expanding again (a crash before the alarm was marked) adds
	 * nothing and counts nothing. */
	assert_int_equal(store_outbox_expand(f->st, uid, 0, "reminder", 7 * DAY,
	                                     1, 1, &rows),
	                 0);
	assert_int_equal(rows, 0);
	counts_agree(f->st);
	assert_int_equal(
	    store_outbox_claim(f->st, clock_now(), 10, "example.org", &c, &nc),
	    0);
	assert_int_equal(nc, 3);
	for (i = 0; i < nc; i++) {
		assert_non_null(c[i].message_id);
		assert_int_equal(strlen(c[i].message_id),
		                 strlen("r.") + 32 + strlen("@example.org"));
		for (j = 0; j < i; j++)
			assert_string_not_equal(c[i].message_id,
			                        c[j].message_id);
	}
	/* Kept with the row: what the list shows and a retry sends. */
	assert_int_equal(store_outbox_list(f->st, NULL, &r, &n), 0);
	for (i = 0; i < n; i++)
		for (j = 0; j < nc; j++)
			if (r[i].id == c[j].id)
				assert_string_equal(r[i].message_id,
				                    c[j].message_id);
	outbox_row_array_free(r, n);
	outbox_row_array_free(c, nc);
	counts_agree(f->st);
}

static void
test_schedule_expand_late_and_expired(void **state)
{
	struct fx *f = *state;
	const char *uid = "l1@example.org";
	struct alarm *a;
	size_t n, i, rows;
	int more;

	osc_add(f->st, "Red Uno", "uno@example.org", "cambio-climatico", NULL);
	session_put(f->st, uid, "2031-03-10", 600, "America/Mexico_City",
	            "cambio-climatico", NULL, 0);
	assert_int_equal(
	    schedule_alarms_refresh(f->st, &f->cfg, uid, clock_now()), 0);
	/* The daemon was down from before the 7d reminder until 3 days
	 * later: 7d is late by 3 days (< 3.5 d): sent, marked late. The
	 * 1d and 2h ones are not due yet. */
	clock_set(fixture_utc("2031-03-06T16:00"));
	assert_int_equal(
	    schedule_expand(f->st, &f->cfg, clock_now(), 1000, &rows, &more),
	    0);
	assert_int_equal(rows, 1);
	/* Down again until 13 h after the 1d reminder (more than half a
	 * day): expired, never sent late. */
	clock_set(fixture_utc("2031-03-10T05:00"));
	assert_int_equal(
	    schedule_expand(f->st, &f->cfg, clock_now(), 1000, &rows, &more),
	    0);
	assert_int_equal(rows, 0);
	/* Down over the session's start: the 2h one expires too. */
	clock_set(fixture_utc("2031-03-10T16:00"));
	assert_int_equal(
	    schedule_expand(f->st, &f->cfg, clock_now(), 1000, &rows, &more),
	    0);
	assert_int_equal(rows, 0);
	assert_int_equal(store_alarm_list(f->st, uid, &a, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		if (a[i].offset_s == 7 * DAY)
			assert_string_equal(a[i].state, "late");
		else
			assert_string_equal(a[i].state, "expired");
	}
	alarm_array_free(a, n);
	assert_int_equal(outbox_count(f->st, NULL), 1);
}

static void
test_schedule_claim_message_id_and_recover(void **state)
{
	struct fx *f = *state;
	struct outbox_row *r;
	int64_t id;
	size_t n;
	int added;
	char want[128];

	assert_int_equal(store_outbox_add(f->st, "c1@example.org", 4,
	                                  "reminder", DAY, 7, 100, 100,
	                                  "example.org", &added),
	                 0);
	assert_true(added);
	assert_int_equal(store_outbox_add(f->st, "c1@example.org", 4,
	                                  "reminder", DAY, 7, 100, 100,
	                                  "example.org", &added),
	                 0);
	assert_false(added);
	/* Not due yet at 99. */
	assert_int_equal(
	    store_outbox_claim(f->st, 99, 10, "example.org", &r, &n), 0);
	assert_int_equal(n, 0);
	outbox_row_array_free(r, n);
	assert_int_equal(
	    store_outbox_claim(f->st, 100, 10, "example.org", &r, &n), 0);
	assert_int_equal(n, 1);
	/* Chosen when queued: the kind, 128 random bits, the domain. */
	assert_int_equal(strlen(r[0].message_id),
	                 strlen("r.") + 32 + strlen("@example.org"));
	assert_int_equal(strspn(r[0].message_id + 2, "0123456789abcdef"), 32);
	assert_string_equal(r[0].message_id + 34, "@example.org");
	snprintf(want, sizeof(want), "%s", r[0].message_id);
	outbox_row_array_free(r, n);
	assert_int_equal(outbox_count(f->st, "sending"), 1);
	/* A crash: back to pending, same Message-ID when claimed again. */
	assert_int_equal(store_outbox_recover(f->st, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(
	    store_outbox_claim(f->st, 100, 10, "example.org", &r, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].message_id, want);
	id = r[0].id;
	outbox_row_array_free(r, n);
	assert_int_equal(
	    store_outbox_done(f->st, id, "failed", 1, 100, "550 no", 0), 0);
	/* Only failed (or expired) messages are retried. */
	assert_int_equal(store_outbox_retry(f->st, id, 200, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_retry(f->st, id, 200, &n), -EINVAL);
	assert_int_equal(store_outbox_retry(f->st, 999, 200, &n), -ENOENT);
	assert_int_equal(outbox_count(f->st, "pending"), 1);
	counts_agree(f->st);
	assert_int_equal(
	    store_outbox_claim(f->st, 300, 10, "example.org", &r, &n), 0);
	assert_int_equal(n, 1);
	outbox_row_array_free(r, n);
	assert_int_equal(
	    store_outbox_done(f->st, id, "sent", 2, 300, NULL, 300), 0);
	counts_agree(f->st);
}

/* One outcome for many rows (the pump's burst of "sent"): every id named
 * is written, past the 32 of one statement, and no other row; the status
 * counts follow. */
static void
test_schedule_outcome_for_many_rows(void **state)
{
	struct fx *f = *state;
	struct store_outbox_filter flt = {.state = "sent"};
	struct outbox_row *r, *l;
	int64_t ids[40];
	size_t n, nl, i;
	int added;

	for (i = 0; i < 40; i++) {
		assert_int_equal(store_outbox_add(f->st, "m1@example.org", 1,
		                                  "reminder", DAY, (long)i + 1,
		                                  100, 100, "example.org",
		                                  &added),
		                 0);
		assert_true(added);
	}
	assert_int_equal(
	    store_outbox_claim(f->st, 100, 40, "example.org", &r, &n), 0);
	assert_int_equal(n, 40);
	/* 35 of the 40: one full statement and a part of another. */
	for (i = 0; i < 35; i++)
		ids[i] = r[i].id;
	assert_int_equal(
	    store_outbox_done_many(f->st, ids, 35, "sent", 1, 100, NULL, 250),
	    0);
	assert_int_equal(outbox_count(f->st, "sent"), 35);
	assert_int_equal(outbox_count(f->st, "sending"), 5);
	assert_int_equal(store_outbox_list(f->st, &flt, &l, &nl), 0);
	for (i = 0; i < nl; i++) {
		assert_true(l[i].id != r[35].id && l[i].id != r[39].id);
		assert_int_equal(l[i].tries, 1);
		assert_int_equal(l[i].sent_at, 250);
		assert_null(l[i].last_error);
	}
	outbox_row_array_free(l, nl);
	/* With an error, and for one row. */
	ids[0] = r[39].id;
	assert_int_equal(store_outbox_done_many(f->st, ids, 1, "failed", 1, 100,
	                                        "550 no", 0),
	                 0);
	assert_int_equal(outbox_count(f->st, "failed"), 1);
	assert_int_equal(outbox_count(f->st, "sending"), 4);
	outbox_row_array_free(r, n);
	counts_agree(f->st);
}

/* Who a message is for, as every log line of it says. */
static void
test_schedule_row_who(void **state)
{
	struct outbox_row r = {.uid = "2018-07-abc@example.org",
	                       .kind = "reminder",
	                       .message_id = "r.0123@example.org"};
	const char *two[] = {"uno@example.org", "dos@example.org", NULL};
	const char *none[] = {NULL};
	char id[128], want[512], *who;

	(void)state;
	event_short_id(r.uid, id, sizeof(id));
	who = sched_row_who(&r, two);
	snprintf(want, sizeof(want),
	         "to=<uno@example.org>,<dos@example.org> "
	         "msgid=<r.0123@example.org> event=%s kind=reminder",
	         id);
	assert_string_equal(who, want);
	free(who);
	r.message_id = NULL;
	who = sched_row_who(&r, none);
	snprintf(want, sizeof(want), "to= msgid=<> event=%s kind=reminder", id);
	assert_string_equal(who, want);
	free(who);
	who = sched_row_who(&r, NULL);
	assert_string_equal(who, want);
	free(who);
}

/* ---- the running scheduler ---- */

/* Tell the scheduler what changed, as the control API would: it marks
 * the work, and the loop's next turn does it. */
static void
tell(struct schedule *s, enum change_what what, const char *uid)
{
	struct change c = {what, uid, NULL};

	schedule_on_change(s, &c);
}

struct loop_fx {
	uv_loop_t loop;
	uv_timer_t tick; /* keeps uv_run(ONCE) from blocking long */
	struct mailer *mailer;
	struct schedule *s;
	int stopped;
};

static void
on_tick(uv_timer_t *t)
{
	(void)t;
}

static void
loop_start(struct fx *f, struct loop_fx *l, const char *smtp_url)
{
	struct mailer_config mc = {0};
	char maildir[128], err[256];

	snprintf(maildir, sizeof(maildir), "%s/maildir", f->dir);
	mc.smtp_url = smtp_url;
	mc.maildir = maildir;
	mc.from = "agenda@example.org";
	mc.max_connections = 2;
	mc.timeout_s = 5;
	assert_int_equal(uv_loop_init(&l->loop), 0);
	uv_timer_init(&l->loop, &l->tick);
	uv_timer_start(&l->tick, on_tick, 5, 5);
	assert_int_equal(
	    mailer_new(&l->loop, &mc, &l->mailer, err, sizeof(err)), 0);
	assert_int_equal(schedule_start(&l->loop, f->st, &f->cfg, l->mailer,
	                                &l->s, err, sizeof(err)),
	                 0);
}

/* Run the loop until the outbox has want rows in state (or give up). */
static void
loop_until(struct loop_fx *l, struct store *st, const char *state, size_t want)
{
	int i;

	for (i = 0; i < 2000 && outbox_count(st, state) != want; i++)
		uv_run(&l->loop, UV_RUN_ONCE);
	assert_int_equal(outbox_count(st, state), want);
}

static void
on_stopped(void *arg)
{
	*(int *)arg = 1;
}

static void
loop_stop(struct loop_fx *l)
{
	int i;

	schedule_stop(l->s, 1000, on_stopped, &l->stopped);
	for (i = 0; i < 2000 && !l->stopped; i++)
		uv_run(&l->loop, UV_RUN_ONCE);
	assert_true(l->stopped);
	uv_close((uv_handle_t *)&l->tick, NULL);
	uv_run(&l->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&l->loop), 0);
}

static size_t
maildir_count(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/maildir/new", dir);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_schedule_sends_when_due_to_maildir(void **state)
{
	struct fx *f = *state;
	struct loop_fx l = {0};
	struct schedule_stats stats;
	struct outbox_row *r;
	struct store_outbox_filter all = {0};
	size_t n;

	osc_add(f->st, "Red Uno", "uno@example.org", "cambio-climatico", NULL);
	osc_add(f->st, "Red Dos", "dos@example.org", "cambio-climatico", NULL);
	session_put(f->st, "d1@example.org", "2031-03-10", 600,
	            "America/Mexico_City", "cambio-climatico", NULL, 0);
	loop_start(f, &l, NULL);
	/* Nothing is due on 1 January. */
	uv_run(&l.loop, UV_RUN_NOWAIT);
	assert_int_equal(outbox_count(f->st, NULL), 0);
	/* The clock reaches the 1d reminder: the 7d one expired long ago
	 * (the session was known but the clock jumped 9 weeks). */
	clock_set(fixture_utc("2031-03-09T16:00"));
	tell(l.s, CHANGE_ALL, NULL);
	loop_until(&l, f->st, "sent", 2);
	assert_int_equal(maildir_count(f->dir), 2);
	assert_int_equal(store_outbox_list(f->st, &all, &r, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].offset_s, DAY);
	assert_int_equal(r[0].sent_at, clock_now());
	assert_int_equal(r[0].tries, 1);
	outbox_row_array_free(r, n);
	schedule_stats_get(l.s, &stats);
	assert_int_equal(stats.sent, 2);
	/* Again at the same instant: nothing more. */
	tell(l.s, CHANGE_ALL, NULL);
	uv_run(&l.loop, UV_RUN_NOWAIT);
	assert_int_equal(outbox_count(f->st, NULL), 2);
	loop_stop(&l);
	assert_int_equal(maildir_count(f->dir), 2);
}

/* A burst is claimed in one step but rendered RENDER_CHUNK rows a turn
 * of the loop. Stopped in the middle, the rows not yet rendered go back
 * to the outbox as they were (same Message-ID, no try counted), and the
 * next start sends them: every reminder exactly once. */
static void
test_schedule_burst_rendered_in_chunks(void **state)
{
	struct fx *f = *state;
	struct loop_fx l = {0};
	struct outbox_row *r;
	size_t n, i, waiting = 0, pending, given_back = 0;
	const size_t norgs = 300;

	assert_int_equal(store_begin(f->st), 0);
	for (i = 0; i < norgs; i++) {
		char name[32], email[64];

		snprintf(name, sizeof(name), "Red %03zu", i);
		snprintf(email, sizeof(email), "r%03zu@example.org", i);
		osc_add(f->st, name, email, "cambio-climatico", NULL);
	}
	assert_int_equal(store_commit(f->st), 0);
	session_put(f->st, "b1@example.org", "2031-03-10", 600,
	            "America/Mexico_City", "cambio-climatico", NULL, 0);
	loop_start(f, &l, NULL);
	clock_set(fixture_utc("2031-03-09T16:00"));
	tell(l.s, CHANGE_ALL, NULL);
	/* Turn the loop until a claim has rows left to render. */
	for (i = 0; i < 2000 && waiting == 0; i++) {
		uv_run(&l.loop, UV_RUN_ONCE);
		waiting = l.s->nrows - l.s->next_row;
	}
	assert_true(waiting > 0);
	/* A turn of the loop renders one chunk, not the rest. */
	uv_run(&l.loop, UV_RUN_ONCE);
	assert_true(l.s->nrows - l.s->next_row >= waiting - RENDER_CHUNK);
	loop_stop(&l);
	assert_int_equal(outbox_count(f->st, "sending"), 0);
	pending = outbox_count(f->st, "pending");
	assert_true(pending > 0);
	assert_int_equal(outbox_count(f->st, "sent") + pending, norgs);
	counts_agree(f->st);
	assert_int_equal(store_outbox_list(f->st, NULL, &r, &n), 0);
	for (i = 0; i < n; i++) {
		if (strcmp(r[i].state, "pending") != 0 || !r[i].message_id)
			continue;
		/* Claimed, given back: its Message-ID kept, no try. */
		assert_int_equal(r[i].tries, 0);
		given_back++;
	}
	assert_true(given_back > 0);
	outbox_row_array_free(r, n);
	/* The next start sends the rest, each once. */
	memset(&l, 0, sizeof(l));
	loop_start(f, &l, NULL);
	tell(l.s, CHANGE_ALL, NULL);
	loop_until(&l, f->st, "sent", norgs);
	loop_stop(&l);
	assert_int_equal(maildir_count(f->dir), norgs);
}

/* One chunk naming more sessions than the session cache holds: each
 * session's organisations are read for the chunk, and a session evicted
 * meanwhile is read again for its own rows, so every reminder goes and
 * none is taken for an organisation that stopped following. */
static void
test_schedule_chunk_of_many_sessions(void **state)
{
	struct fx *f = *state;
	struct loop_fx l = {0};
	const size_t nsessions = 2 * CACHE_SESSIONS, norgs = 3;
	size_t i;

	for (i = 0; i < norgs; i++) {
		char name[32], email[64];

		snprintf(name, sizeof(name), "Red %zu", i);
		snprintf(email, sizeof(email), "r%zu@example.org", i);
		osc_add(f->st, name, email, "cambio-climatico", "migracion");
	}
	for (i = 0; i < nsessions; i++) {
		char uid[64];

		snprintf(uid, sizeof(uid), "m%02zu@example.org", i);
		session_put(f->st, uid, "2031-03-10", 600,
		            "America/Mexico_City",
		            i % 2 ? "migracion" : "cambio-climatico", NULL, 0);
	}
	loop_start(f, &l, NULL);
	clock_set(fixture_utc("2031-03-09T16:00"));
	tell(l.s, CHANGE_ALL, NULL);
	loop_until(&l, f->st, "sent", nsessions * norgs);
	assert_int_equal(outbox_count(f->st, "expired"), 0);
	loop_stop(&l);
	assert_int_equal(maildir_count(f->dir), nsessions * norgs);
}

static size_t
alarms_of(struct store *st, const char *uid)
{
	struct alarm *a;
	size_t n;

	assert_int_equal(store_alarm_list(st, uid, &a, &n), 0);
	alarm_array_free(a, n);
	return n;
}

/* A re-plan that fails (the disk full at a SIGHUP or a clock jump: here
 * the store refuses writes) is tried again until it works, widened to
 * every session when another change came meanwhile. */
static void
test_schedule_failed_replan_is_retried(void **state)
{
	struct fx *f = *state;
	struct loop_fx l = {0};

	loop_start(f, &l, NULL);
	session_put(f->st, "r1@example.org", "2031-03-10", 600,
	            "America/Mexico_City", "cambio-climatico", NULL, 0);
	session_put(f->st, "r2@example.org", "2031-03-11", 600,
	            "America/Mexico_City", "cambio-climatico", NULL, 0);
	assert_int_equal(store_exec(f->st, "PRAGMA query_only = 1"), 0);
	tell(l.s, CHANGE_SESSION, "r1@example.org");
	tell(l.s, CHANGE_SESSION, "r2@example.org");
	assert_int_equal(alarms_of(f->st, "r1@example.org"), 0);
	assert_int_equal(alarms_of(f->st, "r2@example.org"), 0);
	/* Still failing: still pending, the loop goes on. */
	tell(l.s, CHANGE_OSC, NULL);
	uv_run(&l.loop, UV_RUN_NOWAIT);
	assert_int_equal(alarms_of(f->st, "r1@example.org"), 0);
	/* The disk has room again: the next pump plans both. */
	assert_int_equal(store_exec(f->st, "PRAGMA query_only = 0"), 0);
	tell(l.s, CHANGE_OSC, NULL);
	uv_run(&l.loop, UV_RUN_NOWAIT);
	assert_int_equal(alarms_of(f->st, "r1@example.org"), 3);
	assert_int_equal(alarms_of(f->st, "r2@example.org"), 3);
	loop_stop(&l);
}

static void
test_schedule_tempfail_backs_off_then_gives_up(void **state)
{
	struct fx *f = *state;
	struct loop_fx l = {0};
	struct store_outbox_filter all = {0};
	struct outbox_row *r;
	int64_t due = fixture_utc("2031-03-10T14:00");
	char err[128];
	size_t n;

	assert_int_equal(
	    config_set(&f->cfg, "mail", "retry_for", "2m", err, sizeof(err)),
	    0);
	osc_add(f->st, "Red Uno", "uno@example.org", "cambio-climatico", NULL);
	session_put(f->st, "b1@example.org", "2031-03-10", 600,
	            "America/Mexico_City", "cambio-climatico", NULL, 0);
	/* Port 1 on loopback refuses connections: a temporary failure. */
	loop_start(f, &l, "smtp://127.0.0.1:1");
	clock_set(due);
	tell(l.s, CHANGE_ALL, NULL);
	loop_until(&l, f->st, "pending", 1);
	assert_int_equal(store_outbox_list(f->st, &all, &r, &n), 0);
	while (r[0].tries < 1) {
		outbox_row_array_free(r, n);
		uv_run(&l.loop, UV_RUN_ONCE);
		assert_int_equal(store_outbox_list(f->st, &all, &r, &n), 0);
	}
	assert_int_equal(r[0].tries, 1);
	assert_true(r[0].next_try >= due + 30 && r[0].next_try <= due + 37);
	assert_non_null(r[0].last_error);
	outbox_row_array_free(r, n);
	/* Before the retry is due nothing happens; at it, the second try
	 * fails and waits 60 s or more. */
	clock_set(due + 29);
	tell(l.s, CHANGE_ALL, NULL);
	uv_run(&l.loop, UV_RUN_NOWAIT);
	assert_int_equal(store_outbox_list(f->st, &all, &r, &n), 0);
	assert_int_equal(r[0].tries, 1);
	outbox_row_array_free(r, n);
	clock_set(due + 40);
	tell(l.s, CHANGE_ALL, NULL);
	for (;;) {
		assert_int_equal(store_outbox_list(f->st, &all, &r, &n), 0);
		if (r[0].tries == 2 && strcmp(r[0].state, "pending") == 0)
			break;
		outbox_row_array_free(r, n);
		uv_run(&l.loop, UV_RUN_ONCE);
	}
	assert_true(r[0].next_try >= due + 100 && r[0].next_try <= due + 120);
	outbox_row_array_free(r, n);
	/* retry_for (2 minutes) after the due time: failed for good. */
	clock_set(due + 120);
	tell(l.s, CHANGE_ALL, NULL);
	loop_until(&l, f->st, "failed", 1);
	assert_int_equal(store_outbox_list(f->st, &all, &r, &n), 0);
	assert_int_equal(r[0].tries, 3);
	assert_non_null(strstr(r[0].last_error, "gave up after 3 tries"));
	outbox_row_array_free(r, n);
	loop_stop(&l);
}

/* With [mail] bounce_address, a row's envelope sender is LOCAL+TOKEN@
 * DOMAIN, the token naming the row and its Message-ID's random part;
 * without it (or with a Message-ID of no such form), the configured one. */
static void
test_schedule_envelope_from_verp(void **state)
{
	struct fx *f = *state;
	struct outbox_row r = {.id = 4242,
	                       .message_id =
	                           "r.0123456789abcdef0123456789abcdef"
	                           "@example.org"};
	char buf[ADDR_MAX + 1], err[256];

	assert_null(sched_envelope_from(&f->cfg, &r, buf, sizeof(buf)));
	assert_int_equal(config_set(&f->cfg, "mail", "bounce_address",
	                            "rebotes@bounces.example.org", err,
	                            sizeof(err)),
	                 0);
	assert_string_equal(sched_envelope_from(&f->cfg, &r, buf, sizeof(buf)),
	                    "rebotes+4242.0123456789abcdef0123456789abcdef"
	                    "@bounces.example.org");
	r.message_id = "not-ours@example.org";
	assert_null(sched_envelope_from(&f->cfg, &r, buf, sizeof(buf)));
	r.message_id = NULL;
	assert_null(sched_envelope_from(&f->cfg, &r, buf, sizeof(buf)));
}

/* Disabled addresses are left out of a message's recipients (any case);
 * none left is -ENOENT with why; the scheduler's copy of the disabled
 * addresses follows a bounce and an enabling at once. */
static void
test_schedule_rcpts_keep_enabled(void **state)
{
	struct fx *f = *state;
	struct schedule s = {.st = f->st};
	struct bounce_fact b = {.at = fixture_utc("2031-01-01T00:00"),
	                        .email = "Dos@example.org",
	                        .permanent = 1,
	                        .source = "pipe"};
	const char *to[] = {"uno@example.org", "dos@example.org", NULL};
	const char *one[] = {"dos@example.org", NULL};
	const char *again[] = {"dos@example.org", NULL};
	char why[256];
	int off;

	assert_int_equal(sched_rcpts_keep_enabled(&s, 1, to, why, sizeof(why)),
	                 0);
	assert_string_equal(to[1], "dos@example.org");
	assert_int_equal(store_bounce_record(f->st, &b, 3, DAY, &off), 0);
	assert_int_equal(sched_rcpts_keep_enabled(&s, 1, to, why, sizeof(why)),
	                 0);
	assert_string_equal(to[0], "uno@example.org");
	assert_null(to[1]);
	assert_int_equal(sched_rcpts_keep_enabled(&s, 2, one, why, sizeof(why)),
	                 -ENOENT);
	assert_null(one[0]);
	assert_non_null(strstr(why, "no address of the organisation takes "
	                            "mail: 1 disabled"));
	assert_int_equal(store_address_enable(f->st, "dos@EXAMPLE.org"), 0);
	assert_int_equal(
	    sched_rcpts_keep_enabled(&s, 3, again, why, sizeof(why)), 0);
	assert_string_equal(again[0], "dos@example.org");
	sched_off_clear(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_schedule_due_timed, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_due_allday_merges_same_day, fx_setup,
	        fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_due_allday_time_configured, fx_setup,
	        fx_teardown),
	    cmocka_unit_test_setup_teardown(test_schedule_due_zones, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_schedule_offsets_precedence,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_undecided_and_cancelled_get_none, fx_setup,
	        fx_teardown),
	    cmocka_unit_test(test_schedule_late_rule),
	    cmocka_unit_test_setup_teardown(test_schedule_envelope_from_verp,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_burst_rendered_in_chunks, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_chunk_of_many_sessions, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_schedule_rcpts_keep_enabled,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test(test_schedule_backoff_doubles_to_an_hour),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_alarms_follow_sequence, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_schedule_expand_one_statement,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_schedule_expand_idempotent,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_expand_late_and_expired, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_claim_message_id_and_recover, fx_setup,
	        fx_teardown),
	    cmocka_unit_test_setup_teardown(test_schedule_outcome_for_many_rows,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test(test_schedule_row_who),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_sends_when_due_to_maildir, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_failed_replan_is_retried, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_schedule_tempfail_backs_off_then_gives_up, fx_setup,
	        fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
