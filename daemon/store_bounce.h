/* store_bounce: failure reports that came back and the state of each
 * address they name (schemas/005-bounces.sql): which addresses take no
 * more mail, and why. Part of the store (see store.h). */
#ifndef CRONOGRAMA_STORE_BOUNCE_H
#define CRONOGRAMA_STORE_BOUNCE_H

#include <stdint.h>

#include "store.h"

/* One failure report tied (or not) to one of our addresses. */
struct bounce_fact {
	int64_t at;
	const char *email;   /* NULL: not tied to an address */
	long osc_id;         /* 0 if unknown */
	long long outbox_id; /* 0 if unknown */
	int permanent;       /* else transient */
	const char *status;  /* "5.1.1", or NULL */
	const char *detail;  /* the remote server's words, or NULL */
	const char *source;  /* "maildir", "pipe" */
};

/* A disabled address, for staff. */
struct address_off {
	char *email;
	int64_t disabled_at;
	char *reason; /* NULL if none was kept */
	long osc_id;  /* 0: no organisation has it any more */
	char *osc_name;
};

/*
 * Records f and what it means for its address, in one transaction: a
 * permanent failure disables the address at once; a transient one is
 * counted, and the soft_limit-th within window_s seconds disables it
 * (soft_limit 0: transient failures never do). *disabled is 1 if the
 * address is disabled now (it may have been before). 0 or a negative code
 * (store_error says why); on failure nothing is written.
 */
int store_bounce_record(struct store *st, const struct bounce_fact *f,
                        int soft_limit, int64_t window_s, int *disabled);

/* The organisation and Message-ID (a copy the caller frees) of outbox row
 * id. 0, -ENOENT if there is no such row, or another negative code. */
int store_bounce_outbox(struct store *st, long long id, long *osc_id,
                        char **message_id);

/* 1 if mail must not go to address, 0 if it may, or a negative code. */
int store_address_disabled(struct store *st, const char *address);

/*
 * A number that moves whenever the set of disabled addresses may have
 * changed: a bounce recorded for an address, an address enabled, a
 * transaction or store operation undone. Whoever writes address_state
 * moves it. For a cache of store_address_disabled_all.
 */
unsigned long store_address_gen(const struct store *st);

/* Every disabled address into a new NULL-terminated array of *n (free
 * each and the array), in no particular order. 0 or a negative code. */
int store_address_disabled_all(struct store *st, char ***out, size_t *n);

/* Mail goes to address again, its count started afresh. 0, -ENOENT if it
 * was not disabled, or another negative code. */
int store_address_enable(struct store *st, const char *address);

/* Every disabled address, oldest first, into a new array of *n (free it
 * with address_off_array_free). 0 or a negative code. */
int store_address_disabled_list(struct store *st, struct address_off **out,
                                size_t *n);
void address_off_array_free(struct address_off *v, size_t n);

/* An address that takes no more mail or has bounced now and then, for
 * staff: its state, the last bounce read for it and its organisation. */
struct address_info {
	char *email;
	int64_t disabled_at; /* 0: it still takes mail (bouncing) */
	char *reason;        /* why it was disabled, or NULL */
	int soft_count;      /* transient bounces in the window */
	char *last_kind;     /* the last bounce: "permanent", "transient" */
	char *last_status;   /* "5.1.1", or NULL */
	char *last_detail;   /* the remote server's words, or NULL */
	char *last_source;   /* "maildir", "pipe", or NULL */
	int64_t last_at;     /* 0: no bounce kept */
	long osc_id;         /* 0: no organisation has it any more */
	char *osc_name;
	long osc_enabled; /* its organisation's addresses still taking mail */
};

/*
 * The disabled addresses and those with transient bounces counted in the
 * window that started after since, of organisation osc_id (0: of all),
 * disabled first (oldest first), into a new array of *n (free it with
 * address_info_array_free). 0 or a negative code.
 */
int store_address_list(struct store *st, long osc_id, int64_t since,
                       struct address_info **out, size_t *n);
void address_info_array_free(struct address_info *v, size_t n);

/* The disabled addresses of organisation osc_id, in its order, into a
 * new NULL-terminated array (free each and the array). 0 or a negative
 * code. */
int store_address_disabled_of_osc(struct store *st, long osc_id, char ***out,
                                  size_t *n);

#endif
