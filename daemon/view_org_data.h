/* view_org_data: an organisation's export and forgetting as the control
 * API shows them (schemas/control-api.yaml, OscExport and OscForget), and
 * the rewriting of a stored text (JSON or not) that erases an
 * organisation from it. Part of view (view.h). */
#ifndef CRONOGRAMA_VIEW_ORG_DATA_H
#define CRONOGRAMA_VIEW_ORG_DATA_H

#include <stddef.h>

struct json_t;
struct org_data;
struct org_forget_report;

/* The OscExport object, a new reference; NULL only when memory ran out. */
struct json_t *view_org_data(const struct org_data *d);
/* The OscForget object, a new reference. */
struct json_t *view_org_forget(const struct org_forget_report *r);

/* What to erase from texts, and with what. */
struct view_forget {
	long id; /* the organisation's number */
	const char *name, *contact, *state;
	char *const *emails;
	size_t nemails;
	const char *marker;
};

/*
 * text with organisation f->id erased into *out (malloc'ed, the caller
 * frees): its addresses (any ASCII case) everywhere; its name and contact
 * where the text is about it (own: an audit entry whose target is the
 * organisation, its own message or bounce; or, in JSON, an object whose
 * "id" is its number); in JSON objects about it, the values of "name",
 * "contact", "state" and "emails" too. JSON text stays valid JSON.
 * Returns 1 when something was erased, 0 when text holds nothing of it
 * (*out NULL), -ENOMEM.
 */
int view_forget_text(const struct view_forget *f, const char *text, int own,
                     char **out);

#endif
