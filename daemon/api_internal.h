/* Shared by the control API's handler files (api.c, api_*.c); not a
 * promise to any other module. */
#ifndef CRONOGRAMA_API_INTERNAL_H
#define CRONOGRAMA_API_INTERNAL_H

#include <jansson.h>

#include "api.h"
#include "session.h"
#include "view.h"

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
/* A domain operation's failure rc with why: 404 (-ENOENT), 422 (-EINVAL),
 * 409 (-EEXIST), else 500. */
void api_domain_error(struct api_call *call, int rc, const char *why);
/* What the domain operations work on, from the call's context. */
struct office api_office(const struct api_call *call);

json_t *api_body(struct api_call *call);
const char *api_body_str(struct api_call *call, json_t *body, const char *key,
                         int *bad);
int api_body_bool(json_t *body, const char *key);

int api_iso_utc_parse(const char *s, int64_t *out);

int api_event_load(struct api_call *call, struct event *ev);
int api_event_apply(struct api_call *call, json_t *body, struct event *ev);
int api_event_save(struct api_call *call, const struct event *old,
                   struct event *ev, const char *action);
/* After a change is committed, tell who listens (api_ctx.changes):
 * session uid, as ev is now (NULL: deleted), or with uid NULL anything
 * reminders depend on (topics, an import, the clock). */
void api_changed(struct api_call *call, const char *uid,
                 const struct event *ev);
/* After a change to organisations or the outbox (CHANGE_OSC). */
void api_others_changed(struct api_call *call);

/* api_outbox.c: the outbox and the reminders to come. */
void api_outbox_list(struct api_call *call);
void api_outbox_retry(struct api_call *call);
void api_outbox_hold(struct api_call *call);
void api_outbox_show(struct api_call *call);
void api_event_preview(struct api_call *call);
void api_outbox_release(struct api_call *call);
void api_outbox_drop(struct api_call *call);
void api_upcoming(struct api_call *call);

/* api_tbd.c: undecided sessions, fixing, moving and cancelling them. */
void api_tbd_list(struct api_call *call);
void api_event_reschedule(struct api_call *call);
void api_event_cancel(struct api_call *call);

/* ---- organisations (api_osc.c) ---- */

void api_osc_add(struct api_call *call);

/* ---- signup requests waiting for staff (api_signup.c) ---- */

void api_signup_list(struct api_call *call);
void api_signup_approve(struct api_call *call);
void api_signup_reject(struct api_call *call);

void api_osc_list(struct api_call *call);
void api_osc_get(struct api_call *call);
void api_osc_remove(struct api_call *call);
void api_osc_import(struct api_call *call);
void api_osc_subscribe(struct api_call *call);
void api_osc_unsubscribe(struct api_call *call);
void api_osc_token_get(struct api_call *call);
void api_osc_token_reset(struct api_call *call);
/* The organisation the route's {id} names (number, exact name or
 * address) into *o (the caller osc_fini()s it); replies 404 (409 when a
 * name is ambiguous) and returns negative if none. */
int api_osc_load(struct api_call *call, struct osc *o);

/* ---- an organisation's data (api_org_data.c) ---- */

void api_osc_export(struct api_call *call);
void api_osc_forget(struct api_call *call);

/* ---- bounces and the state of addresses (api_bounce.c) ---- */

void api_bounce_add(struct api_call *call);
void api_address_list(struct api_call *call);
void api_address_enable(struct api_call *call);

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
