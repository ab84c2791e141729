/* store_notice: pending notices, the notices sent, staff nudges and staff
 * mail. See store.h, "notices and staff mail"; the statements are in
 * schemas/queries-notice.sql and the tables in schemas/002-notices.sql.
 *
 * Every write is one statement, so the scheduler can group them in its
 * own transaction, like store_outbox.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

/* ---- notices ---- */

void
notice_pending_array_free(struct notice_pending *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].uid);
		free(v[i].baseline);
	}
	free(v);
}

/* What notice_get found. */
struct notice_got {
	char *baseline;
	int64_t due;
	int found;
};

/* Row callback of notice_get: baseline, due_utc. */
static int
on_notice_get_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct notice_got *g = arg;

	free(g->baseline);
	g->due = sqlite3_column_int64(s, 1);
	g->found = 1;
	return store_column_dup(st, s, 0, &g->baseline);
}

int
store_notice_get(struct store *st, const char *uid, char **baseline,
                 int64_t *due)
{
	struct notice_got g = {0};
	int ret;

	*baseline = NULL;
	*due = 0;
	ret = store_stmt_run(st, STMT_NOTICE_GET, on_notice_get_row, &g, "s",
	                     uid);
	if (ret >= 0 && (!g.found || g.baseline == NULL))
		ret = store_fail(st, -ENOENT, "no notice waits for %s", uid);
	if (ret < 0) {
		free(g.baseline);
		return ret;
	}
	*baseline = g.baseline;
	*due = g.due;
	return 0;
}

int
store_notice_touch(struct store *st, const char *uid, const char *baseline,
                   int64_t due, int64_t now)
{
	if (uid == NULL || baseline == NULL)
		return store_fail(st, -EINVAL, "notice: no session");
	return store_stmt_run(st, STMT_NOTICE_TOUCH, NULL, NULL, "ssII", uid,
	                      baseline, due, now);
}

int
store_notice_clear(struct store *st, const char *uid)
{
	return store_stmt_run(st, STMT_NOTICE_CLEAR, NULL, NULL, "s", uid);
}

/* Row callback of notice_due: uid, baseline, due_utc. */
static int
on_notice_due_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct notice_pending *p = store_rows_slot(st, arg);
	int ret;

	if (p == NULL)
		return -ENOMEM;
	p->due = sqlite3_column_int64(s, 2);
	if ((ret = store_column_dup(st, s, 0, &p->uid)) < 0)
		return ret;
	return store_column_dup(st, s, 1, &p->baseline);
}

int
store_notice_due_list(struct store *st, int64_t until, int limit,
                      struct notice_pending **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct notice_pending)};
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_NOTICE_DUE, on_notice_due_row, &r, "Ii",
	                     until, limit > 0 ? limit : -1);
	if (ret < 0) {
		notice_pending_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

int
store_notice_next(struct store *st, int64_t *notice_due, int64_t *nudge_due)
{
	int ret;

	*notice_due = *nudge_due = 0;
	ret = store_stmt_run(st, STMT_NOTICE_NEXT, store_on_row_int64,
	                     notice_due, "");
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_STAFF_NUDGE_NEXT,
		                     store_on_row_int64, nudge_due, "");
	return ret;
}

int
store_notice_sent_add(struct store *st, const char *uid, int seq,
                      const char *kind, const char *before, const char *after,
                      int64_t at)
{
	return store_stmt_run(st, STMT_NOTICE_SENT_ADD, NULL, NULL, "sisssI",
	                      uid, seq, kind, before, after, at);
}

/* Row callback of notice_sent_get: three text columns into char *[3]. */
static int
on_three_texts_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	char **v = arg;
	int i, ret;

	for (i = 0; i < 3; i++) {
		free(v[i]);
		if ((ret = store_column_dup(st, s, i, &v[i])) < 0)
			return ret;
	}
	return 0;
}

int
store_notice_sent_get(struct store *st, const char *uid, int seq, char **kind,
                      char **before, char **after)
{
	char *v[3] = {NULL, NULL, NULL};
	int ret;

	*kind = *before = *after = NULL;
	ret = store_stmt_run(st, STMT_NOTICE_SENT_GET, on_three_texts_row, v,
	                     "si", uid, seq);
	if (ret >= 0 && (v[0] == NULL || v[1] == NULL || v[2] == NULL))
		ret = store_fail(st, -ENOENT, "no notice of %s version %d", uid,
		                 seq);
	if (ret < 0) {
		free(v[0]);
		free(v[1]);
		free(v[2]);
		return ret;
	}
	*kind = v[0];
	*before = v[1];
	*after = v[2];
	return 0;
}

int
store_notice_supersede(struct store *st, const char *uid, int seq,
                       const char *why)
{
	return store_stmt_run(st, STMT_NOTICE_SUPERSEDE, NULL, NULL, "sIs", uid,
	                      (int64_t)seq, why);
}

/* Row callback of notice_told: osc_id into a struct store_rows of long. */
static int
on_told_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	long *id = store_rows_slot(st, arg);

	if (id == NULL)
		return -ENOMEM;
	*id = (long)sqlite3_column_int64(s, 0);
	return 0;
}

int
store_notice_told(struct store *st, const char *uid, long **ids, size_t *n)
{
	struct store_rows r = {.size = sizeof(long)};
	int ret;

	*ids = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_NOTICE_TOLD, on_told_row, &r, "s", uid);
	if (ret < 0) {
		free(r.v);
		return ret;
	}
	*ids = r.v;
	*n = r.n;
	return 0;
}

/* ---- staff ---- */

void
staff_nudge_array_free(struct staff_nudge *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].uid);
		free(v[i].phase);
	}
	free(v);
}

int
store_staff_nudge_plan(struct store *st, const char *uid, const char *phase,
                       int64_t due)
{
	return store_stmt_run(st, STMT_STAFF_NUDGE_PLAN, NULL, NULL, "ssI", uid,
	                      phase, due);
}

int
store_staff_nudge_drop(struct store *st, const char *uid)
{
	if (uid == NULL)
		return store_stmt_run(st, STMT_STAFF_NUDGE_DROP_STALE, NULL,
		                      NULL, "");
	return store_stmt_run(st, STMT_STAFF_NUDGE_DROP, NULL, NULL, "s", uid);
}

int
store_staff_nudge_drop_all(struct store *st)
{
	return store_stmt_run(st, STMT_STAFF_NUDGE_DROP_ALL, NULL, NULL, "");
}

/* Row callback of staff_nudge_due: uid, phase, due_utc. */
static int
on_nudge_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct staff_nudge *z = store_rows_slot(st, arg);
	int ret;

	if (z == NULL)
		return -ENOMEM;
	z->due = sqlite3_column_int64(s, 2);
	if ((ret = store_column_dup(st, s, 0, &z->uid)) < 0)
		return ret;
	return store_column_dup(st, s, 1, &z->phase);
}

int
store_staff_nudge_due_list(struct store *st, int64_t until, int limit,
                           struct staff_nudge **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct staff_nudge)};
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_STAFF_NUDGE_DUE, on_nudge_row, &r, "Ii",
	                     until, limit > 0 ? limit : -1);
	if (ret < 0) {
		staff_nudge_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

int
store_staff_nudge_state_set(struct store *st, const char *uid,
                            const char *phase, const char *state)
{
	return store_stmt_run(st, STMT_STAFF_NUDGE_STATE_SET, NULL, NULL, "sss",
	                      uid, phase, state);
}

int
store_staff_mail_add(struct store *st, const char *key, const char *subject,
                     const char *body, int64_t at, int *added)
{
	int ret;

	*added = 0;
	ret = store_stmt_run(st, STMT_STAFF_MAIL_ADD, NULL, NULL, "sssI", key,
	                     subject, body, at);
	if (ret >= 0)
		*added = sqlite3_changes(st->db) > 0;
	return ret;
}

/* Row callback of staff_mail_get: subject, body into char *[2]. */
static int
on_two_texts_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	char **v = arg;
	int ret;

	free(v[0]);
	free(v[1]);
	v[1] = NULL;
	if ((ret = store_column_dup(st, s, 0, &v[0])) < 0)
		return ret;
	return store_column_dup(st, s, 1, &v[1]);
}

int
store_staff_mail_get(struct store *st, const char *key, char **subject,
                     char **body)
{
	char *v[2] = {NULL, NULL};
	int ret;

	*subject = *body = NULL;
	ret = store_stmt_run(st, STMT_STAFF_MAIL_GET, on_two_texts_row, v, "s",
	                     key);
	if (ret >= 0 && (v[0] == NULL || v[1] == NULL))
		ret = store_fail(st, -ENOENT, "no staff message %s", key);
	if (ret < 0) {
		free(v[0]);
		free(v[1]);
		return ret;
	}
	*subject = v[0];
	*body = v[1];
	return 0;
}
