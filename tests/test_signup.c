/* Tests for signup.c and signup_mail.c: requests from the public page,
 * their limits, confirming (open and approval), staff's decisions and
 * the confirmation mail, on a real in-memory store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "clock.h"
#include "config.h"
#include "fixture.h"
#include "message.h"
#include "office.h"
#include "org.h"
#include "public_internal.h"
#include "signup.h"
#include "signup_mail.h"
#include "store.h"
#include "strv.h"
#include "token.h"

#define T0 1925035200 /* 2031-01-01T12:00:00Z */

struct fx {
	struct store *st;
	struct config cfg;
	struct changes changes;
	struct office of;
	char dir[64];
	int told_osc;
};

static void
on_change(void *arg, const struct change *c)
{
	struct fx *f = arg;

	if (c->what == CHANGE_OSC)
		f->told_osc++;
}

static void
set(struct fx *f, const char *section, const char *key, const char *value)
{
	fixture_set(&f->cfg, section, key, value);
}

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fixture_open(&f->st, &f->cfg, f->dir, "test-signup");
	set(f, "mail", "from", "Agenda <agenda@example.org>");
	set(f, "public", "signup", "open");
	set(f, "office", "privacy_version", "2026-01-15");
	set(f, "http", "public_url", "https://agenda.example.org/");
	assert_int_equal(change_listen(&f->changes, on_change, f), 0);
	f->of.st = f->st;
	f->of.cfg = &f->cfg;
	f->of.changes = &f->changes;
	clock_set(T0);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	fixture_close(f->st, &f->cfg, f->dir);
	free(f);
	message_cleanup();
	return 0;
}

/* A well filled form for email asking for topic. */
static int
ask(struct fx *f, const char *email, const char *topic, long *id, int *held)
{
	char *topics[1] = {(char *)topic};
	struct signup_form form = {.name = "  Red «Agua & Vida»  ",
	                           .email = email,
	                           .topics = topics,
	                           .ntopics = 1,
	                           .accepted = 1,
	                           .client = "192.0.2.7"};
	char why[300];

	return signup_request(&f->of, &form, id, held, why, sizeof why);
}

/* The token of request id. */
static char *
token_of(struct fx *f, long id)
{
	struct signup_req r;
	char *t;

	assert_int_equal(store_signup_get(f->st, id, &r), 0);
	assert_non_null(r.token);
	t = strdup(r.token);
	signup_req_fini(&r);
	return t;
}

static size_t
pending_mail(struct fx *f)
{
	struct store_outbox_filter flt = {.state = "pending"};
	struct outbox_row *rows = NULL;
	size_t n = 0, i, k = 0;

	assert_int_equal(store_outbox_list(f->st, &flt, &rows, &n), 0);
	for (i = 0; i < n; i++)
		k += strcmp(rows[i].kind, "signup") == 0;
	outbox_row_array_free(rows, n);
	return k;
}

static void
test_signup_request_refuses_each_field(void **state)
{
	struct fx *f = *state;
	char *one[1] = {"agenda-2030"}, *bad[2] = {"agenda-2030", "nada"};
	struct {
		struct signup_form form;
		const char *why;
	} cases[] = {
	    {{.name = " ",
	      .email = "a@example.net",
	      .topics = one,
	      .ntopics = 1,
	      .accepted = 1},
	     "Escriba el nombre"},
	    {{.name = "Red\nOtra",
	      .email = "a@example.net",
	      .topics = one,
	      .ntopics = 1,
	      .accepted = 1},
	     "una sola línea"},
	    {{.name = "Red",
	      .email = "a en example.net",
	      .topics = one,
	      .ntopics = 1,
	      .accepted = 1},
	     "no es válida"},
	    {{.name = "Red",
	      .email = "",
	      .topics = one,
	      .ntopics = 1,
	      .accepted = 1},
	     "Escriba la dirección"},
	    {{.name = "Red",
	      .email = "a@example.net",
	      .ntopics = 0,
	      .accepted = 1},
	     "al menos un tema"},
	    {{.name = "Red",
	      .email = "a@example.net",
	      .topics = bad,
	      .ntopics = 2,
	      .accepted = 1},
	     "ya no existe"},
	    {{.name = "Red",
	      .email = "a@example.net",
	      .topics = one,
	      .ntopics = 1,
	      .accepted = 0},
	     "aviso de privacidad"},
	};
	char why[300];
	long id;
	int held;
	size_t i, n;
	int64_t last;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		assert_int_equal(signup_request(&f->of, &cases[i].form, &id,
		                                &held, why, sizeof why),
		                 -EINVAL);
		if (strstr(why, cases[i].why) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, why,
			         cases[i].why);
	}
	assert_int_equal(
	    store_signup_mailed(f->st, "a@example.net", 0, &n, &last), 0);
	assert_int_equal(n, 0);
	assert_int_equal(pending_mail(f), 0);
	assert_int_equal(f->told_osc, 0);
}

static void
test_signup_request_once_an_hour_three_a_day(void **state)
{
	struct fx *f = *state;
	struct signup_req r;
	long id;
	int held;

	assert_int_equal(ask(f, "Ana@Example.net", "agenda-2030", &id, &held),
	                 0);
	assert_int_equal(held, 0);
	assert_int_equal(pending_mail(f), 1);
	assert_int_equal(store_signup_get(f->st, id, &r), 0);
	assert_string_equal(r.name, "Red «Agua & Vida»");
	assert_string_equal(r.topics, "agenda-2030");
	assert_string_equal(r.client, "192.0.2.7");
	assert_string_equal(r.notice, "2026-01-15");
	assert_int_equal(r.expires_at, T0 + SIGNUP_VALID_S);
	assert_true(strlen(r.token) >= 22);
	signup_req_fini(&r);

	/* Within the hour, any case: held, no mail. */
	clock_set(T0 + SIGNUP_GAP_S - 1);
	assert_int_equal(ask(f, "ana@example.net", "agenda-2030", &id, &held),
	                 0);
	assert_int_equal(held, 1);
	assert_int_equal(store_signup_get(f->st, id, &r), 0);
	assert_string_equal(r.state, "held");
	assert_null(r.token);
	signup_req_fini(&r);
	assert_int_equal(pending_mail(f), 1);
	/* Another address is not held back. */
	assert_int_equal(ask(f, "otra@example.net", "agenda-2030", &id, &held),
	                 0);
	assert_int_equal(held, 0);

	clock_set(T0 + SIGNUP_GAP_S);
	assert_int_equal(ask(f, "ana@example.net", "agenda-2030", &id, &held),
	                 0);
	assert_int_equal(held, 0);
	clock_set(T0 + 2 * SIGNUP_GAP_S);
	assert_int_equal(ask(f, "ana@example.net", "agenda-2030", &id, &held),
	                 0);
	assert_int_equal(held, 0);
	clock_set(T0 + 3 * SIGNUP_GAP_S);
	assert_int_equal(ask(f, "ana@example.net", "agenda-2030", &id, &held),
	                 0);
	assert_int_equal(held, 1); /* SIGNUP_PER_DAY */
	clock_set(T0 + 86400 + 1);
	assert_int_equal(ask(f, "ana@example.net", "agenda-2030", &id, &held),
	                 0);
	assert_int_equal(held, 0);
	assert_int_equal(pending_mail(f), 5);
}

static void
test_signup_confirm_open_adds_the_organisation(void **state)
{
	struct fx *f = *state;
	enum signup_outcome out;
	struct consent *c = NULL;
	struct signup_req r;
	struct osc o;
	char why[300], *tok;
	long id, osc = 0;
	size_t n;
	int held, told;

	assert_int_equal(
	    ask(f, "red@example.net", "cambio-climatico", &id, &held), 0);
	tok = token_of(f, id);
	/* Looking changes nothing. */
	assert_int_equal(signup_lookup(&f->of, tok, &r), 0);
	signup_req_fini(&r);
	assert_int_equal(store_osc_email_owner(f->st, "red@example.net", &osc),
	                 0);
	assert_int_equal(osc, 0);

	told = f->told_osc;
	clock_set(T0 + 60);
	assert_int_equal(
	    signup_confirm(&f->of, tok, "198.51.100.9", &out, why, sizeof why),
	    0);
	assert_int_equal(out, SIGNUP_DONE);
	assert_true(f->told_osc > told);
	assert_int_equal(store_osc_email_owner(f->st, "red@example.net", &osc),
	                 0);
	assert_true(osc > 0);
	assert_int_equal(store_osc_get(f->st, osc, &o), 0);
	assert_string_equal(o.name, "Red «Agua & Vida»");
	assert_int_equal(o.ntopics, 1);
	assert_string_equal(o.topics[0], "cambio-climatico");
	osc_fini(&o);
	assert_int_equal(store_consent_list(f->st, osc, &c, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(c[0].how, "self");
	assert_string_equal(c[0].client, "198.51.100.9");
	assert_string_equal(c[0].notice, "2026-01-15");
	assert_string_equal(c[0].detail, "signup request 1");
	consent_array_free(c, n);
	assert_int_equal(store_signup_get(f->st, id, &r), 0);
	assert_string_equal(r.state, "done");
	assert_int_equal(r.osc_id, osc);
	assert_string_equal(r.confirm_client, "198.51.100.9");
	signup_req_fini(&r);

	/* Used: refused, nothing changes. */
	assert_int_equal(
	    signup_confirm(&f->of, tok, "198.51.100.9", &out, why, sizeof why),
	    -EALREADY);
	assert_int_equal(signup_confirm(&f->of, "nada", "198.51.100.9", &out,
	                                why, sizeof why),
	                 -ENOENT);
	free(tok);
}

static void
test_signup_confirm_known_address_adds_topics(void **state)
{
	struct fx *f = *state;
	char *emails[1] = {"conocida@example.net"}, *t[1] = {"agenda-2030"};
	struct osc o = {.name = "Conocida", .emails = emails, .nemails = 1};
	struct osc out;
	enum signup_outcome oc;
	struct consent *c = NULL;
	char why[300], *tok;
	long id;
	size_t n;
	int held;

	assert_int_equal(org_add(&f->of, 0, &o, t, 1, &out, why, sizeof why),
	                 0);
	/* org_add resolved the topics into o's own list. */
	strv_free(o.topics, o.ntopics);
	assert_int_equal(
	    ask(f, "CONOCIDA@example.net", "cambio-climatico", &id, &held), 0);
	tok = token_of(f, id);
	assert_int_equal(
	    signup_confirm(&f->of, tok, "192.0.2.1", &oc, why, sizeof why), 0);
	osc_fini(&out);
	assert_int_equal(store_osc_get(f->st, 1, &out), 0);
	assert_string_equal(out.name, "Conocida");
	assert_int_equal(out.ntopics, 2);
	osc_fini(&out);
	assert_int_equal(store_consent_list(f->st, 1, &c, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].how, "staff");
	assert_string_equal(c[1].how, "self");
	assert_string_equal(c[1].client, "192.0.2.1");
	consent_array_free(c, n);
	free(tok);
}

static void
test_signup_link_expires(void **state)
{
	struct fx *f = *state;
	enum signup_outcome out;
	struct signup_req r;
	char why[300], *tok;
	long id, osc = 0;
	int held;

	assert_int_equal(ask(f, "tarde@example.net", "agenda-2030", &id, &held),
	                 0);
	tok = token_of(f, id);
	clock_set(T0 + SIGNUP_VALID_S - 1);
	assert_int_equal(signup_lookup(&f->of, tok, &r), 0);
	signup_req_fini(&r);
	clock_set(T0 + SIGNUP_VALID_S);
	assert_int_equal(signup_lookup(&f->of, tok, &r), -ETIMEDOUT);
	assert_int_equal(
	    signup_confirm(&f->of, tok, "192.0.2.1", &out, why, sizeof why),
	    -ETIMEDOUT);
	assert_int_equal(
	    store_osc_email_owner(f->st, "tarde@example.net", &osc), 0);
	assert_int_equal(osc, 0);
	free(tok);
}

static void
test_signup_unconfirmed_requests_are_forgotten(void **state)
{
	struct fx *f = *state;
	struct signup_req r;
	long id1, id2;
	int held;

	assert_int_equal(
	    ask(f, "olvido@example.net", "agenda-2030", &id1, &held), 0);
	clock_set(T0 + SIGNUP_VALID_S + SIGNUP_KEEP_S);
	assert_int_equal(ask(f, "otra@example.net", "agenda-2030", &id2, &held),
	                 0);
	assert_int_equal(store_signup_get(f->st, id1, &r), 0);
	signup_req_fini(&r);
	clock_set(T0 + SIGNUP_VALID_S + SIGNUP_KEEP_S + 1);
	assert_int_equal(
	    ask(f, "tercera@example.net", "agenda-2030", &id2, &held), 0);
	assert_int_equal(store_signup_get(f->st, id1, &r), -ENOENT);
	assert_int_equal(store_signup_get(f->st, id2, &r), 0);
	signup_req_fini(&r);
}

static void
test_signup_approval_pending_approve_reject(void **state)
{
	struct fx *f = *state;
	enum signup_outcome out;
	struct signup_req *v = NULL, r;
	char why[300], *tok1, *tok2;
	long id1, id2, osc = 0;
	size_t n;
	int held;

	set(f, "public", "signup", "approval");
	assert_int_equal(ask(f, "uno@example.net", "agenda-2030", &id1, &held),
	                 0);
	assert_int_equal(ask(f, "dos@example.net", "agenda-2030", &id2, &held),
	                 0);
	/* Not confirmed yet: staff cannot decide. */
	assert_int_equal(signup_approve(&f->of, 0, id1, &osc, why, sizeof why),
	                 -EINVAL);
	assert_non_null(strstr(why, "not confirmed yet"));
	tok1 = token_of(f, id1);
	tok2 = token_of(f, id2);
	assert_int_equal(
	    signup_confirm(&f->of, tok1, "192.0.2.1", &out, why, sizeof why),
	    0);
	assert_int_equal(out, SIGNUP_WAITING);
	assert_int_equal(
	    signup_confirm(&f->of, tok2, "192.0.2.2", &out, why, sizeof why),
	    0);
	assert_int_equal(store_osc_email_owner(f->st, "uno@example.net", &osc),
	                 0);
	assert_int_equal(osc, 0);
	assert_int_equal(signup_pending(&f->of, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_null(v[0].token);
	assert_string_equal(v[0].confirm_client, "192.0.2.1");
	signup_req_array_free(v, n);

	assert_int_equal(
	    signup_approve(&f->of, 1000, id1, &osc, why, sizeof why), 0);
	assert_true(osc > 0);
	assert_int_equal(
	    signup_reject(&f->of, 1000, id2, "duplicada", why, sizeof why), 0);
	assert_int_equal(store_signup_get(f->st, id2, &r), 0);
	assert_string_equal(r.state, "rejected");
	assert_string_equal(r.reason, "duplicada");
	signup_req_fini(&r);
	assert_int_equal(signup_pending(&f->of, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
	/* Two confirmations and one welcome mail. */
	assert_int_equal(pending_mail(f), 3);
	assert_int_equal(signup_approve(&f->of, 0, id2, &osc, why, sizeof why),
	                 -EINVAL);
	assert_non_null(strstr(why, "it is rejected"));
	assert_int_equal(signup_reject(&f->of, 0, 77, NULL, why, sizeof why),
	                 -ENOENT);
	assert_int_equal(signup_reject(&f->of, 0, id1, "a\nb", why, sizeof why),
	                 -EINVAL);
	free(tok1);
	free(tok2);
}

static void
test_signup_mail_render_link_and_expiry(void **state)
{
	struct fx *f = *state;
	struct outbox_row *rows = NULL;
	const char **to = NULL;
	char err[300], *data = NULL, *tok, want[200];
	size_t n = 0, len;
	long id;
	int held;

	assert_int_equal(
	    ask(f, "red@example.net", "cambio-climatico", &id, &held), 0);
	tok = token_of(f, id);
	assert_int_equal(
	    store_outbox_claim(f->st, T0, 10, "example.org", &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].kind, "signup");
	assert_int_equal(signup_mail_render(f->st, &f->cfg, &rows[0], &data,
	                                    &len, &to, err, sizeof err),
	                 0);
	assert_string_equal(to[0], "red@example.net");
	assert_null(to[1]);
	assert_non_null(strstr(data, "Message-ID: <s."));
	assert_non_null(strstr(data, "Subject: =?UTF-8?"));
	/* The link under [http] public_url, its trailing '/' dropped (the
	 * quoted-printable body may fold it after this). */
	snprintf(want, sizeof want, "agenda.example.org/suscribir/confir");
	assert_non_null(strstr(data, want));
	free(data);
	free(to);
	/* Once the link expired, the mail is not sent any more. */
	clock_set(T0 + SIGNUP_VALID_S);
	assert_int_equal(signup_mail_render(f->st, &f->cfg, &rows[0], &data,
	                                    &len, &to, err, sizeof err),
	                 -ENOENT);
	assert_null(to);
	assert_non_null(strstr(err, "no longer valid"));
	outbox_row_array_free(rows, n);
	free(tok);
}

/* A posted form's body, as the signup form and the organisation's page
 * read it: decoded, in order, the first value of a name found; a bad
 * escape or a NUL byte refused whole, nothing half read. */
static void
test_public_fields_parse(void **state)
{
	static const char body[] = "nombre=Red+de+Mujeres+%C3%91uu&temas=a"
	                           "&temas=b&correo=x%40y.org&vacio=&solo"
	                           "&nombre=otra\r\n";
	static const char *const bad[] = {"a=%zz", "a=%4", "a=%00b", "a=1&b=%"};
	struct public_fields f;
	size_t i;

	(void)state;
	assert_int_equal(public_fields_parse(body, strlen(body), &f), 0);
	assert_string_equal(public_fields_get(&f, "nombre"),
	                    "Red de Mujeres \xc3\x91uu");
	assert_string_equal(public_fields_get(&f, "temas"), "a");
	assert_string_equal(public_fields_get(&f, "correo"), "x@y.org");
	assert_string_equal(public_fields_get(&f, "vacio"), "");
	assert_string_equal(public_fields_get(&f, "solo"), "");
	assert_null(public_fields_get(&f, "sitio"));
	assert_int_equal(f.n, 14);
	assert_string_equal(f.kv[13], "otra");
	public_fields_fini(&f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    public_fields_parse(bad[i], strlen(bad[i]), &f), -EINVAL);
		assert_int_equal(f.n, 0);
		assert_null(f.kv);
	}
	assert_int_equal(public_fields_parse("", 0, &f), 0);
	assert_int_equal(f.n, 0);
	public_fields_fini(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	    T(test_signup_request_refuses_each_field),
	    T(test_signup_request_once_an_hour_three_a_day),
	    T(test_signup_confirm_open_adds_the_organisation),
	    T(test_signup_confirm_known_address_adds_topics),
	    T(test_signup_link_expires),
	    T(test_signup_unconfirmed_requests_are_forgotten),
	    T(test_signup_approval_pending_approve_reject),
	    T(test_signup_mail_render_link_and_expiry),
#undef T
	    cmocka_unit_test(test_public_fields_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
