/* Unit tests for daemon/bounce.c: what came back to the bounce address,
 * read from the shapes real MTAs send (tests/data/bounces). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"

#define DIR "tests/data/bounces/"

/* The whole file at path, and its length in *len. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Parses the fixture name with the local part "rebotes" into *b. */
static void
parse_file(const char *name, struct bounce *b)
{
	char path[256];
	size_t len;
	char *msg;

	snprintf(path, sizeof path, DIR "%s", name);
	msg = slurp(path, &len);
	assert_int_equal(bounce_parse(msg, len, "rebotes", b), 0);
	free(msg);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("'%s' lacks '%s'", hay, needle);
}

static void
test_bounce_postfix_user_unknown(void **state)
{
	struct bounce b;

	(void)state;
	parse_file("postfix-5.1.1.eml", &b);
	assert_int_equal(b.kind, BOUNCE_PERMANENT);
	assert_string_equal(b.token, "109.6f1c0d2e9a8b47c5b3e2d1f0a9b8c7d6");
	assert_string_equal(
	    b.message_id,
	    "r.6f1c0d2e9a8b47c5b3e2d1f0a9b8c7d6@agenda.example.gob.mx");
	assert_string_equal(b.recipient, "contacto@osc-desaparecida.org.mx");
	assert_string_equal(b.status, "5.1.1");
	/* The folded Diagnostic-Code comes back on one line. */
	assert_contains(b.detail,
	                "550 5.1.1 <contacto@osc-desaparecida.org.mx>:"
	                " Recipient address rejected: User unknown");
	assert_string_equal(bounce_kind_name(b.kind), "permanent");
}

static void
test_bounce_postfix_delayed_is_transient(void **state)
{
	struct bounce b;

	(void)state;
	parse_file("postfix-delayed.eml", &b);
	assert_int_equal(b.kind, BOUNCE_TRANSIENT);
	assert_string_equal(b.token, "110.00112233445566778899aabbccddeeff");
	assert_string_equal(b.recipient, "enlace@osc-lenta.org.mx");
	assert_string_equal(b.status, "4.4.1");
	assert_contains(b.detail, "Connection timed out");
}

static void
test_bounce_exim_dsn(void **state)
{
	struct bounce b;

	(void)state;
	parse_file("exim.eml", &b);
	assert_int_equal(b.kind, BOUNCE_PERMANENT);
	assert_string_equal(b.token, "106.aa11bb22cc33dd44ee55ff6677889900");
	assert_string_equal(
	    b.message_id,
	    "c.aa11bb22cc33dd44ee55ff6677889900@agenda.example.gob.mx");
	assert_string_equal(b.recipient, "direccion@osc-cerrada.org.mx");
	assert_string_equal(b.status, "5.0.0");
	assert_string_equal(b.detail, "550 5.1.1 Mailbox does not exist");
}

static void
test_bounce_exim_without_dsn(void **state)
{
	struct bounce b;

	(void)state;
	parse_file("exim-legacy.eml", &b);
	assert_int_equal(b.kind, BOUNCE_PERMANENT);
	assert_string_equal(b.token, "105.0a0b0c0d0e0f10111213141516171819");
	assert_string_equal(b.recipient, "vieja@osc-antigua.org.mx");
	/* Not the 203.0.113.10 of the host's address. */
	assert_string_equal(b.status, "5.2.1");
	assert_contains(b.detail, "Mailbox disabled");
	assert_string_equal(
	    b.message_id,
	    "r.0a0b0c0d0e0f10111213141516171819@agenda.example.gob.mx");
}

static void
test_bounce_exchange_crlf(void **state)
{
	struct bounce b;

	(void)state;
	parse_file("exchange.eml", &b);
	assert_int_equal(b.kind, BOUNCE_PERMANENT);
	assert_string_equal(b.token, "104.fedcba98765432100123456789abcdef");
	assert_string_equal(b.recipient, "coordinacion@contoso-osc.org.mx");
	assert_string_equal(b.status, "5.1.10");
	assert_contains(b.detail, "RESOLVER.ADR.RecipientNotFound; Recipient "
	                          "coordinacion@contoso-osc.org.mx not found");
	assert_string_equal(
	    b.message_id,
	    "r.fedcba98765432100123456789abcdef@agenda.example.gob.mx");
}

static void
test_bounce_gmail_nested(void **state)
{
	struct bounce b;

	(void)state;
	parse_file("gmail.eml", &b);
	assert_int_equal(b.kind, BOUNCE_PERMANENT);
	assert_string_equal(b.token, "108.13579bdf02468ace13579bdf02468ace");
	assert_string_equal(b.recipient, "red.ciudadana.mx@gmail.com");
	assert_string_equal(b.status, "5.1.1");
	assert_contains(b.detail, "550-5.1.1 The email account that you tried "
	                          "to reach does not exist. Please try");
	assert_string_equal(
	    b.message_id,
	    "f.13579bdf02468ace13579bdf02468ace@agenda.example.gob.mx");
}

static void
test_bounce_base64_mailbox_full(void **state)
{
	struct bounce b;

	(void)state;
	parse_file("base64-lleno.eml", &b);
	/* Action: failed, but a 4.x.x status: the mailbox may empty. */
	assert_int_equal(b.kind, BOUNCE_TRANSIENT);
	assert_string_equal(b.token, "102.99999999999999999999999999999999");
	assert_string_equal(b.recipient, "llena@osc-llena.org.mx");
	assert_string_equal(b.status, "4.2.2");
	assert_string_equal(b.detail, "452 4.2.2 Mailbox full");
}

static void
test_bounce_qmail(void **state)
{
	struct bounce b;

	(void)state;
	parse_file("qmail.eml", &b);
	assert_int_equal(b.kind, BOUNCE_PERMANENT);
	assert_string_equal(b.recipient, "nadie@osc-qmail.org.mx");
	assert_string_equal(b.status, "5.1.1");
	assert_string_equal(b.detail,
	                    "Sorry, no mailbox here by that name. (#5.1.1)");
	assert_string_equal(
	    b.message_id,
	    "r.abcdefabcdefabcdefabcdefabcdef01@agenda.example.gob.mx");
}

static void
test_bounce_not_bounces_say_why(void **state)
{
	static const struct {
		const char *file, *why;
	} none[] = {
	    {"fuera-de-oficina.eml",
	     "an automatic reply (Auto-Submitted: auto-replied)"},
	    {"acuse-de-lectura.eml", "a read receipt"},
	    {"entregado.eml", "a delivery report (Action: relayed)"},
	};
	struct bounce b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof none / sizeof none[0]; i++) {
		parse_file(none[i].file, &b);
		if (b.kind != BOUNCE_NONE)
			fail_msg("%s read as %s", none[i].file,
			         bounce_kind_name(b.kind));
		assert_contains(b.detail, none[i].why);
		assert_string_equal(b.status, "");
	}
}

static void
test_bounce_not_a_message(void **state)
{
	static const char *const bad[] = {"", "\n\nbody only",
	                                  "hola, no es un correo"};
	struct bounce b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(
		    bounce_parse(bad[i], strlen(bad[i]), "rebotes", &b),
		    -EINVAL);
		assert_contains(b.detail, "not a mail message");
	}
}

static void
test_bounce_token_sources(void **state)
{
	/* Delivered-To outranks To wherever it stands; another local part
	 * or a longer one ending in "rebotes" is not ours. */
	static const char msg[] =
	    "To: Rebotes <REBOTES+R.AAAA@agenda.example.gob.mx>\n"
	    "X-Original-To: norebotes+r.cccc@agenda.example.gob.mx\n"
	    "Delivered-To: otro+r.dddd@agenda.example.gob.mx,"
	    " rebotes+r.bbbb@agenda.example.gob.mx\n"
	    "Subject: x\n\nbody\n";
	static const char plain[] = "To: rebotes@agenda.example.gob.mx\n"
	                            "Subject: x\n\nbody\n";
	struct bounce b;

	(void)state;
	assert_int_equal(bounce_parse(msg, strlen(msg), "rebotes", &b), 0);
	assert_string_equal(b.token, "r.bbbb");
	assert_int_equal(b.kind, BOUNCE_NONE);
	assert_string_equal(b.detail, "not a delivery status notification");
	/* Cut inside Delivered-To: X-Original-To's "norebotes" is no match. */
	assert_int_equal(bounce_parse(msg, strlen(msg) - 60, "rebotes", &b), 0);
	assert_string_equal(b.token, "r.aaaa");
	assert_int_equal(bounce_parse(msg, 60, "rebotes", &b), 0);
	assert_string_equal(b.token, "r.aaaa");
	assert_int_equal(bounce_parse(msg, strlen(msg), NULL, &b), 0);
	assert_string_equal(b.token, "");
	assert_int_equal(bounce_parse(plain, strlen(plain), "rebotes", &b), 0);
	assert_string_equal(b.token, "");
}

static void
test_bounce_worst_recipient_wins(void **state)
{
	static const char msg[] =
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=\"x\"\n\n"
	    "--x\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; a.example\n\n"
	    "Final-Recipient: rfc822; uno@example.org\nAction: delayed\n"
	    "Status: 4.4.7\n\n"
	    "Final-Recipient: rfc822; dos@example.org\nAction: failed\n"
	    "Diagnostic-Code: smtp; 554 no such domain\n\n"
	    "Final-Recipient: rfc822; tres@example.org\nAction: failed\n"
	    "Status: 5.7.1\n"
	    "--x--\n";
	struct bounce b;

	(void)state;
	assert_int_equal(bounce_parse(msg, strlen(msg), "rebotes", &b), 0);
	/* The first permanent failure, with no Status: the reply code. */
	assert_int_equal(b.kind, BOUNCE_PERMANENT);
	assert_string_equal(b.recipient, "dos@example.org");
	assert_string_equal(b.status, "");
	assert_string_equal(b.detail, "554 no such domain");
}

static void
test_bounce_bytes_made_printable(void **state)
{
	static const char msg[] =
	    "Content-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a\xff@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 m\xc3\xa1s \x01\x1b[31m roto\n";
	struct bounce b;

	(void)state;
	assert_int_equal(bounce_parse(msg, strlen(msg), "rebotes", &b), 0);
	assert_int_equal(b.kind, BOUNCE_PERMANENT);
	assert_string_equal(b.recipient, "a?@example.org");
	assert_string_equal(b.detail, "550 m\xc3\xa1s [31m roto");
}

static void
test_bounce_token_round_trip(void **state)
{
	static const char mid[] =
	    "r.6f1c0d2e9a8b47c5b3e2d1f0a9b8c7d6@agenda.example.gob.mx";
	char tok[BOUNCE_TOKEN_MAX + 1], hex[64];
	long long id;

	(void)state;
	assert_int_equal(bounce_token_make(1234, mid, tok, sizeof tok), 0);
	assert_string_equal(tok, "1234.6f1c0d2e9a8b47c5b3e2d1f0a9b8c7d6");
	assert_int_equal(bounce_token_split(tok, &id, hex, sizeof hex), 0);
	assert_int_equal(id, 1234);
	assert_int_equal(bounce_token_matches(mid, hex), 1);
	assert_int_equal(bounce_token_matches(mid, "6f1c0d2e"), 0);
	assert_int_equal(bounce_token_matches(
	                     "r.00000000000000000000000000000000@x.mx", hex),
	                 0);
	/* Forms that are not a token. */
	assert_int_equal(bounce_token_make(0, mid, tok, sizeof tok), -EINVAL);
	assert_int_equal(
	    bounce_token_make(1, "sin-punto@x.mx", tok, sizeof tok), -EINVAL);
	assert_int_equal(bounce_token_make(1, mid, tok, 10), -EINVAL);
	assert_int_equal(bounce_token_split("r.6f1c", &id, hex, sizeof hex),
	                 -EINVAL);
	assert_int_equal(bounce_token_split("012.6f1c", &id, hex, sizeof hex),
	                 -EINVAL);
	assert_int_equal(bounce_token_split("12.", &id, hex, sizeof hex),
	                 -EINVAL);
	assert_int_equal(bounce_token_split("12.6F1C", &id, hex, sizeof hex),
	                 -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bounce_postfix_user_unknown),
	    cmocka_unit_test(test_bounce_postfix_delayed_is_transient),
	    cmocka_unit_test(test_bounce_exim_dsn),
	    cmocka_unit_test(test_bounce_exim_without_dsn),
	    cmocka_unit_test(test_bounce_exchange_crlf),
	    cmocka_unit_test(test_bounce_gmail_nested),
	    cmocka_unit_test(test_bounce_base64_mailbox_full),
	    cmocka_unit_test(test_bounce_qmail),
	    cmocka_unit_test(test_bounce_not_bounces_say_why),
	    cmocka_unit_test(test_bounce_not_a_message),
	    cmocka_unit_test(test_bounce_token_sources),
	    cmocka_unit_test(test_bounce_worst_recipient_wins),
	    cmocka_unit_test(test_bounce_bytes_made_printable),
	    cmocka_unit_test(test_bounce_token_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
