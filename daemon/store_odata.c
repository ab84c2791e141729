/* store_odata: one organisation's data, read for its export and erased
 * when it is forgotten. See store_odata.h; the statements are in
 * schemas/queries-odata.sql. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"
#include "store_odata.h"

/* Column col as an int64_t, 0 for NULL. */
static int64_t
col_i64(sqlite3_stmt *s, int col)
{
	return sqlite3_column_int64(s, col);
}

/* Hand r's rows to *out, or free them (free_fn) on failure. */
#define ROWS_DONE(ret, r, out, n, free_fn)                                     \
	do {                                                                   \
		if ((ret) < 0) {                                               \
			free_fn((r).v, (r).n);                                 \
			*(out) = NULL;                                         \
			*(n) = 0;                                              \
		} else {                                                       \
			*(out) = (r).v;                                        \
			*(n) = (r).n;                                          \
		}                                                              \
	} while (0)

/* ---- addresses ---- */

void
odata_address_array_free(struct odata_address *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].email);
		free(v[i].reason);
	}
	free(v);
}

static int
on_address(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct odata_address *a = store_rows_slot(st, arg);
	int ret;

	if (a == NULL)
		return -ENOMEM;
	a->pos = (int)col_i64(s, 0);
	a->disabled_at = col_i64(s, 2);
	a->soft_count = (long)col_i64(s, 4);
	a->soft_first = col_i64(s, 5);
	a->last_at = col_i64(s, 6);
	a->has_state = (int)col_i64(s, 7);
	if ((ret = store_column_dup(st, s, 1, &a->email)) < 0 ||
	    (ret = store_column_dup(st, s, 3, &a->reason)) < 0)
		return ret;
	return 0;
}

int
store_odata_addresses(struct store *st, long id, struct odata_address **out,
                      size_t *n)
{
	struct store_rows r = {.size = sizeof(struct odata_address)};
	int ret = store_stmt_run(st, STMT_ODATA_ADDRESSES, on_address, &r, "I",
	                         (int64_t)id);

	ROWS_DONE(ret, r, out, n, odata_address_array_free);
	return ret;
}

/* ---- subscriptions ---- */

void
odata_subscription_array_free(struct odata_subscription *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].topic);
	free(v);
}

static int
on_subscription(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct odata_subscription *x = store_rows_slot(st, arg);

	if (x == NULL)
		return -ENOMEM;
	x->created_at = col_i64(s, 1);
	x->active = col_i64(s, 2) != 0;
	x->ended_at = col_i64(s, 3);
	return store_column_dup(st, s, 0, &x->topic);
}

int
store_odata_subscriptions(struct store *st, long id,
                          struct odata_subscription **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct odata_subscription)};
	int ret = store_stmt_run(st, STMT_ODATA_SUBSCRIPTIONS, on_subscription,
	                         &r, "I", (int64_t)id);

	ROWS_DONE(ret, r, out, n, odata_subscription_array_free);
	return ret;
}

/* ---- bounces ---- */

void
odata_bounce_array_free(struct odata_bounce *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].email);
		free(v[i].kind);
		free(v[i].status);
		free(v[i].detail);
		free(v[i].source);
	}
	free(v);
}

static int
on_bounce(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct odata_bounce *b = store_rows_slot(st, arg);
	int ret;

	if (b == NULL)
		return -ENOMEM;
	b->id = col_i64(s, 0);
	b->at = col_i64(s, 1);
	b->outbox_id = col_i64(s, 3);
	if ((ret = store_column_dup(st, s, 2, &b->email)) < 0 ||
	    (ret = store_column_dup(st, s, 4, &b->kind)) < 0 ||
	    (ret = store_column_dup(st, s, 5, &b->status)) < 0 ||
	    (ret = store_column_dup(st, s, 6, &b->detail)) < 0 ||
	    (ret = store_column_dup(st, s, 7, &b->source)) < 0)
		return ret;
	return 0;
}

int
store_odata_bounces(struct store *st, long id, struct odata_bounce **out,
                    size_t *n)
{
	struct store_rows r = {.size = sizeof(struct odata_bounce)};
	int ret = store_stmt_run(st, STMT_ODATA_BOUNCES, on_bounce, &r, "I",
	                         (int64_t)id);

	ROWS_DONE(ret, r, out, n, odata_bounce_array_free);
	return ret;
}

/* ---- messages ---- */

void
odata_message_array_free(struct odata_message *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].uid);
		free(v[i].kind);
		free(v[i].message_id);
		free(v[i].state);
		free(v[i].last_error);
	}
	free(v);
}

static int
on_message(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct odata_message *m = store_rows_slot(st, arg);
	int ret;

	if (m == NULL)
		return -ENOMEM;
	m->id = col_i64(s, 0);
	m->seq = (int)col_i64(s, 2);
	m->offset_s = col_i64(s, 4);
	m->due = col_i64(s, 6);
	m->next_try = col_i64(s, 7);
	m->tries = (int)col_i64(s, 8);
	m->sent_at = col_i64(s, 11);
	if ((ret = store_column_dup(st, s, 1, &m->uid)) < 0 ||
	    (ret = store_column_dup(st, s, 3, &m->kind)) < 0 ||
	    (ret = store_column_dup(st, s, 5, &m->message_id)) < 0 ||
	    (ret = store_column_dup(st, s, 9, &m->state)) < 0 ||
	    (ret = store_column_dup(st, s, 10, &m->last_error)) < 0)
		return ret;
	return 0;
}

int
store_odata_messages(struct store *st, long id, struct odata_message **out,
                     size_t *n)
{
	struct store_rows r = {.size = sizeof(struct odata_message)};
	int ret = store_stmt_run(st, STMT_ODATA_MESSAGES, on_message, &r, "I",
	                         (int64_t)id);

	ROWS_DONE(ret, r, out, n, odata_message_array_free);
	return ret;
}

/* ---- audit ---- */

int
store_odata_audit(struct store *st, long id, struct audit_row **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct audit_row)};
	char target[40];
	int ret;

	snprintf(target, sizeof target, "osc:%ld", id);
	ret = store_stmt_run(st, STMT_ODATA_AUDIT, store_on_audit_row, &r, "Is",
	                     (int64_t)id, target);
	ROWS_DONE(ret, r, out, n, audit_array_free);
	return ret;
}

int
store_odata_audit_set(struct store *st, int64_t id, const char *before,
                      const char *after)
{
	return store_stmt_run(st, STMT_ODATA_AUDIT_SET, NULL, NULL, "Iss", id,
	                      before, after);
}

/* ---- the other texts ---- */

void
odata_note_array_free(struct odata_note *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].kind);
		free(v[i].key);
		free(v[i].text);
	}
	free(v);
}

static int
on_note(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct odata_note *x = store_rows_slot(st, arg);
	int ret;

	if (x == NULL)
		return -ENOMEM;
	x->id = col_i64(s, 1);
	x->own = col_i64(s, 4) != 0;
	if ((ret = store_column_dup(st, s, 0, &x->kind)) < 0 ||
	    (ret = store_column_dup(st, s, 2, &x->key)) < 0 ||
	    (ret = store_column_dup(st, s, 3, &x->text)) < 0)
		return ret;
	return 0;
}

int
store_odata_notes(struct store *st, long id, struct odata_note **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct odata_note)};
	int ret =
	    store_stmt_run(st, STMT_ODATA_NOTES, on_note, &r, "I", (int64_t)id);

	ROWS_DONE(ret, r, out, n, odata_note_array_free);
	return ret;
}

int
store_odata_note_set(struct store *st, const struct odata_note *note,
                     const char *text)
{
	if (strcmp(note->kind, "outbox") == 0)
		return store_stmt_run(st, STMT_ODATA_OUTBOX_ERROR_SET, NULL,
		                      NULL, "Is", note->id, text);
	if (strcmp(note->kind, "bounce") == 0)
		return store_stmt_run(st, STMT_ODATA_BOUNCE_DETAIL_SET, NULL,
		                      NULL, "Is", note->id, text);
	if (strcmp(note->kind, "staff_mail.subject") == 0)
		return store_stmt_run(st, STMT_ODATA_STAFF_SUBJECT_SET, NULL,
		                      NULL, "ss", note->key, text);
	if (strcmp(note->kind, "staff_mail.body") == 0)
		return store_stmt_run(st, STMT_ODATA_STAFF_BODY_SET, NULL, NULL,
		                      "ss", note->key, text);
	return store_fail(st, -EINVAL, "no such text: %s", note->kind);
}

/* ---- forgetting ---- */

int
store_odata_forget(struct store *st, long id)
{
	int ret;

	if ((ret = store_op_begin(st)) < 0)
		return ret;
	ret = store_stmt_run(st, STMT_ODATA_ADDRESS_STATE_FORGET, NULL, NULL,
	                     "I", (int64_t)id);
	/* The scheduler's copy of the disabled addresses is read again. */
	st->address_gen++;
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_ODATA_BOUNCE_FORGET, NULL, NULL,
		                     "I", (int64_t)id);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_ODATA_AUDIT_CLIENT_FORGET, NULL,
		                     NULL, "I", (int64_t)id);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_ODATA_OUTBOX_FORGET, NULL, NULL,
		                     "I", (int64_t)id);
	/* Its requests from the public page (schemas/010-signup.sql). */
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_SIGNUP_FORGET, NULL, NULL, "I",
		                     (int64_t)id);
	if (ret >= 0)
		ret = store_stmt_run(st, STMT_ODATA_FORGOTTEN_COUNT, NULL, NULL,
		                     "");
	return store_op_end(st, ret);
}

int
store_odata_forgotten(struct store *st, long *n)
{
	int64_t v = 0;
	int ret = store_stmt_run(st, STMT_ODATA_FORGOTTEN_GET,
	                         store_on_row_int64, &v, "");

	*n = (long)v;
	return ret;
}

int
store_odata_secure(struct store *st, int on)
{
	return store_exec(st, on ? "PRAGMA secure_delete = ON"
	                         : "PRAGMA secure_delete = FAST");
}

int
store_odata_wal_truncate(struct store *st)
{
	int rc = sqlite3_wal_checkpoint_v2(
	    st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

	if (rc == SQLITE_BUSY)
		return store_fail(st, -EBUSY,
		                  "the write-ahead log is in use by a reader "
		                  "and was not cleared");
	if (rc != SQLITE_OK)
		return store_sqlite_fail(st, rc, "checkpoint");
	return 0;
}
