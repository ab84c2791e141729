/* token: unsubscribe tokens with a real key file in a temporary state
 * directory, and the key file's rules. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "token.h"

struct fixture {
	char dir[64];
	char key[PATH_MAX];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/test_token.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->key, sizeof(f->key), "%s/unsubscribe.key", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	token_key_forget();
	unlink(f->key);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
key_load(struct fixture *f)
{
	char err[256] = "";

	assert_int_equal(token_key_load(f->dir, err, sizeof(err)), 0);
}

static void
test_token_key_created_0600(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	key_load(f);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 32);
}

static void
test_token_make_check_roundtrip(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_MAX], topic[64];
	long id = 0;

	key_load(f);
	assert_int_equal(
	    token_unsubscribe_make(42, "cambio-climatico", tok, sizeof(tok)),
	    0);
	assert_true(strlen(tok) < TOKEN_MAX);
	/* URL-safe: nothing to escape in a path. */
	assert_int_equal(strspn(tok, "abcdefghijklmnopqrstuvwxyz"
	                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."),
	                 strlen(tok));
	assert_int_equal(
	    token_unsubscribe_check(tok, &id, topic, sizeof(topic)), 0);
	assert_int_equal(id, 42);
	assert_string_equal(topic, "cambio-climatico");
}

static void
test_token_altered_byte_fails(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_MAX], bad[TOKEN_MAX + 8], topic[64];
	long id;
	size_t i, n;

	key_load(f);
	assert_int_equal(
	    token_unsubscribe_make(7, "agenda-2030", tok, sizeof(tok)), 0);
	n = strlen(tok);
	/* Every position, changed to another URL-safe character. */
	for (i = 0; i < n; i++) {
		memcpy(bad, tok, n + 1);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(
		    token_unsubscribe_check(bad, &id, topic, sizeof(topic)),
		    -EINVAL);
	}
	/* Another organisation or topic with the same MAC. */
	snprintf(bad, sizeof(bad), "8%s", strchr(tok, '.'));
	assert_int_equal(
	    token_unsubscribe_check(bad, &id, topic, sizeof(topic)), -EINVAL);
	snprintf(bad, sizeof(bad), "7.migracion%s", strrchr(tok, '.'));
	assert_int_equal(
	    token_unsubscribe_check(bad, &id, topic, sizeof(topic)), -EINVAL);
	/* Truncated, extended, empty. */
	memcpy(bad, tok, n - 1);
	bad[n - 1] = '\0';
	assert_int_equal(
	    token_unsubscribe_check(bad, &id, topic, sizeof(topic)), -EINVAL);
	snprintf(bad, sizeof(bad), "%sA", tok);
	assert_int_equal(
	    token_unsubscribe_check(bad, &id, topic, sizeof(topic)), -EINVAL);
	assert_int_equal(token_unsubscribe_check("", &id, topic, sizeof(topic)),
	                 -EINVAL);
	/* A leading zero spells the same id differently: refused. */
	snprintf(bad, sizeof(bad), "0%s", tok);
	assert_int_equal(
	    token_unsubscribe_check(bad, &id, topic, sizeof(topic)), -EINVAL);
}

static void
test_token_other_key_fails(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_MAX], topic[64], err[256];
	long id;

	key_load(f);
	assert_int_equal(
	    token_unsubscribe_make(3, "migracion", tok, sizeof(tok)), 0);
	/* A new key (the old file removed) makes old tokens fail. */
	assert_int_equal(unlink(f->key), 0);
	assert_int_equal(token_key_load(f->dir, err, sizeof(err)), 0);
	assert_int_equal(
	    token_unsubscribe_check(tok, &id, topic, sizeof(topic)), -EINVAL);
}

static void
test_token_key_persists(void **state)
{
	struct fixture *f = *state;
	char a[TOKEN_MAX], b[TOKEN_MAX];

	key_load(f);
	assert_int_equal(token_unsubscribe_make(5, "paz", a, sizeof(a)), 0);
	token_key_forget();
	key_load(f);
	assert_int_equal(token_unsubscribe_make(5, "paz", b, sizeof(b)), 0);
	assert_string_equal(a, b);
}

static void
test_token_refuses_open_key(void **state)
{
	struct fixture *f = *state;
	char err[256] = "", tok[TOKEN_MAX];
	int fd;

	fd = open(f->key, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef", 32), 32);
	close(fd);
	assert_int_equal(chmod(f->key, 0644), 0);
	assert_int_equal(token_key_load(f->dir, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "unsubscribe.key"));
	/* No key, no tokens. */
	assert_int_not_equal(token_unsubscribe_make(1, "paz", tok, sizeof(tok)),
	                     0);
	/* The owner-only mode is accepted. */
	assert_int_equal(chmod(f->key, 0600), 0);
	assert_int_equal(token_key_load(f->dir, err, sizeof(err)), 0);
}

static void
test_token_refuses_short_key(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	int fd;

	fd = open(f->key, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "short", 5), 5);
	close(fd);
	assert_int_equal(token_key_load(f->dir, err, sizeof(err)), -EINVAL);
}

static void
test_token_forget_stops_checks(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_MAX], topic[64];
	long id;

	key_load(f);
	assert_int_equal(token_unsubscribe_make(9, "paz", tok, sizeof(tok)), 0);
	token_key_forget();
	assert_int_equal(
	    token_unsubscribe_check(tok, &id, topic, sizeof(topic)), -EINVAL);
}

static void
test_token_bad_input(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_MAX], small[8], topic[4];
	long id;

	key_load(f);
	assert_int_equal(token_unsubscribe_make(0, "paz", tok, sizeof(tok)),
	                 -EINVAL);
	assert_int_equal(token_unsubscribe_make(1, "Paz y/o", tok, sizeof(tok)),
	                 -EINVAL);
	assert_int_equal(token_unsubscribe_make(1, "", tok, sizeof(tok)),
	                 -EINVAL);
	assert_int_equal(token_unsubscribe_make(1, "paz", small, sizeof(small)),
	                 -ENAMETOOLONG);
	/* A genuine token whose topic does not fit the caller's buffer. */
	assert_int_equal(
	    token_unsubscribe_make(1, "migracion", tok, sizeof(tok)), 0);
	assert_int_equal(
	    token_unsubscribe_check(tok, &id, topic, sizeof(topic)), -EINVAL);
}

static void
test_token_random_unique(void **state)
{
	char a[32], b[32];

	(void)state;
	assert_int_equal(token_random(a, sizeof(a)), 0);
	assert_int_equal(token_random(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 22);
	assert_int_equal(strspn(a, "abcdefghijklmnopqrstuvwxyz"
	                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"),
	                 22);
	assert_string_not_equal(a, b);
	assert_int_equal(token_random(a, 22), -ENOSPC);
}

/* Write a key file of 32 bytes, first..first+31. */
static void
key_write(struct fixture *f, int first)
{
	unsigned char k[32];
	int fd, i;

	for (i = 0; i < 32; i++)
		k[i] = (unsigned char)(first + i);
	unlink(f->key);
	fd = open(f->key, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, k, sizeof(k)), (ssize_t)sizeof(k));
	close(fd);
}

/* The MAC is HMAC-SHA256 of label, id and topic as RFC 2104 defines it
 * (the values from Python's hmac module), so tokens in mail already sent
 * stay valid whatever OpenSSL interface computes it; a new key, loaded
 * after another, gives its own MACs. */
static void
test_token_known_answer(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_MAX];
	char err[256] = "";

	key_write(f, 0);
	assert_int_equal(token_key_load(f->dir, err, sizeof(err)), 0);
	assert_int_equal(
	    token_unsubscribe_make(42, "cambio-climatico", tok, sizeof(tok)),
	    0);
	assert_string_equal(tok, "42.cambio-climatico."
	                         "n85qUTL7DhEKKQ6BGUY6ILWMEwT1xPUBFMjpBLlkH0M");
	/* Again: the same MAC from the reused context. */
	assert_int_equal(
	    token_unsubscribe_make(42, "cambio-climatico", tok, sizeof(tok)),
	    0);
	assert_string_equal(tok, "42.cambio-climatico."
	                         "n85qUTL7DhEKKQ6BGUY6ILWMEwT1xPUBFMjpBLlkH0M");
	key_write(f, 32);
	assert_int_equal(token_key_load(f->dir, err, sizeof(err)), 0);
	assert_int_equal(
	    token_unsubscribe_make(42, "cambio-climatico", tok, sizeof(tok)),
	    0);
	assert_string_equal(tok, "42.cambio-climatico."
	                         "Zsb4D9XATIq7F-oAx_v0z-rLXqHvaj5HrVk0P4ptC2I");
}

static void
test_token_sha256_known(void **state)
{
	unsigned char md[32];

	(void)state;
	assert_int_equal(token_sha256("abc", 3, md), 0);
	/* FIPS 180-2 example: SHA-256("abc") begins ba7816bf. */
	assert_int_equal(md[0], 0xba);
	assert_int_equal(md[1], 0x78);
	assert_int_equal(md[2], 0x16);
	assert_int_equal(md[3], 0xbf);
}

/* The page's token: checks for its organisation and secret only; a new
 * secret (a reset feed token) revokes it; an unsubscribe token is not
 * one, nor the other way round. */
static void
test_token_page(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_MAX], other[TOKEN_MAX], slug[64];
	long id = 0;

	key_load(f);
	assert_int_equal(token_page_make(42, "feedsecret", tok, sizeof(tok)),
	                 0);
	assert_int_equal(strncmp(tok, "42.", 3), 0);
	assert_int_equal(strlen(tok), 3 + 43);
	assert_int_equal(token_page_id(tok, &id), 0);
	assert_int_equal(id, 42);
	assert_int_equal(token_page_check(tok, 42, "feedsecret"), 0);
	/* Another secret (after osc token --reset), another organisation. */
	assert_int_equal(token_page_check(tok, 42, "newsecret"), -EINVAL);
	assert_int_equal(token_page_check(tok, 43, "feedsecret"), -EINVAL);
	/* Made for another organisation with the same secret: different. */
	assert_int_equal(
	    token_page_make(43, "feedsecret", other, sizeof(other)), 0);
	assert_string_not_equal(tok + 3, other + 3);
	/* Altered, not canonical, truncated, empty: refused. */
	tok[10] = tok[10] == 'A' ? 'B' : 'A';
	assert_int_equal(token_page_check(tok, 42, "feedsecret"), -EINVAL);
	assert_int_equal(token_page_id("042.x", &id), -EINVAL);
	assert_int_equal(token_page_id("42.", &id), -EINVAL);
	assert_int_equal(token_page_id("", &id), -EINVAL);
	assert_int_equal(token_page_make(42, "", tok, sizeof(tok)), -EINVAL);
	assert_int_equal(token_page_make(0, "s", tok, sizeof(tok)), -EINVAL);
	/* An unsubscribe token is no page token, and the reverse. */
	assert_int_equal(
	    token_unsubscribe_make(42, "agenda", other, sizeof(other)), 0);
	assert_int_equal(token_page_id(other, &id), -EINVAL);
	assert_int_equal(token_page_make(42, "feedsecret", tok, sizeof(tok)),
	                 0);
	assert_int_equal(token_unsubscribe_check(tok, &id, slug, sizeof(slug)),
	                 -EINVAL);
	/* Without the key, nothing checks. */
	token_key_forget();
	assert_int_equal(token_page_check(tok, 42, "feedsecret"), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_token_key_created_0600, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_token_make_check_roundtrip,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_altered_byte_fails,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_other_key_fails, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_token_key_persists, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_token_refuses_open_key, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_token_refuses_short_key, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_token_forget_stops_checks,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_bad_input, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_token_known_answer, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_token_page, setup, teardown),
	    cmocka_unit_test(test_token_random_unique),
	    cmocka_unit_test(test_token_sha256_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
