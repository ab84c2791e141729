/* import_plan: the pieces every import's files share (import.c,
 * import_tsv.c): the report's errors, the topics known, the planned
 * sessions. A leaf of the import: it calls neither file. See
 * import_internal.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "import.h"
#include "import_internal.h"
#include "text.h"

void
import_error_add(json_t *errors, int line, int n, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	json_t *e;

	if (json_array_size(errors) >= IMPORT_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	text_utf8_fix(msg);
	e = json_object();
	json_object_set_new(e, "line",
	                    line > 0 ? json_integer(line) : json_null());
	if (n > 0)
		json_object_set_new(e, "n", json_integer(n));
	json_object_set_new(e, "message", json_string(msg));
	json_array_append_new(errors, e);
}

const struct topic *
import_topic_find(const struct topic_set *s, const char *code_or_slug)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].code, code_or_slug) ||
		    !strcmp(s->v[i].slug, code_or_slug))
			return &s->v[i];
	return NULL;
}

struct planned *
import_plan_add(struct plan *p)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct planned *grown = realloc(p->v, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		p->v = grown;
		p->cap = cap;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[0]));
	event_init(&p->v[p->n].ev);
	return &p->v[p->n++];
}

void
import_plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		event_fini(&p->v[i].ev);
		if (p->v[i].has_old)
			event_fini(&p->v[i].old);
		json_decref(p->v[i].warnings);
	}
	free(p->v);
	topic_array_free(p->topics.v, p->topics.n);
}

/* Drop the last planned session (its row was refused). */
void
import_plan_drop_last(struct plan *p)
{
	struct planned *pl = &p->v[--p->n];

	event_fini(&pl->ev);
	json_decref(pl->warnings);
	pl->warnings = NULL;
}

/* What a planned session takes, roughly, for the budget: the struct, its
 * texts and its report row. */
size_t
import_planned_bytes(const struct planned *pl)
{
	const struct event *ev = &pl->ev;
	size_t n = sizeof(*pl) + 512;

	n += ev->title ? strlen(ev->title) : 0;
	n += ev->description ? strlen(ev->description) : 0;
	n += ev->location ? strlen(ev->location) : 0;
	n += ev->words ? strlen(ev->words) : 0;
	n += ev->uid ? strlen(ev->uid) : 0;
	return n + ev->ntopics * 64;
}
