/* Shared by the store's files (store.c, store_*.c) and nothing else: the
 * connection, the prepared statements and the helpers that run them. Only
 * the store's files include sqlite3.h. */
#ifndef CRONOGRAMA_STORE_INTERNAL_H
#define CRONOGRAMA_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

enum stmt_id {
#define STORE_STMT(id, name) STMT_##id,
#include "store_stmts.def"
#undef STORE_STMT
	STMT__COUNT
};

/* The name of each statement in schemas/queries*.sql, by enum stmt_id. */
extern const char *const store_stmt_names[STMT__COUNT];

struct store_ckpt;

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmts[STMT__COUNT];
	int in_tx; /* between store_begin and store_commit/rollback */
	/* Moves whenever the disabled addresses may have changed
	 * (store_address_gen). */
	unsigned long address_gen;
	struct store_ckpt *ckpt; /* the checkpointer thread, or NULL */
	char err[512];
};

/* Called for each row of a statement; 0 to go on, or a negative code
 * (with st->err set) to stop. */
typedef int (*store_row_fn)(struct store *st, sqlite3_stmt *s, void *arg);

/* Set the message store_error() returns and return code. */
int store_fail(struct store *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A sqlite result code as our negative errno. */
int store_code(int rc);
/* Fail with sqlite's own message for rc, prefixed by what was tried. */
int store_sqlite_fail(struct store *st, int rc, const char *what);
/* Run SQL text that the code itself owns (transactions, PRAGMAs). */
int store_exec(struct store *st, const char *sql);
/*
 * Bind fmt's arguments to statement id, step it through every row (calling
 * on_row, if not NULL, for each) and reset it. fmt has one character per
 * parameter ?1, ?2…: 's' a const char * (NULL binds NULL), 'i' an int,
 * 'I' an int64_t, 'N' a const int64_t * (NULL binds NULL). Returns 0,
 * on_row's negative code, or the sqlite error as -EIO/-EEXIST/-ENOENT.
 */
int store_stmt_run(struct store *st, enum stmt_id id, store_row_fn on_row,
                   void *arg, const char *fmt, ...);
/* Row callback: column 0 as an int64_t into *arg. */
int store_on_row_int64(struct store *st, sqlite3_stmt *s, void *arg);
/* A copy of text column col into *out (NULL for SQL NULL). */
int store_column_dup(struct store *st, sqlite3_stmt *s, int col, char **out);
/* A growing array of fixed-size elements, filled by row callbacks:
 * struct store_rows r = {.size = sizeof(struct topic)}; r.v is the array
 * and r.n its length; free(r.v) (after freeing each element) when done. */
struct store_rows {
	void *v;
	size_t n, cap, size;
};

/* The next slot of r, zeroed and already counted (so a callback that
 * fails half way leaves an element the caller frees like the others), or
 * NULL with st's error set when memory runs out. */
void *store_rows_slot(struct store *st, struct store_rows *r);
/* store_row_fn for a struct store_rows of struct audit_row: the columns
 * id, at, peer uid (NULL: -1), action, target, before, after, client,
 * as every audit query selects them. */
int store_on_audit_row(struct store *st, sqlite3_stmt *s, void *arg);

/* One store operation, atomic inside or outside a caller's transaction:
 * store_op_end releases it, or undoes it when ret < 0, and returns ret. */
int store_op_begin(struct store *st);
int store_op_end(struct store *st, int ret);

#endif
