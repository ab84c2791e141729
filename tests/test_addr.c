/* Unit tests for daemon/addr.c: the one address grammar. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static void
test_addr_spec_valid_forms(void **state)
{
	static const char *const good[] = {
	    "contacto@osc.org.mx",
	    "Ana.Perez+cronograma@sub.example.org",
	    "a!#$%&'*+-/=?^_`{|}~@example.org",
	    "x@a-b.example.org",
	    "x@123.example.org",
	    "x@EXAMPLE.ORG",
	    NULL,
	};
	char why[400];
	size_t i;

	(void)state;
	for (i = 0; good[i]; i++)
		if (addr_spec_check(good[i], why, sizeof why) != 0)
			fail_msg("'%s' refused: %s", good[i], why);
}

static void
test_addr_spec_bad_forms_named(void **state)
{
	static const struct {
		const char *addr, *needle;
	} bad[] = {
	    {"sin-arroba.example.org", "has no '@'"},
	    {"a@localhost", "needs a dot"},
	    {"a@example.org.", "bad domain"},
	    {"a@.example.org", "bad domain"},
	    {"a@exa..mple.org", "bad domain"},
	    {".a@example.org", "before the '@'"},
	    {"a.@example.org", "before the '@'"},
	    {"a..b@example.org", "before the '@'"},
	    {"a@b@example.org", "bad domain"},
	    {"@example.org", "before the '@'"},
	    {"a@", "bad domain"},
	    {"\"abierta@example.org", "before the '@'"},
	    {"a(b)@example.org", "before the '@'"},
	    {"a@[1.2.3.4", "address literal"},
	    /* Forms RFC 5322 allows that relays refuse or misread. */
	    {"\"x\\\"y\"@example.org", "has quotes before the '@'"},
	    {"\"a.b..c\"@example.org", "quoted local parts"},
	    {"h@[127.0.0.1]", "has an address literal ([...])"},
	    {"user@[IPv6:2001:db8::1]", "address literal"},
	    {"x@exa_mple.org", "only letters, digits, hyphens and dots"},
	    {"x@-example.org", "starts or ends with '-'"},
	    {"x@example-.org", "starts or ends with '-'"},
	    {"x@192.0.2.1", "an IP address is not a mail domain"},
	    {"x@example.org.", "empty part"},
	    {"ana@example.org\r\nBcc: x@y.org", "line break"},
	    {"ana\n@example.org", "line break"},
	    {"ana @example.org", "space"},
	    {"\"con espacio\"@example.org", "space"},
	    {"ana\t@example.org", "space"},
	    {"añá@example.org", "not printable ASCII"},
	    {"", "empty"},
	};
	char why[400], long_local[80], long_addr[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(addr_spec_check(bad[i].addr, why, sizeof why),
		                 -EINVAL);
		if (strstr(why, bad[i].needle) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].addr, why,
			         bad[i].needle);
		/* The message is one line, whatever the address held. */
		assert_null(strpbrk(why, "\r\n"));
	}
	assert_int_equal(
	    addr_spec_check("ana@example.org\r\nBcc: x@y.org", why, sizeof why),
	    -EINVAL);
	assert_non_null(strstr(why, "'ana@example.org\\r\\nBcc: x@y.org'"));

	/* 64 characters before the '@' pass, 65 do not. */
	memset(long_local, 'a', 64);
	snprintf(long_local + 64, sizeof long_local - 64, "@example.org");
	assert_int_equal(addr_spec_check(long_local, why, sizeof why), 0);
	memset(long_local, 'a', 65);
	snprintf(long_local + 65, sizeof long_local - 65, "@example.org");
	assert_int_equal(addr_spec_check(long_local, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "64"));

	/* 254 characters pass, 255 do not. */
	snprintf(long_addr, sizeof long_addr, "a@");
	for (i = 0; i < 25; i++)
		strcat(long_addr, "bbbbbbbbb.");
	strcat(long_addr, "mx");
	assert_int_equal(strlen(long_addr), 254);
	assert_int_equal(addr_spec_check(long_addr, why, sizeof why), 0);
	strcat(long_addr, "x");
	assert_int_equal(addr_spec_check(long_addr, why, sizeof why), -EINVAL);
	assert_non_null(strstr(why, "254"));
}

static void
test_addr_mailbox_forms(void **state)
{
	static const struct {
		const char *mailbox, *addr;
	} good[] = {
	    {"agenda@example.org", "agenda@example.org"},
	    {"  agenda@example.org ", "agenda@example.org"},
	    {"Agenda OSC <agenda@example.org>", "agenda@example.org"},
	    {"\"Oficina, Enlace\" <a.b@sre.example.gob.mx>",
	     "a.b@sre.example.gob.mx"},
	    {"Oficina de enlace <agenda@demo.example.org> ",
	     "agenda@demo.example.org"},
	};
	static const struct {
		const char *mailbox, *needle;
	} bad[] = {
	    {"not an address", "space"},
	    {"Agenda <agenda@example.org", "not an address"},
	    {"Agenda <agenda@example.org> x", "not an address"},
	    {"Agenda <agenda>", "has no '@'"},
	    {"A > B <a@example.org>", "stray"},
	    {"Agenda <a@example.org>\r\nBcc: x@y.org", "line break"},
	    {"", "empty"},
	};
	char addr[ADDR_MAX + 1], why[400];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (addr_mailbox_parse(good[i].mailbox, addr, sizeof addr, why,
		                       sizeof why) != 0)
			fail_msg("'%s' refused: %s", good[i].mailbox, why);
		assert_string_equal(addr, good[i].addr);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(addr_mailbox_parse(bad[i].mailbox, addr,
		                                    sizeof addr, why,
		                                    sizeof why),
		                 -EINVAL);
		if (strstr(why, bad[i].needle) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].mailbox, why,
			         bad[i].needle);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addr_spec_valid_forms),
	    cmocka_unit_test(test_addr_spec_bad_forms_named),
	    cmocka_unit_test(test_addr_mailbox_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
