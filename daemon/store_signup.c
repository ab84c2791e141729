/* store_signup: see store_signup.h; the statements are in
 * schemas/queries-signup.sql. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"
#include "store_signup.h"

void
signup_req_fini(struct signup_req *r)
{
	if (r == NULL)
		return;
	free(r->email);
	free(r->name);
	free(r->topics);
	free(r->client);
	free(r->notice);
	free(r->token);
	free(r->state);
	free(r->confirm_client);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

void
signup_req_array_free(struct signup_req *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		signup_req_fini(&v[i]);
	free(v);
}

int
store_signup_add(struct store *st, const struct signup_req *r, long *id)
{
	int64_t got = 0;
	int ret;

	ret = store_stmt_run(st, STMT_SIGNUP_ADD, store_on_row_int64, &got,
	                     "sssssIIss", r->email, r->name, r->topics,
	                     r->client, r->notice, r->created_at, r->expires_at,
	                     r->token, r->state);
	if (ret < 0)
		return ret;
	*id = (long)got;
	return 0;
}

struct mailed {
	size_t n;
	int64_t last;
};

static int
on_mailed_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct mailed *m = arg;

	(void)st;
	if (m->n++ == 0)
		m->last = sqlite3_column_int64(s, 0);
	return 0;
}

int
store_signup_mailed(struct store *st, const char *email, int64_t since,
                    size_t *n, int64_t *last)
{
	struct mailed m = {0};
	int ret = store_stmt_run(st, STMT_SIGNUP_MAILED_SINCE, on_mailed_row,
	                         &m, "sI", email, since);

	*n = m.n;
	*last = m.last;
	return ret;
}

/* Row callback: the columns of signup_get into the signup_req at arg. */
static int
on_signup_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct signup_req *r = arg;

	r->id = (long)sqlite3_column_int64(s, 0);
	r->created_at = sqlite3_column_int64(s, 6);
	r->expires_at = sqlite3_column_int64(s, 7);
	r->confirmed_at = sqlite3_column_int64(s, 10);
	r->decided_at = sqlite3_column_int64(s, 12);
	r->osc_id = (long)sqlite3_column_int64(s, 14);
	if (store_column_dup(st, s, 1, &r->email) < 0 ||
	    store_column_dup(st, s, 2, &r->name) < 0 ||
	    store_column_dup(st, s, 3, &r->topics) < 0 ||
	    store_column_dup(st, s, 4, &r->client) < 0 ||
	    store_column_dup(st, s, 5, &r->notice) < 0 ||
	    store_column_dup(st, s, 8, &r->token) < 0 ||
	    store_column_dup(st, s, 9, &r->state) < 0 ||
	    store_column_dup(st, s, 11, &r->confirm_client) < 0 ||
	    store_column_dup(st, s, 13, &r->reason) < 0)
		return -ENOMEM;
	return 0;
}

/* One request by statement id and its argument. */
static int
signup_one(struct store *st, enum stmt_id id, const char *fmt, const void *a,
           struct signup_req *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (fmt[0] == 'I')
		ret = store_stmt_run(st, id, on_signup_row, out, "I",
		                     *(const int64_t *)a);
	else
		ret = store_stmt_run(st, id, on_signup_row, out, "s",
		                     (const char *)a);
	if (ret < 0) {
		signup_req_fini(out);
		return ret;
	}
	if (out->state == NULL) {
		signup_req_fini(out);
		return store_fail(st, -ENOENT, "no such signup request");
	}
	return 0;
}

int
store_signup_get(struct store *st, long id, struct signup_req *out)
{
	int64_t v = id;

	return signup_one(st, STMT_SIGNUP_GET, "I", &v, out);
}

int
store_signup_by_token(struct store *st, const char *token,
                      struct signup_req *out)
{
	return signup_one(st, STMT_SIGNUP_BY_TOKEN, "s", token, out);
}

static int
on_signup_list_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct signup_req *r = store_rows_slot(st, arg);

	return r == NULL ? -ENOMEM : on_signup_row(st, s, r);
}

int
store_signup_list(struct store *st, const char *state, struct signup_req **out,
                  size_t *n)
{
	struct store_rows rows = {.size = sizeof(struct signup_req)};
	int ret = store_stmt_run(st, STMT_SIGNUP_LIST, on_signup_list_row,
	                         &rows, "s", state);

	if (ret < 0) {
		signup_req_array_free(rows.v, rows.n);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = rows.v;
	*n = rows.n;
	return 0;
}

int
store_signup_of_osc(struct store *st, long id, struct signup_req **out,
                    size_t *n)
{
	struct store_rows rows = {.size = sizeof(struct signup_req)};
	int ret = store_stmt_run(st, STMT_SIGNUP_OF_OSC, on_signup_list_row,
	                         &rows, "I", (int64_t)id);

	if (ret < 0) {
		signup_req_array_free(rows.v, rows.n);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = rows.v;
	*n = rows.n;
	return 0;
}

int
store_signup_move(struct store *st, long id, const char *from, const char *to,
                  int64_t at, const char *client, const char *reason,
                  long osc_id)
{
	int64_t got = 0, osc = osc_id;
	int ret = store_stmt_run(st, STMT_SIGNUP_MOVE, store_on_row_int64, &got,
	                         "IssIssN", (int64_t)id, from, to, at, client,
	                         reason, osc_id ? &osc : NULL);

	if (ret < 0)
		return ret;
	if (got == 0)
		return store_fail(st, -ESTALE, "signup request %ld is not %s",
		                  id, from);
	return 0;
}

int
store_signup_purge(struct store *st, int64_t before)
{
	return store_stmt_run(st, STMT_SIGNUP_PURGE, NULL, NULL, "I", before);
}
