/* Unit tests for daemon/bounce_take.c: a returned message tied to the
 * message and the address it was sent to, recorded, and the address
 * disabled; on a real sqlite ":memory:" database. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce_take.h"
#include "clock.h"
#include "log.h"
#include "store.h"
#include "store_bounce.h"

#define T0     1514764800 /* 2018-01-01T00:00:00Z */
#define DOMAIN "agenda.example.gob.mx"

struct fixture {
	struct store *st;
	long one, two;     /* organisations with one and two addresses */
	char tok_one[100]; /* VERP tokens of a message to each */
	char tok_two[100];
};

static const struct bounce_policy policy = {"rebotes", 3, 7 * 86400};

/* Adds an outbox row for osc and its token into tok. */
static void
outbox_token(struct store *st, long long row, long osc, char *tok, size_t len)
{
	char *mid = NULL;
	long who;
	int added;

	assert_int_equal(store_outbox_add(st, "uid-1@" DOMAIN, 0, "reminder",
	                                  3600, osc, T0, T0, DOMAIN, &added),
	                 0);
	assert_int_equal(added, 1);
	assert_int_equal(store_bounce_outbox(st, row, &who, &mid), 0);
	assert_int_equal(who, osc);
	assert_int_equal(bounce_token_make(row, mid, tok, len), 0);
	free(mid);
}

static int
setup(void **state)
{
	static struct fixture fx;
	char *one[] = {"unica@osc-uno.org.mx"};
	char *two[] = {"primera@osc-dos.org.mx", "segunda@osc-dos.org.mx"};
	struct osc o = {0};
	char err[256];

	log_level_set(LOG_LEVEL_ERR);
	memset(&fx, 0, sizeof fx);
	if (store_open(&fx.st, ":memory:", err, sizeof err) < 0)
		return -1;
	clock_set(T0);
	o.name = "Uno";
	o.emails = one;
	o.nemails = 1;
	if (store_osc_add(fx.st, &o, &fx.one) < 0)
		return -1;
	o.name = "Dos";
	o.emails = two;
	o.nemails = 2;
	if (store_osc_add(fx.st, &o, &fx.two) < 0)
		return -1;
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	store_close(fx->st);
	return 0;
}

/* A minimal RFC 3464 report delivered to rebotes+token, naming rcpt. */
static char *
dsn(const char *token, const char *rcpt, const char *status)
{
	static char buf[2048];

	snprintf(buf, sizeof buf,
	         "Delivered-To: rebotes+%s@" DOMAIN "\n"
	         "From: MAILER-DAEMON@mx.example.net\n"
	         "Subject: Undelivered Mail Returned to Sender\n"
	         "Content-Type: multipart/report; "
	         "report-type=delivery-status; boundary=\"b\"\n\n"
	         "--b\nContent-Type: message/delivery-status\n\n"
	         "Reporting-MTA: dns; mx.example.net\n\n"
	         "Final-Recipient: rfc822; %s\nAction: %s\nStatus: %s\n"
	         "Diagnostic-Code: smtp; %c50 %s no\n--b--\n",
	         token, rcpt, status[0] == '4' ? "delayed" : "failed", status,
	         status[0], status);
	return buf;
}

static int
take(struct fixture *fx, const char *msg, struct bounce_outcome *out)
{
	return bounce_take(fx->st, &policy, msg, strlen(msg), "pipe", T0, out);
}

static void
test_bounce_take_token_single_address(void **state)
{
	struct fixture *fx = *state;
	struct bounce_outcome out;

	outbox_token(fx->st, 1, fx->one, fx->tok_one, sizeof fx->tok_one);
	/* The report names a forwarding target: the token still says which
	 * of ours it was. */
	assert_int_equal(
	    take(fx, dsn(fx->tok_one, "alias@destino.example", "5.1.1"), &out),
	    0);
	assert_int_equal(out.recorded, 1);
	assert_int_equal(out.disabled, 1);
	assert_int_equal(out.outbox_id, 1);
	assert_int_equal(out.osc_id, fx->one);
	assert_string_equal(out.email, "unica@osc-uno.org.mx");
	assert_int_equal(store_address_disabled(fx->st, "unica@osc-uno.org.mx"),
	                 1);
}

static void
test_bounce_take_token_picks_named_address(void **state)
{
	struct fixture *fx = *state;
	struct bounce_outcome out;

	outbox_token(fx->st, 1, fx->two, fx->tok_two, sizeof fx->tok_two);
	assert_int_equal(
	    take(fx, dsn(fx->tok_two, "SEGUNDA@osc-dos.org.mx", "5.2.1"), &out),
	    0);
	assert_string_equal(out.email, "segunda@osc-dos.org.mx");
	assert_int_equal(out.disabled, 1);
	assert_int_equal(
	    store_address_disabled(fx->st, "primera@osc-dos.org.mx"), 0);
	/* Naming none of its addresses: recorded, no address touched. */
	assert_int_equal(
	    take(fx, dsn(fx->tok_two, "otra@lejos.example", "5.1.1"), &out), 0);
	assert_int_equal(out.recorded, 1);
	assert_string_equal(out.email, "");
	assert_int_equal(out.disabled, 0);
	assert_int_equal(
	    store_address_disabled(fx->st, "primera@osc-dos.org.mx"), 0);
}

static void
test_bounce_take_forged_token(void **state)
{
	struct fixture *fx = *state;
	struct bounce_outcome out;
	char forged[100];

	outbox_token(fx->st, 1, fx->one, fx->tok_one, sizeof fx->tok_one);
	/* Row 1 with another random part, and a row that does not exist. */
	snprintf(forged, sizeof forged, "1.%032x", 7);
	assert_int_equal(
	    take(fx, dsn(forged, "nadie@lejos.example", "5.1.1"), &out), 0);
	assert_int_equal(out.outbox_id, 0);
	assert_string_equal(out.email, "");
	assert_int_equal(store_address_disabled(fx->st, "unica@osc-uno.org.mx"),
	                 0);
	assert_int_equal(
	    take(fx, dsn("99.abcdef", "nadie@lejos.example", "5.1.1"), &out),
	    0);
	assert_int_equal(out.outbox_id, 0);
	/* Without a token, the recipient named is one of ours. */
	assert_int_equal(
	    take(fx, dsn("x", "primera@OSC-DOS.org.mx", "5.1.1"), &out), 0);
	assert_int_equal(out.osc_id, fx->two);
	assert_int_equal(out.disabled, 1);
	assert_int_equal(
	    store_address_disabled(fx->st, "primera@osc-dos.org.mx"), 1);
}

static void
test_bounce_take_transient_until_limit(void **state)
{
	struct fixture *fx = *state;
	struct bounce_outcome out;
	int i;

	outbox_token(fx->st, 1, fx->one, fx->tok_one, sizeof fx->tok_one);
	for (i = 0; i < 3; i++) {
		assert_int_equal(
		    take(fx, dsn(fx->tok_one, "unica@osc-uno.org.mx", "4.2.2"),
		         &out),
		    0);
		assert_int_equal(out.b.kind, BOUNCE_TRANSIENT);
		assert_int_equal(out.disabled, i == 2);
	}
}

static void
test_bounce_take_leaves_other_mail_alone(void **state)
{
	struct fixture *fx = *state;
	struct bounce_outcome out;
	static const char ooo[] =
	    "Delivered-To: rebotes+1.00@" DOMAIN "\n"
	    "Auto-Submitted: auto-replied\nSubject: Fuera de la oficina\n\n"
	    "Regreso el lunes.\n";

	assert_int_equal(take(fx, ooo, &out), 0);
	assert_int_equal(out.recorded, 0);
	assert_int_equal(out.b.kind, BOUNCE_NONE);
	assert_int_equal(take(fx, "no es correo", &out), -EINVAL);
	assert_int_equal(out.recorded, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_bounce_take_token_single_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_bounce_take_token_picks_named_address, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounce_take_forged_token,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_bounce_take_transient_until_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_bounce_take_leaves_other_mail_alone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
