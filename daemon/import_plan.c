/* import_plan: the pieces every import shares: reports' errors and
 * warnings, the topics known, the planned sessions. See
 * import_internal.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "import_internal.h"
#include "strv.h"
#include "text.h"

void
import_error_add(struct import_msgs *m, int line, int n, const char *fmt, ...)
{
	size_t max = m->textmax ? m->textmax : 600;
	char msg[1024];
	va_list ap;

	if (m->n >= IMPORT_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, max < sizeof(msg) ? max : sizeof(msg), fmt, ap);
	va_end(ap);
	/* A message quoting the file's bytes must still be UTF-8. */
	text_utf8_fix(msg);
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct import_msg *grown = realloc(m->v, cap * sizeof(*grown));

		if (grown == NULL)
			return;
		m->v = grown;
		m->cap = cap;
	}
	if ((m->v[m->n].text = strdup(msg)) == NULL)
		return;
	m->v[m->n].line = line > 0 ? line : 0;
	m->v[m->n].n = n > 0 ? n : 0;
	m->n++;
}

void
import_msgs_clear(struct import_msgs *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].text);
	m->n = 0;
}

void
import_msgs_fini(struct import_msgs *m)
{
	import_msgs_clear(m);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

int
import_warning_add(struct import_session *s, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	rc = strv_add(&s->warnings, &s->nwarnings, msg);
	free(msg);
	return rc;
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

int
import_topics_add(struct import_topics *t, const char *code, const char *slug,
                  const char *action)
{
	struct import_topic *row;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct import_topic *grown =
		    realloc(t->v, cap * sizeof(*grown));

		if (grown == NULL)
			return -ENOMEM;
		t->v = grown;
		t->cap = cap;
	}
	row = &t->v[t->n];
	row->code = strdup(code);
	row->slug = strdup(slug);
	row->action = action;
	if (row->code == NULL || row->slug == NULL) {
		free(row->code);
		free(row->slug);
		return -ENOMEM;
	}
	t->n++;
	return 0;
}

void
import_topics_fini(struct import_topics *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].code);
		free(t->v[i].slug);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

struct import_session *
import_plan_add(struct plan *p)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct import_session *grown =
		    realloc(p->v, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		p->v = grown;
		p->cap = cap;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[0]));
	event_init(&p->v[p->n].ev);
	return &p->v[p->n++];
}

static void
session_fini(struct import_session *s)
{
	event_fini(&s->ev);
	if (s->has_old)
		event_fini(&s->old);
	s->has_old = 0;
	strv_free(s->warnings, s->nwarnings);
	s->warnings = NULL;
	s->nwarnings = 0;
}

void
import_plan_drop_last(struct plan *p)
{
	session_fini(&p->v[--p->n]);
}

/* The struct, its texts and its report row. */
size_t
import_planned_bytes(const struct import_session *s)
{
	const struct event *ev = &s->ev;
	size_t n = sizeof(*s) + 512;

	n += ev->title ? strlen(ev->title) : 0;
	n += ev->description ? strlen(ev->description) : 0;
	n += ev->location ? strlen(ev->location) : 0;
	n += ev->words ? strlen(ev->words) : 0;
	n += ev->uid ? strlen(ev->uid) : 0;
	return n + ev->ntopics * 64;
}

void
import_plan_fini(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		session_fini(&p->v[i]);
	free(p->v);
	topic_array_free(p->topics.v, p->topics.n);
	p->v = NULL;
	p->n = p->cap = 0;
	p->topics.v = NULL;
	p->topics.n = 0;
}
