/* view: sessions and what the domain modules report, as the control API
 * shows them (schemas/control-api.yaml), in JSON, and the text forms the
 * audit log keeps (the before and after of a change). Only view.c and the API
 * (api*.c) include jansson.h; here its json_t is only named. */
#ifndef CRONOGRAMA_VIEW_H
#define CRONOGRAMA_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct event;
struct json_t;
struct import_osc_report;
struct import_report;
struct consent;
struct osc;

/* "2018-02-08T16:00:00Z" into buf; returns buf. */
char *view_iso_utc(int64_t t, char *buf, size_t buflen);
/* That as a JSON string, or null for 0. */
struct json_t *view_time(int64_t t);
/* A JSON string, or null for NULL. */
struct json_t *view_str(const char *s);

/* The EVENT object (schemas/control-api.yaml), a new reference. */
struct json_t *view_event(const struct event *ev);
/* The same as compact text with sorted keys, for the audit log; NULL only
 * when memory ran out. The caller frees it. */
char *view_event_text(const struct event *ev);

/* The OSC object: {"id","name","emails","contact","state","topics",
 * "created_at"}; never the token. And as compact text with sorted keys
 * for the audit log (NULL only when memory ran out; the caller frees). */
struct json_t *view_osc(const struct osc *o);
char *view_osc_text(const struct osc *o);
/* How an organisation was subscribed: [{"at","how","by_uid","client",
 * "notice","detail"}], oldest first; absent texts are null. */
struct json_t *view_consent(const struct consent *c, size_t n);

/* An import's report (ImportReport), a new reference; NULL only when
 * memory ran out. */
struct json_t *view_import_report(const struct import_report *r);

/* What an import's audit entry keeps, as compact JSON text the caller
 * frees (NULL only when memory ran out): the sessions' summary
 * {"create":N,"update":N,"unchanged":N}, or the topics' rows
 * [{"code","slug","action"}]. */
char *view_import_summary_text(const struct import_report *r);
char *view_import_topics_text(const struct import_report *r);

/* The organisations import's report, and its rows as the audit entry
 * keeps them. */
struct json_t *view_import_osc_report(const struct import_osc_report *r);
char *view_import_osc_rows_text(const struct import_osc_report *r);

#endif
