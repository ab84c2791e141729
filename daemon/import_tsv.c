/* import_tsv: the programme and topics TSVs (see import.h): lines split
 * into tab-separated fields, each row read and checked into the plan, by
 * line; no store. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget.h"
#include "event.h"
#include "fecha.h"
#include "import.h"
#include "import_internal.h"
#include "log.h"
#include "text.h"

#define MAX_FIELDS 16

/* One line of a TSV, split in place. */
struct tsv_line {
	int lineno;
	char *field[MAX_FIELDS];
	int nfields;
};

struct tsv {
	char *buf;
	struct tsv_line *lines; /* data lines, header excluded */
	size_t nlines;
	struct tsv_line header;
	int have_header;
};

/*
 * Split text into lines and tab-separated fields. Lines that are too long
 * or not UTF-8 are reported in errors and left out. The first non-empty
 * line is the header. Returns 0, -ENOMEM, or the budget's reason.
 */
static int
tsv_split(const char *text, struct tsv *t, struct import_msgs *errors,
          struct budget *b)
{
	size_t cap = 64;
	char *p;
	int lineno = 0, rc;

	memset(t, 0, sizeof(*t));
	if ((rc = budget_spend(b, strlen(text) + 1)) < 0)
		return rc;
	t->buf = strdup(text);
	t->lines = calloc(cap, sizeof(*t->lines));
	if (!t->buf || !t->lines)
		return -ENOMEM;
	p = t->buf;
	while (*p) {
		char *nl = strchr(p, '\n');
		char *next = nl ? nl + 1 : p + strlen(p);
		size_t len;
		struct tsv_line *l;
		char *f;

		lineno++;
		if (nl)
			*nl = '\0';
		len = strlen(p);
		if ((rc = budget_spend(b, sizeof(struct tsv_line))) < 0)
			return rc;
		if (len && p[len - 1] == '\r')
			p[--len] = '\0';
		if (len > IMPORT_MAX_LINE) {
			import_error_add(
			    errors, lineno, 0,
			    "line %d is %zu bytes long, more than %d", lineno,
			    len, IMPORT_MAX_LINE);
			p = next;
			continue;
		}
		if (!text_utf8_valid(p, len)) {
			import_error_add(errors, lineno, 0,
			                 "line %d is not valid UTF-8", lineno);
			p = next;
			continue;
		}
		if (len == 0 || strspn(p, " \t") == len) {
			p = next;
			continue;
		}
		if (t->have_header) {
			if (t->nlines == cap) {
				struct tsv_line *grown;

				cap *= 2;
				grown = realloc(t->lines, cap * sizeof(*grown));
				if (!grown)
					return -ENOMEM;
				t->lines = grown;
			}
			l = &t->lines[t->nlines++];
		} else {
			l = &t->header;
			t->have_header = 1;
		}
		memset(l, 0, sizeof(*l));
		l->lineno = lineno;
		for (f = p;; f++) {
			char *tab = strchr(f, '\t');

			if (l->nfields < MAX_FIELDS)
				l->field[l->nfields] = f;
			l->nfields++;
			if (!tab)
				break;
			*tab = '\0';
			f = tab;
		}
		p = next;
	}
	return 0;
}

static void
tsv_free(struct tsv *t)
{
	free(t->buf);
	free(t->lines);
}

/* Index of the header column called name, or -1. */
static int
tsv_column(const struct tsv *t, const char *name)
{
	int i;

	for (i = 0; i < t->header.nfields && i < MAX_FIELDS; i++)
		if (!strcasecmp(text_trim(t->header.field[i]), name))
			return i;
	return -1;
}

static const char *
tsv_get(const struct tsv_line *l, int col)
{
	if (col < 0 || col >= l->nfields || col >= MAX_FIELDS)
		return "";
	return text_trim(l->field[col]);
}

static int
code_valid(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return 0;
	return 1;
}

/*
 * Read a topic TSV into *out, which holds the store's topics: the file's
 * replace the store's of the same code. rows gets one report row per
 * topic of the file. Errors go to errors. 0, -ENOMEM or the budget's
 * reason.
 */
int
import_topics_read(const char *text, struct topic_set *out,
                   struct import_topics *rows, struct import_msgs *errors,
                   struct budget *b)
{
	struct tsv t;
	int c_code, c_slug, c_nombre, c_title;
	size_t i, j;
	int rc;

	if (!text)
		return 0;
	rc = tsv_split(text, &t, errors, b);
	if (rc < 0) {
		tsv_free(&t);
		return rc;
	}
	c_code = tsv_column(&t, "code");
	c_slug = tsv_column(&t, "slug");
	c_nombre = tsv_column(&t, "nombre");
	c_title = tsv_column(&t, "title");
	if (!t.have_header || c_code < 0 || c_slug < 0 || c_nombre < 0) {
		import_error_add(
		    errors, t.have_header ? t.header.lineno : 1, 0,
		    "topics: the header must name the columns code, "
		    "slug and nombre");
		tsv_free(&t);
		return 0;
	}
	for (i = 0; i < t.nlines; i++) {
		const struct tsv_line *l = &t.lines[i];
		const char *code = tsv_get(l, c_code);
		const char *slug = tsv_get(l, c_slug);
		const char *nombre = tsv_get(l, c_nombre);
		const char *title = tsv_get(l, c_title);
		struct topic *old = NULL, *grown;
		const char *action = "create";
		char why[200];

		if (l->nfields != t.header.nfields) {
			import_error_add(
			    errors, l->lineno, 0,
			    "topics line %d has %d columns, the header "
			    "%d",
			    l->lineno, l->nfields, t.header.nfields);
			continue;
		}
		if (!code_valid(code) || strlen(code) > 16) {
			import_error_add(
			    errors, l->lineno, 0,
			    "topics line %d: '%s' is not a topic code "
			    "like 1.2",
			    l->lineno, code);
			continue;
		}
		/* The slug rules are the public site's (event.c): a slug
		 * the site cannot serve is refused here. */
		if (event_slug_check(slug, why, sizeof(why)) < 0) {
			import_error_add(errors, l->lineno, 0,
			                 "topics line %d: %s", l->lineno, why);
			continue;
		}
		/* The split line is ours to change. */
		text_strip_invisible((char *)nombre);
		text_strip_invisible((char *)title);
		if (!*nombre) {
			import_error_add(errors, l->lineno, 0,
			                 "topics line %d: empty nombre",
			                 l->lineno);
			continue;
		}
		if (text_check("its nombre", nombre, EVENT_TOPIC_NAME_MAX, 1,
		               why, sizeof(why)) < 0 ||
		    text_check("its title", title, EVENT_TITLE_MAX, 1, why,
		               sizeof(why)) < 0) {
			import_error_add(errors, l->lineno, 0,
			                 "topics line %d: %s", l->lineno, why);
			continue;
		}
		for (j = 0; j < out->n; j++) {
			if (!strcmp(out->v[j].code, code))
				old = &out->v[j];
			else if (!strcmp(out->v[j].slug, slug)) {
				import_error_add(
				    errors, l->lineno, 0,
				    "topics line %d: slug '%s' already "
				    "belongs to topic %s",
				    l->lineno, slug, out->v[j].code);
				old = NULL;
				goto next;
			}
		}
		if (old) {
			if (!strcmp(old->slug, slug) &&
			    !strcmp(old->nombre, nombre) &&
			    !strcmp(old->title ? old->title : "", title))
				action = "unchanged";
			else
				action = "update";
			topic_fini(old);
		} else {
			grown = realloc(out->v, (out->n + 1) * sizeof(*grown));
			if (!grown) {
				tsv_free(&t);
				return -ENOMEM;
			}
			out->v = grown;
			old = &out->v[out->n++];
		}
		memset(old, 0, sizeof(*old));
		old->code = strdup(code);
		old->slug = strdup(slug);
		old->nombre = strdup(nombre);
		old->title = *title ? strdup(title) : NULL;
		old->events = strcmp(action, "unchanged") ? -1 : 0;
		if (!old->code || !old->slug || !old->nombre ||
		    (*title && !old->title) ||
		    import_topics_add(rows, code, slug, action) < 0) {
			tsv_free(&t);
			return -ENOMEM;
		}
	next:;
	}
	tsv_free(&t);
	return 0;
}

/* The month heading ("ENERO", "Septiembre") as 1..12, or 0. */
static int
heading_month(const char *words, int year)
{
	struct fecha f;
	char err[200];

	if (!*words)
		return 0;
	if (fecha_parse(words, year, 0, &f, err, sizeof(err)) < 0)
		return -1;
	if (f.kind != FECHA_TBD || f.win_start.d != 1 ||
	    f.win_start.m != f.win_end.m ||
	    f.win_end.d != fecha_days_in_month(f.win_end.y, f.win_end.m))
		return -1;
	return f.win_start.m;
}

/* Read one programme row into pl. 0, or -EINVAL after reporting. */
static int
row_read(struct plan *p, const struct tsv *t, const struct tsv_line *l,
         const int *col, struct import_session *pl, int *n_out)
{
	enum {
		C_N,
		C_MONTH,
		C_TITLE,
		C_FECHA,
		C_OBS,
		C_TEMAS,
		C_LUGAR,
		C_HORA,
		C_ZONA
	};
	struct import_msgs *errors = p->errors;
	const struct import_opts *o = p->o;
	const char *s_n = tsv_get(l, col[C_N]);
	const char *title = tsv_get(l, col[C_TITLE]);
	const char *words = tsv_get(l, col[C_FECHA]);
	const char *month_words = tsv_get(l, col[C_MONTH]);
	const char *zona = tsv_get(l, col[C_ZONA]);
	const char *hora = tsv_get(l, col[C_HORA]);
	char temas[1024], *tok, *save = NULL, uid[256], err[300];
	struct fecha f;
	char *end;
	long n;
	int month;

	*n_out = 0;
	if (l->nfields != t->header.nfields) {
		import_error_add(errors, l->lineno, 0,
		                 "line %d has %d columns, the header has %d",
		                 l->lineno, l->nfields, t->header.nfields);
		return -EINVAL;
	}
	n = strtol(s_n, &end, 10);
	if (!*s_n || *end || n <= 0 || n > 99999) {
		import_error_add(errors, l->lineno, 0,
		                 "line %d: n '%s' is not a positive number",
		                 l->lineno, s_n);
		return -EINVAL;
	}
	*n_out = (int)n;
	if (!*title) {
		import_error_add(errors, l->lineno, (int)n,
		                 "line %d (n %ld): empty title", l->lineno, n);
		return -EINVAL;
	}
	month = heading_month(month_words, o->year);
	if (month < 0) {
		import_error_add(errors, l->lineno, (int)n,
		                 "line %d (n %ld): unknown month '%s'",
		                 l->lineno, n, month_words);
		return -EINVAL;
	}
	if (fecha_parse(words, o->year, month, &f, err, sizeof(err)) < 0) {
		import_error_add(errors, l->lineno, (int)n,
		                 "line %d (n %ld): %s", l->lineno, n, err);
		return -EINVAL;
	}
	if (f.warning[0] &&
	    import_warning_add(pl, "row %ld: %s", n, f.warning) < 0)
		return -ENOMEM;
	if (f.explicit_year) {
		int y = f.kind == FECHA_DATE || f.kind == FECHA_RANGE
		            ? f.start.y
		            : f.win_start.y;

		if (y != o->year &&
		    import_warning_add(pl,
		                       "row %ld: '%s' is in %d, not in the "
		                       "programme's year %d: imported as "
		                       "written",
		                       n, words, y, o->year) < 0)
			return -ENOMEM;
	}
	if (*hora) {
		int h, m;
		char extra;

		if (sscanf(hora, "%d:%d%c", &h, &m, &extra) != 2 || h < 0 ||
		    h > 23 || m < 0 || m > 59 ||
		    (f.kind != FECHA_DATE && f.kind != FECHA_RANGE)) {
			import_error_add(
			    errors, l->lineno, (int)n,
			    "line %d (n %ld): hora '%s' is not HH:MM "
			    "for a dated session",
			    l->lineno, n, hora);
			return -EINVAL;
		}
		f.start_min = h * 60 + m;
	}
	snprintf(uid, sizeof(uid), "%d-%02ld@%s", o->year, n, o->domain);
	if (event_str_set(&pl->ev.uid, uid) < 0 ||
	    event_str_set(&pl->ev.title, title) < 0 ||
	    event_str_set(&pl->ev.words, words) < 0 ||
	    event_str_set(&pl->ev.tzid, !*zona ? o->tzid
	                                : event_tzid_normalise(zona)
	                                    ? event_tzid_normalise(zona)
	                                    : zona) < 0)
		return -ENOMEM;
	if (*tsv_get(l, col[C_OBS]))
		event_str_set(&pl->ev.description, tsv_get(l, col[C_OBS]));
	if (*tsv_get(l, col[C_LUGAR]))
		event_str_set(&pl->ev.location, tsv_get(l, col[C_LUGAR]));
	event_fecha_set(&pl->ev, &f);
	pl->ev.status = f.kind == FECHA_TBD || f.kind == FECHA_APPROX
	                    ? EVENT_TENTATIVE
	                    : EVENT_CONFIRMED;
	snprintf(temas, sizeof(temas), "%s", tsv_get(l, col[C_TEMAS]));
	for (tok = strtok_r(temas, ";, ", &save); tok;
	     tok = strtok_r(NULL, ";, ", &save)) {
		const struct topic *tp = import_topic_find(&p->topics, tok);

		if (!tp) {
			import_error_add(errors, l->lineno, (int)n,
			                 "line %d (n %ld): unknown topic '%s'",
			                 l->lineno, n, tok);
			return -EINVAL;
		}
		if (!event_has_topic(&pl->ev, tp->slug))
			event_topic_add(&pl->ev, tp->slug, tp->nombre);
	}
	if (pl->ev.ntopics == 0) {
		import_error_add(errors, l->lineno, (int)n,
		                 "line %d (n %ld): no topic (column temas)",
		                 l->lineno, n);
		return -EINVAL;
	}
	event_clean(&pl->ev);
	if (event_validate(&pl->ev, err, sizeof(err)) < 0) {
		import_error_add(errors, l->lineno, (int)n,
		                 "line %d (n %ld): %s", l->lineno, n, err);
		return -EINVAL;
	}
	return 0;
}

/* The columns of a programme TSV, in C_ order (see row_read). */
static const char *const programme_columns[] = {
    "n",     "month", "title", "fecha_posible", "observaciones",
    "temas", "lugar", "hora",  "zona"};

/* Read a programme TSV into p: one planned session per good row, an
 * error per bad one. 0, -ENOMEM or the budget's reason. */
int
import_programme_read(struct plan *p, const char *text, int *has_place,
                      struct budget *b)
{
	struct import_msgs *errors = p->errors;
	struct tsv t;
	int col[9], i, rc = 0;
	size_t k;
	char *seen_n = calloc(100000 / 8 + 1, 1);

	if (!seen_n)
		return -ENOMEM;
	if ((rc = tsv_split(text, &t, errors, b)) < 0) {
		tsv_free(&t);
		free(seen_n);
		return rc;
	}
	for (i = 0; i < 9; i++)
		col[i] = tsv_column(&t, programme_columns[i]);
	*has_place = col[6] >= 0;
	if (!t.have_header || col[0] < 0 || col[2] < 0 || col[3] < 0 ||
	    col[5] < 0) {
		import_error_add(
		    errors, t.have_header ? t.header.lineno : 1, 0,
		    "the header must name the columns n, title, "
		    "fecha_posible and temas (month, observaciones, "
		    "lugar, hora and zona are optional)");
	}
	for (k = 0; k < t.nlines && col[0] >= 0 && col[2] >= 0 && col[3] >= 0 &&
	            col[5] >= 0;
	     k++) {
		struct import_session *pl = import_plan_add(p);
		int n, r;

		if (!pl) {
			rc = -ENOMEM;
			break;
		}
		if ((r = row_read(p, &t, &t.lines[k], col, pl, &n)) < 0) {
			import_plan_drop_last(p);
			if (r == -ENOMEM) {
				rc = r;
				break;
			}
			continue;
		}
		if (seen_n[n / 8] & (1 << (n % 8))) {
			import_error_add(errors, t.lines[k].lineno, n,
			                 "line %d: n %d appears twice",
			                 t.lines[k].lineno, n);
			import_plan_drop_last(p);
			continue;
		}
		seen_n[n / 8] |= (char)(1 << (n % 8));
		pl->n = n;
		pl->line = t.lines[k].lineno;
		if ((rc = budget_spend(b, import_planned_bytes(pl))) < 0)
			break;
	}
	if (rc == 0 && t.nlines == 0 && t.have_header)
		import_error_add(errors, 0, 0, "no sessions in the file");
	tsv_free(&t);
	free(seen_n);
	return rc;
}
