/* preview: messages as organisations get them, for staff to read before
 * (cronoctl preview) or after (cronoctl outbox show) they go out:
 * rendered by the code and from the inputs the scheduler sends with
 * (schedule_input.h), so that what staff see is what goes out. Neither
 * queues nor changes anything. The rules: which organisation a preview
 * is for, which reminder is next, how a kind of message no notice was
 * recorded for is told, why a queued message can no longer be shown.
 *
 * Errors: a negative code with why, one sentence: -ENOENT (no such
 * organisation or message), -EINVAL (nobody, or not that organisation,
 * would get the message; the message cannot be rendered), -EIO (the
 * store), -ENOMEM.
 */
#ifndef CRONOGRAMA_PREVIEW_H
#define CRONOGRAMA_PREVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "message.h"
#include "office.h"
#include "schedule_input.h"
#include "store.h"

/* A message as staff see it, and what it was made from. Every string is
 * owned by the preview; release with preview_fini. */
struct preview {
	const char *kind;       /* the staff's word: "recordatorio", … */
	const struct osc *osc;  /* for whom; NULL when unrendered */
	int osc_chosen;         /* none was named: the first follower */
	int64_t due;            /* when it is (or was, or would be) due */
	struct outbox_row *row; /* preview_outbox's message */
	const char *unrendered; /* why nothing is rendered (outbox only) */
	char *raw;              /* the whole message; NULL when unrendered */
	size_t len;
	struct message_parts parts; /* its subject, text and HTML as read */
	struct row_input ri;        /* to, from, Message-ID: ri.in */
	/* What the strings above point into. */
	struct event ev;
	struct osc *subs;
	size_t nsubs;
	struct outbox_row fake;
	char message_id[400];
	int have_ev, have_ri;
};

/* The kind staff name ("recordatorio", "fecha", "cambio",
 * "cancelacion"; NULL or "" for "recordatorio") as a preview kind, or -1
 * when it is none of them. */
int preview_kind_find(const char *name);

/*
 * The message organisation osc (its number, exact name or address;
 * NULL or "" for the first that follows the session) would get about
 * session ev, of kind (preview_kind_find's): a reminder as the
 * session's next pending alarm would send it (due now when none is
 * left); a notice as the last one recorded, or the session as it is now
 * told as that kind when none was. ev is taken (freed by preview_fini,
 * also on error). 0 with out filled, or a negative code with why;
 * preview_fini either way.
 */
int preview_event(const struct office *of, struct event *ev, int kind,
                  const char *osc, struct preview *out, char *why,
                  size_t whylen);

/*
 * Queued or sent message id rendered again from its row, or (staff mail;
 * a session deleted or no longer followed by the organisation) with
 * out->unrendered saying why it cannot be. 0, or a negative code with
 * why; preview_fini either way.
 */
int preview_outbox(const struct office *of, int64_t id, struct preview *out,
                   char *why, size_t whylen);

void preview_fini(struct preview *p);

#endif
