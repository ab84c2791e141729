/* Unit tests for daemon/store.c, on real sqlite: most cases run twice,
 * on ":memory:" and on a file in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "store.h"

#define T0 1514764800 /* 2018-01-01T00:00:00Z */

static const char KIND_MEMORY[] = "memory";
static const char KIND_FILE[] = "file";

struct fixture {
	struct store *st;
	int on_file;
	char dir[64];
	char path[128];
};

/* A fresh temporary directory and the database path inside it. */
static void
fixture_dir(struct fixture *fx)
{
	snprintf(fx->dir, sizeof fx->dir, "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof fx->path, "%s/cronograma.db", fx->dir);
}

static void
fixture_dir_remove(struct fixture *fx)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[160];
	size_t i;

	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", fx->path, suffix[i]);
		unlink(p);
	}
	rmdir(fx->dir);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	char err[256];

	if (fx == NULL)
		return -1;
	fx->on_file = *state == KIND_FILE;
	if (fx->on_file)
		fixture_dir(fx);
	if (store_open(&fx->st, fx->on_file ? fx->path : ":memory:", err,
	               sizeof err) < 0) {
		fprintf(stderr, "store_open: %s\n", err);
		free(fx);
		return -1;
	}
	clock_set(T0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	store_close(fx->st);
	if (fx->on_file)
		fixture_dir_remove(fx);
	free(fx);
	clock_real();
	return 0;
}

/* The UTC instant of local midnight of y-m-d in America/Mexico_City
 * (UTC-6 all of 2018). */
static int64_t
mx_midnight(int y, int m, int d)
{
	struct fecha_date fd = {y, m, d};

	return (int64_t)fecha_date_to_days(fd) * 86400 + 6 * 3600;
}

static void
topic_add(struct store *st, const char *code, const char *slug,
          const char *nombre)
{
	struct topic t = {(char *)code, (char *)slug, (char *)nombre, NULL, 0};

	assert_int_equal(store_topic_put(st, &t), 0);
}

/* Two topics most cases use. */
static void
topics_seed(struct store *st)
{
	topic_add(st, "1.2", "cambio-climatico", "Cambio climático");
	topic_add(st, "1.3", "migracion", "Migración internacional");
}

/* A dated session (all day, start..end) or, with kind TBD, a window. */
static void
event_make(struct event *ev, const char *uid, const char *title,
           enum fecha_kind kind, struct fecha_date a, struct fecha_date b,
           const char *topic)
{
	event_init(ev);
	assert_int_equal(event_str_set(&ev->uid, uid), 0);
	assert_int_equal(event_str_set(&ev->title, title), 0);
	ev->kind = kind;
	if (kind == FECHA_TBD || kind == FECHA_APPROX) {
		ev->status = EVENT_TENTATIVE;
		ev->win_start = a;
		ev->win_end = b;
		if (kind == FECHA_APPROX)
			ev->duration_days = 21;
	} else {
		ev->status = EVENT_CONFIRMED;
		ev->start = a;
		ev->end = b;
	}
	if (topic)
		assert_int_equal(event_topic_add(ev, topic, topic), 0);
}

static void
event_put_simple(struct store *st, const char *uid, enum fecha_kind kind,
                 struct fecha_date a, struct fecha_date b, const char *topic)
{
	struct event ev;

	event_make(&ev, uid, "Reunión de diálogo", kind, a, b, topic);
	assert_int_equal(store_event_put(st, &ev), 0);
	event_fini(&ev);
}

static struct fecha_date
D(int y, int m, int d) {
	struct fecha_date fd = {y, m, d};

	return fd;
}

/* ---- migrations and settings ---- */

static void
test_store_migrations_set_user_version(void **state)
{
	struct fixture *fx = *state;
	struct store_counts c;

	assert_true(store_schema_version() >= 1);
	assert_int_equal(store_db_version(fx->st), store_schema_version());
	/* Every table of the model is there: the counts touch them all. */
	assert_int_equal(store_counts_get(fx->st, &c), 0);
	assert_int_equal(c.events + c.topics + c.oscs + c.subscriptions +
	                     c.outbox_pending + c.outbox_failed + c.outbox_sent,
	                 0);
}

/* A failed migration says SQLite's reason and the line, not the file's
 * text with its comments; nothing of it stays. */
static void
test_store_migration_error_names_line_and_reason(void **state)
{
	struct fixture *fx = *state;
	static const char sql[] =
	    "-- 999-broken.sql: a migration that goes wrong.\n"
	    "-- Its comments must not be the error.\n"
	    "CREATE TABLE nueva (a INTEGER);\n"
	    "\n"
	    "/* and then */\n"
	    "INSERT INTO no_such_table VALUES (1);\n";
	int before = store_db_version(fx->st);

	assert_int_equal(
	    store_migration_apply(fx->st, "999-broken.sql", sql, 999), -EIO);
	assert_string_equal(store_error(fx->st),
	                    "migration 999-broken.sql, line 6: no such table: "
	                    "no_such_table");
	assert_null(strstr(store_error(fx->st), "--"));
	/* Rolled back: no table, the version as it was. */
	assert_int_equal(store_db_version(fx->st), before);
	assert_int_equal(
	    store_migration_apply(fx->st, "998-ok.sql",
	                          "CREATE TABLE nueva (a INTEGER);", before),
	    0);
}

static void
test_store_reopen_is_noop(void **state)
{
	struct fixture fx = {0};
	struct store *st;
	struct topic t;
	char err[256];

	(void)state;
	fixture_dir(&fx);
	assert_int_equal(store_open(&st, fx.path, err, sizeof err), 0);
	topics_seed(st);
	store_close(st);

	/* A migration run again would fail on CREATE TABLE, or lose data. */
	assert_int_equal(store_open(&st, fx.path, err, sizeof err), 0);
	assert_int_equal(store_db_version(st), store_schema_version());
	assert_int_equal(store_topic_get(st, "migracion", &t), 0);
	assert_string_equal(t.code, "1.3");
	topic_fini(&t);
	store_close(st);
	fixture_dir_remove(&fx);
}

/* Write user_version straight into the file header (sqlite's file format:
 * a 4-byte big-endian integer at offset 60). */
static void
header_user_version_set(const char *path, unsigned v)
{
	unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, 4, 60), 4);
	close(fd);
}

static void
test_store_newer_database_refused(void **state)
{
	struct fixture fx = {0};
	struct store *st;
	char err[256], want[128];

	(void)state;
	fixture_dir(&fx);
	assert_int_equal(store_open(&st, fx.path, err, sizeof err), 0);
	store_close(st);
	header_user_version_set(fx.path, 999);

	st = (struct store *)&fx; /* must be reset to NULL */
	assert_true(store_open(&st, fx.path, err, sizeof err) < 0);
	assert_null(st);
	snprintf(want, sizeof want,
	         "database schema version 999 is newer than this "
	         "cronogramad (%d)",
	         store_schema_version());
	assert_string_equal(err, want);
	fixture_dir_remove(&fx);
}

static void
test_store_file_pragmas(void **state)
{
	struct fixture *fx = *state;
	struct store_pragmas p;
	struct stat sb;
	char wal[160];

	assert_int_equal(store_pragmas_get(fx->st, &p), 0);
	assert_string_equal(p.journal_mode, "wal");
	assert_int_equal(p.synchronous, 2);
	assert_int_equal(p.foreign_keys, 1);
	assert_int_equal(p.busy_timeout, 5000);

	topics_seed(fx->st);
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void
test_store_memory_pragmas(void **state)
{
	struct fixture *fx = *state;
	struct store_pragmas p;

	assert_int_equal(store_pragmas_get(fx->st, &p), 0);
	assert_string_equal(p.journal_mode, "memory");
	assert_int_equal(p.synchronous, 2);
	assert_int_equal(p.foreign_keys, 1);
}

static void
test_store_existing_file_tightened(void **state)
{
	struct fixture fx = {0};
	struct store *st;
	struct stat sb;
	char err[256];
	int fd;

	(void)state;
	fixture_dir(&fx);
	fd = open(fx.path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	assert_int_equal(store_open(&st, fx.path, err, sizeof err), 0);
	assert_int_equal(stat(fx.path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	store_close(st);
	fixture_dir_remove(&fx);
}

/* ---- topics ---- */

static void
test_store_topic_put_get_list(void **state)
{
	struct fixture *fx = *state;
	static const char *const want[] = {"1.1",  "1.2", "1.9",
	                                   "1.10", "2.1", "10.1"};
	struct topic *ts, t, bad = {"9.9", "Mal Slug", "Mal", NULL, 0};
	size_t n, i;

	topic_add(fx->st, "1.10", "derechos-humanos", "Derechos humanos");
	topic_add(fx->st, "2.1", "desarme", "Desarme");
	topic_add(fx->st, "1.2", "cambio-climatico", "Cambio climático");
	topic_add(fx->st, "10.1", "otros", "Otros");
	topic_add(fx->st, "1.9", "mujeres", "Mujeres");
	topic_add(fx->st, "1.1", "agenda-2030", "Agenda 2030");

	assert_int_equal(store_topic_list(fx->st, &ts, &n), 0);
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++)
		assert_string_equal(ts[i].code, want[i]);
	topic_array_free(ts, n);

	assert_int_equal(store_topic_get(fx->st, "1.2", &t), 0);
	assert_string_equal(t.slug, "cambio-climatico");
	assert_string_equal(t.nombre, "Cambio climático");
	assert_null(t.title);
	topic_fini(&t);
	assert_int_equal(store_topic_get(fx->st, "desarme", &t), 0);
	assert_string_equal(t.code, "2.1");
	topic_fini(&t);
	assert_int_equal(store_topic_get(fx->st, "3.3", &t), -ENOENT);
	assert_non_null(strstr(store_error(fx->st), "3.3"));

	/* Upsert by code. */
	{
		struct topic u = {"2.1", "desarme", "Desarme nuclear",
		                  "Diálogo sobre desarme.", 0};

		assert_int_equal(store_topic_put(fx->st, &u), 0);
	}
	assert_int_equal(store_topic_get(fx->st, "2.1", &t), 0);
	assert_string_equal(t.nombre, "Desarme nuclear");
	assert_string_equal(t.title, "Diálogo sobre desarme.");
	topic_fini(&t);

	/* A slug another code holds is a conflict; a bad slug is refused. */
	{
		struct topic u = {"7.7", "desarme", "Otro", NULL, 0};

		assert_int_equal(store_topic_put(fx->st, &u), -EEXIST);
	}
	assert_int_equal(store_topic_put(fx->st, &bad), -EINVAL);
	assert_int_equal(store_topic_list(fx->st, &ts, &n), 0);
	assert_int_equal(n, 6);
	topic_array_free(ts, n);
}

static void
test_store_topic_counts_sessions(void **state)
{
	struct fixture *fx = *state;
	struct topic t, *ts;
	struct event ev;
	size_t n;

	topics_seed(fx->st);
	event_put_simple(fx->st, "a@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "migracion");
	event_put_simple(fx->st, "b@x", FECHA_DATE, D(2018, 3, 6),
	                 D(2018, 3, 6), "migracion");
	event_make(&ev, "c@x", "Cancelada", FECHA_DATE, D(2018, 3, 7),
	           D(2018, 3, 7), "migracion");
	ev.status = EVENT_CANCELLED;
	assert_int_equal(store_event_put(fx->st, &ev), 0);
	event_fini(&ev);

	assert_int_equal(store_topic_get(fx->st, "migracion", &t), 0);
	assert_int_equal(t.events, 2);
	topic_fini(&t);
	assert_int_equal(store_topic_list(fx->st, &ts, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ts[0].events, 0);
	assert_int_equal(ts[1].events, 2);
	topic_array_free(ts, n);
}

static void
test_store_topic_slug_rename_follows(void **state)
{
	struct fixture *fx = *state;
	struct store_event_filter f = {0};
	struct event *evs;
	size_t n;

	topics_seed(fx->st);
	event_put_simple(fx->st, "a@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "migracion");
	topic_add(fx->st, "1.3", "migracion-internacional", "Migración");
	f.topic = "migracion-internacional";
	assert_int_equal(store_event_list(fx->st, &f, &evs, &n), 0);
	assert_int_equal(n, 1);
	event_array_free(evs, n);
}

/* ---- events ---- */

static void
test_store_event_put_get(void **state)
{
	struct fixture *fx = *state;
	struct event ev, got;

	topics_seed(fx->st);
	event_make(&ev, "2018-07@sre.example.org", "Diálogo sobre migración",
	           FECHA_RANGE, D(2018, 5, 20), D(2018, 5, 22), "migracion");
	assert_int_equal(
	    event_topic_add(&ev, "cambio-climatico", "Cambio climático"), 0);
	assert_int_equal(event_str_set(&ev.location, "Ciudad de México"), 0);
	assert_int_equal(event_str_set(&ev.words, "20 al 22 de mayo"), 0);
	ev.sequence = 3;
	assert_int_equal(store_event_put(fx->st, &ev), 0);

	assert_int_equal(
	    store_event_get(fx->st, "2018-07@sre.example.org", &got), 0);
	assert_string_equal(got.uid, "2018-07@sre.example.org");
	assert_string_equal(got.title, "Diálogo sobre migración");
	assert_string_equal(got.location, "Ciudad de México");
	assert_int_equal(got.kind, FECHA_RANGE);
	assert_int_equal(got.sequence, 3);
	assert_int_equal(got.end.d, 22);
	assert_true(event_has_topic(&got, "migracion"));
	assert_true(event_has_topic(&got, "cambio-climatico"));
	assert_true(event_same(&ev, &got));
	event_fini(&got);

	assert_int_equal(store_event_get(fx->st, "2018-07", &got), 0);
	assert_string_equal(got.uid, "2018-07@sre.example.org");
	event_fini(&got);
	assert_int_equal(store_event_get(fx->st, "2018-08", &got), -ENOENT);
	assert_non_null(strstr(store_error(fx->st), "2018-08"));

	/* Put again replaces. */
	assert_int_equal(event_str_set(&ev.title, "Nuevo título"), 0);
	assert_int_equal(store_event_put(fx->st, &ev), 0);
	assert_int_equal(store_event_get(fx->st, "2018-07", &got), 0);
	assert_string_equal(got.title, "Nuevo título");
	event_fini(&got);

	/* The short id belongs to one session only. */
	assert_int_equal(event_str_set(&ev.uid, "2018-07@otro.example.org"), 0);
	assert_int_equal(store_event_put(fx->st, &ev), -EEXIST);
	assert_non_null(strstr(store_error(fx->st), "2018-07"));

	/* What event_validate refuses is refused. */
	assert_int_equal(event_str_set(&ev.uid, "2018-09@sre.example.org"), 0);
	assert_int_equal(event_str_set(&ev.title, NULL), 0);
	assert_int_equal(store_event_put(fx->st, &ev), -EINVAL);
	assert_int_equal(store_event_get(fx->st, "2018-09", &got), -ENOENT);
	event_fini(&ev);
}

static void
uids_assert(struct store *st, const struct store_event_filter *f,
            const char *want)
{
	struct event *evs;
	char got[256] = "";
	size_t n, i;

	assert_int_equal(store_event_list(st, f, &evs, &n), 0);
	for (i = 0; i < n; i++) {
		if (i)
			strcat(got, " ");
		strcat(got, evs[i].uid);
	}
	event_array_free(evs, n);
	assert_string_equal(got, want);
}

static void
test_store_event_list_filters(void **state)
{
	struct fixture *fx = *state;
	struct store_event_filter f = {0};
	struct event ev;

	topics_seed(fx->st);
	event_put_simple(fx->st, "may@x", FECHA_RANGE, D(2018, 5, 20),
	                 D(2018, 5, 22), "migracion");
	event_put_simple(fx->st, "mar@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "cambio-climatico");
	event_put_simple(fx->st, "tbd@x", FECHA_TBD, D(2018, 4, 1),
	                 D(2018, 6, 30), "migracion");
	event_put_simple(fx->st, "apx@x", FECHA_APPROX, D(2018, 10, 1),
	                 D(2018, 10, 31), "cambio-climatico");
	event_make(&ev, "can@x", "Cancelada", FECHA_DATE, D(2018, 4, 10),
	           D(2018, 4, 10), "migracion");
	ev.status = EVENT_CANCELLED;
	assert_int_equal(event_str_set(&ev.reason, "Sin quórum"), 0);
	assert_int_equal(store_event_put(fx->st, &ev), 0);
	event_fini(&ev);
	/* Same start as mar@x: the uid breaks the tie. */
	event_put_simple(fx->st, "mab@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), NULL);

	uids_assert(fx->st, NULL, "mab@x mar@x tbd@x may@x apx@x");
	uids_assert(fx->st, &f, "mab@x mar@x tbd@x may@x apx@x");
	f.with_cancelled = 1;
	uids_assert(fx->st, &f, "mab@x mar@x tbd@x can@x may@x apx@x");
	f.topic = "migracion";
	uids_assert(fx->st, &f, "tbd@x can@x may@x");
	f.with_cancelled = 0;
	uids_assert(fx->st, &f, "tbd@x may@x");
	f.topic = "nadie";
	uids_assert(fx->st, &f, "");
	f.topic = NULL;
	f.tbd_only = 1;
	uids_assert(fx->st, &f, "tbd@x apx@x");
	f.tbd_only = 0;

	/* Overlap: [from, to) against each span [start, end). */
	f.from = mx_midnight(2018, 5, 21);
	f.to = mx_midnight(2018, 5, 22);
	uids_assert(fx->st, &f, "tbd@x may@x");
	f.from = mx_midnight(2018, 5, 23); /* may@x ends here */
	f.to = 0;
	uids_assert(fx->st, &f, "tbd@x apx@x");
	f.from = 0;
	f.to = mx_midnight(2018, 3, 5); /* mar@x starts here */
	uids_assert(fx->st, &f, "");
	f.to = mx_midnight(2018, 3, 5) + 1;
	uids_assert(fx->st, &f, "mab@x mar@x");
	f.from = mx_midnight(2018, 7, 1); /* the window ended */
	f.to = mx_midnight(2018, 10, 2);
	f.tbd_only = 1;
	uids_assert(fx->st, &f, "apx@x");
}

static void
test_store_event_delete(void **state)
{
	struct fixture *fx = *state;
	struct event got;
	struct topic t;

	topics_seed(fx->st);
	event_put_simple(fx->st, "a@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "migracion");
	event_put_simple(fx->st, "b@x", FECHA_DATE, D(2018, 3, 6),
	                 D(2018, 3, 6), "migracion");

	assert_int_equal(store_event_delete(fx->st, "a@x"), 0);
	assert_int_equal(store_event_get(fx->st, "a@x", &got), -ENOENT);
	assert_int_equal(store_event_delete(fx->st, "a@x"), -ENOENT);
	assert_non_null(strstr(store_error(fx->st), "a@x"));
	assert_int_equal(store_event_delete(fx->st, "b"), 0);
	assert_int_equal(store_event_get(fx->st, "b@x", &got), -ENOENT);
	/* Its topic rows went with it. */
	assert_int_equal(store_topic_get(fx->st, "migracion", &t), 0);
	assert_int_equal(t.events, 0);
	topic_fini(&t);
	/* And the topic can be re-used by a new session of the same uid. */
	event_put_simple(fx->st, "a@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "cambio-climatico");
	assert_int_equal(store_topic_get(fx->st, "migracion", &t), 0);
	assert_int_equal(t.events, 0);
	topic_fini(&t);
}

static void
test_store_event_unknown_topic_refused(void **state)
{
	struct fixture *fx = *state;
	struct store_counts c;
	struct event ev, got;

	topics_seed(fx->st);
	event_make(&ev, "a@x", "Sesión", FECHA_DATE, D(2018, 3, 5),
	           D(2018, 3, 5), "migracion");
	assert_int_equal(event_topic_add(&ev, "nope", "Nope"), 0);
	assert_int_equal(store_event_put(fx->st, &ev), -EINVAL);
	assert_string_equal(store_error(fx->st), "unknown topic 'nope'");
	event_fini(&ev);

	assert_int_equal(store_event_get(fx->st, "a@x", &got), -ENOENT);
	assert_int_equal(store_counts_get(fx->st, &c), 0);
	assert_int_equal(c.events, 0);
}

/* ---- transactions ---- */

static void
test_store_transaction_rollback(void **state)
{
	struct fixture *fx = *state;
	struct store_counts c;
	struct event ev, got;
	struct topic t;

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_begin(fx->st), -EINVAL);
	topics_seed(fx->st);
	event_put_simple(fx->st, "a@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "migracion");
	assert_int_equal(
	    store_audit_add(fx->st, 0, "import", "f.tsv", NULL, NULL), 0);
	assert_int_equal(store_rollback(fx->st), 0);

	assert_int_equal(store_topic_get(fx->st, "migracion", &t), -ENOENT);
	assert_int_equal(store_event_get(fx->st, "a@x", &got), -ENOENT);
	assert_int_equal(store_counts_get(fx->st, &c), 0);
	assert_int_equal(c.events + c.topics, 0);
	assert_int_equal(store_commit(fx->st), -EINVAL);
	assert_int_equal(store_rollback(fx->st), -EINVAL);

	/* A failed put inside a transaction undoes only itself. */
	assert_int_equal(store_begin(fx->st), 0);
	topics_seed(fx->st);
	event_put_simple(fx->st, "a@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "migracion");
	event_make(&ev, "b@x", "Sesión", FECHA_DATE, D(2018, 3, 6),
	           D(2018, 3, 6), "nope");
	assert_int_equal(store_event_put(fx->st, &ev), -EINVAL);
	event_fini(&ev);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(store_event_get(fx->st, "a@x", &got), 0);
	event_fini(&got);
	assert_int_equal(store_event_get(fx->st, "b@x", &got), -ENOENT);
	/* And the store takes a new transaction afterwards. */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_commit(fx->st), 0);
}

/* ---- audit, counts, change stamps ---- */

static void
test_store_audit_newest_first(void **state)
{
	struct fixture *fx = *state;
	struct audit_row *rows;
	size_t n;

	clock_set(100);
	assert_int_equal(store_audit_add(fx->st, 1000, "event.add", "a@x", NULL,
	                                 "{\"title\":\"Sesión\"}"),
	                 0);
	clock_set(200);
	assert_int_equal(
	    store_audit_add(fx->st, -1, "import", "p.tsv", "antes", "después"),
	    0);
	clock_set(300);
	assert_int_equal(
	    store_audit_add(fx->st, 0, "event.delete", "a@x", "{}", NULL), 0);
	assert_int_equal(store_audit_add(fx->st, 0, "", "a@x", NULL, NULL),
	                 -EINVAL);

	assert_int_equal(store_audit_list(fx->st, NULL, 0, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].action, "event.delete");
	assert_int_equal(rows[0].at, 300);
	assert_int_equal(rows[0].peer_uid, 0);
	assert_null(rows[0].after);
	assert_string_equal(rows[1].action, "import");
	assert_int_equal(rows[1].peer_uid, -1);
	assert_string_equal(rows[1].after, "después");
	assert_string_equal(rows[2].action, "event.add");
	assert_int_equal(rows[2].peer_uid, 1000);
	assert_null(rows[2].before);
	assert_true(rows[0].id > rows[1].id && rows[1].id > rows[2].id);
	audit_array_free(rows, n);

	assert_int_equal(store_audit_list(fx->st, "a@x", 0, &rows, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].action, "event.delete");
	assert_string_equal(rows[1].action, "event.add");
	audit_array_free(rows, n);

	assert_int_equal(store_audit_list(fx->st, NULL, 1, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].action, "event.delete");
	audit_array_free(rows, n);
}

static void
test_store_counts(void **state)
{
	struct fixture *fx = *state;
	struct store_counts c;
	struct event ev;

	topics_seed(fx->st);
	event_put_simple(fx->st, "d@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "migracion");
	event_put_simple(fx->st, "r@x", FECHA_RANGE, D(2018, 3, 5),
	                 D(2018, 3, 7), "migracion");
	event_put_simple(fx->st, "r2@x", FECHA_RANGE, D(2018, 4, 5),
	                 D(2018, 4, 7), NULL);
	event_put_simple(fx->st, "t@x", FECHA_TBD, D(2018, 1, 1),
	                 D(2018, 6, 30), "migracion");
	event_put_simple(fx->st, "a@x", FECHA_APPROX, D(2018, 10, 1),
	                 D(2018, 10, 31), "migracion");
	event_make(&ev, "c@x", "Cancelada", FECHA_TBD, D(2018, 11, 1),
	           D(2018, 11, 30), NULL);
	ev.status = EVENT_CANCELLED;
	assert_int_equal(store_event_put(fx->st, &ev), 0);
	event_fini(&ev);

	assert_int_equal(store_counts_get(fx->st, &c), 0);
	assert_int_equal(c.events, 6);
	assert_int_equal(c.dated, 3);
	assert_int_equal(c.tbd, 2);
	assert_int_equal(c.cancelled, 1);
	assert_int_equal(c.topics, 2);
	assert_int_equal(c.oscs, 0);
	assert_int_equal(c.subscriptions, 0);
	assert_int_equal(c.outbox_pending + c.outbox_failed + c.outbox_sent, 0);
}

static int64_t
changed(struct store *st, const char *topic)
{
	int64_t at = -1;

	assert_int_equal(store_event_changed_at(st, topic, &at), 0);
	return at;
}

static void
test_store_changed_at_moves(void **state)
{
	struct fixture *fx = *state;
	struct event ev;

	assert_int_equal(changed(fx->st, NULL), 0);
	assert_int_equal(changed(fx->st, "migracion"), 0);

	clock_set(T0 + 10);
	topics_seed(fx->st);
	assert_int_equal(changed(fx->st, NULL), T0 + 10);

	clock_set(T0 + 20);
	event_put_simple(fx->st, "a@x", FECHA_DATE, D(2018, 3, 5),
	                 D(2018, 3, 5), "migracion");
	assert_int_equal(changed(fx->st, NULL), T0 + 20);
	assert_int_equal(changed(fx->st, "migracion"), T0 + 20);
	assert_int_equal(changed(fx->st, "cambio-climatico"), T0 + 10);

	clock_set(T0 + 30);
	event_put_simple(fx->st, "b@x", FECHA_DATE, D(2018, 3, 6),
	                 D(2018, 3, 6), "cambio-climatico");
	assert_int_equal(changed(fx->st, NULL), T0 + 30);
	assert_int_equal(changed(fx->st, "migracion"), T0 + 20);
	assert_int_equal(changed(fx->st, "cambio-climatico"), T0 + 30);

	/* a@x moves to the other topic: the one it left changes too. */
	clock_set(T0 + 40);
	event_make(&ev, "a@x", "Movida", FECHA_DATE, D(2018, 3, 5),
	           D(2018, 3, 5), "cambio-climatico");
	assert_int_equal(store_event_put(fx->st, &ev), 0);
	event_fini(&ev);
	assert_int_equal(changed(fx->st, "migracion"), T0 + 40);

	/* A delete moves the stamp although no row is left to carry it. */
	clock_set(T0 + 50);
	assert_int_equal(store_event_delete(fx->st, "b@x"), 0);
	assert_int_equal(store_event_delete(fx->st, "a@x"), 0);
	assert_int_equal(changed(fx->st, NULL), T0 + 50);
	assert_int_equal(changed(fx->st, "cambio-climatico"), T0 + 50);
	assert_int_equal(changed(fx->st, "migracion"), T0 + 40);

	/* A failed delete does not. */
	clock_set(T0 + 60);
	assert_int_equal(store_event_delete(fx->st, "a@x"), -ENOENT);
	assert_int_equal(changed(fx->st, NULL), T0 + 50);
}

/* 10,000 sessions list in one query; well under a second normally, the
 * bound leaves room for sanitizers. */
static void
test_store_event_list_10000(void **state)
{
	struct fixture *fx = *state;
	struct timespec a, b;
	struct event *evs;
	char uid[32];
	size_t n, i;
	double secs;

	topics_seed(fx->st);
	assert_int_equal(store_begin(fx->st), 0);
	for (i = 0; i < 10000; i++) {
		struct fecha_date d =
		    fecha_date_add(D(2018, 1, 1), (long)(i % 3650));

		snprintf(uid, sizeof uid, "s%05zu@x", i);
		event_put_simple(fx->st, uid, FECHA_DATE, d, d,
		                 i % 2 ? "migracion" : "cambio-climatico");
	}
	assert_int_equal(store_commit(fx->st), 0);

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(store_event_list(fx->st, NULL, &evs, &n), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	assert_int_equal(n, 10000);
	assert_string_equal(evs[0].uid, "s00000@x");
	assert_string_equal(evs[1].uid, "s03650@x");
	event_array_free(evs, n);
	fprintf(stderr, "store_event_list: 10000 sessions in %.3f s\n", secs);
	assert_true(secs < 10.0);
}

#define BOTH(f)                                                                \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown,           \
	                                         (void *)KIND_MEMORY),         \
	    cmocka_unit_test_prestate_setup_teardown(f, setup, teardown,       \
	                                             (void *)KIND_FILE)
#define ON(kind, f)                                                            \
	cmocka_unit_test_prestate_setup_teardown(f, setup, teardown,           \
	                                         (void *)kind)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    BOTH(test_store_migrations_set_user_version),
	    BOTH(test_store_migration_error_names_line_and_reason),
	    cmocka_unit_test(test_store_reopen_is_noop),
	    cmocka_unit_test(test_store_newer_database_refused),
	    cmocka_unit_test(test_store_existing_file_tightened),
	    ON(KIND_FILE, test_store_file_pragmas),
	    ON(KIND_MEMORY, test_store_memory_pragmas),
	    BOTH(test_store_topic_put_get_list),
	    BOTH(test_store_topic_counts_sessions),
	    BOTH(test_store_topic_slug_rename_follows),
	    BOTH(test_store_event_put_get),
	    BOTH(test_store_event_list_filters),
	    BOTH(test_store_event_delete),
	    BOTH(test_store_event_unknown_topic_refused),
	    BOTH(test_store_transaction_rollback),
	    BOTH(test_store_audit_newest_first),
	    BOTH(test_store_counts),
	    BOTH(test_store_changed_at_moves),
	    ON(KIND_FILE, test_store_event_list_10000),
	};

	log_init("test_store", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
