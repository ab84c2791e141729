/* store_self: see store_self.h; the statements are in
 * schemas/queries-self.sql. */
#include <errno.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "clock.h"
#include "store_internal.h"
#include "store_self.h"

/* Run an UPDATE of organisation id: -ENOENT when no row changed. */
static int
self_update(struct store *st, long id, int ret)
{
	if (ret < 0)
		return ret;
	if (sqlite3_changes(st->db) == 0)
		return store_fail(st, -ENOENT, "no organisation %ld", id);
	return 0;
}

int
store_osc_pause_set(struct store *st, long id, int64_t at)
{
	int64_t key = id;

	return self_update(st, id,
	                   store_stmt_run(st, STMT_OSC_PAUSE_SET, NULL, NULL,
	                                  "IN", key, at > 0 ? &at : NULL));
}

int
store_osc_erasure_set(struct store *st, long id, int64_t at)
{
	int64_t key = id;

	return self_update(st, id,
	                   store_stmt_run(st, STMT_OSC_ERASURE_SET, NULL, NULL,
	                                  "II", key, at));
}

int
store_osc_contact_set(struct store *st, long id, const char *contact)
{
	int64_t key = id;

	return self_update(st, id,
	                   store_stmt_run(st, STMT_OSC_CONTACT_SET, NULL, NULL,
	                                  "Is", key, contact));
}

int
store_audit_add_client(struct store *st, const char *action, const char *target,
                       const char *before, const char *after,
                       const char *client)
{
	if (action == NULL || *action == '\0')
		return store_fail(st, -EINVAL, "an audit row needs an action");
	return store_stmt_run(st, STMT_AUDIT_ADD_CLIENT, NULL, NULL, "INsssss",
	                      clock_now(), (const int64_t *)NULL, action,
	                      target, before, after, client);
}

void
osc_erasure_array_free(struct osc_erasure *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

static int
on_erasure_row(struct store *st, sqlite3_stmt *s, void *arg)
{
	struct osc_erasure *e = store_rows_slot(st, arg);

	if (e == NULL)
		return -ENOMEM;
	e->id = (long)sqlite3_column_int64(s, 0);
	e->at = sqlite3_column_int64(s, 2);
	return store_column_dup(st, s, 1, &e->name);
}

int
store_osc_erasure_list(struct store *st, struct osc_erasure **out, size_t *n)
{
	struct store_rows r = {.size = sizeof(struct osc_erasure)};
	int ret;

	*out = NULL;
	*n = 0;
	ret = store_stmt_run(st, STMT_OSC_ERASURE_LIST, on_erasure_row, &r, "");
	if (ret < 0) {
		osc_erasure_array_free(r.v, r.n);
		return ret;
	}
	*out = r.v;
	*n = r.n;
	return 0;
}
