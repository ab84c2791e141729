/* Shared by the control API's handler files (api.c, api_*.c); not a
 * promise to any other module. */
#ifndef CRONOGRAMA_API_INTERNAL_H
#define CRONOGRAMA_API_INTERNAL_H

#include <jansson.h>

#include "api.h"

/* One request being answered. */
struct api_call {
	const struct http_request *req;
	struct http_response *res;
	struct api_ctx *ctx;
	char param[256]; /* the route's {id}, percent-decoded */
	json_t *body;    /* parsed lazily by api_body() */
	/* SCHEDULE_NOTICE_* flags for api_event_save (reschedule, cancel). */
	int notice_flags;
	/* The message of the last api_error(), for the log. */
	char error[300];
};

/* ---- api_call.c: what every handler uses (it calls no handler) ---- */

/* Reply with body (reference stolen), or with {"error": …}. */
void api_reply_json(struct api_call *call, int status, json_t *body);
void api_error(struct api_call *call, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void api_store_error(struct api_call *call, int rc);

json_t *api_body(struct api_call *call);
const char *api_body_str(struct api_call *call, json_t *body, const char *key,
                         int *bad);
int api_body_bool(json_t *body, const char *key);

char *api_iso_utc(int64_t t, char *buf, size_t buflen);
json_t *api_time_json(int64_t t);
/* A JSON string, or null for NULL. */
json_t *api_str_json(const char *s);
int api_iso_utc_parse(const char *s, int64_t *out);

json_t *api_event_json(const struct event *ev);
char *api_event_text(const struct event *ev);
int api_event_load(struct api_call *call, struct event *ev);
int api_event_apply(struct api_call *call, json_t *body, struct event *ev);
int api_event_save(struct api_call *call, const struct event *old,
                   struct event *ev, const char *action);
int api_audit(struct api_call *call, const char *action, const char *target,
              const char *before, const char *after);
void api_changed(struct api_call *call, const char *uid);
/* After a change to organisations or the outbox (api_ctx.others_changed). */
void api_others_changed(struct api_call *call);

/* api_outbox.c: the outbox and the reminders to come. */
void api_outbox_list(struct api_call *call);
void api_outbox_retry(struct api_call *call);
void api_upcoming(struct api_call *call);

/* api_tbd.c: undecided sessions, fixing, moving and cancelling them. */
void api_tbd_list(struct api_call *call);
void api_event_reschedule(struct api_call *call);
void api_event_cancel(struct api_call *call);

/* ---- organisations (api_osc.c) ---- */

/* The OSC object: {"id","name","emails","contact","state","topics",
 * "created_at"}; never the token. */
json_t *api_osc_json(const struct osc *o);
void api_osc_add(struct api_call *call);
void api_osc_list(struct api_call *call);
void api_osc_get(struct api_call *call);
void api_osc_remove(struct api_call *call);
void api_osc_import(struct api_call *call);
void api_osc_subscribe(struct api_call *call);
void api_osc_unsubscribe(struct api_call *call);
void api_osc_token_get(struct api_call *call);
void api_osc_token_reset(struct api_call *call);

/* ---- imports, read off the loop (api_work.c) ---- */

struct budget;
/* Read the file (a thread of its own, no store): 0 or negative. */
typedef int (*api_work_read_fn)(void *arg, struct budget *b);
/* On the loop: write what was read (read_rc is read's return) and say
 * what to answer: the status, and *body (a new reference). */
typedef int (*api_work_finish_fn)(void *arg, int read_rc, struct api_ctx *ctx,
                                  json_t **body);
typedef void (*api_work_free_fn)(void *arg);

/*
 * Answer call once read (on a thread, within [import] timeout and
 * max_memory) and finish (on the loop) have run over arg, which
 * free_arg frees afterwards in every case. arg may point into the
 * request's body, which is kept until then. what names the import in
 * logs; dry_run goes into a refusal's report.
 */
void api_work_start(struct api_call *call, const char *what, int dry_run,
                    api_work_read_fn read, api_work_finish_fn finish,
                    api_work_free_fn free_arg, void *arg);

/* api_call.c: the office's current year; the ?topic=&tbd=&from=&to= filter
 * (replies 400/404 and returns -1 on a bad value). */
int api_current_year(const struct api_ctx *ctx);
int api_event_filter_read(struct api_call *call, struct store_event_filter *f);

/* api_event.c: the session routes. */
void api_events_list(struct api_call *call);
void api_event_get(struct api_call *call);
void api_event_add(struct api_call *call);
void api_event_edit(struct api_call *call);
void api_event_delete(struct api_call *call);

#endif
