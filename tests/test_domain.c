/* Tests for the domain operations the control API and the public site
 * call: sessions (adding, saving, deleting with its policy), undecided
 * sessions (fixing a date, cancelling: the TBD API), organisations (the
 * organisation API), the outbox (retry, hold, release, drop), previews of
 * messages, and the public site's pages and
 * one-click unsubscribe, each with a real in-memory store and the
 * changes they tell. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "change.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "fecha.h"
#include "fixture.h"
#include "http.h"
#include "log.h"
#include "office.h"
#include "org.h"
#include "org_self.h"
#include "outbox.h"
#include "preview.h"
#include "public.h"
#include "schedule_alarm.h"
#include "session.h"
#include "store.h"
#include "store_self.h"
#include "token.h"

struct fx {
	struct store *st;
	struct config cfg;
	struct changes changes;
	struct office of;
	char dir[64];
	/* What the changes told, in order. */
	enum change_what told[16];
	char told_uid[16][128];
	int told_ev[16];
	size_t ntold;
};

static void
on_change(void *arg, const struct change *c)
{
	struct fx *f = arg;

	if (f->ntold == 16)
		return;
	f->told[f->ntold] = c->what;
	snprintf(f->told_uid[f->ntold], sizeof(f->told_uid[0]), "%s",
	         c->uid ? c->uid : "");
	f->told_ev[f->ntold] = c->ev != NULL;
	f->ntold++;
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	fixture_open(&f->st, &f->cfg, f->dir, "test-domain");
	assert_int_equal(config_set(&f->cfg, "daemon", "timezone",
	                            "America/Mexico_City", err, sizeof(err)),
	                 0);
	assert_int_equal(change_listen(&f->changes, on_change, f), 0);
	f->of.st = f->st;
	f->of.cfg = &f->cfg;
	f->of.changes = &f->changes;
	clock_set(1514764800); /* 2018-01-01T00:00:00Z */
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

/* The audit entries of target, newest first (free with
 * audit_array_free). */
static size_t
audits(struct fx *f, const char *target, struct audit_row **rows)
{
	size_t n = 0;

	assert_int_equal(store_audit_list(f->st, target, 50, rows, &n), 0);
	return n;
}

/* A session through the domain: title, date words, topic. */
static void
session_new(struct fx *f, const char *title, const char *date,
            const char *topic, struct event *ev)
{
	const char *topics[] = {topic};
	struct session_fields fl = {.title = title,
	                            .date = date,
	                            .topics_set = 1,
	                            .topics = topics,
	                            .ntopics = 1};
	char why[300], uid[64];

	event_init(ev);
	event_str_set(&ev->tzid, "America/Mexico_City");
	snprintf(uid, sizeof(uid), "new@example.org");
	event_str_set(&ev->uid, uid);
	if (session_fields_apply(&f->of, ev, &fl, why, sizeof(why)) < 0)
		fail_msg("%s", why);
	assert_int_equal(session_add(&f->of, 1000, ev, why, sizeof(why)), 0);
}

/* ---- sessions ---- */

static void
test_session_add_save_delete(void **state)
{
	struct fx *f = *state;
	struct event ev, now, copy;
	struct audit_row *rows;
	char why[300], *baseline = NULL;
	size_t n;
	int64_t due = 0;

	session_new(f, "Foro de migración", "8 de febrero de 2018",
	            "agenda-2030", &ev);
	assert_int_equal(strncmp(ev.uid, "2018-x", 6), 0);
	assert_non_null(strstr(ev.uid, "@example.org"));
	assert_int_equal(ev.status, EVENT_CONFIRMED);
	/* Told once, with the session as stored. */
	assert_int_equal(f->ntold, 1);
	assert_int_equal(f->told[0], CHANGE_SESSION);
	assert_string_equal(f->told_uid[0], ev.uid);
	assert_true(f->told_ev[0]);
	n = audits(f, ev.uid, &rows);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].action, "event.add");
	assert_int_equal(rows[0].peer_uid, 1000);
	assert_non_null(strstr(rows[0].after, "Foro de migración"));
	audit_array_free(rows, n);

	/* Saving what subscribers would not see writes nothing. */
	assert_int_equal(event_copy(&copy, &ev), 0);
	assert_int_equal(session_save(&f->of, 1000, &ev, &copy, "event.edit", 0,
	                              why, sizeof(why)),
	                 0);
	assert_int_equal(f->ntold, 1);
	/* A new place: SEQUENCE + 1, the notice noted, audited, told. */
	event_str_set(&copy.location, "Sala 2");
	assert_int_equal(session_save(&f->of, 1000, &ev, &copy, "event.edit", 0,
	                              why, sizeof(why)),
	                 1);
	assert_int_equal(copy.sequence, ev.sequence + 1);
	assert_int_equal(store_event_get(f->st, ev.uid, &now), 0);
	assert_int_equal(now.sequence, ev.sequence + 1);
	assert_string_equal(now.location, "Sala 2");
	event_fini(&now);
	assert_int_equal(store_notice_get(f->st, ev.uid, &baseline, &due), 0);
	assert_non_null(baseline);
	free(baseline);
	n = audits(f, ev.uid, &rows);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].action, "event.edit");
	assert_null(strstr(rows[0].before, "Sala 2"));
	assert_non_null(strstr(rows[0].after, "Sala 2"));
	audit_array_free(rows, n);
	assert_int_equal(f->ntold, 2);

	/* Organisations heard of it: deleting it is refused, naming how
	 * many, unless forced. */
	{
		struct outbox_row *r;
		size_t nr;
		int added;

		assert_int_equal(
		    store_outbox_add(f->st, copy.uid, copy.sequence, "reminder",
		                     86400, 7, clock_now(), clock_now(),
		                     "example.org", &added),
		    0);
		assert_int_equal(store_outbox_claim(f->st, clock_now(), 10,
		                                    "example.org", &r, &nr),
		                 0);
		assert_int_equal(nr, 1);
		assert_int_equal(store_outbox_done(f->st, r[0].id, "sent", 1, 0,
		                                   NULL, clock_now()),
		                 0);
		outbox_row_array_free(r, nr);
	}
	assert_int_equal(session_delete(&f->of, 1000, &copy, "la sesión", 0,
	                                why, sizeof(why)),
	                 -EEXIST);
	assert_non_null(strstr(why, "1 organisation heard of la sesión"));
	assert_int_equal(store_event_get(f->st, copy.uid, &now), 0);
	event_fini(&now);
	assert_int_equal(f->ntold, 2);
	assert_int_equal(session_delete(&f->of, 1000, &copy, "la sesión", 1,
	                                why, sizeof(why)),
	                 0);
	assert_int_equal(store_event_get(f->st, copy.uid, &now), -ENOENT);
	assert_int_equal(f->ntold, 3);
	assert_int_equal(f->told[2], CHANGE_SESSION);
	assert_false(f->told_ev[2]); /* gone */
	n = audits(f, copy.uid, &rows);
	assert_string_equal(rows[0].action, "event.delete");
	assert_null(rows[0].after);
	audit_array_free(rows, n);
	event_fini(&copy);
	event_fini(&ev);
}

static void
test_session_fields_refused(void **state)
{
	struct fx *f = *state;
	const char *unknown[] = {"jardineria"};
	struct session_fields two_lines = {.title = "a\nb"},
	                      both = {.date = "8 de febrero",
	                              .start = "2018-02-08"},
	                      backwards = {.start = "2018-02-08T10:00",
	                                   .end = "2018-02-08T09:00"},
	                      topic = {.topics_set = 1,
	                               .topics = unknown,
	                               .ntopics = 1},
	                      remind = {.remind_set = 1,
	                                .remind_text = "pronto"},
	                      ok = {.remind_set = 1, .remind_text = "3d,1h"};
	struct event ev;
	char why[300];

	session_new(f, "Taller", "8 de febrero de 2018", "agenda-2030", &ev);
	assert_int_equal(
	    session_fields_apply(&f->of, &ev, &two_lines, why, sizeof(why)),
	    -EINVAL);
	assert_string_equal(why, "'title' must be one non-empty line");
	assert_int_equal(
	    session_fields_apply(&f->of, &ev, &both, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(
	    session_fields_apply(&f->of, &ev, &backwards, why, sizeof(why)),
	    -EINVAL);
	assert_string_equal(why, "the end is before the start");
	assert_int_equal(
	    session_fields_apply(&f->of, &ev, &topic, why, sizeof(why)),
	    -EINVAL);
	assert_string_equal(why, "unknown topic 'jardineria'");
	assert_int_equal(
	    session_fields_apply(&f->of, &ev, &remind, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(
	    session_fields_apply(&f->of, &ev, &ok, why, sizeof(why)), 0);
	assert_int_equal(ev.nremind, 2);
	assert_int_equal(ev.remind[0], 3 * 86400);
	event_fini(&ev);
}

/* ---- undecided sessions (the TBD API's operations) ---- */

static void
test_tbd_when_set(void **state)
{
	struct fx *f = *state;
	struct event old, ev;
	char why[300];

	session_new(f, "Consulta", "segunda quincena de marzo de 2018",
	            "cambio-climatico", &old);
	assert_int_equal(old.status, EVENT_TENTATIVE);
	assert_int_equal(event_copy(&ev, &old), 0);
	/* Words read in the session's year: a date, confirmed. */
	assert_int_equal(session_when_set(&f->of, &old, &ev, "s1",
	                                  "20 de marzo, 10:00 h", why,
	                                  sizeof(why)),
	                 0);
	assert_int_equal(ev.kind, FECHA_DATE);
	assert_int_equal(ev.start.y, 2018);
	assert_int_equal(ev.start.m, 3);
	assert_int_equal(ev.start.d, 20);
	assert_int_equal(ev.start_min, 600);
	assert_int_equal(ev.status, EVENT_CONFIRMED);
	assert_string_equal(ev.words, "20 de marzo, 10:00 h");
	/* A day without a time keeps the session's hours. */
	{
		struct event moved;

		assert_int_equal(event_copy(&moved, &ev), 0);
		assert_int_equal(session_when_set(&f->of, &ev, &moved, "s1",
		                                  "22 de marzo", why,
		                                  sizeof(why)),
		                 0);
		assert_int_equal(moved.start.d, 22);
		assert_int_equal(moved.start_min, 600);
		event_fini(&moved);
	}
	event_fini(&ev);
	/* A window is not a date; nor is 30 February. */
	assert_int_equal(event_copy(&ev, &old), 0);
	assert_int_equal(session_when_set(&f->of, &old, &ev, "s1",
	                                  "abril de 2018", why, sizeof(why)),
	                 -EINVAL);
	assert_non_null(strstr(why, "is not a date: it reads as a window"));
	event_fini(&ev);
	assert_int_equal(event_copy(&ev, &old), 0);
	assert_int_equal(session_when_set(&f->of, &old, &ev, "s1", "2018-02-30",
	                                  why, sizeof(why)),
	                 -EINVAL);
	assert_string_equal(why, "'2018-02-30' is not a valid date");
	event_fini(&ev);
	/* Nothing was written by any of them. */
	assert_int_equal(f->ntold, 1);
	/* A cancelled session is not moved: a conflict. */
	old.status = EVENT_CANCELLED;
	assert_int_equal(event_copy(&ev, &old), 0);
	assert_int_equal(session_when_set(&f->of, &old, &ev, "s1", "2018-03-20",
	                                  why, sizeof(why)),
	                 -EEXIST);
	assert_non_null(strstr(why, "session 's1' is cancelled"));
	event_fini(&ev);
	event_fini(&old);
}

static void
test_tbd_cancel_set(void **state)
{
	struct fx *f = *state;
	struct event old, ev;
	char why[300];

	session_new(f, "Consulta", "marzo de 2018", "cambio-climatico", &old);
	assert_int_equal(event_copy(&ev, &old), 0);
	assert_int_equal(session_cancel_set(&old, &ev, "s2", "Se pospone.", why,
	                                    sizeof(why)),
	                 0);
	assert_int_equal(ev.status, EVENT_CANCELLED);
	assert_string_equal(ev.reason, "Se pospone.");
	assert_int_equal(session_save(&f->of, 1000, &old, &ev, "event.cancel",
	                              0, why, sizeof(why)),
	                 1);
	event_fini(&old);
	assert_int_equal(event_copy(&old, &ev), 0);
	assert_int_equal(
	    session_cancel_set(&old, &ev, "s2", NULL, why, sizeof(why)),
	    -EEXIST);
	assert_string_equal(why, "session 's2' is already cancelled");
	event_fini(&ev);
	event_fini(&old);
}

/* ---- organisations (the organisation API's operations) ---- */

static void
org_make(struct osc *o, const char *name, const char *email)
{
	memset(o, 0, sizeof(*o));
	o->name = name ? strdup(name) : NULL;
	o->emails = calloc(1, sizeof(char *));
	o->emails[0] = strdup(email);
	o->nemails = 1;
}

static void
test_org_add_rules(void **state)
{
	struct fx *f = *state;
	char *topics[] = {"agenda-2030", "1.2"}, *bad[] = {"jardineria", "x"};
	struct audit_row *rows;
	struct osc o, out;
	char why[300];
	size_t n;

	org_make(&o, NULL, "red@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 2, &out, why, sizeof(why)),
	    -EINVAL);
	assert_string_equal(why, "'name' is required");
	osc_fini(&o);
	org_make(&o, "Red", "red@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, bad, 2, &out, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "unknown topics 'jardineria', 'x'");
	assert_int_equal(f->ntold, 0);
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 2, &out, why, sizeof(why)), 0);
	osc_fini(&o);
	assert_true(out.id > 0);
	assert_int_equal(out.ntopics, 2);
	assert_int_equal(f->ntold, 1);
	assert_int_equal(f->told[0], CHANGE_OSC);
	n = audits(f, "osc:1", &rows);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].action, "osc.add");
	assert_non_null(strstr(rows[0].after, "red@example.org"));
	/* The private feed's token never reaches the audit log. */
	assert_null(strstr(rows[0].after, "token"));
	audit_array_free(rows, n);
	osc_fini(&out);
}

static void
test_org_subscription_and_token(void **state)
{
	struct fx *f = *state;
	char *topics[] = {"agenda-2030"}, *again[] = {"agenda-2030"};
	struct audit_row *rows;
	struct osc o, added, after;
	char why[300], *token, *old_token;
	size_t n;

	org_make(&o, "Red", "red@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 1, &added, why, sizeof(why)), 0);
	osc_fini(&o);
	/* Asking again for what is so: nothing written, nobody told. */
	assert_int_equal(org_subscription(&f->of, 1000, &added, again, 1, 1,
	                                  &after, why, sizeof(why)),
	                 0);
	assert_int_equal(after.ntopics, 1);
	osc_fini(&after);
	assert_int_equal(f->ntold, 1);
	n = audits(f, "osc:1", &rows);
	assert_int_equal(n, 1);
	audit_array_free(rows, n);
	/* Leaving it: audited and told. */
	assert_int_equal(org_subscription(&f->of, 1000, &added, again, 1, -1,
	                                  &after, why, sizeof(why)),
	                 0);
	assert_int_equal(after.ntopics, 0);
	osc_fini(&after);
	assert_int_equal(f->ntold, 2);
	n = audits(f, "osc:1", &rows);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].action, "osc.unsubscribe");
	audit_array_free(rows, n);
	/* A new token: the old one is gone, the audit names neither. */
	assert_int_equal(store_osc_token_get(f->st, added.id, &old_token), 0);
	assert_int_equal(
	    org_token_reset(&f->of, 1000, &added, &token, why, sizeof(why)), 0);
	assert_string_not_equal(token, old_token);
	n = audits(f, "osc:1", &rows);
	assert_string_equal(rows[0].action, "osc.token.reset");
	assert_null(rows[0].after);
	audit_array_free(rows, n);
	free(token);
	free(old_token);
	assert_int_equal(org_remove(&f->of, 1000, &added, why, sizeof(why)), 0);
	assert_int_equal(store_osc_get(f->st, added.id, &o), -ENOENT);
	osc_fini(&added);
}

/* ---- the organisation's own page (org_self.c) ---- */

/* The newest audit entry of organisation 1: its action and client. */
static void
audit_newest(struct fx *f, const char *action, const char *client)
{
	struct audit_row *rows;
	size_t n = audits(f, "osc:1", &rows);

	assert_true(n > 0);
	assert_string_equal(rows[0].action, action);
	assert_int_equal(rows[0].peer_uid, -1);
	assert_string_equal(rows[0].client, client);
	audit_array_free(rows, n);
}

static size_t
audit_count(struct fx *f)
{
	struct audit_row *rows;
	size_t n = audits(f, "osc:1", &rows);

	audit_array_free(rows, n);
	return n;
}

static void
test_org_self_operations(void **state)
{
	struct fx *f = *state;
	char *topics[] = {"agenda-2030"}, *now[] = {"cambio-climatico", "1.1"};
	char *unknown[] = {"jardineria"}, why[300];
	struct osc o, a, b;
	struct osc_erasure *er;
	size_t n, told;

	org_make(&o, "Red", "red@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 1, &a, why, sizeof(why)), 0);
	osc_fini(&o);
	told = f->ntold;

	/* Topics: exactly those given (codes too), audited with the
	 * client, told once. */
	assert_int_equal(org_self_topics(&f->of, "192.0.2.7", &a, now, 2, &b,
	                                 why, sizeof(why)),
	                 0);
	assert_int_equal(b.ntopics, 2);
	assert_string_equal(b.topics[0], "agenda-2030");
	assert_string_equal(b.topics[1], "cambio-climatico");
	assert_int_equal(f->ntold, told + 1);
	assert_int_equal(f->told[told], CHANGE_OSC);
	audit_newest(f, "osc.self.topics", "192.0.2.7");
	osc_fini(&a);
	/* None at all is allowed; the same again writes nothing. */
	assert_int_equal(org_self_topics(&f->of, "192.0.2.7", &b, NULL, 0, &a,
	                                 why, sizeof(why)),
	                 0);
	assert_int_equal(a.ntopics, 0);
	n = audit_count(f);
	osc_fini(&b);
	assert_int_equal(org_self_topics(&f->of, "192.0.2.7", &a, NULL, 0, &b,
	                                 why, sizeof(why)),
	                 0);
	assert_int_equal(audit_count(f), n);
	osc_fini(&a);
	/* An unknown topic: refused, nothing changed. */
	assert_int_equal(org_self_topics(&f->of, "192.0.2.7", &b, unknown, 1,
	                                 &a, why, sizeof(why)),
	                 -EINVAL);
	assert_non_null(strstr(why, "jardineria"));
	assert_int_equal(audit_count(f), n);

	/* Pause and resume: the instant kept, each audited. */
	clock_set(1514764800 + 60);
	assert_int_equal(
	    org_self_pause(&f->of, "192.0.2.7", &b, 1, &a, why, sizeof(why)),
	    0);
	assert_int_equal(a.paused_at, 1514764800 + 60);
	audit_newest(f, "osc.self.pause", "192.0.2.7");
	osc_fini(&b);
	clock_set(1514764800 + 120);
	n = audit_count(f);
	assert_int_equal(
	    org_self_pause(&f->of, "192.0.2.7", &a, 1, &b, why, sizeof(why)),
	    0);
	assert_int_equal(b.paused_at, 1514764800 + 60);
	assert_int_equal(audit_count(f), n);
	osc_fini(&a);
	assert_int_equal(
	    org_self_pause(&f->of, "192.0.2.8", &b, 0, &a, why, sizeof(why)),
	    0);
	assert_int_equal(a.paused_at, 0);
	audit_newest(f, "osc.self.resume", "192.0.2.8");
	osc_fini(&b);

	/* Contact: trimmed, invisible characters removed; one line only;
	 * blank clears it. */
	assert_int_equal(org_self_contact(&f->of, "192.0.2.7", &a,
	                                  " Ana\xe2\x80\x8b L\xc3\xb3pez ", &b,
	                                  why, sizeof(why)),
	                 0);
	assert_string_equal(b.contact, "Ana L\xc3\xb3pez");
	audit_newest(f, "osc.self.contact", "192.0.2.7");
	osc_fini(&a);
	assert_int_equal(org_self_contact(&f->of, "192.0.2.7", &b, "Ana\nBeto",
	                                  &a, why, sizeof(why)),
	                 -EINVAL);
	assert_int_equal(store_osc_get(f->st, b.id, &a), 0);
	assert_string_equal(a.contact, "Ana L\xc3\xb3pez");
	osc_fini(&a);
	assert_int_equal(org_self_contact(&f->of, "192.0.2.7", &b, "  ", &a,
	                                  why, sizeof(why)),
	                 0);
	assert_null(a.contact);
	osc_fini(&b);

	/* Erasure: recorded, mail paused at once, listed for staff; then
	 * nothing more changes from the page. */
	assert_int_equal(store_osc_erasure_list(f->st, &er, &n), 0);
	assert_int_equal(n, 0);
	clock_set(1514764800 + 180);
	assert_int_equal(
	    org_self_erasure(&f->of, "192.0.2.9", &a, &b, why, sizeof(why)), 0);
	assert_int_equal(b.erasure_at, 1514764800 + 180);
	assert_int_equal(b.paused_at, 1514764800 + 180);
	audit_newest(f, "osc.self.erasure", "192.0.2.9");
	assert_int_equal(store_osc_erasure_list(f->st, &er, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(er[0].id, b.id);
	assert_string_equal(er[0].name, "Red");
	assert_int_equal(er[0].at, 1514764800 + 180);
	osc_erasure_array_free(er, n);
	osc_fini(&a);
	n = audit_count(f);
	told = f->ntold;
	assert_int_equal(
	    org_self_pause(&f->of, "192.0.2.9", &b, 0, &a, why, sizeof(why)),
	    -EPERM);
	assert_int_equal(org_self_topics(&f->of, "192.0.2.9", &b, topics, 1, &a,
	                                 why, sizeof(why)),
	                 -EPERM);
	assert_int_equal(org_self_contact(&f->of, "192.0.2.9", &b, "Otra", &a,
	                                  why, sizeof(why)),
	                 -EPERM);
	assert_int_equal(audit_count(f), n);
	assert_int_equal(f->ntold, told);
	osc_fini(&b);
}

/* A paused organisation is no recipient: the expansion of a reminder
 * leaves it out, and it is back once it resumes. */
static void
test_org_self_pause_and_expansion(void **state)
{
	struct fx *f = *state;
	char *topics[] = {"agenda-2030"}, why[300];
	struct osc o, a, b;
	struct event ev;
	size_t added = 0;

	org_make(&o, "Red", "red@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 1, &a, why, sizeof(why)), 0);
	osc_fini(&o);
	session_new(f, "Foro", "8 de febrero de 2018", "agenda-2030", &ev);
	assert_int_equal(
	    org_self_pause(&f->of, "192.0.2.7", &a, 1, &b, why, sizeof(why)),
	    0);
	assert_int_equal(store_outbox_expand(f->st, ev.uid, 0, "reminder",
	                                     86400, 1517400000, 1517400000,
	                                     &added),
	                 0);
	assert_int_equal(added, 0);
	osc_fini(&a);
	assert_int_equal(
	    org_self_pause(&f->of, "192.0.2.7", &b, 0, &a, why, sizeof(why)),
	    0);
	assert_int_equal(store_outbox_expand(f->st, ev.uid, 0, "reminder",
	                                     86400, 1517400000, 1517400000,
	                                     &added),
	                 0);
	assert_int_equal(added, 1);
	osc_fini(&a);
	osc_fini(&b);
	event_fini(&ev);
}

/* ---- the outbox (the outbox API's operation) ---- */

/* What is due soon: the session's reminders with the organisations that
 * will get them (not one that paused its mail), late past the grace. */
static void
test_outbox_upcoming(void **state)
{
	struct fx *f = *state;
	char *topics[] = {"agenda-2030"}, why[300];
	int64_t from = fixture_utc("2018-01-01T00:00:00Z");
	int64_t until = fixture_utc("2018-03-01T00:00:00Z");
	struct outbox_upcoming *u;
	struct osc o, a, b, paused;
	struct event ev;
	size_t n, i;

	org_make(&o, "Red", "red@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 1, &a, why, sizeof(why)), 0);
	osc_fini(&o);
	org_make(&o, "Pausada", "p@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 1, &b, why, sizeof(why)), 0);
	osc_fini(&o);
	assert_int_equal(org_self_pause(&f->of, "192.0.2.7", &b, 1, &paused,
	                                why, sizeof(why)),
	                 0);
	session_new(f, "Foro", "8 de febrero de 2018", "agenda-2030", &ev);
	/* The reminders the scheduler would set: a week and a day before. */
	{
		int64_t at = fixture_utc("2018-02-08T06:00:00Z");
		struct alarm_due due[] = {
		    {.offset_s = 604800, .due = at - 604800},
		    {.offset_s = 86400, .due = at - 86400}};

		assert_int_equal(
		    store_alarms_set(f->st, ev.uid, ev.sequence, due, 2, "t"),
		    0);
	}

	assert_int_equal(
	    outbox_upcoming(&f->of, from, until, 100, &u, &n, why, sizeof(why)),
	    0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_string_equal(u[i].uid, ev.uid);
		assert_string_equal(u[i].title, "Foro");
		assert_int_equal(u[i].noscs, 1);
		assert_string_equal(u[i].oscs[0], "Red");
		assert_int_equal(u[i].late, 0);
	}
	from = u[0].due + SCHEDULE_GRACE_S + 1;
	outbox_upcoming_array_free(u, n);
	assert_int_equal(
	    outbox_upcoming(&f->of, from, until, 100, &u, &n, why, sizeof(why)),
	    0);
	assert_true(n >= 1);
	assert_int_equal(u[0].late, 1);
	outbox_upcoming_array_free(u, n);
	/* Nothing due before the session's reminders. */
	assert_int_equal(outbox_upcoming(&f->of, from, from - 86400 * 60, 100,
	                                 &u, &n, why, sizeof(why)),
	                 0);
	assert_int_equal(n, 0);
	outbox_upcoming_array_free(u, n);
	osc_fini(&a);
	osc_fini(&b);
	osc_fini(&paused);
	event_fini(&ev);
}

static void
test_outbox_retry_rules(void **state)
{
	struct fx *f = *state;
	struct outbox_row *r;
	struct audit_row *rows;
	char why[300];
	size_t n, nr;
	int added;

	assert_int_equal(outbox_retry(&f->of, 1000, 99, &n, why, sizeof(why)),
	                 -ENOENT);
	assert_int_equal(store_outbox_add(f->st, "a@example.org", 1, "reminder",
	                                  86400, 7, clock_now(), clock_now(),
	                                  "example.org", &added),
	                 0);
	/* Pending: nothing to send again, a conflict. */
	assert_int_equal(outbox_retry(&f->of, 1000, 1, &n, why, sizeof(why)),
	                 -EEXIST);
	assert_non_null(strstr(why, "only failed or expired"));
	assert_int_equal(
	    store_outbox_claim(f->st, clock_now(), 10, "example.org", &r, &nr),
	    0);
	assert_int_equal(
	    store_outbox_done(f->st, r[0].id, "failed", 1, 0, "550 no", 0), 0);
	outbox_row_array_free(r, nr);
	assert_int_equal(f->ntold, 0);
	assert_int_equal(outbox_retry(&f->of, 1000, 0, &n, why, sizeof(why)),
	                 0);
	assert_int_equal(n, 1);
	assert_int_equal(f->ntold, 1);
	assert_int_equal(f->told[0], CHANGE_OSC);
	nr = audits(f, "outbox:failed", &rows);
	assert_int_equal(nr, 1);
	assert_string_equal(rows[0].action, "outbox.retry");
	assert_string_equal(rows[0].after, "{\"retried\":1}");
	audit_array_free(rows, nr);
}

/* The state of message id, or "" when there is none. */
static void
outbox_state(struct fx *f, int64_t id, char *buf, size_t len)
{
	struct store_outbox_filter all = {0};
	struct outbox_row *r;
	size_t n, i;

	buf[0] = '\0';
	assert_int_equal(store_outbox_list(f->st, &all, &r, &n), 0);
	for (i = 0; i < n; i++)
		if (r[i].id == id)
			snprintf(buf, len, "%s", r[i].state);
	outbox_row_array_free(r, n);
}

static void
test_outbox_hold_release_drop(void **state)
{
	struct fx *f = *state;
	struct store_counts c;
	struct outbox_row *r;
	struct audit_row *rows;
	char why[300], st[32];
	size_t n, nr;
	int added;
	long osc;

	/* Neither or both of a message and a session: refused. */
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_HOLD, 0, NULL, &n,
	                             why, sizeof(why)),
	                 -EINVAL);
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_HOLD, 1, "s@x", &n,
	                             why, sizeof(why)),
	                 -EINVAL);
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_HOLD, 99, NULL, &n,
	                             why, sizeof(why)),
	                 -ENOENT);
	assert_non_null(strstr(why, "no message 99"));
	/* Messages 1 and 2 of session s@x, due now, 3 of t@x. */
	for (osc = 7; osc <= 8; osc++)
		assert_int_equal(store_outbox_add(f->st, "s@x", 1, "reminder",
		                                  3600, osc, clock_now(),
		                                  clock_now(), "x", &added),
		                 0);
	assert_int_equal(store_outbox_add(f->st, "t@x", 1, "reminder", 3600, 7,
	                                  clock_now(), clock_now(), "x",
	                                  &added),
	                 0);

	/* Held: the scheduler does not claim it; release only a held one. */
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_RELEASE, 1, NULL, &n,
	                             why, sizeof(why)),
	                 -EEXIST);
	assert_non_null(strstr(why, "is pending: only a held message"));
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_HOLD, 0, "s@x", &n,
	                             why, sizeof(why)),
	                 0);
	assert_int_equal(n, 2);
	assert_int_equal(f->ntold, 1);
	assert_int_equal(f->told[0], CHANGE_OSC);
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_HOLD, 1, NULL, &n,
	                             why, sizeof(why)),
	                 -EEXIST);
	assert_int_equal(store_counts_get(f->st, &c), 0);
	assert_int_equal(c.outbox_held, 2);
	assert_int_equal(c.outbox_pending, 1);
	assert_int_equal(
	    store_outbox_claim(f->st, clock_now(), 10, "x", &r, &nr), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(r[0].uid, "t@x");
	/* Sent: it cannot be held, released or dropped. */
	assert_int_equal(
	    store_outbox_done(f->st, r[0].id, "sent", 1, 0, NULL, clock_now()),
	    0);
	outbox_row_array_free(r, nr);
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_HOLD, 3, NULL, &n,
	                             why, sizeof(why)),
	                 -EEXIST);
	assert_non_null(strstr(why, "message 3 is sent"));
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_DROP, 3, NULL, &n,
	                             why, sizeof(why)),
	                 -EEXIST);
	/* A session with nothing held: nothing to release. */
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_RELEASE, 0, "t@x", &n,
	                             why, sizeof(why)),
	                 -ENOENT);

	/* Released: pending and due now; dropped: never claimed. */
	clock_set(clock_now() + 7200);
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_RELEASE, 1, NULL, &n,
	                             why, sizeof(why)),
	                 0);
	assert_int_equal(n, 1);
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_DROP, 2, NULL, &n,
	                             why, sizeof(why)),
	                 0);
	outbox_state(f, 2, st, sizeof(st));
	assert_string_equal(st, "dropped");
	assert_int_equal(outbox_move(&f->of, 1000, OUTBOX_RELEASE, 2, NULL, &n,
	                             why, sizeof(why)),
	                 -EEXIST);
	assert_int_equal(
	    store_outbox_claim(f->st, clock_now(), 10, "x", &r, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(r[0].id, 1);
	assert_int_equal(r[0].next_try, clock_now());
	outbox_row_array_free(r, nr);
	assert_int_equal(store_counts_get(f->st, &c), 0);
	assert_int_equal(c.outbox_held, 0);
	assert_int_equal(c.outbox_dropped, 1);

	/* Who did what, on which. */
	nr = audits(f, "outbox:event:s@x", &rows);
	assert_int_equal(nr, 1);
	assert_string_equal(rows[0].action, "outbox.hold");
	assert_string_equal(rows[0].after, "{\"messages\":2}");
	assert_int_equal(rows[0].peer_uid, 1000);
	audit_array_free(rows, nr);
	nr = audits(f, "outbox:2", &rows);
	assert_int_equal(nr, 1);
	assert_string_equal(rows[0].action, "outbox.drop");
	audit_array_free(rows, nr);
	nr = audits(f, "outbox:1", &rows);
	assert_int_equal(nr, 1);
	assert_string_equal(rows[0].action, "outbox.release");
	audit_array_free(rows, nr);
}

/* ---- the public site ---- */

/* GET (post 0) or POST path on the site; the status, the body into
 * *body (malloc'ed). */
static int
site_call(struct public_site *ps, const char *method, const char *path,
          const char *data, char **body)
{
	struct http_request req = {0};
	struct http_response res = {0};

	req.method = method;
	req.path = path;
	req.body = data ? data : "";
	req.body_len = data ? strlen(data) : 0;
	req.peer_uid = -1;
	req.peer_ip = "127.0.0.1";
	res.status = 200;
	public_handle(&req, &res, ps);
	if (res.shared_body) {
		*body = strndup(res.shared_body, res.body_len);
		if (res.body_release)
			res.body_release(res.body_release_arg);
	} else {
		*body = res.body ? strndup(res.body, res.body_len) : strdup("");
		free(res.body);
	}
	assert_non_null(*body);
	return res.status;
}

static void
test_public_pages_and_unsubscribe(void **state)
{
	struct fx *f = *state;
	char *topics[] = {"agenda-2030"}, tok[256], path[300], *body;
	struct public_site *ps;
	struct osc o, added;
	struct event ev, renamed;
	char why[300];

	assert_int_equal(public_site_new(&ps, f->st, &f->cfg, &f->changes), 0);
	assert_int_equal(change_listen(&f->changes, public_on_change, ps), 0);
	session_new(f, "Foro abierto", "8 de febrero de 2018", "agenda-2030",
	            &ev);
	assert_int_equal(site_call(ps, "GET", "/", NULL, &body), 200);
	assert_non_null(strstr(body, "Foro abierto"));
	free(body);
	/* A change told drops the rendered page: the next shows it. */
	assert_int_equal(event_copy(&renamed, &ev), 0);
	event_str_set(&renamed.title, "Foro cerrado");
	assert_int_equal(session_save(&f->of, 1000, &ev, &renamed, "event.edit",
	                              0, why, sizeof(why)),
	                 1);
	assert_int_equal(
	    site_call(ps, "GET", "/temas/agenda-2030", NULL, &body), 200);
	assert_non_null(strstr(body, "Foro cerrado"));
	assert_null(strstr(body, "Foro abierto"));
	free(body);

	/* One-click unsubscribe: the page, then the POST, which writes and
	 * tells the changes. */
	org_make(&o, "Red", "red@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 1, &added, why, sizeof(why)), 0);
	osc_fini(&o);
	assert_int_equal(
	    token_unsubscribe_make(added.id, "agenda-2030", tok, sizeof(tok)),
	    0);
	snprintf(path, sizeof(path), "/baja/%s", tok);
	assert_int_equal(site_call(ps, "GET", path, NULL, &body), 200);
	assert_non_null(strstr(body, "Red"));
	free(body);
	f->ntold = 0;
	assert_int_equal(
	    site_call(ps, "POST", path, "List-Unsubscribe=One-Click", &body),
	    200);
	free(body);
	assert_int_equal(f->ntold, 1);
	assert_int_equal(f->told[0], CHANGE_OSC);
	assert_int_equal(store_osc_get(f->st, added.id, &o), 0);
	assert_int_equal(o.ntopics, 0);
	osc_fini(&o);
	/* A POST without the one-click body changes nothing; a forged
	 * token finds nothing. */
	assert_int_equal(site_call(ps, "POST", path, "x=y", &body), 400);
	free(body);
	tok[strlen(tok) - 2] ^= 1;
	snprintf(path, sizeof(path), "/baja/%s", tok);
	assert_int_equal(site_call(ps, "GET", path, NULL, &body), 404);
	free(body);
	assert_int_equal(f->ntold, 1);
	change_unlisten(&f->changes, public_on_change, ps);
	public_site_free(ps);
	osc_fini(&added);
	event_fini(&renamed);
	event_fini(&ev);
}

/* ---- preview ---- */

/* Who a preview is for, what it says when nobody would get one, and
 * that it queues nothing. */
static void
test_preview_rules(void **state)
{
	struct fx *f = *state;
	char *follows[] = {"agenda-2030"}, *other[] = {"cambio-climatico"};
	struct store_outbox_filter all = {0};
	struct outbox_row *rows;
	struct event ev, copy;
	struct preview p;
	struct osc o, a, b;
	char why[600];
	size_t n;

	assert_int_equal(config_set(&f->cfg, "mail", "from",
	                            "Oficina <agenda@example.org>", why,
	                            sizeof(why)),
	                 0);
	session_new(f, "Foro de migración", "8 de febrero de 2018",
	            "agenda-2030", &ev);
	assert_int_equal(event_copy(&copy, &ev), 0);
	assert_int_equal(
	    preview_event(&f->of, &copy, 0, NULL, &p, why, sizeof(why)),
	    -EINVAL);
	assert_non_null(strstr(why, "nobody would get a message"));
	preview_fini(&p);
	org_make(&o, "Red", "red@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, follows, 1, &a, why, sizeof(why)), 0);
	osc_fini(&o);
	org_make(&o, "Otra", "otra@example.org");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, other, 1, &b, why, sizeof(why)), 0);
	osc_fini(&o);

	/* None named: the first that follows; a reminder by default. */
	assert_int_equal(event_copy(&copy, &ev), 0);
	if (preview_event(&f->of, &copy, preview_kind_find(NULL), NULL, &p, why,
	                  sizeof(why)) < 0)
		fail_msg("%s", why);
	assert_true(p.osc_chosen);
	assert_int_equal(p.osc->id, a.id);
	assert_string_equal(p.kind, "recordatorio");
	assert_int_equal(p.ri.in.kind, MESSAGE_REMINDER);
	assert_int_equal(strncmp(p.ri.in.message_id, "preview.", 8), 0);
	assert_non_null(strstr(p.raw, "red@example.org"));
	assert_true(strlen(p.parts.subject) > 0);
	assert_true(strlen(p.parts.text) > 0);
	preview_fini(&p);

	/* One that follows none of the session's topics is told which. */
	assert_int_equal(event_copy(&copy, &ev), 0);
	assert_int_equal(
	    preview_event(&f->of, &copy, 0, "Otra", &p, why, sizeof(why)),
	    -EINVAL);
	assert_non_null(strstr(why, "follows none of the topics"));
	assert_non_null(strstr(why, "(agenda-2030)"));
	preview_fini(&p);
	assert_int_equal(event_copy(&copy, &ev), 0);
	assert_int_equal(
	    preview_event(&f->of, &copy, 0, "99", &p, why, sizeof(why)),
	    -ENOENT);
	assert_string_equal(why, "no organisation '99'");
	preview_fini(&p);

	/* A kind no notice was recorded for: the session told as that. */
	assert_int_equal(preview_kind_find("cancelar"), -1);
	assert_int_equal(event_copy(&copy, &ev), 0);
	assert_int_equal(preview_event(&f->of, &copy,
	                               preview_kind_find("cancelacion"),
	                               "red@example.org", &p, why, sizeof(why)),
	                 0);
	assert_false(p.osc_chosen);
	assert_int_equal(p.ri.in.kind, MESSAGE_CANCEL);
	assert_string_equal(p.kind, "cancelacion");
	preview_fini(&p);

	/* Nothing was queued; a message that is not there is not shown. */
	assert_int_equal(store_outbox_list(f->st, &all, &rows, &n), 0);
	assert_int_equal(n, 0);
	outbox_row_array_free(rows, n);
	assert_int_equal(preview_outbox(&f->of, 12345, &p, why, sizeof(why)),
	                 -ENOENT);
	preview_fini(&p);
	osc_fini(&a);
	osc_fini(&b);
	event_fini(&ev);
}

/* A whole file of tests/data/bounces into a malloc'ed buffer. */
static char *
bounce_fixture(const char *name, size_t *len)
{
	char path[256], *buf = malloc(1 << 20);
	FILE *fp;

	snprintf(path, sizeof(path), "tests/data/bounces/%s", name);
	assert_non_null(buf);
	assert_non_null(fp = fopen(path, "rb"));
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	buf[*len] = '\0';
	return buf;
}

/* Bounces through the domain: a DSN disables the address it names (ours,
 * by the failed recipient when the token names no message), other mail
 * changes nothing, and enabling is by address or organisation, audited,
 * refused when nothing is disabled. */
static void
test_address_bounce_and_enable(void **state)
{
	struct fx *f = *state;
	struct bounce_outcome out;
	struct audit_row *rows;
	struct address_info *v;
	struct osc o, added;
	char why[512], **on, *msg, target[32];
	size_t len, n;

	assert_int_equal(config_set(&f->cfg, "mail", "bounce_address",
	                            "rebotes@agenda.example.gob.mx", why,
	                            sizeof(why)),
	                 0);
	org_make(&o, "Red", "contacto@osc-desaparecida.org.mx");
	assert_int_equal(
	    org_add(&f->of, 1000, &o, NULL, 0, &added, why, sizeof(why)), 0);
	osc_fini(&o);
	f->ntold = 0;

	msg = bounce_fixture("postfix-5.1.1.eml", &len);
	assert_int_equal(address_bounce_take(&f->of, msg, len, "pipe", &out,
	                                     why, sizeof(why)),
	                 0);
	free(msg);
	assert_int_equal(out.b.kind, BOUNCE_PERMANENT);
	/* The fixture's token is read with the configured local part. */
	assert_string_equal(out.b.token,
	                    "109.6f1c0d2e9a8b47c5b3e2d1f0a9b8c7d6");
	assert_string_equal(out.email, "contacto@osc-desaparecida.org.mx");
	assert_int_equal(out.osc_id, added.id);
	assert_true(out.disabled);
	assert_int_equal(address_list(&f->of, 0, &v, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].osc_enabled, 0);
	address_info_array_free(v, n);

	msg = bounce_fixture("fuera-de-oficina.eml", &len);
	assert_int_equal(address_bounce_take(&f->of, msg, len, "pipe", &out,
	                                     why, sizeof(why)),
	                 0);
	free(msg);
	assert_int_equal(out.b.kind, BOUNCE_NONE);
	assert_false(out.recorded);
	assert_non_null(strstr(why, "auto"));
	assert_int_equal(address_bounce_take(&f->of, "garbage", 7, "pipe", &out,
	                                     why, sizeof(why)),
	                 -EINVAL);

	assert_int_equal(address_enable(&f->of, 1000, "a@b.c", added.id, &on,
	                                &n, why, sizeof(why)),
	                 -EINVAL);
	assert_int_equal(
	    address_enable(&f->of, 1000, NULL, 0, &on, &n, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(address_enable(&f->of, 1000, NULL, added.id, &on, &n,
	                                why, sizeof(why)),
	                 0);
	assert_int_equal(n, 1);
	assert_string_equal(on[0], "contacto@osc-desaparecida.org.mx");
	free(on[0]);
	free(on);
	snprintf(target, sizeof(target), "osc:%ld", added.id);
	n = audits(f, target, &rows);
	assert_string_equal(rows[0].action, "address.enable");
	assert_int_equal(rows[0].peer_uid, 1000);
	assert_string_equal(
	    rows[0].after,
	    "{\"enabled\":[\"contacto@osc-desaparecida.org.mx\"]}");
	audit_array_free(rows, n);
	assert_int_equal(address_enable(&f->of, 1000, NULL, added.id, &on, &n,
	                                why, sizeof(why)),
	                 -ENOENT);
	assert_int_equal(address_enable(&f->of, 1000,
	                                "contacto@osc-desaparecida.org.mx", 0,
	                                &on, &n, why, sizeof(why)),
	                 -ENOENT);
	assert_string_equal(why,
	                    "contacto@osc-desaparecida.org.mx is not disabled");
	osc_fini(&added);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_session_add_save_delete,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_session_fields_refused,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_tbd_when_set, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_tbd_cancel_set, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_org_add_rules, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_org_self_operations, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_org_self_pause_and_expansion,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_org_subscription_and_token,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_hold_release_drop,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_upcoming, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_retry_rules, fx_setup,
	                                    fx_teardown),
	    cmocka_unit_test_setup_teardown(test_address_bounce_and_enable,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_public_pages_and_unsubscribe,
	                                    fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_preview_rules, fx_setup,
	                                    fx_teardown),
	};

	log_init("test_domain", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
