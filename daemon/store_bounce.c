/* store_bounce: failure reports and the state of addresses. See
 * store_bounce.h; the statements are in schemas/queries-bounce.sql. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_bounce.h"
#include "store_internal.h"

/* The reason kept for a disabled address: status and words, one line. */
static void
bounce_reason(const struct bounce_fact *f, int soft_count, char *buf,
              size_t len)
{
	const char *status = f->status && *f->status ? f->status : NULL;
	const char *detail = f->detail && *f->detail ? f->detail : NULL;

	if (f->permanent)
		snprintf(buf, len, "permanent failure%s%s%s%s",
		         status ? " " : "", status ? status : "",
		         detail ? ": " : "", detail ? detail : "");
	else
		snprintf(buf, len, "%d transient failures, the last%s%s%s%s",
		         soft_count, status ? " " : "", status ? status : "",
		         detail ? ": " : "", detail ? detail : "");
}

int
store_bounce_record(struct store *st, const struct bounce_fact *f,
                    int soft_limit, int64_t window_s, int *disabled)
{
	int64_t count = 0, off = 0, osc = f->osc_id, row = f->outbox_id;
	char reason[600];
	int ret;

	*disabled = 0;
	if (f->source == NULL)
		return store_fail(st, -EINVAL, "a bounce without a source");
	if ((ret = store_op_begin(st)) < 0)
		return ret;
	ret = store_stmt_run(st, STMT_BOUNCE_ADD, NULL, NULL, "IsNNssss", f->at,
	                     f->email, f->osc_id ? &osc : NULL,
	                     f->outbox_id ? &row : NULL,
	                     f->permanent ? "permanent" : "transient",
	                     f->status, f->detail, f->source);
	if (ret >= 0 && f->email && !f->permanent)
		ret = store_stmt_run(st, STMT_ADDRESS_SOFT_BOUNCE,
		                     store_on_row_int64, &count, "sII",
		                     f->email, f->at, f->at - window_s);
	if (ret >= 0 && f->email &&
	    (f->permanent || (soft_limit > 0 && count >= soft_limit))) {
		bounce_reason(f, (int)count, reason, sizeof reason);
		ret = store_stmt_run(st, STMT_ADDRESS_DISABLE, NULL, NULL,
		                     "sIs", f->email, f->at, reason);
	}
	if (ret >= 0 && f->email)
		ret = store_stmt_run(st, STMT_ADDRESS_DISABLED,
		                     store_on_row_int64, &off, "s", f->email);
	ret = store_op_end(st, ret);
	if (f->email)
		st->address_gen++;
	if (ret >= 0)
		*disabled = off == 1;
	return ret;
}

struct bounce_outbox {
	long osc_id;
	char *message_id;
	int found;
};

static int
on_bounce_outbox_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct bounce_outbox *b = arg;

	b->found = 1;
	b->osc_id = (long)sqlite3_column_int64(s, 0);
	return store_column_dup(st, s, 1, &b->message_id);
}

int
store_bounce_outbox(struct store *st, long long id, long *osc_id,
                    char **message_id)
{
	struct bounce_outbox b = {0, NULL, 0};
	int ret;

	*osc_id = 0;
	*message_id = NULL;
	ret = store_stmt_run(st, STMT_BOUNCE_OUTBOX_GET, on_bounce_outbox_row,
	                     &b, "I", (int64_t)id);
	if (ret < 0) {
		free(b.message_id);
		return ret;
	}
	if (!b.found)
		return store_fail(st, -ENOENT, "no outbox message %lld", id);
	*osc_id = b.osc_id;
	*message_id = b.message_id;
	return 0;
}

int
store_address_disabled(struct store *st, const char *address)
{
	int64_t off = 0;
	int ret;

	ret = store_stmt_run(st, STMT_ADDRESS_DISABLED, store_on_row_int64,
	                     &off, "s", address);
	return ret < 0 ? ret : off == 1;
}

int
store_address_enable(struct store *st, const char *address)
{
	int ret;

	ret = store_stmt_run(st, STMT_ADDRESS_ENABLE, NULL, NULL, "s", address);
	st->address_gen++;
	if (ret >= 0 && sqlite3_changes(st->db) == 0)
		return store_fail(st, -ENOENT, "%s is not disabled", address);
	return ret;
}

void
address_off_array_free(struct address_off *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].email);
		free(v[i].reason);
		free(v[i].osc_name);
	}
	free(v);
}

/* Row callback: email, disabled_at, reason, osc_id, name. */
static int
on_address_off_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct address_off *a = store_rows_slot(st, arg);
	int ret;

	if (a == NULL)
		return -ENOMEM;
	a->disabled_at = sqlite3_column_int64(s, 1);
	a->osc_id = (long)sqlite3_column_int64(s, 3);
	if ((ret = store_column_dup(st, s, 0, &a->email)) < 0 ||
	    (ret = store_column_dup(st, s, 2, &a->reason)) < 0 ||
	    (ret = store_column_dup(st, s, 4, &a->osc_name)) < 0)
		return ret;
	return 0;
}

int
store_address_disabled_list(struct store *st, struct address_off **out,
                            size_t *n)
{
	struct store_rows r = {.size = sizeof(struct address_off)};
	int ret;

	ret = store_stmt_run(st, STMT_ADDRESS_DISABLED_LIST, on_address_off_row,
	                     &r, "");
	if (ret < 0) {
		address_off_array_free(r.v, r.n);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

void
address_info_array_free(struct address_info *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].email);
		free(v[i].reason);
		free(v[i].last_kind);
		free(v[i].last_status);
		free(v[i].last_detail);
		free(v[i].last_source);
		free(v[i].osc_name);
	}
	free(v);
}

/* Row callback of address_list (schemas/queries-bounce.sql). */
static int
on_address_info_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct address_info *a = store_rows_slot(st, arg);
	int ret;

	if (a == NULL)
		return -ENOMEM;
	a->disabled_at = sqlite3_column_int64(s, 1);
	a->soft_count = sqlite3_column_int(s, 3);
	a->last_at = sqlite3_column_int64(s, 8);
	a->osc_id = (long)sqlite3_column_int64(s, 10);
	a->osc_enabled = (long)sqlite3_column_int64(s, 12);
	if ((ret = store_column_dup(st, s, 0, &a->email)) < 0 ||
	    (ret = store_column_dup(st, s, 2, &a->reason)) < 0 ||
	    (ret = store_column_dup(st, s, 5, &a->last_kind)) < 0 ||
	    (ret = store_column_dup(st, s, 6, &a->last_status)) < 0 ||
	    (ret = store_column_dup(st, s, 7, &a->last_detail)) < 0 ||
	    (ret = store_column_dup(st, s, 9, &a->last_source)) < 0 ||
	    (ret = store_column_dup(st, s, 11, &a->osc_name)) < 0)
		return ret;
	return 0;
}

int
store_address_list(struct store *st, long osc_id, int64_t since,
                   struct address_info **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct address_info)};
	int64_t osc = osc_id;
	int ret;

	ret = store_stmt_run(st, STMT_ADDRESS_LIST, on_address_info_row, &r,
	                     "NI", osc_id ? &osc : NULL, since);
	if (ret < 0) {
		address_info_array_free(r.v, r.n);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}

struct address_strv {
	char **v;
	size_t n;
};

static int
on_address_strv_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct address_strv *a = arg;
	char **grown = realloc(a->v, (a->n + 2) * sizeof *grown);

	if (grown == NULL)
		return store_fail(st, -ENOMEM, "out of memory");
	a->v = grown;
	a->v[a->n + 1] = NULL;
	if (store_column_dup(st, s, 0, &a->v[a->n]) < 0)
		return -ENOMEM;
	a->n++;
	return 0;
}

int
store_address_disabled_of_osc(struct store *st, long osc_id, char ***out,
                              size_t *n)
{
	struct address_strv a = {NULL, 0};
	int64_t osc = osc_id;
	size_t i;
	int ret;

	ret = store_stmt_run(st, STMT_ADDRESS_DISABLED_OF_OSC,
	                     on_address_strv_row, &a, "I", osc);
	if (ret < 0) {
		for (i = 0; i < a.n; i++)
			free(a.v[i]);
		free(a.v);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}

unsigned long
store_address_gen(const struct store *st)
{
	return st->address_gen;
}

int
store_address_disabled_all(struct store *st, char ***out, size_t *n)
{
	struct address_strv a = {NULL, 0};
	size_t i;
	int ret;

	ret = store_stmt_run(st, STMT_ADDRESS_DISABLED_ALL, on_address_strv_row,
	                     &a, "");
	if (ret < 0) {
		for (i = 0; i < a.n; i++)
			free(a.v[i]);
		free(a.v);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = a.v;
	*n = a.n;
	return 0;
}
