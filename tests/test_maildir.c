/* Unit tests for daemon/maildir.c on a real libuv loop and a real
 * maildir in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "log.h"
#include "maildir.h"

struct seen {
	int calls, again; /* again: answer -EAGAIN this many times */
	char last[256];
	char body[64];
	uv_loop_t *loop;
	int want; /* stop the loop after this many calls */
};

static char root[] = "/tmp/test_maildir.XXXXXX";

static int
on_msg(const char *msg, size_t len, const char *name, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	snprintf(s->last, sizeof s->last, "%s", name);
	snprintf(s->body, sizeof s->body, "%.*s", (int)len, msg);
	if (s->calls >= s->want)
		uv_stop(s->loop);
	if (s->again > 0) {
		s->again--;
		return -EAGAIN;
	}
	return 0;
}

/* Delivers text as an MTA does: written in tmp/, renamed into new/. */
static void
deliver(const char *name, const char *text)
{
	char tmp[512], dst[512];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s/tmp/%s", root, name);
	snprintf(dst, sizeof dst, "%s/new/%s", root, name);
	f = fopen(tmp, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, dst), 0);
}

static int
exists(const char *sub, const char *name)
{
	char p[512];

	snprintf(p, sizeof p, "%s/%s/%s", root, sub, name);
	return access(p, F_OK) == 0;
}

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int
setup(void **state)
{
	char p[512];
	const char *sub[] = {"new", "cur", "tmp"};
	size_t i;

	(void)state;
	log_level_set(LOG_LEVEL_ERR);
	strcpy(root, "/tmp/test_maildir.XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", root, sub[i]);
		if (mkdir(p, 0700) < 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(root, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Runs the loop until want calls were made (a timer fails the test after
 * 10 s: a lost inotify event must not hang it). */
static void
on_deadline(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void
run_until(uv_loop_t *loop, struct seen *s, int want)
{
	uv_timer_t deadline;

	s->want = want;
	uv_timer_init(loop, &deadline);
	uv_timer_start(&deadline, on_deadline, 10000, 0);
	while (s->calls < want && uv_run(loop, UV_RUN_DEFAULT) != 0 &&
	       uv_timer_get_due_in(&deadline) > 0)
		;
	uv_close((uv_handle_t *)&deadline, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
}

static void
close_loop(uv_loop_t *loop, struct maildir *m)
{
	maildir_stop(m);
	uv_run(loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(loop), 0);
}

static void
test_maildir_takes_waiting_then_arriving(void **state)
{
	struct seen s = {0};
	struct maildir *m;
	uv_loop_t loop;
	char why[256];

	(void)state;
	deliver("1.waiting.host", "Subject: ya estaba\n\nx\n");
	deliver(".hidden", "no es un mensaje");
	uv_loop_init(&loop);
	s.loop = &loop;
	assert_int_equal(
	    maildir_start(&loop, root, on_msg, &s, &m, why, sizeof why), 0);
	run_until(&loop, &s, 1);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.last, "1.waiting.host");
	assert_string_equal(s.body, "Subject: ya estaba\n\nx\n");
	assert_false(exists("new", "1.waiting.host"));
	assert_true(exists("cur", "1.waiting.host:2,S"));
	/* One that arrives while the daemon runs: inotify, no rescan. */
	deliver("2.arriving.host", "Subject: nuevo\n\ny\n");
	run_until(&loop, &s, 2);
	assert_int_equal(s.calls, 2);
	assert_string_equal(s.last, "2.arriving.host");
	assert_true(exists("cur", "2.arriving.host:2,S"));
	assert_true(exists("new", ".hidden"));
	assert_int_equal(maildir_taken(m), 2);
	close_loop(&loop, m);
}

static void
test_maildir_again_keeps_message(void **state)
{
	struct seen s = {0};
	struct maildir *m;
	uv_loop_t loop;
	char why[256];

	(void)state;
	s.again = 1;
	deliver("3.busy.host", "Subject: ocupado\n\nz\n");
	uv_loop_init(&loop);
	s.loop = &loop;
	assert_int_equal(
	    maildir_start(&loop, root, on_msg, &s, &m, why, sizeof why), 0);
	run_until(&loop, &s, 1);
	/* -EAGAIN: left in new/ for the next scan. */
	assert_true(exists("new", "3.busy.host"));
	assert_int_equal(maildir_taken(m), 0);
	/* Another arrival triggers a scan that takes both. */
	deliver("4.later.host", "Subject: luego\n\nw\n");
	run_until(&loop, &s, 3);
	assert_int_equal(s.calls, 3);
	assert_false(exists("new", "3.busy.host"));
	assert_true(exists("cur", "3.busy.host:2,S"));
	assert_true(exists("cur", "4.later.host:2,S"));
	close_loop(&loop, m);
}

static void
test_maildir_check_names_what_is_wrong(void **state)
{
	char p[512], why[512];
	struct maildir *m;
	uv_loop_t loop;

	(void)state;
	assert_int_equal(maildir_check(root, why, sizeof why), 0);
	snprintf(p, sizeof p, "%s/cur", root);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(maildir_check(root, why, sizeof why), -ENOENT);
	assert_non_null(strstr(why, "/cur: No such file or directory (not a "
	                            "maildir: it needs new/ and cur/)"));
	uv_loop_init(&loop);
	assert_int_equal(
	    maildir_start(&loop, root, on_msg, NULL, &m, why, sizeof why),
	    -ENOENT);
	assert_null(m);
	assert_int_equal(uv_loop_close(&loop), 0);
	snprintf(p, sizeof p, "%s/nada", root);
	assert_int_equal(maildir_check(p, why, sizeof why), -ENOENT);
	assert_non_null(strstr(why, "nada: No such file"));
	if (geteuid() != 0) {
		snprintf(p, sizeof p, "%s/new", root);
		chmod(p, 0500);
		assert_int_equal(maildir_check(root, why, sizeof why), -ENOENT);
		chmod(p, 0700);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_maildir_takes_waiting_then_arriving, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_maildir_again_keeps_message,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_maildir_check_names_what_is_wrong, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
