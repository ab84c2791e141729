/* fecha_parse: Spanish date words in (see fecha.h).
 *
 * fecha_parse works in three passes over a copy of the words on the stack:
 * normalise (lower case, accents and ordinal marks to ASCII, remembering
 * where each byte came from), tokenise (numbers, words, punctuation):
 * both in fecha_words.c; and a small recursive-descent reader, here.
 * Messages quote the original words. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fecha.h"
#include "fecha_internal.h"

#define FECHA_POINTS_MAX 8
#define FECHA_YEAR_MIN   1900
#define FECHA_YEAR_MAX   2999

static const char *const fecha_months_en[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};
static const char *const fecha_weekdays_ascii[] = {
    "domingo", "lunes", "martes", "miercoles", "jueves", "viernes", "sabado",
};
static const char *const fecha_month_abbr[] = {
    "ene", "feb", "mar", "abr", "may", "jun",
    "jul", "ago", "sep", "oct", "nov", "dic",
};
static const char *const fecha_vocabulary[] = {
    "de",        "del",      "el",        "la",       "las",        "y",
    "al",        "a",        "hasta",     "desde",    "en",         "durante",
    "fecha",     "por",      "definir",   "primero",  "primer",     "primera",
    "segundo",   "segunda",  "tercer",    "tercero",  "tercera",    "cuarto",
    "cuarta",    "semestre", "trimestre", "quincena", "principios", "inicios",
    "comienzos", "mediados", "finales",   "fines",    "semana",     "semanas",
    "dia",       "dias",     "un",        "una",      "uno",        "dos",
    "tres",      "cuatro",   "cinco",     "seis",     "h",          "hr",
    "hrs",       "hs",       "hora",      "horas",    "ano",        "todo",
    "setiembre", "sept",     "set",       "siete",    "ocho",       "nueve",
    "diez",
};

static const struct fecha_tok fecha_tok_end = {.type = FECHA_TOK_END};

/* ---- the reader ---- */

static const struct fecha_tok *
fecha_peek(const struct fecha_reader *r, int k)
{
	return r->pos + k < r->ntok ? &r->tok[r->pos + k] : &fecha_tok_end;
}

static int
fecha_tok_is(const struct fecha_tok *t, const char *w)
{
	return t->type == FECHA_TOK_WORD && strcmp(t->word, w) == 0;
}

static int
fecha_tok_punct(const struct fecha_tok *t, char c)
{
	return t->type == FECHA_TOK_PUNCT && t->word[0] == c;
}

static int
fecha_accept(struct fecha_reader *r, const char *w)
{
	if (!fecha_tok_is(fecha_peek(r, 0), w))
		return 0;
	r->pos++;
	return 1;
}

static int
fecha_accept_punct(struct fecha_reader *r, char c)
{
	if (!fecha_tok_punct(fecha_peek(r, 0), c))
		return 0;
	r->pos++;
	return 1;
}

static int
fecha_word_known(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(fecha_vocabulary) / sizeof(fecha_vocabulary[0]);
	     i++)
		if (!strcmp(w, fecha_vocabulary[i]))
			return 1;
	for (i = 0; i < 12; i++)
		if (!strcmp(w, fecha_months[i]) ||
		    !strcmp(w, fecha_month_abbr[i]))
			return 1;
	for (i = 0; i < 7; i++)
		if (!strcmp(w, fecha_weekdays_ascii[i]))
			return 1;
	return 0;
}

/* Fail at token t: "unknown word 'x'" or "expected WHAT, not 'x'". */
static int
fecha_fail_at(struct fecha_reader *r, const struct fecha_tok *t,
              const char *what)
{
	const struct fecha_tok *u;

	if (t->type == FECHA_TOK_END)
		return fecha_fail(r, "expected %s after the last word", what);
	/* An unknown word further on is the likelier mistake. */
	for (u = t; u < r->tok + r->ntok; u++)
		if (u->type == FECHA_TOK_WORD && !fecha_word_known(u->word))
			return fecha_fail(r, "unknown word '%.*s'", u->len,
			                  r->words + u->off);
	return fecha_fail(r, "expected %s, not '%.*s'", what, t->len,
	                  r->words + t->off);
}

/* 1..12 for a month word, else 0. */
static int
fecha_month_of(const struct fecha_tok *t)
{
	int i;

	if (t->type != FECHA_TOK_WORD)
		return 0;
	for (i = 0; i < 12; i++)
		if (!strcmp(t->word, fecha_months[i]) ||
		    !strcmp(t->word, fecha_month_abbr[i]))
			return i + 1;
	if (!strcmp(t->word, "setiembre") || !strcmp(t->word, "sept") ||
	    !strcmp(t->word, "set"))
		return 9;
	return 0;
}

static int
fecha_weekday_of(const struct fecha_tok *t)
{
	int i;

	if (t->type != FECHA_TOK_WORD)
		return -1;
	for (i = 0; i < 7; i++)
		if (!strcmp(t->word, fecha_weekdays_ascii[i]))
			return i;
	return -1;
}

/* "primer", "segunda", "3er" ... as 1..4; 0 when not an ordinal. */
static int
fecha_ordinal_of(const struct fecha_tok *t)
{
	static const char *const words[] = {
	    "primer", "primero", "primera", "segundo", "segunda",
	    "tercer", "tercero", "tercera", "cuarto",  "cuarta",
	};
	static const int values[] = {1, 1, 1, 2, 2, 3, 3, 3, 4, 4};
	size_t i;

	if (t->type == FECHA_TOK_NUM && t->ord != FECHA_ORD_NONE)
		return t->num;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (fecha_tok_is(t, words[i]))
			return values[i];
	return 0;
}

/* A count before "semanas"/"días": a plain number or "una" ... "diez";
 * -1 when not a count. */
static int
fecha_count_of(const struct fecha_tok *t)
{
	static const char *const words[] = {
	    "un",    "una",  "uno",   "dos",  "tres",  "cuatro",
	    "cinco", "seis", "siete", "ocho", "nueve", "diez",
	};
	static const int values[] = {1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	size_t i;

	if (t->type == FECHA_TOK_NUM && t->ord == FECHA_ORD_NONE)
		return t->num;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (fecha_tok_is(t, words[i]))
			return values[i];
	return -1;
}

static int
fecha_check_year(struct fecha_reader *r, int y)
{
	if (y < FECHA_YEAR_MIN || y > FECHA_YEAR_MAX)
		return fecha_fail(r, "year %d is out of range (%d to %d)", y,
		                  FECHA_YEAR_MIN, FECHA_YEAR_MAX);
	return 0;
}

/* "[de|del] AAAA" when it is there: 1 and *y; 0 when not; -1 on error. */
static int
fecha_read_year_opt(struct fecha_reader *r, int *y)
{
	const struct fecha_tok *t;
	int k = 0;

	if (fecha_tok_is(fecha_peek(r, 0), "de") ||
	    fecha_tok_is(fecha_peek(r, 0), "del"))
		k = 1;
	t = fecha_peek(r, k);
	if (t->type != FECHA_TOK_NUM || t->ndigits != 4 ||
	    t->ord != FECHA_ORD_NONE ||
	    fecha_tok_punct(fecha_peek(r, k + 1), ':'))
		return 0;
	if (fecha_check_year(r, t->num) < 0)
		return -1;
	*y = t->num;
	r->pos += k + 1;
	return 1;
}

/* A month word, or an error naming what stands there instead. */
static int
fecha_read_month(struct fecha_reader *r, int *m)
{
	const struct fecha_tok *t = fecha_peek(r, 0);

	*m = fecha_month_of(t);
	if (*m == 0) {
		if (t->type == FECHA_TOK_WORD)
			return fecha_fail(r, "'%.*s' is not a month", t->len,
			                  r->words + t->off);
		return fecha_fail_at(r, t, "a month");
	}
	r->pos++;
	return 0;
}

static int
fecha_expect(struct fecha_reader *r, const char *w)
{
	char what[FECHA_WORD_MAX + 2];

	if (fecha_accept(r, w))
		return 0;
	snprintf(what, sizeof(what), "'%s'", w);
	return fecha_fail_at(r, fecha_peek(r, 0), what);
}

/* An error unless y-m-d is a real date, saying what is wrong with it. */
static int
fecha_check_date(struct fecha_reader *r, int y, int m, int d)
{
	int dim;

	if (m < 1 || m > 12)
		return fecha_fail(r, "there is no month %d", m);
	if (d < 1)
		return fecha_fail(r, "there is no day %d", d);
	dim = fecha_days_in_month(y, m);
	if (d <= dim)
		return 0;
	if (m == 2)
		return fecha_fail(r, "February %d has %d days", y, dim);
	return fecha_fail(r, "%s has %d days", fecha_months_en[m - 1], dim);
}

/* "[,|-] [(] [fecha] por definir [)]" after a window: 1 if read. */
static int
fecha_read_tbd_suffix_opt(struct fecha_reader *r)
{
	int save = r->pos, paren;

	if (!fecha_accept_punct(r, ','))
		fecha_accept_punct(r, '-');
	paren = fecha_accept_punct(r, '(');
	fecha_accept(r, "fecha");
	if (fecha_accept(r, "por") && fecha_accept(r, "definir") &&
	    (!paren || fecha_accept_punct(r, ')')))
		return 1;
	r->pos = save;
	return 0;
}

static void
fecha_set_window(struct fecha_reader *r, int y, int m1, int d1, int m2, int d2)
{
	r->out->kind = FECHA_TBD;
	r->out->win_start = (struct fecha_date){y, m1, d1};
	r->out->win_end = (struct fecha_date){y, m2, d2};
}

/* "[a] principios|mediados|finales de": the part of the month, 1..3. */
static int
fecha_month_part_of(const struct fecha_reader *r, int *skip)
{
	static const char *const words[] = {
	    "principios", "inicios", "comienzos",
	    "mediados",   "finales", "fines",
	};
	static const int parts[] = {1, 1, 1, 2, 3, 3};
	int k = fecha_tok_is(fecha_peek(r, 0), "a");
	size_t i;

	if (!fecha_tok_is(fecha_peek(r, k + 1), "de"))
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (fecha_tok_is(fecha_peek(r, k), words[i])) {
			*skip = k + 2;
			return parts[i];
		}
	return 0;
}

/*
 * The forms that name only a window: half-years, quarters, halves and
 * thirds of a month, a week, a month, "N semanas en MES". Returns 1 when
 * read (r->out filled), 0 when the words are not one of them (nothing
 * consumed), -1 on error.
 */
static int
fecha_read_window(struct fecha_reader *r)
{
	const struct fecha_tok *t0 = fecha_peek(r, 0), *t1 = fecha_peek(r, 1);
	struct fecha *out = r->out;
	int y = r->year, n, m = 0, m2, d, part, skip, rc = 0;

	n = fecha_ordinal_of(t0);
	if (n &&
	    (fecha_tok_is(t1, "semestre") || fecha_tok_is(t1, "trimestre"))) {
		int parts = fecha_tok_is(t1, "semestre") ? 2 : 4;
		int len = 12 / parts;

		if (n > parts)
			return fecha_fail(r, "a year has %d %s", parts,
			                  parts == 2 ? "half-years"
			                             : "quarters");
		r->pos += 2;
		if ((rc = fecha_read_year_opt(r, &y)) < 0)
			return -1;
		fecha_set_window(r, y, (n - 1) * len + 1, 1, n * len,
		                 fecha_days_in_month(y, n * len));
	} else if (n && fecha_tok_is(t1, "quincena")) {
		if (n > 2)
			return fecha_fail(r, "a month has 2 quincenas");
		r->pos += 2;
		if (fecha_expect(r, "de") < 0 || fecha_read_month(r, &m) < 0 ||
		    (rc = fecha_read_year_opt(r, &y)) < 0)
			return -1;
		if (n == 1)
			fecha_set_window(r, y, m, 1, m, 15);
		else
			fecha_set_window(r, y, m, 16, m,
			                 fecha_days_in_month(y, m));
	} else if ((part = fecha_month_part_of(r, &skip))) {
		static const int from[] = {1, 11, 21}, to[] = {10, 20, 31};

		r->pos += skip;
		if (fecha_read_month(r, &m) < 0 ||
		    (rc = fecha_read_year_opt(r, &y)) < 0)
			return -1;
		d = to[part - 1];
		if (d > fecha_days_in_month(y, m))
			d = fecha_days_in_month(y, m);
		fecha_set_window(r, y, m, from[part - 1], m, d);
	} else if ((fecha_tok_is(t0, "semana") &&
	            (fecha_tok_is(t1, "del") || fecha_tok_is(t1, "de")) &&
	            fecha_peek(r, 2)->type == FECHA_TOK_NUM)) {
		const struct fecha_tok *td = fecha_peek(r, 2);

		if (td->ord == FECHA_ORD_FEM)
			return fecha_fail_at(r, td, "a day");
		d = td->num;
		r->pos += 3;
		if (fecha_expect(r, "de") < 0 || fecha_read_month(r, &m) < 0 ||
		    (rc = fecha_read_year_opt(r, &y)) < 0 ||
		    fecha_check_date(r, y, m, d) < 0)
			return -1;
		out->kind = FECHA_TBD;
		out->win_start = (struct fecha_date){y, m, d};
		out->win_end = fecha_date_add(out->win_start, 6);
	} else if ((n = fecha_count_of(t0)) >= 0 &&
	           (fecha_tok_is(t1, "semana") || fecha_tok_is(t1, "semanas") ||
	            fecha_tok_is(t1, "dia") || fecha_tok_is(t1, "dias"))) {
		int days = t1->word[0] == 's' ? 7 * n : n;

		if (n == 0)
			return fecha_fail(r, "a duration of 0 days");
		r->pos += 2;
		if (!fecha_accept(r, "en") && !fecha_accept(r, "durante"))
			return fecha_fail_at(r, fecha_peek(r, 0), "'en'");
		if (fecha_read_month(r, &m) < 0 ||
		    (rc = fecha_read_year_opt(r, &y)) < 0)
			return -1;
		if (days > fecha_days_in_month(y, m))
			return fecha_fail(r, "%d days do not fit in %s %d",
			                  days, fecha_months_en[m - 1], y);
		out->kind = FECHA_APPROX;
		out->duration_days = days;
		out->win_start = (struct fecha_date){y, m, 1};
		out->win_end =
		    (struct fecha_date){y, m, fecha_days_in_month(y, m)};
	} else if (fecha_tok_is(t0, "de") && fecha_month_of(t1) &&
	           fecha_tok_is(fecha_peek(r, 2), "a") &&
	           fecha_month_of(fecha_peek(r, 3))) {
		/* "de marzo a mayo de 2018", as fecha_window_words says it. */
		m = fecha_month_of(t1);
		m2 = fecha_month_of(fecha_peek(r, 3));
		r->pos += 4;
		if ((rc = fecha_read_year_opt(r, &y)) < 0)
			return -1;
		if (m2 < m)
			return fecha_fail(r, "%s comes before %s",
			                  fecha_months_en[m2 - 1],
			                  fecha_months_en[m - 1]);
		fecha_set_window(r, y, m, 1, m2, fecha_days_in_month(y, m2));
	} else if ((fecha_tok_is(t0, "ano") || fecha_tok_is(t0, "todo")) &&
	           t1->type == FECHA_TOK_NUM) {
		r->pos++;
		if ((rc = fecha_read_year_opt(r, &y)) <= 0)
			return rc < 0 ? -1 : fecha_fail_at(r, t1, "a year");
		fecha_set_window(r, y, 1, 1, 12, 31);
	} else if ((m = fecha_month_of(t0))) {
		r->pos++;
		if ((rc = fecha_read_year_opt(r, &y)) < 0)
			return -1;
		fecha_set_window(r, y, m, 1, m, fecha_days_in_month(y, m));
	} else {
		return 0;
	}
	out->explicit_year = rc == 1;
	fecha_read_tbd_suffix_opt(r);
	return 1;
}

/* One date as written: "lunes 12", "12 de marzo de 2018", "12/03". */
struct fecha_point {
	int y, m, d;
	int has_m, has_y;
	int wd; /* the weekday written before it, -1 when none */
};

static int
fecha_read_number(struct fecha_reader *r, const char *what, int *v)
{
	const struct fecha_tok *t = fecha_peek(r, 0);

	if (t->type != FECHA_TOK_NUM || t->ord != FECHA_ORD_NONE)
		return fecha_fail_at(r, t, what);
	*v = t->num;
	r->pos++;
	return 0;
}

static int
fecha_read_point(struct fecha_reader *r, struct fecha_point *p)
{
	const struct fecha_tok *t;
	int rc;

	memset(p, 0, sizeof(*p));
	p->wd = -1;
	fecha_accept(r, "el");
	if ((p->wd = fecha_weekday_of(fecha_peek(r, 0))) >= 0) {
		r->pos++;
		fecha_accept_punct(r, ',');
	}
	t = fecha_peek(r, 0);
	if (t->type == FECHA_TOK_NUM && t->ndigits == 4 &&
	    t->ord == FECHA_ORD_NONE &&
	    fecha_tok_punct(fecha_peek(r, 1), '-')) {
		/* ISO 8601: 2018-03-12 */
		p->y = t->num;
		r->pos += 2;
		if (fecha_read_number(r, "a month number", &p->m) < 0 ||
		    !fecha_accept_punct(r, '-') ||
		    fecha_read_number(r, "a day number", &p->d) < 0)
			return fecha_fail(r, "expected a date as YYYY-MM-DD");
		p->has_m = p->has_y = 1;
		return fecha_check_year(r, p->y);
	}
	if (t->type == FECHA_TOK_NUM && t->ord == FECHA_ORD_NONE &&
	    fecha_tok_punct(fecha_peek(r, 1), '/')) {
		/* Day first, as in Mexico: 12/03/2018 is 12 March. */
		p->d = t->num;
		r->pos += 2;
		if (fecha_read_number(r, "a month number", &p->m) < 0)
			return -1;
		p->has_m = 1;
		if (!fecha_accept_punct(r, '/'))
			return 0;
		t = fecha_peek(r, 0);
		if (t->type != FECHA_TOK_NUM || t->ndigits != 4)
			return fecha_fail_at(r, t, "a year of four digits");
		p->y = t->num;
		p->has_y = 1;
		r->pos++;
		return fecha_check_year(r, p->y);
	}
	if (t->type == FECHA_TOK_NUM && t->ord != FECHA_ORD_FEM) {
		p->d = t->num;
	} else if (fecha_tok_is(t, "primero")) {
		p->d = 1;
	} else {
		return fecha_fail_at(r, t, "a day");
	}
	r->pos++;
	if (fecha_tok_is(fecha_peek(r, 0), "de") &&
	    (fecha_peek(r, 1)->type == FECHA_TOK_WORD ||
	     fecha_peek(r, 1)->type == FECHA_TOK_END)) {
		r->pos++;
		if (fecha_read_month(r, &p->m) < 0)
			return -1;
		p->has_m = 1;
		if ((rc = fecha_read_year_opt(r, &p->y)) < 0)
			return -1;
		p->has_y = rc;
	}
	return 0;
}

/* "al", "a", "-", "hasta [el]" between the two ends of a range; not "a
 * las", which starts a time. */
static int
fecha_accept_range_word(struct fecha_reader *r)
{
	const struct fecha_tok *next = fecha_peek(r, 1);

	if (fecha_accept(r, "al") || fecha_accept_punct(r, '-'))
		return 1;
	if (fecha_tok_is(next, "las") || fecha_tok_is(next, "la"))
		return 0;
	return fecha_accept(r, "a") || fecha_accept(r, "hasta");
}

/*
 * Give each point the month and year written after it: "12 y 13 de
 * enero", "28 de febrero al 4 de marzo de 2018". A start month after the
 * end month across a written year ("28 de diciembre al 3 de enero de
 * 2019") is in the year before.
 */
static int
fecha_points_resolve(struct fecha_reader *r, struct fecha_point *p, int n)
{
	int i, j, y = r->year;

	for (j = 0; j < n; j++)
		if (p[j].has_y) {
			y = p[j].y;
			break;
		}
	for (i = n - 1; i >= 0; i--) {
		if (!p[i].has_m) {
			if (i == n - 1)
				return fecha_fail_at(r, fecha_peek(r, 0),
				                     "'de' and a month");
			p[i].m = p[i + 1].m;
		}
		if (p[i].has_y)
			continue;
		if (i == n - 1) {
			p[i].y = y;
			continue;
		}
		p[i].y = p[i + 1].y;
		if (p[i + 1].has_y && p[i].m > p[i + 1].m)
			p[i].y--;
	}
	for (i = 0; i < n; i++)
		if (fecha_check_date(r, p[i].y, p[i].m, p[i].d) < 0)
			return -1;
	return 0;
}

static struct fecha_date
fecha_point_date(const struct fecha_point *p)
{
	return (struct fecha_date){p->y, p->m, p->d};
}

/* English "13 March 2018" for messages. */
static const char *
fecha_date_en(struct fecha_date d, char *buf, size_t len)
{
	snprintf(buf, len, "%d %s %d", d.d, fecha_months_en[d.m - 1], d.y);
	return buf;
}

/*
 * One date, a range ("del 10 al 14 de abril", "9-18 de julio", "28 de
 * febrero al 4 de marzo") or consecutive days ("12 y 13 de enero",
 * "1, 2 y 3 de marzo"). A named weekday that does not match is a warning.
 */
static int
fecha_read_dates(struct fecha_reader *r)
{
	struct fecha_point p[FECHA_POINTS_MAX];
	struct fecha *out = r->out;
	char a[40], b[40];
	int n = 0, range = 0, i;

	if (!fecha_accept(r, "del") && fecha_accept(r, "desde"))
		fecha_accept(r, "el");
	if (fecha_read_point(r, &p[n++]) < 0)
		return -1;
	if (fecha_accept_range_word(r)) {
		fecha_accept(r, "el");
		if (fecha_read_point(r, &p[n++]) < 0)
			return -1;
		range = 1;
	} else {
		while (n < FECHA_POINTS_MAX) {
			const struct fecha_tok *t2 = fecha_peek(r, 2);
			int last = 0;

			if (fecha_tok_punct(fecha_peek(r, 0), ',') &&
			    fecha_peek(r, 1)->type == FECHA_TOK_NUM &&
			    (fecha_tok_punct(t2, ',') || fecha_tok_is(t2, "y")))
				r->pos++;
			else if (fecha_accept(r, "y"))
				last = 1;
			else
				break;
			if (fecha_read_point(r, &p[n++]) < 0)
				return -1;
			if (last)
				break;
		}
	}
	if (fecha_points_resolve(r, p, n) < 0)
		return -1;
	out->start = fecha_point_date(&p[0]);
	out->end = fecha_point_date(&p[n - 1]);
	if (range && fecha_date_cmp(out->start, out->end) > 0)
		return fecha_fail(r,
		                  "the range ends (%s) before it starts (%s)",
		                  fecha_date_en(out->end, a, sizeof(a)),
		                  fecha_date_en(out->start, b, sizeof(b)));
	for (i = 1; !range && i < n; i++)
		if (fecha_date_to_days(fecha_point_date(&p[i])) !=
		    fecha_date_to_days(fecha_point_date(&p[i - 1])) + 1)
			return fecha_fail(
			    r,
			    "the days are not consecutive (%s, "
			    "%s): write one date or one range",
			    fecha_date_en(fecha_point_date(&p[i - 1]), a,
			                  sizeof(a)),
			    fecha_date_en(fecha_point_date(&p[i]), b,
			                  sizeof(b)));
	out->kind = fecha_date_cmp(out->start, out->end) == 0 ? FECHA_DATE
	                                                      : FECHA_RANGE;
	for (i = 0; i < n; i++) {
		struct fecha_date d = fecha_point_date(&p[i]);
		int wd = fecha_weekday(d);

		if (p[i].has_y)
			out->explicit_year = 1;
		if (p[i].wd < 0 || p[i].wd == wd || out->warning[0])
			continue;
		snprintf(out->warning, sizeof(out->warning),
		         "'%.*s': %s is a %s", r->wlen, r->words,
		         fecha_date_en(d, a, sizeof(a)),
		         fecha_weekday_name(wd));
	}
	return 0;
}

static int
fecha_accept_hour_unit(struct fecha_reader *r)
{
	static const char *const units[] = {"h",  "hr",   "hrs",
	                                    "hs", "hora", "horas"};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (fecha_accept(r, units[i])) {
			/* "hrs." is an abbreviation, not the end. */
			fecha_accept_punct(r, '.');
			return 1;
		}
	return 0;
}

/* "17" or "17:30" as minutes after midnight; *colon says which. */
static int
fecha_read_clock(struct fecha_reader *r, int *min, int *colon)
{
	const struct fecha_tok *t = fecha_peek(r, 0);
	int h, m = 0;

	if (t->type != FECHA_TOK_NUM || t->ord != FECHA_ORD_NONE ||
	    t->ndigits > 2)
		return fecha_fail_at(r, t, "a time of day");
	h = t->num;
	r->pos++;
	*colon = 0;
	if (fecha_accept_punct(r, ':')) {
		t = fecha_peek(r, 0);
		if (t->type != FECHA_TOK_NUM || t->ndigits != 2 ||
		    t->ord != FECHA_ORD_NONE)
			return fecha_fail_at(r, t, "two digits of minutes");
		m = t->num;
		r->pos++;
		*colon = 1;
	}
	if (h > 23 || m > 59)
		return fecha_fail(r, "%d:%02d is not a time of day", h, m);
	*min = h * 60 + m;
	return 0;
}

/*
 * The time after a date: "10:00 h", ", 10 h", "a las 17 hrs", "de 10:00 a
 * 13:00 horas", "10:00-13:00". A bare hour needs "las" or a unit, so that
 * a stray number is never read as a time. Returns 0 when there is none.
 */
static int
fecha_read_time_opt(struct fecha_reader *r)
{
	int save = r->pos, las, unit, colon, colon2 = 0, start, end = -1;

	fecha_accept_punct(r, ',');
	if (fecha_accept(r, "a") || fecha_accept(r, "de") ||
	    fecha_accept(r, "desde"))
		las = fecha_accept(r, "las") || fecha_accept(r, "la");
	else
		las = fecha_accept(r, "las");
	if (las && fecha_peek(r, 0)->type != FECHA_TOK_NUM)
		return fecha_fail_at(r, fecha_peek(r, 0), "a time of day");
	if (fecha_peek(r, 0)->type != FECHA_TOK_NUM ||
	    fecha_peek(r, 0)->ndigits > 2) {
		r->pos = save;
		return 0;
	}
	if (fecha_read_clock(r, &start, &colon) < 0)
		return -1;
	unit = fecha_accept_hour_unit(r);
	if (fecha_accept(r, "a") || fecha_accept_punct(r, '-') ||
	    fecha_accept(r, "hasta")) {
		if (fecha_accept(r, "las") || fecha_accept(r, "la"))
			las = 1;
		if (fecha_read_clock(r, &end, &colon2) < 0)
			return -1;
		unit |= fecha_accept_hour_unit(r);
	}
	if (!unit && !colon && !colon2 && !las)
		return fecha_fail(r,
		                  "a bare number is not a time: write "
		                  "'%d h' or '%d:00'",
		                  start / 60, start / 60);
	if (end >= 0 && end <= start)
		return fecha_fail(r,
		                  "the time ends (%d:%02d) before it starts "
		                  "(%d:%02d)",
		                  end / 60, end % 60, start / 60, start % 60);
	r->out->start_min = start;
	r->out->end_min = end;
	return 0;
}

/* "por definir", "Fecha por definir.": the row's month heading. */
static int
fecha_read_bare_tbd(struct fecha_reader *r)
{
	int save = r->pos;

	fecha_accept(r, "fecha");
	if (!fecha_accept(r, "por") || !fecha_accept(r, "definir") ||
	    r->pos != r->ntok) {
		r->pos = save;
		return 0;
	}
	if (r->month < 1 || r->month > 12)
		return fecha_fail(r, "no month heading to place it in");
	fecha_set_window(r, r->year, r->month, 1, r->month,
	                 fecha_days_in_month(r->year, r->month));
	return 1;
}

int
fecha_parse(const char *words, int year, int month, struct fecha *out,
            char *err, size_t errlen)
{
	struct fecha_norm nm;
	struct fecha_reader r;
	struct fecha f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.start_min = f.end_min = -1;
	memset(&r, 0, sizeof(r));
	r.year = year;
	r.month = month;
	r.out = &f;
	r.err = err;
	r.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	if (words == NULL)
		words = "";
	while (*words == ' ' || *words == '\t' || *words == '\n' ||
	       *words == '\r')
		words++;
	r.words = words;
	r.wlen = (int)strnlen(words, FECHA_INPUT_MAX + 1);
	while (r.wlen > 0 &&
	       (words[r.wlen - 1] == ' ' || words[r.wlen - 1] == '\t' ||
	        words[r.wlen - 1] == '\n' || words[r.wlen - 1] == '\r'))
		r.wlen--;

	if (fecha_normalise(&r, &nm) < 0 || fecha_tokenise(&r, &nm) < 0)
		return -1;
	/* A trailing period ends the sentence; it is not part of the date. */
	while (r.ntok > 0 && fecha_tok_punct(&r.tok[r.ntok - 1], '.'))
		r.ntok--;
	if (r.ntok == 0)
		return fecha_fail(&r, "no date");

	rc = fecha_read_bare_tbd(&r);
	if (rc == 0)
		rc = fecha_read_window(&r);
	if (rc == 0) {
		if (fecha_read_dates(&r) < 0 || fecha_read_time_opt(&r) < 0)
			return -1;
		/* A range "(por definir)" is a window: some day in it. */
		if (f.kind == FECHA_RANGE && f.start_min < 0 &&
		    fecha_read_tbd_suffix_opt(&r)) {
			f.kind = FECHA_TBD;
			f.win_start = f.start;
			f.win_end = f.end;
			f.start = f.end = (struct fecha_date){0, 0, 0};
		}
	}
	if (rc < 0)
		return -1;
	if (r.pos < r.ntok)
		return fecha_fail_at(&r, &r.tok[r.pos], "the end");
	*out = f;
	return 0;
}
