/* Tests for log.c: the line format, levels, and held runs of lines
 * (log_hold / log_release) going out whole, in order, at the release. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* stderr goes to a temporary file for each test; read back what reached
 * it so far. */
static int saved_stderr = -1;
static FILE *captured;

static int
setup(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	fflush(stderr);
	saved_stderr = dup(2);
	captured = tmpfile();
	assert_non_null(captured);
	assert_int_not_equal(dup2(fileno(captured), 2), -1);
	log_init("test", LOG_LEVEL_INFO);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	fclose(captured);
	return 0;
}

/* What stderr holds now (the caller frees it). */
static char *
written(void)
{
	long n;
	char *buf;

	fflush(stderr);
	n = lseek(fileno(captured), 0, SEEK_END);
	assert_true(n >= 0);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fileno(captured), buf, (size_t)n, 0), n);
	return buf;
}

static void
test_log_line_format_and_level(void **state)
{
	char *s;

	(void)state;
	log_info("outbox %d: sent", 7);
	log_debug("not kept at info");
	log_err("disk full");
	s = written();
	assert_string_equal(s, "test: info: outbox 7: sent\n"
	                       "test: error: disk full\n");
	free(s);
}

static void
test_log_held_lines_go_out_at_release(void **state)
{
	char *s;

	(void)state;
	log_hold();
	log_info("one");
	log_hold(); /* nested: only the outer release writes */
	log_warn("two");
	log_release();
	s = written();
	assert_string_equal(s, "");
	free(s);
	log_info("three");
	log_release();
	s = written();
	assert_string_equal(s, "test: info: one\n"
	                       "test: warning: two\n"
	                       "test: info: three\n");
	free(s);
	/* Released: lines go out at once again. */
	log_info("four");
	s = written();
	assert_string_equal(s + strlen(s) - strlen("test: info: four\n"),
	                    "test: info: four\n");
	free(s);
	/* A release without a hold changes nothing. */
	log_release();
	log_info("five");
	s = written();
	assert_non_null(strstr(s, "four\ntest: info: five\n"));
	free(s);
}

/* More than the hold keeps (32 KB): earlier lines go out whole, in
 * order, before the buffer would overflow; none is cut or lost. */
static void
test_log_held_overflow_keeps_every_line_whole(void **state)
{
	char *s, *p, want[64];
	int i;

	(void)state;
	log_hold();
	for (i = 0; i < 2000; i++)
		log_info("line %04d of a long run of outcomes", i);
	s = written();
	assert_true(strlen(s) > 0); /* some went out before the release */
	assert_int_equal(s[strlen(s) - 1], '\n');
	free(s);
	log_release();
	s = written();
	for (p = s, i = 0; i < 2000; i++) {
		snprintf(want, sizeof(want),
		         "test: info: line %04d of a long run of outcomes\n",
		         i);
		assert_memory_equal(p, want, strlen(want));
		p += strlen(want);
	}
	assert_int_equal(*p, '\0');
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_log_line_format_and_level,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_log_held_lines_go_out_at_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_log_held_overflow_keeps_every_line_whole, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
