/* Unit tests for daemon/store_bounce.c (failure reports and the state of
 * addresses) on a real sqlite ":memory:" database. */
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
#include "log.h"
#include "store.h"
#include "store_bounce.h"

#define T0  1514764800 /* 2018-01-01T00:00:00Z */
#define DAY 86400

static long osc_id;

static int
setup(void **state)
{
	struct store *st;
	char *emails[] = {"uno@osc.org.mx", "dos@osc.org.mx"};
	struct osc o = {0};
	char err[256];

	log_level_set(LOG_LEVEL_ERR);
	if (store_open(&st, ":memory:", err, sizeof err) < 0) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	clock_set(T0);
	o.name = "Red de Prueba";
	o.emails = emails;
	o.nemails = 2;
	if (store_osc_add(st, &o, &osc_id) < 0) {
		fprintf(stderr, "store_osc_add: %s\n", store_error(st));
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
	return 0;
}

static struct bounce_fact
fact(const char *email, int permanent, int64_t at)
{
	struct bounce_fact f = {
	    .at = at,
	    .email = email,
	    .osc_id = osc_id,
	    .permanent = permanent,
	    .status = permanent ? "5.1.1" : "4.2.2",
	    .detail =
	        permanent ? "550 5.1.1 User unknown" : "452 4.2.2 Mailbox full",
	    .source = "pipe",
	};
	return f;
}

static void
test_store_bounce_permanent_disables_at_once(void **state)
{
	struct store *st = *state;
	struct bounce_fact f = fact("UNO@osc.org.mx", 1, T0);
	struct address_off *off;
	size_t n;
	int disabled;

	assert_int_equal(store_address_disabled(st, "uno@osc.org.mx"), 0);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(disabled, 1);
	/* Addresses compare without regard to case. */
	assert_int_equal(store_address_disabled(st, "uno@OSC.org.mx"), 1);
	assert_int_equal(store_address_disabled(st, "dos@osc.org.mx"), 0);
	assert_int_equal(store_address_disabled_list(st, &off, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(off[0].email, "UNO@osc.org.mx");
	assert_int_equal(off[0].disabled_at, T0);
	assert_int_equal(off[0].osc_id, osc_id);
	assert_string_equal(off[0].osc_name, "Red de Prueba");
	assert_string_equal(off[0].reason,
	                    "permanent failure 5.1.1: 550 5.1.1 User unknown");
	address_off_array_free(off, n);
	/* A second report keeps the first reason and date. */
	f.at = T0 + DAY;
	f.detail = "otra";
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(store_address_disabled_list(st, &off, &n), 0);
	assert_int_equal(off[0].disabled_at, T0);
	assert_string_equal(off[0].reason,
	                    "permanent failure 5.1.1: 550 5.1.1 User unknown");
	address_off_array_free(off, n);
}

static void
test_store_bounce_transient_counted_in_window(void **state)
{
	struct store *st = *state;
	struct bounce_fact f;
	struct address_off *off;
	size_t n;
	int disabled, i;

	/* Two within the week, then a gap: the window starts afresh. */
	for (i = 0; i < 2; i++) {
		f = fact("dos@osc.org.mx", 0, T0 + i * DAY);
		assert_int_equal(
		    store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
		assert_int_equal(disabled, 0);
	}
	f = fact("dos@osc.org.mx", 0, T0 + 10 * DAY);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(disabled, 0);
	f = fact("dos@osc.org.mx", 0, T0 + 11 * DAY);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(disabled, 0);
	/* The third in one window disables it. */
	f = fact("dos@osc.org.mx", 0, T0 + 12 * DAY);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(disabled, 1);
	assert_int_equal(store_address_disabled_list(st, &off, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(off[0].reason, "3 transient failures, the last "
	                                   "4.2.2: 452 4.2.2 Mailbox full");
	address_off_array_free(off, n);
	/* Enabled again, it counts from zero. */
	assert_int_equal(store_address_enable(st, "DOS@osc.org.mx"), 0);
	assert_int_equal(store_address_disabled(st, "dos@osc.org.mx"), 0);
	assert_int_equal(store_address_enable(st, "dos@osc.org.mx"), -ENOENT);
	assert_non_null(strstr(store_error(st), "not disabled"));
	f = fact("dos@osc.org.mx", 0, T0 + 13 * DAY);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(disabled, 0);
}

static void
test_store_bounce_limit_zero_never_disables(void **state)
{
	struct store *st = *state;
	struct bounce_fact f;
	int disabled, i;

	for (i = 0; i < 20; i++) {
		f = fact("uno@osc.org.mx", 0, T0 + i);
		assert_int_equal(store_bounce_record(st, &f, 0, DAY, &disabled),
		                 0);
		assert_int_equal(disabled, 0);
	}
}

static void
test_store_bounce_unmatched_is_kept_without_address(void **state)
{
	struct store *st = *state;
	struct bounce_fact f = fact(NULL, 1, T0);
	struct address_off *off;
	size_t n;
	int disabled;

	f.osc_id = 0;
	assert_int_equal(store_bounce_record(st, &f, 3, DAY, &disabled), 0);
	assert_int_equal(disabled, 0);
	assert_int_equal(store_address_disabled_list(st, &off, &n), 0);
	assert_int_equal(n, 0);
	free(off);
	f.source = NULL;
	assert_int_equal(store_bounce_record(st, &f, 3, DAY, &disabled),
	                 -EINVAL);
}

static void
test_store_bounce_outbox_lookup(void **state)
{
	struct store *st = *state;
	char *mid = NULL;
	long who;

	assert_int_equal(store_bounce_outbox(st, 42, &who, &mid), -ENOENT);
	assert_null(mid);
	assert_int_equal(who, 0);
}

/* The list staff see: disabled addresses first, then those bouncing in
 * the window (not before it), each with its last bounce, its
 * organisation and how many of that organisation's addresses still take
 * mail; an organisation's filter; and its disabled addresses, to enable. */
static void
test_store_bounce_address_list(void **state)
{
	struct store *st = *state;
	struct bounce_fact f;
	struct address_info *v;
	char **off;
	size_t n;
	int disabled;

	f = fact("dos@osc.org.mx", 0, T0 - 30 * DAY);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(store_address_list(st, 0, T0 - 7 * DAY, &v, &n), 0);
	assert_int_equal(n, 0); /* bounced, but before the window */
	address_info_array_free(v, n);

	f = fact("dos@osc.org.mx", 0, T0 - DAY);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	f = fact("uno@osc.org.mx", 1, T0);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(store_address_list(st, 0, T0 - 7 * DAY, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].email, "uno@osc.org.mx");
	assert_int_equal(v[0].disabled_at, T0);
	assert_string_equal(v[0].reason,
	                    "permanent failure 5.1.1: 550 5.1.1 User unknown");
	assert_string_equal(v[0].last_kind, "permanent");
	assert_string_equal(v[0].last_status, "5.1.1");
	assert_string_equal(v[0].last_source, "pipe");
	assert_int_equal(v[0].last_at, T0);
	assert_int_equal(v[0].osc_id, osc_id);
	assert_string_equal(v[0].osc_name, "Red de Prueba");
	assert_int_equal(v[0].osc_enabled, 1);
	assert_string_equal(v[1].email, "dos@osc.org.mx");
	assert_int_equal(v[1].disabled_at, 0);
	assert_null(v[1].reason);
	assert_int_equal(v[1].soft_count, 1);
	assert_string_equal(v[1].last_status, "4.2.2");
	assert_int_equal(v[1].last_at, T0 - DAY);
	address_info_array_free(v, n);

	assert_int_equal(store_address_list(st, osc_id + 1, 0, &v, &n), 0);
	assert_int_equal(n, 0);
	address_info_array_free(v, n);

	f = fact("dos@osc.org.mx", 1, T0 + 1);
	assert_int_equal(store_bounce_record(st, &f, 3, 7 * DAY, &disabled), 0);
	assert_int_equal(store_address_list(st, osc_id, T0, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].osc_enabled, 0);
	assert_int_equal(v[1].osc_enabled, 0);
	address_info_array_free(v, n);

	assert_int_equal(store_address_disabled_of_osc(st, osc_id, &off, &n),
	                 0);
	assert_int_equal(n, 2);
	assert_string_equal(off[0], "uno@osc.org.mx");
	assert_string_equal(off[1], "dos@osc.org.mx");
	assert_null(off[2]);
	free(off[0]);
	free(off[1]);
	free(off);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_store_bounce_permanent_disables_at_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_store_bounce_transient_counted_in_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_store_bounce_limit_zero_never_disables, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_store_bounce_unmatched_is_kept_without_address, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(test_store_bounce_outbox_lookup,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_store_bounce_address_list,
	                                    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
