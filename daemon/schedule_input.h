/* schedule_input: what one outbox row's message is made of, for the
 * scheduler that sends it (schedule.c), for `cronoctl outbox show` that
 * renders it again and for `cronoctl preview` that renders a row that
 * was never queued (preview.c): one way to fill struct
 * message_input, so that what staff see is what goes out. */
#ifndef CRONOGRAMA_SCHEDULE_INPUT_H
#define CRONOGRAMA_SCHEDULE_INPUT_H

#include <stddef.h>

#include "config.h"
#include "event.h"
#include "message.h"
#include "store.h"

/* A message_input and the storage its strings point into. */
struct row_input {
	struct message_input in;
	const char **to; /* NULL-terminated, into the organisation's */
	struct event notice_ev, notice_old;
	int have_notice;
	char list_id[300], unsub[1400], mailto[400], cal[1400], page[1400];
};

/*
 * Fill ri (uninitialised) for row r, a reminder or a notice to
 * organisation o (as store_osc_subscribers gives it) about session ev as
 * it is now, the way the scheduler sends it: a notice renders the
 * session as it was told (schedule_notice_load), the stamps come from
 * the row. ev's dtstamp is set to the row's due time. 0, or -ENOMEM or
 * -EIO (the store) with err; release with row_input_fini either way.
 */
int row_input_fill(struct store *st, const struct config *cfg,
                   const struct outbox_row *r, struct event *ev,
                   const struct osc *o, struct row_input *ri, char *err,
                   size_t errlen);
void row_input_fini(struct row_input *ri);

/* The first topic of ev that organisation o follows (ev's first if
 * none; NULL only without topics). */
const struct event_topic *row_input_topic(const struct event *ev,
                                          const struct osc *o);
/* The message kind of an outbox row's kind. */
enum message_kind row_input_kind(const char *kind);

#endif
