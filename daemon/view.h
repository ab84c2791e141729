/* view: what the domain modules report, as the control API shows it
 * (schemas/control-api.yaml), in JSON: an import's report, and the text
 * forms of its parts that the audit log keeps. Only view.c and the API
 * (api*.c) include jansson.h; here its json_t is only named. */
#ifndef CRONOGRAMA_VIEW_H
#define CRONOGRAMA_VIEW_H

struct json_t;
struct import_report;

/* An import's report (ImportReport), a new reference; NULL only when
 * memory ran out. */
struct json_t *view_import_report(const struct import_report *r);

/* What an import's audit entry keeps, as compact JSON text the caller
 * frees (NULL only when memory ran out): the sessions' summary
 * {"create":N,"update":N,"unchanged":N}, or the topics' rows
 * [{"code","slug","action"}]. */
char *view_import_summary_text(const struct import_report *r);
char *view_import_topics_text(const struct import_report *r);

#endif
