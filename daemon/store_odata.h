/* store_odata: everything the database holds about one organisation, and
 * erasing its personal data for good (schemas/queries-odata.sql). Part of
 * the store (see store.h); org_data.c owns the rules and the transaction.
 *
 * Every function returns 0 or a negative code (store_error() says why);
 * an array out-parameter is NULL with *n 0 on failure. */
#ifndef CRONOGRAMA_STORE_ODATA_H
#define CRONOGRAMA_STORE_ODATA_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One of its addresses and what bounces made of it (has_state 0: nothing
 * ever came back; then the other fields are 0 or NULL). */
struct odata_address {
	int pos;
	char *email;
	int has_state;
	int64_t disabled_at; /* 0: mail goes to it */
	char *reason;
	long soft_count;
	int64_t soft_first, last_at;
};

/* One subscription, active or ended (ended_at 0 while active, or when it
 * ended before the date was kept). */
struct odata_subscription {
	char *topic;
	int64_t created_at, ended_at;
	int active;
};

/* One failure report tied to it or to one of its addresses. */
struct odata_bounce {
	int64_t id, at, outbox_id; /* outbox_id 0: none */
	char *email, *kind, *status, *detail, *source;
};

/* One message made for it (an outbox row). Instants 0 when absent. */
struct odata_message {
	int64_t id, offset_s, due, next_try, sent_at;
	int seq, tries;
	char *uid, *kind, *message_id, *state, *last_error;
};

/* A free text of another table that may quote it: which (kind
 * "outbox", "bounce", "staff_mail.subject", "staff_mail.body"), the row
 * (id, or key for staff mail), the text, and own: 1 when the row is
 * the organisation's (its message, its bounce). */
struct odata_note {
	char *kind;
	int64_t id;
	char *key;
	char *text;
	int own;
};

int store_odata_addresses(struct store *st, long id, struct odata_address **out,
                          size_t *n);
void odata_address_array_free(struct odata_address *v, size_t n);
int store_odata_subscriptions(struct store *st, long id,
                              struct odata_subscription **out, size_t *n);
void odata_subscription_array_free(struct odata_subscription *v, size_t n);
int store_odata_bounces(struct store *st, long id, struct odata_bounce **out,
                        size_t *n);
void odata_bounce_array_free(struct odata_bounce *v, size_t n);
int store_odata_messages(struct store *st, long id, struct odata_message **out,
                         size_t *n);
void odata_message_array_free(struct odata_message *v, size_t n);
/* The audit entries about organisation id (target "osc:ID") or that
 * mention it (an address of its, or its number in an import's rows),
 * oldest first. Free with audit_array_free. */
int store_odata_audit(struct store *st, long id, struct audit_row **out,
                      size_t *n);

/* The other texts that may quote organisation id. */
int store_odata_notes(struct store *st, long id, struct odata_note **out,
                      size_t *n);
void odata_note_array_free(struct odata_note *v, size_t n);
/* Replace audit entry id's before and after (NULL stays NULL). */
int store_odata_audit_set(struct store *st, int64_t id, const char *before,
                          const char *after);
/* Replace note's text by text. */
int store_odata_note_set(struct store *st, const struct odata_note *note,
                         const char *text);
/*
 * Erase what the tables keep of organisation id apart from the free texts
 * (done above) and its own rows (store_osc_remove): the state of its
 * addresses, the address of its bounces (the rows stay, for the counts),
 * its messages not sent yet (dropped); and count it in meta
 * 'osc.forgotten'. In the caller's transaction.
 */
int store_odata_forget(struct store *st, long id);
/* How many organisations were ever forgotten. */
int store_odata_forgotten(struct store *st, long *n);

/* secure_delete ON (on != 0: deleted content is overwritten with zeros,
 * free pages too) or back to FAST, the database's usual. Outside a
 * transaction. */
int store_odata_secure(struct store *st, int on);
/* Copy the write-ahead log into the database and truncate it to nothing
 * (so no old page stays in it). 0; -EBUSY when a reader kept it from
 * finishing (store_error says so); another negative code. A database in
 * memory has nothing to do. */
int store_odata_wal_truncate(struct store *st);

#endif
