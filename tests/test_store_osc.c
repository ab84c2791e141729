/* Unit tests for daemon/store_osc.c (organisations, addresses,
 * subscriptions, feed tokens) on a real sqlite ":memory:" database. */
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
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "store.h"

#define T0 1514764800 /* 2018-01-01T00:00:00Z */

static int
setup(void **state)
{
	struct store *st;
	struct topic t[] = {
	    {"1.2", "cambio-climatico", "Cambio climático", NULL, 0},
	    {"1.3", "migracion", "Migración internacional", NULL, 0},
	    {"2.1", "agenda-2030", "Agenda 2030", NULL, 0},
	};
	char err[256];
	size_t i;

	log_level_set(LOG_LEVEL_ERR);
	if (store_open(&st, ":memory:", err, sizeof err) < 0) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	clock_set(T0);
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (store_topic_put(st, &t[i]) < 0) {
			store_close(st);
			return -1;
		}
	*state = st;
	return 0;
}

static int
teardown(void **state)
{
	store_close(*state);
	clock_real();
	return 0;
}

/* Add an organisation; emails and topics are NULL-terminated lists. */
static long
osc_add(struct store *st, const char *name, const char *const *emails,
        const char *const *topics)
{
	struct osc o = {0};
	long id = 0;

	o.name = (char *)name;
	o.emails = (char **)emails;
	while (emails && emails[o.nemails])
		o.nemails++;
	o.topics = (char **)topics;
	while (topics && topics[o.ntopics])
		o.ntopics++;
	if (store_osc_add(st, &o, &id) != 0)
		fail_msg("store_osc_add: %s", store_error(st));
	assert_true(id > 0);
	return id;
}

static long
count_oscs(struct store *st)
{
	struct store_counts c;

	assert_int_equal(store_counts_get(st, &c), 0);
	return c.oscs;
}

static long
count_subscriptions(struct store *st)
{
	struct store_counts c;

	assert_int_equal(store_counts_get(st, &c), 0);
	return c.subscriptions;
}

/* ---- address checks ---- */

/* ---- add, get, update ---- */

static void
test_store_osc_add_get_roundtrip(void **state)
{
	struct store *st = *state;
	static const char *const emails[] = {"uno@osc.org.mx", "dos@osc.org.mx",
	                                     NULL};
	static const char *const topics[] = {"migracion", "cambio-climatico",
	                                     NULL};
	struct osc o = {0}, got;
	long id;

	o.name = "Red Jalisciense de Derechos Humanos";
	o.emails = (char **)emails;
	o.nemails = 2;
	o.contact = "Ana Pérez";
	o.state = "Jalisco";
	o.topics = (char **)topics;
	o.ntopics = 2;
	assert_int_equal(store_osc_add(st, &o, &id), 0);
	assert_int_equal(store_osc_get(st, id, &got), 0);
	assert_int_equal(got.id, id);
	assert_string_equal(got.name, "Red Jalisciense de Derechos Humanos");
	assert_int_equal(got.nemails, 2);
	assert_string_equal(got.emails[0], "uno@osc.org.mx");
	assert_string_equal(got.emails[1], "dos@osc.org.mx");
	assert_string_equal(got.contact, "Ana Pérez");
	assert_string_equal(got.state, "Jalisco");
	assert_int_equal(got.ntopics, 2); /* by slug */
	assert_string_equal(got.topics[0], "cambio-climatico");
	assert_string_equal(got.topics[1], "migracion");
	assert_int_equal(got.created_at, T0);
	assert_non_null(got.token);
	assert_int_equal(strlen(got.token), 22);
	assert_int_equal(strspn(got.token,
	                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
	                        "klmnopqrstuvwxyz0123456789-_"),
	                 22);
	osc_fini(&got);

	assert_int_equal(store_osc_get(st, id + 1, &got), -ENOENT);
	assert_non_null(strstr(store_error(st), "no organisation"));
	assert_int_equal(count_oscs(st), 1);
	assert_int_equal(count_subscriptions(st), 2);
}

static void
test_store_osc_add_without_state_or_contact(void **state)
{
	struct store *st = *state;
	static const char *const e[] = {"sola@example.org", NULL};
	long id = osc_add(st, "Sin datos", e, NULL);
	struct osc got;

	assert_int_equal(store_osc_get(st, id, &got), 0);
	assert_null(got.state);
	assert_null(got.contact);
	assert_int_equal(got.ntopics, 0);
	osc_fini(&got);
}

static void
test_store_osc_add_refuses_duplicates(void **state)
{
	struct store *st = *state;
	static const char *const first[] = {"Ana@Example.org", NULL};
	static const char *const twice[] = {"b@example.org", "B@EXAMPLE.ORG",
	                                    NULL};
	static const char *const taken[] = {"c@example.org", "ana@example.ORG",
	                                    NULL};
	struct osc o = {0};
	long a = osc_add(st, "Primera", first, NULL), id = 0;

	o.name = "Segunda";
	o.emails = (char **)twice;
	o.nemails = 2;
	assert_int_equal(store_osc_add(st, &o, &id), -EINVAL);
	assert_non_null(
	    strstr(store_error(st), "'B@EXAMPLE.ORG' is given twice"));
	o.emails = (char **)taken;
	assert_int_equal(store_osc_add(st, &o, &id), -EEXIST);
	assert_non_null(strstr(store_error(st), "'ana@example.ORG'"));
	assert_non_null(strstr(store_error(st), "Primera"));
	assert_int_equal(id, 0);
	/* Nothing of the refused ones was written. */
	assert_int_equal(count_oscs(st), 1);
	o.emails = (char **)(taken + 0);
	o.nemails = 1;
	assert_int_equal(store_osc_add(st, &o, &id), 0);
	assert_true(id > a);
}

static void
test_store_osc_add_refuses_bad_input(void **state)
{
	struct store *st = *state;
	static const char *const ok[] = {"ok@example.org", NULL};
	static const char *const bad[] = {"ok@example.org",
	                                  "x@example.org\nBcc: y@z.org", NULL};
	static const char *const topics[] = {"migracion", "nope", "nada", NULL};
	struct osc o = {0};
	long id;

	o.name = "Mala";
	o.emails = (char **)bad;
	o.nemails = 2;
	assert_int_equal(store_osc_add(st, &o, &id), -EINVAL);
	assert_non_null(strstr(store_error(st), "line break"));
	o.emails = (char **)ok;
	o.nemails = 1;
	o.topics = (char **)topics;
	o.ntopics = 3;
	assert_int_equal(store_osc_add(st, &o, &id), -EINVAL);
	assert_non_null(strstr(store_error(st), "'nope', 'nada'"));
	o.ntopics = 0;
	o.name = "Dos\r\nlíneas";
	assert_int_equal(store_osc_add(st, &o, &id), -EINVAL);
	o.name = "Bien";
	o.state = "Nuevo\nLeón";
	assert_int_equal(store_osc_add(st, &o, &id), -EINVAL);
	o.state = NULL;
	o.nemails = 0;
	assert_int_equal(store_osc_add(st, &o, &id), -EINVAL);
	o.name = "  ";
	o.nemails = 1;
	assert_int_equal(store_osc_add(st, &o, &id), -EINVAL);
	assert_int_equal(count_oscs(st), 0);
	assert_int_equal(count_subscriptions(st), 0);
}

static void
test_store_osc_update_replaces_fields_and_addresses(void **state)
{
	struct store *st = *state;
	static const char *const e1[] = {"a@example.org", "b@example.org",
	                                 NULL};
	static const char *const e2[] = {"c@example.org", NULL};
	static const char *const topics[] = {"migracion", NULL};
	static const char *const now[] = {"c@example.org", "A@example.org",
	                                  NULL};
	static const char *const steal[] = {"c@example.org", NULL};
	long a = osc_add(st, "Uno", e1, topics),
	     b = osc_add(st, "Dos", e2, NULL);
	struct osc o = {0}, got;

	o.id = a;
	o.name = "Uno renombrada";
	o.contact = "Luis";
	o.state = "Oaxaca";
	o.emails = (char **)steal;
	o.nemails = 1;
	/* c@ is Dos's: refused, and nothing changed. */
	assert_int_equal(store_osc_update(st, &o), -EEXIST);
	assert_non_null(strstr(store_error(st), "c@example.org"));
	assert_int_equal(store_osc_get(st, a, &got), 0);
	assert_string_equal(got.name, "Uno");
	assert_int_equal(got.nemails, 2);
	osc_fini(&got);

	/* Dos gives up c@ and takes b@ from nobody: Uno still has it. */
	o.id = b;
	o.name = "Dos";
	o.emails = (char **)e1 + 1;
	assert_int_equal(store_osc_update(st, &o), -EEXIST);

	o.id = a;
	o.name = "Uno renombrada";
	o.emails = (char **)(e1 + 0);
	o.nemails = 1; /* a@ only: b@ is free again */
	assert_int_equal(store_osc_update(st, &o), 0);
	assert_int_equal(store_osc_get(st, a, &got), 0);
	assert_string_equal(got.name, "Uno renombrada");
	assert_string_equal(got.contact, "Luis");
	assert_string_equal(got.state, "Oaxaca");
	assert_int_equal(got.nemails, 1);
	assert_string_equal(got.emails[0], "a@example.org");
	assert_int_equal(got.ntopics, 1); /* topics are left alone */
	osc_fini(&got);

	o.id = b;
	o.name = "Dos";
	o.emails = (char **)now;
	o.nemails = 2;
	assert_int_equal(store_osc_update(st, &o), -EEXIST); /* A@ is Uno's */
	o.emails = (char **)e1 + 1;
	o.nemails = 1;
	assert_int_equal(store_osc_update(st, &o), 0);
	o.id = 999;
	assert_int_equal(store_osc_update(st, &o), -ENOENT);
}

/* ---- find, list, remove ---- */

static void
test_store_osc_find_by_address_or_name(void **state)
{
	struct store *st = *state;
	static const char *const e1[] = {"uno@example.org", "otra@example.org",
	                                 NULL};
	static const char *const e2[] = {"dos@example.org", NULL};
	static const char *const e3[] = {"tres@example.org", NULL};
	long a = osc_add(st, "Colectivo", e1, NULL);
	long b = osc_add(st, "Gemela", e2, NULL);
	struct osc got;

	osc_add(st, "Gemela", e3, NULL);
	assert_int_equal(store_osc_find(st, "OTRA@example.org", &got), 0);
	assert_int_equal(got.id, a);
	osc_fini(&got);
	assert_int_equal(store_osc_find(st, "Colectivo", &got), 0);
	assert_int_equal(got.id, a);
	osc_fini(&got);
	assert_int_equal(store_osc_find(st, "colectivo", &got), -ENOENT);
	assert_int_equal(store_osc_find(st, "Gemela", &got), -EEXIST);
	assert_non_null(strstr(store_error(st), "2 organisations"));
	assert_int_equal(store_osc_find(st, "dos@example.org", &got), 0);
	assert_int_equal(got.id, b);
	osc_fini(&got);
	assert_int_equal(store_osc_find(st, "nadie@example.org", &got),
	                 -ENOENT);
	assert_non_null(strstr(store_error(st), "nadie@example.org"));
}

static void
test_store_osc_list_by_name_and_topic(void **state)
{
	struct store *st = *state;
	static const char *const e1[] = {"z@example.org", NULL};
	static const char *const e2[] = {"y@example.org", "y2@example.org",
	                                 NULL};
	static const char *const e3[] = {"x@example.org", NULL};
	static const char *const mig[] = {"migracion", NULL};
	static const char *const both[] = {"migracion", "agenda-2030", NULL};
	struct osc *v;
	size_t n;

	osc_add(st, "Zeta", e1, mig);
	osc_add(st, "Alfa", e2, both);
	osc_add(st, "Beta", e3, NULL);
	assert_int_equal(store_osc_list(st, NULL, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "Alfa");
	assert_string_equal(v[1].name, "Beta");
	assert_string_equal(v[2].name, "Zeta");
	assert_int_equal(v[0].nemails, 2);
	assert_string_equal(v[0].emails[1], "y2@example.org");
	assert_int_equal(v[0].ntopics, 2);
	assert_int_equal(v[1].ntopics, 0);
	assert_int_equal(v[2].ntopics, 1);
	osc_array_free(v, n);

	assert_int_equal(store_osc_list(st, "migracion", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "Alfa");
	/* All of its topics, not only the one asked for. */
	assert_int_equal(v[0].ntopics, 2);
	assert_string_equal(v[1].name, "Zeta");
	osc_array_free(v, n);
	assert_int_equal(store_osc_list(st, "cambio-climatico", &v, &n), 0);
	assert_int_equal(n, 0);
	osc_array_free(v, n);
}

static void
test_store_osc_remove_cascades(void **state)
{
	struct store *st = *state;
	static const char *const e[] = {"a@example.org", "b@example.org", NULL};
	static const char *const topics[] = {"migracion", "agenda-2030", NULL};
	long id = osc_add(st, "Se va", e, topics);

	assert_int_equal(count_subscriptions(st), 2);
	assert_int_equal(store_osc_remove(st, id), 0);
	assert_int_equal(count_oscs(st), 0);
	assert_int_equal(count_subscriptions(st), 0);
	assert_int_equal(store_osc_remove(st, id), -ENOENT);
	/* Its addresses are free again; its number is not. */
	assert_true(osc_add(st, "Llega", e, NULL) > id);
}

/* ---- subscriptions ---- */

static void
test_store_osc_subscribe_unsubscribe_idempotent(void **state)
{
	struct store *st = *state;
	static const char *const e[] = {"s@example.org", NULL};
	static const char *const mig[] = {"migracion"};
	static const char *const two[] = {"migracion", "agenda-2030"};
	static const char *const bad[] = {"agenda-2030", "no-existe"};
	long id = osc_add(st, "Suscrita", e, NULL);
	struct osc got;

	assert_int_equal(store_osc_subscribe(st, id, two, 2), 0);
	assert_int_equal(store_osc_subscribe(st, id, two, 2), 0);
	assert_int_equal(count_subscriptions(st), 2);
	assert_int_equal(store_osc_unsubscribe(st, id, mig, 1), 0);
	assert_int_equal(store_osc_unsubscribe(st, id, mig, 1), 0);
	assert_int_equal(count_subscriptions(st), 1);
	assert_int_equal(store_osc_get(st, id, &got), 0);
	assert_int_equal(got.ntopics, 1);
	assert_string_equal(got.topics[0], "agenda-2030");
	osc_fini(&got);

	/* The ended row is kept: an import does not start it again, an
	 * explicit subscribe does. */
	assert_int_equal(store_osc_subscribe_new(st, id, mig, 1), 0);
	assert_int_equal(count_subscriptions(st), 1);
	assert_int_equal(store_osc_subscribe(st, id, mig, 1), 0);
	assert_int_equal(count_subscriptions(st), 2);

	/* Unknown topic: refused whole, naming it. */
	assert_int_equal(store_osc_unsubscribe(st, id, bad, 2), -EINVAL);
	assert_non_null(strstr(store_error(st), "'no-existe'"));
	assert_int_equal(count_subscriptions(st), 2);
	assert_int_equal(store_osc_subscribe(st, id + 7, mig, 1), -ENOENT);
	/* Unsubscribing from a topic never followed is no error. */
	assert_int_equal(
	    store_osc_unsubscribe(st, id,
	                          (const char *const[]){"cambio-climatico"}, 1),
	    0);
}

/* ---- tokens ---- */

static void
test_store_osc_token_get_reset_lookup(void **state)
{
	struct store *st = *state;
	static const char *const e[] = {"t@example.org", NULL};
	long id = osc_add(st, "Con feed", e, NULL);
	char *t1, *t2, *t3;
	struct osc got;

	assert_int_equal(store_osc_token_get(st, id, &t1), 0);
	assert_int_equal(store_osc_token_get(st, id, &t2), 0);
	assert_string_equal(t1, t2);
	assert_int_equal(store_osc_by_token(st, t1, &got), 0);
	assert_int_equal(got.id, id);
	osc_fini(&got);
	assert_int_equal(store_osc_token_reset(st, id, &t3), 0);
	assert_string_not_equal(t1, t3);
	assert_int_equal(store_osc_by_token(st, t1, &got), -ENOENT);
	/* The secret is not repeated in the message. */
	assert_null(strstr(store_error(st), t1));
	assert_int_equal(store_osc_by_token(st, t3, &got), 0);
	assert_int_equal(got.nemails, 1);
	osc_fini(&got);
	assert_int_equal(store_osc_by_token(st, "", &got), -ENOENT);
	free(t2);
	assert_int_equal(store_osc_token_reset(st, id + 1, &t2), -ENOENT);
	assert_null(t2);
	free(t1);
	free(t3);
	assert_int_equal(store_osc_token_get(st, id + 1, &t1), -ENOENT);
	assert_null(t1);
}

/* ---- subscribers of a session ---- */

static void
session_put(struct store *st, const char *uid, const char *const *topics)
{
	struct event ev;
	struct fecha_date d = {2018, 2, 8};

	event_init(&ev);
	assert_int_equal(event_str_set(&ev.uid, uid), 0);
	assert_int_equal(event_str_set(&ev.title, "Reunión"), 0);
	ev.kind = FECHA_DATE;
	ev.status = EVENT_CONFIRMED;
	ev.start = ev.end = d;
	for (; *topics; topics++)
		assert_int_equal(event_topic_add(&ev, *topics, *topics), 0);
	assert_int_equal(store_event_put(st, &ev), 0);
	event_fini(&ev);
}

/*
 * Session 2018-08@example.org (migracion, cambio-climatico) and four
 * organisations: Zeta follows both topics (two addresses), Otra another
 * topic, Dada de baja ended its migracion, Alfa follows migracion and
 * another. Their numbers, in that order, into id.
 */
static void
subscribers_put(struct store *st, long id[4])
{
	static const char *const session[] = {"migracion", "cambio-climatico",
	                                      NULL};
	static const char *const both[] = {"migracion", "cambio-climatico",
	                                   NULL};
	static const char *const other[] = {"agenda-2030", NULL};
	static const char *const mixed[] = {"agenda-2030", "migracion", NULL};
	static const char *const mig[] = {"migracion", NULL};
	static const char *const ea[] = {"a1@example.org", "a2@example.org",
	                                 NULL};
	static const char *const eb[] = {"b@example.org", NULL};
	static const char *const ec[] = {"c@example.org", NULL};
	static const char *const ed[] = {"d@example.org", NULL};

	session_put(st, "2018-08@example.org", session);
	id[0] = osc_add(st, "Zeta", ea, both);
	id[1] = osc_add(st, "Otra", eb, other);
	id[2] = osc_add(st, "Dada de baja", ec, mig);
	id[3] = osc_add(st, "Alfa", ed, mixed);
	assert_int_equal(store_osc_unsubscribe(st, id[2], mig, 1), 0);
}

/* Zeta and Alfa of subscribers_put, as a session's subscribers. */
static void
zeta_check(const struct osc *o)
{
	assert_string_equal(o->name, "Zeta");
	assert_int_equal(o->nemails, 2);
	assert_string_equal(o->emails[0], "a1@example.org");
	assert_string_equal(o->emails[1], "a2@example.org");
	assert_int_equal(o->ntopics, 2);
	assert_string_equal(o->topics[0], "cambio-climatico");
	assert_string_equal(o->topics[1], "migracion");
}

static void
alfa_check(const struct osc *o)
{
	assert_string_equal(o->name, "Alfa");
	assert_int_equal(o->nemails, 1);
	assert_string_equal(o->emails[0], "d@example.org");
	/* Only the session's topics it follows, not agenda-2030. */
	assert_int_equal(o->ntopics, 1);
	assert_string_equal(o->topics[0], "migracion");
}

static void
test_store_osc_subscribers_once_with_session_topics(void **state)
{
	struct store *st = *state;
	struct osc *v;
	size_t n;
	long id[4];

	subscribers_put(st, id);
	assert_int_equal(
	    store_osc_subscribers(st, "2018-08@example.org", &v, &n), 0);
	/* By name. */
	assert_int_equal(n, 2);
	alfa_check(&v[0]);
	zeta_check(&v[1]);
	osc_array_free(v, n);

	assert_int_equal(store_osc_subscribers(st, "nope@example.org", &v, &n),
	                 0);
	assert_int_equal(n, 0);
	osc_array_free(v, n);
}

/* The subscribers among some ids only: those that follow the session,
 * by id, each once, as store_osc_subscribers gives them; past 32 ids (one
 * statement's worth) too. */
static void
test_store_osc_subscribers_among_ids(void **state)
{
	struct store *st = *state;
	static const char *const both[] = {"migracion", "cambio-climatico",
	                                   NULL};
	static const char *const mixed[] = {"agenda-2030", "migracion", NULL};
	struct osc *v, *all;
	size_t n, nall, i;
	long id[4], a, b, c, d, ids[100];
	int k = 0;

	subscribers_put(st, id);
	a = id[0];
	b = id[1];
	c = id[2];
	d = id[3];

	ids[0] = d;
	ids[1] = c;
	ids[2] = a;
	ids[3] = b;
	ids[4] = a;
	ids[5] = 999999;
	assert_int_equal(store_osc_subscribers_among(st, "2018-08@example.org",
	                                             ids, 6, &v, &n),
	                 0);
	/* By id, not by name. */
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, a);
	zeta_check(&v[0]);
	assert_int_equal(v[1].id, d);
	alfa_check(&v[1]);
	osc_array_free(v, n);

	/* None asked, an unknown session: none, no error. */
	assert_int_equal(store_osc_subscribers_among(st, "2018-08@example.org",
	                                             ids, 0, &v, &n),
	                 0);
	assert_int_equal(n, 0);
	assert_int_equal(
	    store_osc_subscribers_among(st, "nope@example.org", ids, 6, &v, &n),
	    0);
	assert_int_equal(n, 0);
	osc_array_free(v, n);

	/* 70 more followers, asked for in the reverse of their order with
	 * the others among them: the same as store_osc_subscribers says of
	 * each. */
	for (i = 0; i < 70; i++) {
		char name[32], e1[64], e2[64];
		const char *emails[] = {e1, e2, NULL};

		snprintf(name, sizeof(name), "Org %02zu", i);
		snprintf(e1, sizeof(e1), "uno%zu@example.org", i);
		snprintf(e2, sizeof(e2), "dos%zu@example.org", i);
		ids[k++] = osc_add(st, name, emails, i % 2 ? both : mixed);
	}
	ids[k++] = b;
	ids[k++] = c;
	for (i = 0; i < (size_t)k / 2; i++) {
		long t = ids[i];

		ids[i] = ids[k - 1 - i];
		ids[k - 1 - i] = t;
	}
	assert_int_equal(store_osc_subscribers_among(st, "2018-08@example.org",
	                                             ids, (size_t)k, &v, &n),
	                 0);
	assert_int_equal(n, 70);
	assert_int_equal(
	    store_osc_subscribers(st, "2018-08@example.org", &all, &nall), 0);
	assert_int_equal(nall, 72);
	for (i = 0; i < n; i++) {
		size_t j, t;

		if (i > 0)
			assert_true(v[i - 1].id < v[i].id);
		for (j = 0; j < nall && all[j].id != v[i].id; j++)
			;
		assert_true(j < nall);
		assert_string_equal(v[i].name, all[j].name);
		assert_int_equal(v[i].nemails, all[j].nemails);
		for (t = 0; t < v[i].nemails; t++)
			assert_string_equal(v[i].emails[t], all[j].emails[t]);
		assert_int_equal(v[i].ntopics, all[j].ntopics);
		for (t = 0; t < v[i].ntopics; t++)
			assert_string_equal(v[i].topics[t], all[j].topics[t]);
	}
	osc_array_free(v, n);
	osc_array_free(all, nall);
}

/* Many organisations: every one comes back with its own addresses (the
 * rows are joined by id while ordered by name). */
static void
test_store_osc_list_many_joins_by_id(void **state)
{
	struct store *st = *state;
	static const char *const mig[] = {"migracion", NULL};
	char name[32], addr[64];
	const char *e[2] = {addr, NULL};
	struct osc *v;
	size_t n, i;
	int k;

	for (k = 0; k < 300; k++) {
		/* Names sort in the reverse of their ids. */
		snprintf(name, sizeof name, "OSC %03d", 999 - k);
		snprintf(addr, sizeof addr, "osc%d@example.org", 999 - k);
		osc_add(st, name, e, k % 2 ? mig : NULL);
	}
	assert_int_equal(store_osc_list(st, NULL, &v, &n), 0);
	assert_int_equal(n, 300);
	for (i = 0; i < n; i++) {
		snprintf(addr, sizeof addr, "osc%s@example.org", v[i].name + 4);
		assert_int_equal(v[i].nemails, 1);
		assert_string_equal(v[i].emails[0], addr);
		assert_int_equal(v[i].ntopics, (999 - atoi(v[i].name + 4)) % 2);
	}
	osc_array_free(v, n);
}

static char *emails_one[2];

/* Consent is recorded with the organisation, in one operation, kept in
 * order, and goes with it. */
static void
test_store_consent_with_add_and_after(void **state)
{
	struct store *st = *state;
	static const char *const emails[] = {"c@osc.org.mx", NULL};
	struct consent given = {.how = "self",
	                        .by_uid = -1,
	                        .client = "192.0.2.7",
	                        .notice = "2026-01-15",
	                        .detail = "signup request 3"};
	struct consent more = {.how = "staff", .by_uid = 1000};
	struct consent bad = {.how = "nadie", .by_uid = -1};
	struct consent *c;
	struct osc o = {0};
	size_t n;
	long id, first;

	o.name = "Consentida";
	o.emails = (char **)emails;
	o.nemails = 1;
	o.consent = &given;
	assert_int_equal(store_osc_add(st, &o, &id), 0);
	first = id;
	assert_int_equal(store_consent_add(st, id, &more), 0);
	/* An unknown way is refused by the table, nothing added. */
	assert_int_not_equal(store_consent_add(st, id, &bad), 0);
	assert_int_equal(store_consent_list(st, id, &c, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].how, "self");
	assert_int_equal(c[0].by_uid, -1);
	assert_string_equal(c[0].client, "192.0.2.7");
	assert_string_equal(c[0].notice, "2026-01-15");
	assert_string_equal(c[0].detail, "signup request 3");
	assert_int_equal(c[0].at, T0);
	assert_string_equal(c[1].how, "staff");
	assert_int_equal(c[1].by_uid, 1000);
	assert_null(c[1].client);
	assert_null(c[1].notice);
	consent_array_free(c, n);

	/* Without o->consent nothing is recorded. */
	o.consent = NULL;
	o.name = "Sin registro";
	emails_one[0] = "s@osc.org.mx";
	o.emails = emails_one;
	assert_int_equal(store_osc_add(st, &o, &id), 0);
	assert_int_equal(store_consent_list(st, id, &c, &n), 0);
	assert_int_equal(n, 0);
	consent_array_free(c, n);

	assert_int_equal(store_osc_remove(st, first), 0);
	assert_int_equal(store_consent_list(st, first, &c, &n), 0);
	assert_int_equal(n, 0);
	consent_array_free(c, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_store_osc_add_get_roundtrip),
	    T(test_store_osc_add_without_state_or_contact),
	    T(test_store_osc_add_refuses_duplicates),
	    T(test_store_osc_add_refuses_bad_input),
	    T(test_store_osc_update_replaces_fields_and_addresses),
	    T(test_store_osc_find_by_address_or_name),
	    T(test_store_osc_list_by_name_and_topic),
	    T(test_store_osc_remove_cascades),
	    T(test_store_osc_subscribe_unsubscribe_idempotent),
	    T(test_store_osc_token_get_reset_lookup),
	    T(test_store_osc_subscribers_once_with_session_topics),
	    T(test_store_osc_subscribers_among_ids),
	    T(test_store_osc_list_many_joins_by_id),
	    T(test_store_consent_with_add_and_after),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
