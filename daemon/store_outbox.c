/* store_outbox: alarms and the outbox. See store.h, "alarms and outbox".
 *
 * The statements are in schemas/queries-outbox.sql. Every write here is
 * one statement or one savepoint, so the scheduler can group many of them
 * in one transaction (store_begin/store_commit) and pay one fsync for a
 * whole batch. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

/* ---- alarms ---- */

void
alarm_array_free(struct alarm *a, size_t n)
{
	size_t i;

	for (i = 0; a && i < n; i++) {
		free(a[i].uid);
		free(a[i].state);
	}
	free(a);
}

/* Row callback: uid, seq, offset_s, due_utc, state. */
static int
on_alarm_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct store_rows *r = arg;
	struct alarm *a = store_rows_slot(st, r);
	int ret;

	if (a == NULL)
		return -ENOMEM;
	a->seq = sqlite3_column_int(s, 1);
	a->offset_s = sqlite3_column_int64(s, 2);
	a->due = sqlite3_column_int64(s, 3);
	if ((ret = store_column_dup(st, s, 0, &a->uid)) < 0 ||
	    (ret = store_column_dup(st, s, 4, &a->state)) < 0)
		return ret;
	return 0;
}

static int
alarm_rows_finish(int ret, struct store_rows *r, struct alarm **out, size_t *n)
{
	if (ret < 0) {
		alarm_array_free(r->v, r->n);
		return ret;
	}
	*out = r->v;
	*n = r->n;
	return 0;
}

int
store_alarms_set(struct store *st, const char *uid, int seq,
                 const struct alarm_due *v, size_t n, const char *why)
{
	size_t i;
	int ret;

	if (uid == NULL)
		return store_fail(st, -EINVAL, "alarms: no session");
	if ((ret = store_op_begin(st)) < 0)
		return ret;
	ret = store_stmt_run(st, STMT_ALARM_CLEAR, NULL, NULL, "s", uid);
	for (i = 0; ret >= 0 && i < n; i++)
		ret = store_stmt_run(st, STMT_ALARM_ADD, NULL, NULL, "siIIs",
		                     uid, seq, v[i].offset_s, v[i].due,
		                     v[i].expired ? "expired" : "pending");
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_OUTBOX_SUPERSEDE, NULL, NULL,
		                     "sIs", uid, (int64_t)seq,
		                     why ? why : "the session changed");
	return store_op_end(st, ret);
}

int
store_alarm_due_list(struct store *st, int64_t until, int limit,
                     struct alarm **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct alarm)};
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_ALARM_DUE, on_alarm_row, &r, "Ii", until,
	                     limit > 0 ? limit : -1);
	return alarm_rows_finish(ret, &r, out, n);
}

int
store_alarm_list(struct store *st, const char *uid, struct alarm **out,
                 size_t *n)
{
	struct store_rows r = {.size = sizeof(struct alarm)};
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_ALARM_LIST, on_alarm_row, &r, "s", uid);
	return alarm_rows_finish(ret, &r, out, n);
}

int
store_alarm_state_set(struct store *st, const char *uid, int seq,
                      int64_t offset_s, const char *state)
{
	return store_stmt_run(st, STMT_ALARM_STATE_SET, NULL, NULL, "siIs", uid,
	                      seq, offset_s, state);
}

int
store_schedule_next(struct store *st, int64_t *alarm_due, int64_t *outbox_next)
{
	int ret;

	*alarm_due = *outbox_next = 0;
	ret = store_stmt_run(st, STMT_ALARM_NEXT, store_on_row_int64, alarm_due,
	                     "");
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_OUTBOX_NEXT, store_on_row_int64,
		                     outbox_next, "");
	return ret;
}

/* ---- outbox ---- */

void
outbox_row_array_free(struct outbox_row *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++) {
		free(r[i].uid);
		free(r[i].kind);
		free(r[i].message_id);
		free(r[i].state);
		free(r[i].last_error);
		free(r[i].osc_name);
		free(r[i].emails);
	}
	free(r);
}

int
store_outbox_add(struct store *st, const char *uid, int seq, const char *kind,
                 int64_t offset_s, long osc_id, int64_t due, int64_t next_try,
                 const char *domain, int *added)
{
	int ret;

	*added = 0;
	if ((ret = store_op_begin(st)) < 0)
		return ret;
	ret = store_stmt_run(st, STMT_OUTBOX_ADD, NULL, NULL, "sisIIIIs", uid,
	                     seq, kind, offset_s, (int64_t)osc_id, due,
	                     next_try, domain);
	if (ret >= 0 && sqlite3_changes(st->db) > 0) {
		*added = 1;
		ret = store_stmt_run(st, STMT_OUTBOX_COUNT_ADDED, NULL, NULL,
		                     "I", (int64_t)1);
	}
	return store_op_end(st, ret);
}

int
store_outbox_expand(struct store *st, const char *uid, int seq,
                    const char *kind, int64_t offset_s, int64_t due,
                    int64_t next_try, size_t *added)
{
	int64_t n = 0;
	int ret;

	*added = 0;
	if ((ret = store_op_begin(st)) < 0)
		return ret;
	ret = store_stmt_run(st, STMT_OUTBOX_EXPAND, NULL, NULL, "sisIII", uid,
	                     seq, kind, offset_s, due, next_try);
	if (ret >= 0 && (n = sqlite3_changes64(st->db)) > 0)
		ret = store_stmt_run(st, STMT_OUTBOX_COUNT_ADDED, NULL, NULL,
		                     "I", n);
	ret = store_op_end(st, ret);
	if (ret >= 0)
		*added = (size_t)n;
	return ret;
}

/* The columns outbox_claim and outbox_list share, 0..9: id, uid, seq,
 * kind, offset_s, osc_id, message_id, due_utc, next_try_utc, tries. */
static int
outbox_row_read(struct store *st, sqlite3_stmt *s, struct outbox_row *o)
{
	int ret;

	o->id = sqlite3_column_int64(s, 0);
	o->seq = sqlite3_column_int(s, 2);
	o->offset_s = sqlite3_column_int64(s, 4);
	o->osc_id = (long)sqlite3_column_int64(s, 5);
	o->due = sqlite3_column_int64(s, 7);
	o->next_try = sqlite3_column_int64(s, 8);
	o->tries = sqlite3_column_int(s, 9);
	if ((ret = store_column_dup(st, s, 1, &o->uid)) < 0 ||
	    (ret = store_column_dup(st, s, 3, &o->kind)) < 0 ||
	    (ret = store_column_dup(st, s, 6, &o->message_id)) < 0)
		return ret;
	return 0;
}

/* Row callback of outbox_claim: the shared columns, then late. */
static int
on_claim_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct outbox_row *o = store_rows_slot(st, arg);
	int ret;

	if (o == NULL)
		return -ENOMEM;
	if ((ret = outbox_row_read(st, s, o)) < 0)
		return ret;
	o->late = sqlite3_column_int(s, 10);
	if ((o->state = strdup("sending")) == NULL)
		return store_fail(st, -ENOMEM, "out of memory");
	return 0;
}

/* RETURNING gives rows in no particular order: by next try, then id. */
static int
claim_cmp(const void *a, const void *b)
{
	const struct outbox_row *x = a, *y = b;

	if (x->next_try != y->next_try)
		return x->next_try < y->next_try ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
store_outbox_claim(struct store *st, int64_t now, int limit, const char *domain,
                   struct outbox_row **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct outbox_row)};
	int ret;

	*out = NULL;
	*n = 0;
	if (limit <= 0)
		return 0;
	ret = store_stmt_run(st, STMT_OUTBOX_CLAIM, on_claim_row, &r, "Iis",
	                     now, limit, domain);
	if (ret < 0) {
		outbox_row_array_free(r.v, r.n);
		return ret;
	}
	if (r.n > 1)
		qsort(r.v, r.n, sizeof(struct outbox_row), claim_cmp);
	*out = r.v;
	*n = r.n;
	return 0;
}

int
store_outbox_done(struct store *st, int64_t id, const char *state, int tries,
                  int64_t next_try, const char *last_error, int64_t sent_at)
{
	return store_stmt_run(st, STMT_OUTBOX_DONE, NULL, NULL, "IsiIsN", id,
	                      state, tries, next_try, last_error,
	                      sent_at ? &sent_at : NULL);
}

int
store_outbox_done_many(struct store *st, const int64_t *ids, size_t n,
                       const char *state, int tries, int64_t next_try,
                       const char *last_error, int64_t sent_at)
{
	sqlite3_stmt *s = st->stmts[STMT_OUTBOX_DONE_MANY];
	size_t off, k;
	int rc = SQLITE_OK;

	for (off = 0; off < n && rc == SQLITE_OK;
	     off += STORE_OUTBOX_DONE_MANY) {
		rc = sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int(s, 2, tries);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(s, 3, next_try);
		if (rc == SQLITE_OK)
			rc = last_error ? sqlite3_bind_text(s, 4, last_error,
			                                    -1, SQLITE_STATIC)
			                : sqlite3_bind_null(s, 4);
		if (rc == SQLITE_OK)
			rc = sent_at ? sqlite3_bind_int64(s, 5, sent_at)
			             : sqlite3_bind_null(s, 5);
		/* Unbound ids stay NULL, which no id equals. */
		for (k = 0; rc == SQLITE_OK && k < STORE_OUTBOX_DONE_MANY &&
		            off + k < n;
		     k++)
			rc = sqlite3_bind_int64(s, 6 + (int)k, ids[off + k]);
		if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
	if (rc != SQLITE_OK)
		return store_sqlite_fail(
		    st, rc, store_stmt_names[STMT_OUTBOX_DONE_MANY]);
	return 0;
}

int
store_outbox_recover(struct store *st, size_t *n)
{
	int ret = store_stmt_run(st, STMT_OUTBOX_RECOVER, NULL, NULL, "");

	*n = ret >= 0 ? (size_t)sqlite3_changes(st->db) : 0;
	return ret;
}

/* Row callback of outbox_list: the shared columns, then state,
 * last_error, sent_at, the organisation's name and addresses. */
static int
on_list_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct outbox_row *o = store_rows_slot(st, arg);
	int ret;

	if (o == NULL)
		return -ENOMEM;
	if ((ret = outbox_row_read(st, s, o)) < 0)
		return ret;
	o->sent_at = sqlite3_column_int64(s, 12);
	if ((ret = store_column_dup(st, s, 10, &o->state)) < 0 ||
	    (ret = store_column_dup(st, s, 11, &o->last_error)) < 0 ||
	    (ret = store_column_dup(st, s, 13, &o->osc_name)) < 0 ||
	    (ret = store_column_dup(st, s, 14, &o->emails)) < 0)
		return ret;
	return 0;
}

int
store_outbox_list(struct store *st, const struct store_outbox_filter *f,
                  struct outbox_row **out, size_t *n)
{
	static const struct store_outbox_filter all = {0};
	struct store_rows r = {.size = sizeof(struct outbox_row)};
	int ret;

	*out = NULL;
	*n = 0;
	if (f == NULL)
		f = &all;
	ret = store_stmt_run(st, STMT_OUTBOX_LIST, on_list_row, &r, "ssi",
	                     f->state, f->uid, f->limit > 0 ? f->limit : -1);
	if (ret < 0) {
		outbox_row_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

/* Row callback: column 0 as a copy into *(char **)arg. */
static int
on_text_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	char **out = arg;

	free(*out);
	return store_column_dup(st, s, 0, out);
}

int
store_outbox_retry(struct store *st, int64_t id, int64_t now, size_t *n)
{
	char *state = NULL;
	int ret;

	*n = 0;
	if (id == 0) {
		ret = store_stmt_run(st, STMT_OUTBOX_RETRY_FAILED, NULL, NULL,
		                     "I", now);
		if (ret >= 0)
			*n = (size_t)sqlite3_changes(st->db);
		return ret;
	}
	ret = store_stmt_run(st, STMT_OUTBOX_RETRY_ONE, NULL, NULL, "II", id,
	                     now);
	if (ret < 0)
		return ret;
	if ((*n = (size_t)sqlite3_changes(st->db)) > 0)
		return 0;
	ret = store_stmt_run(st, STMT_OUTBOX_STATE_GET, on_text_row, &state,
	                     "I", id);
	if (ret >= 0 && state == NULL)
		ret = store_fail(st, -ENOENT, "no message %lld", (long long)id);
	else if (ret >= 0)
		ret = store_fail(st, -EINVAL,
		                 "message %lld is %s: only failed or expired "
		                 "messages are sent again",
		                 (long long)id, state);
	free(state);
	return ret;
}

int
store_topic_remind_get(struct store *st, const char *slug, char **out)
{
	int64_t found = 0;
	int ret;

	*out = NULL;
	ret = store_stmt_run(st, STMT_TOPIC_SLUG_EXISTS, store_on_row_int64,
	                     &found, "s", slug);
	if (ret < 0)
		return ret;
	if (!found)
		return store_fail(st, -ENOENT, "no topic '%s'", slug);
	ret = store_stmt_run(st, STMT_TOPIC_REMIND_GET, on_text_row, out, "s",
	                     slug);
	if (ret < 0) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

int
store_topic_remind_set(struct store *st, const char *slug, const char *text)
{
	int ret = store_stmt_run(st, STMT_TOPIC_REMIND_SET, NULL, NULL, "ss",
	                         slug, text);

	if (ret >= 0 && sqlite3_changes(st->db) == 0)
		ret = store_fail(st, -ENOENT, "no topic '%s'", slug);
	return ret;
}

int
store_outbox_move(struct store *st, enum outbox_move move, int64_t id,
                  const char *uid, int64_t now, size_t *n)
{
	static const struct {
		enum stmt_id stmt;
		const char *verb, *from;
	} how[] = {
	    [OUTBOX_HOLD] = {STMT_OUTBOX_HOLD, "held", "pending"},
	    [OUTBOX_RELEASE] = {STMT_OUTBOX_RELEASE, "released", "held"},
	    [OUTBOX_DROP] = {STMT_OUTBOX_DROP, "dropped",
	                     "pending, held, failed or expired"},
	};
	char *state = NULL;
	int ret;

	*n = 0;
	if (move == OUTBOX_RELEASE)
		ret = store_stmt_run(st, how[move].stmt, NULL, NULL, "IsI", id,
		                     uid, now);
	else
		ret = store_stmt_run(st, how[move].stmt, NULL, NULL, "Is", id,
		                     uid);
	if (ret < 0)
		return ret;
	if ((*n = (size_t)sqlite3_changes(st->db)) > 0)
		return 0;
	if (id == 0)
		return store_fail(st, -ENOENT,
		                  "session %s has no %s message to be %s", uid,
		                  how[move].from, how[move].verb);
	ret = store_stmt_run(st, STMT_OUTBOX_STATE_GET, on_text_row, &state,
	                     "I", id);
	if (ret >= 0 && state == NULL)
		ret = store_fail(st, -ENOENT, "no message %lld", (long long)id);
	else if (ret >= 0)
		ret = store_fail(st, -EINVAL,
		                 "message %lld is %s: only a %s message can be "
		                 "%s",
		                 (long long)id, state, how[move].from,
		                 how[move].verb);
	free(state);
	return ret;
}

/* on_list_row and the late column of outbox_get (15). */
static int
on_get_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct store_rows *r = arg;
	int ret;

	if ((ret = on_list_row(st, s, r)) < 0)
		return ret;
	((struct outbox_row *)r->v)[r->n - 1].late = sqlite3_column_int(s, 15);
	return 0;
}

int
store_outbox_get(struct store *st, int64_t id, struct outbox_row **out)
{
	struct store_rows r = {.size = sizeof(struct outbox_row)};
	int ret;

	*out = NULL;
	ret = store_stmt_run(st, STMT_OUTBOX_GET, on_get_row, &r, "I", id);
	if (ret >= 0 && r.n == 0)
		ret = store_fail(st, -ENOENT, "no message %lld", (long long)id);
	if (ret < 0) {
		outbox_row_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	return 0;
}
