/* schedule_staff: mail to the office's staff (the [staff] addresses):
 * nudges about undecided sessions whose window opens or nears, and the
 * weekly digest (the next two weeks, undecided sessions, failed messages,
 * disabled addresses, requests to erase data). schedule_notice.c's runner
 * calls it; it calls nothing of schedule_notice.c. */
#ifndef CRONOGRAMA_SCHEDULE_STAFF_H
#define CRONOGRAMA_SCHEDULE_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "fecha.h"

struct config;
struct staff_nudge;
struct store;

#define DIGEST_LATE_S 43200 /* a digest later than this waits a week */

/* The [staff] addresses as a NULL-terminated array in one malloc'ed
 * block (*to; NULL when there are none). */
int schedule_staff_addresses(const struct config *cfg, const char ***to,
                             size_t *n);

/* 1 if any [staff] address is configured. */
int schedule_staff_configured(const struct config *cfg);

/* The office's zone ([daemon] timezone, else the default). */
const char *schedule_staff_tz(const struct config *cfg);

/* One pending nudge, due: its staff message, or skipped. */
int schedule_staff_nudge_emit(struct store *st, const struct config *cfg,
                              const struct staff_nudge *z, int64_t now,
                              size_t *rows);

/* The Monday (office zone) of the week now is in, counted from 08:00:
 * its date and the instant of its digest. */
int schedule_staff_digest_week(const struct config *cfg, int64_t now,
                               struct fecha_date *monday, int64_t *at);

/* 1 if the digest of that week was made. */
int schedule_staff_digest_made(struct store *st, struct fecha_date monday);

/* This week's digest, once, if its time has come and is not long gone. */
int schedule_staff_digest_run(struct store *st, const struct config *cfg,
                              int64_t now, size_t *rows);

#endif
