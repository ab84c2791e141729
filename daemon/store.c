/* store: the sqlite database. See store.h. Topics and sessions are
 * store_event.c's; organisations store_osc.c's, the outbox
 * store_outbox.c's, notices store_notice.c's.
 *
 * Every SQL statement lives in schemas/queries.sql under a "-- name: X"
 * line; they are prepared once at open into st->stmts, indexed by enum
 * stmt_id, and run through store_stmt_run(), which binds, steps and
 * resets. Only transaction control and PRAGMAs are written here. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "clock.h"
#include "event.h"
#include "log.h"
#include "sqlfiles.h"
#include "store.h"
#include "store_internal.h"

#define STORE_QUERIES    "queries*.sql"
#define STORE_NAME_TAG   "-- name:"
#define STORE_BUSY_MS    5000
#define STORE_SAVEPOINT  "store_op"
#define STORE_CKPT_PAGES 1000 /* WAL pages that start a checkpoint */

const char *const store_stmt_names[STMT__COUNT] = {
#define STORE_STMT(id, name) [STMT_##id] = #name,
#include "store_stmts.def"
#undef STORE_STMT
};

/* ---- errors ---- */

/* Set the message store_error() returns and return code. */
int
store_fail(struct store *st, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	return code;
}

/* A sqlite result code as our negative errno. */
int
store_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_NOTFOUND:
		return -ENOENT;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* Fail with sqlite's own message for rc, prefixed by what was tried. */
int
store_sqlite_fail(struct store *st, int rc, const char *what)
{
	return store_fail(st, store_code(rc), "%s: %s", what,
	                  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
}

const char *
store_error(struct store *st)
{
	return st ? st->err : "no database";
}

/* ---- running SQL ---- */

/* Run SQL text that the code itself owns (transactions, PRAGMAs). */
int
store_exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_sqlite_fail(st, rc, sql);
}

/*
 * Bind fmt's arguments to statement id, step it through every row (calling
 * on_row, if not NULL, for each) and reset it. fmt has one character per
 * parameter ?1, ?2…: 's' a const char * (NULL binds NULL), 'i' an int,
 * 'I' an int64_t, 'N' a const int64_t * (NULL binds NULL). Returns 0,
 * on_row's negative code, or the sqlite error as -EIO/-EEXIST/-ENOENT.
 */
int
store_stmt_run(struct store *st, enum stmt_id id, store_row_fn on_row,
               void *arg, const char *fmt, ...)
{
	sqlite3_stmt *s = st->stmts[id];
	const int64_t *np;
	const char *sv;
	va_list ap;
	int rc = SQLITE_OK, ret = 0, i;

	va_start(ap, fmt);
	for (i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 's':
			sv = va_arg(ap, const char *);
			rc = sv ? sqlite3_bind_text(s, i + 1, sv, -1,
			                            SQLITE_STATIC)
			        : sqlite3_bind_null(s, i + 1);
			break;
		case 'i':
			rc = sqlite3_bind_int(s, i + 1, va_arg(ap, int));
			break;
		case 'I':
			rc = sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
			break;
		case 'N':
			np = va_arg(ap, const int64_t *);
			rc = np ? sqlite3_bind_int64(s, i + 1, *np)
			        : sqlite3_bind_null(s, i + 1);
			break;
		default:
			rc = SQLITE_MISUSE;
			break;
		}
	}
	va_end(ap);
	if (rc != SQLITE_OK || i != sqlite3_bind_parameter_count(s)) {
		ret = store_fail(
		    st, -EIO, "%s: %d parameters bound, the statement has %d",
		    store_stmt_names[id], i, sqlite3_bind_parameter_count(s));
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (on_row && (ret = on_row(st, s, arg)) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = store_sqlite_fail(st, rc, store_stmt_names[id]);
out:
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

void *
store_rows_slot(struct store *st, struct store_rows *r)
{
	char *slot;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		void *v = realloc(r->v, cap * r->size);

		if (v == NULL) {
			store_fail(st, -ENOMEM, "out of memory");
			return NULL;
		}
		r->v = v;
		r->cap = cap;
	}
	slot = (char *)r->v + r->n * r->size;
	memset(slot, 0, r->size);
	r->n++;
	return slot;
}

/* Row callback: column 0 as an int64_t into *arg (which stays as it was
 * when there is no row). */
int
store_on_row_int64(struct store *st, sqlite3_stmt *s, void *arg)
{
	(void)st;
	*(int64_t *)arg = sqlite3_column_int64(s, 0);
	return 0;
}

/* A copy of text column col into *out (NULL for SQL NULL). */
int
store_column_dup(struct store *st, sqlite3_stmt *s, int col, char **out)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	*out = NULL;
	if (v == NULL)
		return 0;
	if ((*out = strdup((const char *)v)) == NULL)
		return store_fail(st, -ENOMEM, "out of memory");
	return 0;
}

/*
 * Savepoints make one store operation atomic both inside a caller's
 * store_begin() transaction and outside any (where the savepoint is the
 * transaction). store_op_end() releases it, or on ret < 0 undoes it, and
 * returns ret (or the release's error).
 */
int
store_op_begin(struct store *st)
{
	return store_exec(st, "SAVEPOINT " STORE_SAVEPOINT);
}

int
store_op_end(struct store *st, int ret)
{
	if (ret >= 0 && (ret = store_exec(st, "RELEASE " STORE_SAVEPOINT)) >= 0)
		return 0;
	st->address_gen++;
	/* Errors here are ignored: sqlite may already have rolled back. */
	sqlite3_exec(
	    st->db, "ROLLBACK TO " STORE_SAVEPOINT "; RELEASE " STORE_SAVEPOINT,
	    NULL, NULL, NULL);
	return ret;
}

/* ---- migrations and statements ---- */

/* The NNN of a migration named "NNN-name.sql", or -1 for other files. */
static int
store_migration_number(const char *name)
{
	size_t len = strlen(name);
	int i, n = 0;

	if (len < 8 || name[3] != '-' || strcmp(name + len - 4, ".sql") != 0)
		return -1;
	for (i = 0; i < 3; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		n = n * 10 + (name[i] - '0');
	}
	return n;
}

int
store_schema_version(void)
{
	int v = 0, n;
	unsigned i;

	for (i = 0; i < sql_files_count; i++) {
		n = store_migration_number(sql_files[i].name);
		if (n > v)
			v = n;
	}
	return v;
}

/* A PRAGMA's single value as text into buf (or as an int into *num). */
static int
store_pragma_read(struct store *st, const char *sql, char *buf, size_t len,
                  int *num)
{
	sqlite3_stmt *s = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (buf)
			snprintf(buf, len, "%s",
			         (const char *)sqlite3_column_text(s, 0));
		if (num)
			*num = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_OK)
		store_sqlite_fail(st, rc, sql);
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? 0 : store_code(rc);
}

int
store_db_version(struct store *st)
{
	int v = 0, ret;

	ret = store_pragma_read(st, "PRAGMA user_version", NULL, 0, &v);
	return ret < 0 ? ret : v;
}

int
store_pragmas_get(struct store *st, struct store_pragmas *p)
{
	int ret;

	memset(p, 0, sizeof *p);
	if ((ret = store_pragma_read(st, "PRAGMA journal_mode", p->journal_mode,
	                             sizeof p->journal_mode, NULL)) < 0 ||
	    (ret = store_pragma_read(st, "PRAGMA synchronous", NULL, 0,
	                             &p->synchronous)) < 0 ||
	    (ret = store_pragma_read(st, "PRAGMA foreign_keys", NULL, 0,
	                             &p->foreign_keys)) < 0 ||
	    (ret = store_pragma_read(st, "PRAGMA busy_timeout", NULL, 0,
	                             &p->busy_timeout)) < 0)
		return ret;
	return 0;
}

/* The line (from 1) in text where the SQL at p starts: past blanks and
 * comments, where sqlite3_prepare_v2's statement begins. */
static int
store_sql_line(const char *text, const char *p)
{
	const char *q;
	int line = 1;

	for (;;) {
		p += strspn(p, " \t\r\n");
		if (p[0] == '-' && p[1] == '-')
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*' && (q = strstr(p, "*/")))
			p = q + 2;
		else
			break;
	}
	for (q = text; q < p; q++)
		line += *q == '\n';
	return line;
}

int
store_migration_apply(struct store *st, const char *name, const char *sql,
                      int version)
{
	const char *p = sql, *tail = NULL;
	sqlite3_stmt *s = NULL;
	char set[64];
	int rc, ret, line = 0;

	snprintf(set, sizeof set, "PRAGMA user_version = %d", version);
	if ((ret = store_exec(st, "BEGIN IMMEDIATE")) < 0)
		return ret;
	/* Statement by statement, so that an error names its line and
	 * SQLite's reason, not the file's text. */
	rc = SQLITE_OK;
	while (*p != '\0') {
		line = store_sql_line(sql, p);
		rc = sqlite3_prepare_v2(st->db, p, -1, &s, &tail);
		if (rc != SQLITE_OK)
			break;
		if (s == NULL) /* only blanks and comments were left */
			break;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			;
		sqlite3_finalize(s);
		s = NULL;
		if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
		p = tail;
	}
	if (rc == SQLITE_OK && (ret = store_exec(st, set)) == 0 &&
	    (ret = store_exec(st, "COMMIT")) == 0)
		return 0;
	if (rc != SQLITE_OK)
		ret =
		    store_fail(st, store_code(rc), "migration %s, line %d: %s",
		               name, line, sqlite3_errmsg(st->db));
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

/*
 * Apply, in name order, every migration newer than the database's
 * user_version, each in its own transaction that also sets user_version.
 * A database newer than the code is refused.
 */
static int
store_migrate(struct store *st)
{
	int have, want = store_schema_version(), prev = 0, n, ret;
	unsigned i;

	if ((have = store_db_version(st)) < 0)
		return have;
	if (have > want)
		return store_fail(st, -EINVAL,
		                  "database schema version %d is newer than "
		                  "this cronogramad (%d)",
		                  have, want);
	for (i = 0; i < sql_files_count; i++) {
		const struct sql_file *f = &sql_files[i];

		if ((n = store_migration_number(f->name)) < 0)
			continue;
		if (n <= prev)
			return store_fail(
			    st, -EINVAL, "two migrations are numbered %03d", n);
		prev = n;
		if (n <= have)
			continue;
		if ((ret = store_migration_apply(st, f->name, f->text, n)) < 0)
			return ret;
		log_info("store: applied migration %s", f->name);
	}
	return 0;
}

/* Prepare the statement called name (len bytes of sql) into its slot. */
static int
store_stmt_prepare(struct store *st, const char *name, const char *sql,
                   size_t len)
{
	sqlite3_stmt *s = NULL, *extra = NULL;
	const char *tail = NULL;
	int id, rc;

	for (id = 0; id < STMT__COUNT; id++)
		if (strcmp(store_stmt_names[id], name) == 0)
			break;
	if (id == STMT__COUNT)
		return store_fail(st, -EINVAL,
		                  STORE_QUERIES ": unknown statement '%s'",
		                  name);
	if (st->stmts[id])
		return store_fail(st, -EINVAL,
		                  STORE_QUERIES ": statement '%s' named twice",
		                  name);
	rc = sqlite3_prepare_v3(st->db, sql, (int)len,
	                        SQLITE_PREPARE_PERSISTENT, &s, &tail);
	if (rc != SQLITE_OK)
		return store_fail(st, store_code(rc), STORE_QUERIES ": %s: %s",
		                  name, sqlite3_errmsg(st->db));
	if (s == NULL)
		return store_fail(st, -EINVAL, STORE_QUERIES ": '%s' is empty",
		                  name);
	/* What follows the statement may only be comments and blanks. */
	if (tail && tail < sql + len &&
	    sqlite3_prepare_v2(st->db, tail, (int)(sql + len - tail), &extra,
	                       NULL) == SQLITE_OK &&
	    extra != NULL) {
		sqlite3_finalize(extra);
		sqlite3_finalize(s);
		return store_fail(
		    st, -EINVAL,
		    STORE_QUERIES ": '%s' holds more than one statement", name);
	}
	st->stmts[id] = s;
	return 0;
}

/* Split one queries*.sql file at its "-- name: X" lines and prepare
 * every part. */
static int
store_stmts_prepare_file(struct store *st, const char *text)
{
	const size_t taglen = strlen(STORE_NAME_TAG);
	const char *line, *eol, *body = NULL;
	char name[64] = "";
	int ret;

	for (line = text;; line = eol) {
		int at_end = *line == '\0';
		int tag = !at_end && strncmp(line, STORE_NAME_TAG, taglen) == 0;

		eol = line + strcspn(line, "\n");
		if (*eol == '\n')
			eol++;
		if ((tag || at_end) && body) {
			ret = store_stmt_prepare(st, name, body,
			                         (size_t)(line - body));
			if (ret < 0)
				return ret;
			body = NULL;
		}
		if (at_end)
			break;
		if (tag) {
			const char *p = line + taglen;
			size_t n;

			p += strspn(p, " \t");
			n = strcspn(p, " \t\r\n");
			if (n == 0 || n >= sizeof name)
				return store_fail(st, -EINVAL,
				                  STORE_QUERIES
				                  ": bad name line '%.*s'",
				                  (int)(eol - line), line);
			memcpy(name, p, n);
			name[n] = '\0';
			body = eol;
		}
	}
	return 0;
}

/* Prepare the statements of every schemas/queries*.sql file; each name of
 * store_stmts.def must be found exactly once. */
static int
store_stmts_prepare(struct store *st)
{
	unsigned i, files = 0;
	int ret;

	for (i = 0; i < sql_files_count; i++) {
		if (strncmp(sql_files[i].name, "queries", 7) != 0)
			continue;
		files++;
		if ((ret = store_stmts_prepare_file(st, sql_files[i].text)) < 0)
			return ret;
	}
	if (files == 0)
		return store_fail(st, -EINVAL, "no " STORE_QUERIES " built in");
	for (i = 0; i < STMT__COUNT; i++)
		if (st->stmts[i] == NULL)
			return store_fail(st, -EINVAL,
			                  STORE_QUERIES ": no statement '%s'",
			                  store_stmt_names[i]);
	return 0;
}

/* ---- open and close ---- */

/* Create the database file (mode 0600: it holds addresses and tokens)
 * before sqlite opens it, and tighten an existing one. */
static int
store_file_create(struct store *st, const char *path)
{
	int fd, ret = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return store_fail(st, -errno, "%s: %s", path, strerror(errno));
	if (fchmod(fd, 0600) < 0)
		ret = store_fail(st, -errno, "%s: %s", path, strerror(errno));
	close(fd);
	return ret;
}

/* ---- checkpoints off the loop ---- */

/*
 * The WAL is copied back into the database by a thread of the store's
 * own, on a connection of its own, rather than by the commit that finds
 * the WAL past sqlite's 1,000 pages: that commit runs on the loop, and a
 * checkpoint (copying megabytes and an fsync of the database) held the
 * loop, and the control API, for tens of milliseconds in the middle of a
 * large expansion. The checkpoints are PASSIVE: they never wait for the
 * loop's writes nor make them wait. At close the last connection
 * checkpoints what is left, as sqlite does.
 */
struct store_ckpt {
	pthread_t tid;
	pthread_mutex_t mx;
	pthread_cond_t cv;
	int want, stop; /* under mx */
	sqlite3 *db;    /* the thread's connection */
};

static void *
store_ckpt_main(void *arg)
{
	struct store_ckpt *c = arg;
	int rc;

	pthread_mutex_lock(&c->mx);
	for (;;) {
		while (!c->want && !c->stop)
			pthread_cond_wait(&c->cv, &c->mx);
		if (c->stop)
			break;
		c->want = 0;
		pthread_mutex_unlock(&c->mx);
		rc = sqlite3_wal_checkpoint_v2(
		    c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warn("store: checkpoint: %s",
			         sqlite3_errmsg(c->db));
		pthread_mutex_lock(&c->mx);
	}
	pthread_mutex_unlock(&c->mx);
	return NULL;
}

/* sqlite3_wal_hook: after each commit, with the WAL's size in pages. */
static int
store_on_wal(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_ckpt *c = arg;

	(void)db;
	(void)name;
	if (pages >= STORE_CKPT_PAGES) {
		pthread_mutex_lock(&c->mx);
		c->want = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mx);
	}
	return SQLITE_OK;
}

static void
store_ckpt_stop(struct store *st)
{
	struct store_ckpt *c = st->ckpt;

	if (c == NULL)
		return;
	sqlite3_wal_hook(st->db, NULL, NULL);
	pthread_mutex_lock(&c->mx);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mx);
	pthread_join(c->tid, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mx);
	free(c);
	st->ckpt = NULL;
}

/* Start the checkpointer of the database at path (WAL mode); on failure
 * sqlite's own checkpoints on commit stay. */
static void
store_ckpt_start(struct store *st, const char *path)
{
	struct store_ckpt *c = calloc(1, sizeof(*c));
	sigset_t all, old;
	int rc;

	if (c == NULL)
		return;
	rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(c->db, STORE_BUSY_MS);
	if (rc != SQLITE_OK || pthread_mutex_init(&c->mx, NULL) != 0) {
		log_warn("store: no checkpoint thread: %s",
		         c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		sqlite3_close(c->db);
		free(c);
		return;
	}
	pthread_cond_init(&c->cv, NULL);
	/* Signals are the loop's business: the thread blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&c->tid, NULL, store_ckpt_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_warn("store: no checkpoint thread: %s", strerror(rc));
		sqlite3_close(c->db);
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mx);
		free(c);
		return;
	}
	st->ckpt = c;
	/* Replaces sqlite's checkpoint on commit (wal_autocheckpoint). */
	sqlite3_wal_hook(st->db, store_on_wal, c);
}

static int
store_setup(struct store *st, const char *path)
{
	int memory = strcmp(path, ":memory:") == 0 || path[0] == '\0';
	char mode[16];
	int rc, ret;

	if (!memory && (ret = store_file_create(st, path)) < 0)
		return ret;
	rc = sqlite3_open_v2(path, &st->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_fail(st, rc, path);
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (!memory) {
		ret = store_pragma_read(st, "PRAGMA journal_mode = WAL", mode,
		                        sizeof mode, NULL);
		if (ret < 0)
			return ret;
		if (strcmp(mode, "wal") != 0)
			return store_fail(st, -EIO,
			                  "%s: cannot use WAL mode (got %s)",
			                  path, mode);
	}
	/* FULL: a committed outbox row must survive a power cut. FAST
	 * secure_delete zeroes what is deleted inside the pages a write
	 * touches anyway (no extra I/O), so that an organisation's old
	 * texts do not linger in them; forgetting one turns it fully on
	 * (store_odata_secure). */
	if ((ret = store_exec(st, "PRAGMA synchronous = FULL")) < 0 ||
	    (ret = store_exec(st, "PRAGMA secure_delete = FAST")) < 0 ||
	    (ret = store_exec(st, "PRAGMA foreign_keys = ON")) < 0)
		return ret;
	if ((ret = store_migrate(st)) < 0)
		return ret;
	if ((ret = store_stmts_prepare(st)) < 0)
		return ret;
	if (!memory)
		store_ckpt_start(st, path);
	return 0;
}

int
store_open(struct store **out, const char *path, char *err, size_t errlen)
{
	struct store *st;
	int ret;

	*out = NULL;
	if (path == NULL) {
		snprintf(err, errlen, "no database path");
		return -EINVAL;
	}
	if ((st = calloc(1, sizeof *st)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((ret = store_setup(st, path)) < 0) {
		snprintf(err, errlen, "%s", st->err);
		store_close(st);
		return ret;
	}
	*out = st;
	return 0;
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	store_ckpt_stop(st);
	for (i = 0; i < STMT__COUNT; i++)
		sqlite3_finalize(st->stmts[i]);
	/* An open transaction is rolled back by sqlite on close. */
	if (st->db && sqlite3_close(st->db) != SQLITE_OK)
		log_err("store: close: %s", sqlite3_errmsg(st->db));
	free(st);
}

/* ---- transactions ---- */

int
store_begin(struct store *st)
{
	int ret;

	if (st->in_tx)
		return store_fail(st, -EINVAL, "a transaction is already open");
	if ((ret = store_exec(st, "BEGIN IMMEDIATE")) < 0)
		return ret;
	st->in_tx = 1;
	return 0;
}

int
store_commit(struct store *st)
{
	int ret;

	if (!st->in_tx)
		return store_fail(st, -EINVAL, "no transaction is open");
	st->in_tx = 0;
	if ((ret = store_exec(st, "COMMIT")) < 0 &&
	    !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

int
store_rollback(struct store *st)
{
	if (!st->in_tx)
		return store_fail(st, -EINVAL, "no transaction is open");
	st->in_tx = 0;
	/* What was undone may have disabled or enabled an address. */
	st->address_gen++;
	/* sqlite may have rolled back already after an I/O error. */
	if (sqlite3_get_autocommit(st->db))
		return 0;
	return store_exec(st, "ROLLBACK");
}

/* ---- audit ---- */

int
store_audit_add(struct store *st, long peer_uid, const char *action,
                const char *target, const char *before, const char *after)
{
	int64_t peer = peer_uid;

	if (action == NULL || *action == '\0')
		return store_fail(st, -EINVAL, "an audit row needs an action");
	return store_stmt_run(st, STMT_AUDIT_ADD, NULL, NULL, "INssss",
	                      clock_now(), peer_uid >= 0 ? &peer : NULL, action,
	                      target, before, after);
}

void
audit_array_free(struct audit_row *rows, size_t n)
{
	size_t i;

	for (i = 0; rows && i < n; i++) {
		free(rows[i].action);
		free(rows[i].target);
		free(rows[i].before);
		free(rows[i].after);
		free(rows[i].client);
	}
	free(rows);
}

int
store_on_audit_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct audit_row *a = store_rows_slot(st, arg);
	int ret;

	if (a == NULL)
		return -ENOMEM;
	a->id = sqlite3_column_int64(s, 0);
	a->at = sqlite3_column_int64(s, 1);
	a->peer_uid = sqlite3_column_type(s, 2) == SQLITE_NULL
	                  ? -1
	                  : (long)sqlite3_column_int64(s, 2);
	if ((ret = store_column_dup(st, s, 3, &a->action)) < 0 ||
	    (ret = store_column_dup(st, s, 4, &a->target)) < 0 ||
	    (ret = store_column_dup(st, s, 5, &a->before)) < 0 ||
	    (ret = store_column_dup(st, s, 6, &a->after)) < 0 ||
	    (ret = store_column_dup(st, s, 7, &a->client)) < 0)
		return ret;
	return 0;
}

int
store_audit_list(struct store *st, const char *target, int limit,
                 struct audit_row **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct audit_row)};
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_AUDIT_LIST, store_on_audit_row, &r, "si",
	                     target, limit > 0 ? limit : -1);
	if (ret < 0) {
		audit_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

/* ---- counts ---- */

static int
on_counts_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct store_counts *c = arg;
	long *field[] = {
	    &c->events,        &c->dated,          &c->tbd,
	    &c->cancelled,     &c->topics,         &c->oscs,
	    &c->subscriptions, &c->outbox_pending, &c->outbox_failed,
	    &c->outbox_sent,   &c->outbox_held,    &c->outbox_dropped,
	};
	size_t i;

	(void)st;
	for (i = 0; i < sizeof field / sizeof field[0]; i++)
		*field[i] = (long)sqlite3_column_int64(s, (int)i);
	return 0;
}

int
store_counts_get(struct store *st, struct store_counts *c)
{
	memset(c, 0, sizeof *c);
	return store_stmt_run(st, STMT_COUNTS_GET, on_counts_row, c, "");
}
