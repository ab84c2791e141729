/* Tests for daemon/config.c: defaults, the INI file, bad values. */
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

#include "config.h"

static char tmpdir[] = "/tmp/test_config.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static const char *
write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_config_defaults(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(config_defaults(&c, err, sizeof(err)), 0);
	assert_string_equal(c.timezone, "America/Mexico_City");
	assert_string_equal(c.http_listen, "127.0.0.1:8080");
	assert_string_equal(c.starttls, "required");
	assert_int_equal(c.nremind_default, 3);
	assert_int_equal(c.remind_default[0], 7 * 86400);
	assert_int_equal(c.remind_default[1], 86400);
	assert_int_equal(c.remind_default[2], 2 * 3600);
	assert_int_equal(c.allday_min, 9 * 60);
	assert_int_equal(c.max_late, -1);
	assert_int_equal(c.notices_quiet, 600);
	assert_int_equal(c.retry_for, 2 * 86400);
	assert_int_equal(c.test_clock, 0);
	assert_non_null(strstr(c.state_dir, "cronograma"));
	assert_non_null(strstr(c.socket, "control.sock"));
	config_fini(&c);
}

static void
test_config_load_file(void **state)
{
	struct config c;
	char err[256];
	const char *path =
	    write_file("ok.conf", "; comment\n"
	                          "[daemon]\n"
	                          "state_dir = /tmp/x\n"
	                          "domain = example.org\n"
	                          "[mail]\n"
	                          "smtp_url = smtp://127.0.0.1:2525\n"
	                          "max_connections = 8\n"
	                          "starttls = off\n"
	                          "[reminders]\n"
	                          "default = 3d,1h 3d\n"
	                          "allday_time = 08:30\n"
	                          "max_late = 1h\n");

	(void)state;
	assert_int_equal(config_defaults(&c, err, sizeof(err)), 0);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.state_dir, "/tmp/x");
	assert_string_equal(c.domain, "example.org");
	assert_string_equal(c.smtp_url, "smtp://127.0.0.1:2525");
	assert_int_equal(c.mail_max_connections, 8);
	assert_string_equal(c.starttls, "off");
	assert_int_equal(c.nremind_default, 2);
	assert_int_equal(c.remind_default[0], 3 * 86400);
	assert_int_equal(c.remind_default[1], 3600);
	assert_int_equal(c.allday_min, 8 * 60 + 30);
	assert_int_equal(c.max_late, 3600);
	config_fini(&c);
}

static void
expect_error(const char *text, const char *needle)
{
	struct config c;
	char err[256];
	const char *path = write_file("bad.conf", text);

	assert_int_equal(config_defaults(&c, err, sizeof(err)), 0);
	assert_int_equal(config_load(&c, path, err, sizeof(err)), -EINVAL);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not contain '%s'", err, needle);
	config_fini(&c);
}

static void
test_config_errors_name_file_line_key(void **state)
{
	(void)state;
	expect_error("[daemon]\nnope = 1\n",
	             "bad.conf:2: [daemon] nope: unknown key");
	expect_error("[nosuch]\nkey = 1\n",
	             "bad.conf:2: [nosuch] key: unknown key");
	expect_error("[mail]\n\nmax_connections = 0\n",
	             "bad.conf:3: [mail] max_connections: 0 is out of range");
	expect_error("[mail]\nmax_connections = many\n", "not an integer");
	expect_error("[mail]\nstarttls = maybe\n",
	             "'maybe' is not one of required|off");
	expect_error("[reminders]\ndefault = 7x\n",
	             "[reminders] default: '7x' is not a list");
	expect_error("[reminders]\nallday_time = 25:00\n", "not a time");
	expect_error("[daemon]\ntest_clock = perhaps\n", "not yes or no");
	expect_error("this is not ini\n", "bad.conf:1: not an INI line");
}

static void
test_config_missing_file(void **state)
{
	struct config c;
	char err[256];

	(void)state;
	assert_int_equal(config_defaults(&c, err, sizeof(err)), 0);
	assert_int_equal(
	    config_load(&c, "/nonexistent/x.conf", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.conf"));
	config_fini(&c);
}

static void
test_config_durations(void **state)
{
	int64_t v, list[4];
	size_t n;
	char buf[32];

	(void)state;
	assert_int_equal(config_duration_parse("1d12h", &v), 0);
	assert_int_equal(v, 86400 + 12 * 3600);
	assert_int_equal(config_duration_parse("45s", &v), 0);
	assert_int_equal(v, 45);
	assert_int_equal(config_duration_parse("", &v), -EINVAL);
	assert_int_equal(config_duration_parse("10", &v), -EINVAL);
	assert_int_equal(config_duration_parse("-1d", &v), -EINVAL);
	assert_int_equal(config_durations_parse("2h, 7d 1d", list, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(list[0], 7 * 86400);
	assert_int_equal(list[2], 7200);
	assert_int_equal(config_durations_parse("1d 1d 1d 1d 1d", list, 4, &n),
	                 -EINVAL);
	assert_string_equal(config_duration_format(5400, buf, sizeof(buf)),
	                    "1h30m");
	assert_string_equal(config_duration_format(604800, buf, sizeof(buf)),
	                    "7d");
}

/* The example config shipped in contrib/ names every key of the table,
 * with its default value. */
static void
test_config_example_matches_table(void **state)
{
	struct config c, ex;
	char err[256];
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	FILE *fa, *fb;

	(void)state;
	assert_int_equal(config_defaults(&c, err, sizeof(err)), 0);
	assert_int_equal(config_defaults(&ex, err, sizeof(err)), 0);
	if (config_load(&ex, "contrib/cronogramad.conf", err, sizeof(err)) < 0)
		fail_msg("%s", err);
	/* state_dir and socket are commented out there: they depend on
	 * the user. Everything else printed must match the defaults. */
	fa = open_memstream(&a, &alen);
	fb = open_memstream(&b, &blen);
	config_print(&c, fa);
	config_print(&ex, fb);
	fclose(fa);
	fclose(fb);
	assert_string_equal(a, b);
	free(a);
	free(b);
	config_fini(&c);
	config_fini(&ex);
}

static void
test_config_reload_applies_only_reloadable_keys(void **state)
{
	struct config run, fresh;
	char err[256], applied[512], ignored[512];

	(void)state;
	assert_int_equal(config_defaults(&run, err, sizeof(err)), 0);
	assert_int_equal(config_defaults(&fresh, err, sizeof(err)), 0);
	assert_int_equal(
	    config_set(&fresh, "reminders", "default", "3d", err, sizeof(err)),
	    0);
	assert_int_equal(config_set(&fresh, "staff", "emails", "a@example.org",
	                            err, sizeof(err)),
	                 0);
	assert_int_equal(config_set(&fresh, "mail", "max_connections", "9", err,
	                            sizeof(err)),
	                 0);
	assert_int_equal(config_reload(&run, &fresh, applied, sizeof(applied),
	                               ignored, sizeof(ignored)),
	                 0);
	assert_string_equal(applied, "[reminders] default, [staff] emails");
	assert_string_equal(ignored, "[mail] max_connections");
	assert_int_equal(run.nremind_default, 1);
	assert_int_equal(run.remind_default[0], 3 * 86400);
	assert_string_equal(run.staff_emails, "a@example.org");
	assert_int_equal(run.mail_max_connections, 4);
	config_fini(&run);
	config_fini(&fresh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_defaults),
	    cmocka_unit_test(test_config_load_file),
	    cmocka_unit_test(test_config_errors_name_file_line_key),
	    cmocka_unit_test(test_config_missing_file),
	    cmocka_unit_test(test_config_durations),
	    cmocka_unit_test(test_config_example_matches_table),
	    cmocka_unit_test(test_config_reload_applies_only_reloadable_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
