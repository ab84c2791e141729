/* fecha: see fecha.h. Date arithmetic, names and words out;
 * fecha_parse.c reads the words in. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fecha.h"
#include "fecha_internal.h"

const char *const fecha_months[] = {
    "enero", "febrero", "marzo",      "abril",   "mayo",      "junio",
    "julio", "agosto",  "septiembre", "octubre", "noviembre", "diciembre",
};

/* Messages are English; dates in them read "13 March 2018". */

static const char *const fecha_weekdays[] = {
    "domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado",
};

/* The same, as they look after normalisation. */

static const char *const fecha_ordinals[] = {"primer", "segundo", "tercer",
                                             "cuarto"};

/* Every word the reader knows, to tell "unknown word" from "unexpected". */

/* ---- date arithmetic ---- */

static int
fecha_is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
fecha_days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
	                           31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && fecha_is_leap(y))
		return 29;
	return days[m - 1];
}

int
fecha_date_valid(struct fecha_date d)
{
	return d.m >= 1 && d.m <= 12 && d.d >= 1 &&
	       d.d <= fecha_days_in_month(d.y, d.m);
}

int
fecha_date_cmp(struct fecha_date a, struct fecha_date b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

/* Floor division, so that years before 1 count like the others. */
static long
fecha_floor_div(long a, long b)
{
	long q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

/* Days from 1 January of year 0 to 1 January of year y. */
static long
fecha_year_start(long y)
{
	long p = y - 1;

	return 365 * y + fecha_floor_div(p, 4) - fecha_floor_div(p, 100) +
	       fecha_floor_div(p, 400) + 1;
}

/* Days from 1 January of year y to the first of month m. */
static long
fecha_month_start(long y, int m)
{
	static const int before[] = {0,   31,  59,  90,  120, 151,
	                             181, 212, 243, 273, 304, 334};

	return before[m - 1] + (m > 2 && fecha_is_leap(y));
}

long
fecha_date_to_days(struct fecha_date d)
{
	long abs =
	    fecha_year_start(d.y) + fecha_month_start(d.y, d.m) + d.d - 1;

	return abs - fecha_year_start(1970);
}

struct fecha_date
fecha_date_from_days(long days)
{
	long abs = days + fecha_year_start(1970);
	long y = fecha_floor_div(abs * 400, 146097);
	struct fecha_date out;
	long rest;
	int m = 1;

	/* The estimate is off by at most one year either way. */
	while (fecha_year_start(y) > abs)
		y--;
	while (fecha_year_start(y + 1) <= abs)
		y++;
	rest = abs - fecha_year_start(y);
	while (m < 12 && fecha_month_start(y, m + 1) <= rest)
		m++;
	out.y = (int)y;
	out.m = m;
	out.d = (int)(rest - fecha_month_start(y, m)) + 1;
	return out;
}

int
fecha_weekday(struct fecha_date d)
{
	/* 1 January 1970 was a Thursday. */
	return (int)(((fecha_date_to_days(d) % 7) + 7 + 4) % 7);
}

struct fecha_date
fecha_date_add(struct fecha_date d, long n)
{
	return fecha_date_from_days(fecha_date_to_days(d) + n);
}

const char *
fecha_month_name(int m)
{
	return m >= 1 && m <= 12 ? fecha_months[m - 1] : "";
}

const char *
fecha_weekday_name(int wd)
{
	return wd >= 0 && wd <= 6 ? fecha_weekdays[wd] : "";
}

int
fecha_iso_parse(const char *s, struct fecha_date *out)
{
	struct fecha_date d;
	int i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	d.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	      (s[3] - '0');
	d.m = (s[5] - '0') * 10 + (s[6] - '0');
	d.d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!fecha_date_valid(d))
		return -1;
	*out = d;
	return 0;
}

/* ---- words out ---- */

char *
fecha_date_words(struct fecha_date d, char *buf, size_t buflen)
{
	if (buflen == 0)
		return buf;
	buf[0] = '\0';
	if (!fecha_date_valid(d))
		return buf;
	snprintf(buf, buflen, "%s %d de %s de %d",
	         fecha_weekday_name(fecha_weekday(d)), d.d,
	         fecha_month_name(d.m), d.y);
	return buf;
}

/*
 * Whole months get their names (a month, a quarter, a half-year, a year,
 * "de marzo a mayo de 2018"); so do the two halves of a month. Any other
 * span is said with its days. Invalid or reversed spans give "".
 */
char *
fecha_window_words(struct fecha_date from, struct fecha_date to, char *buf,
                   size_t buflen)
{
	int first, last;

	if (buflen == 0)
		return buf;
	buf[0] = '\0';
	if (!fecha_date_valid(from) || !fecha_date_valid(to) ||
	    fecha_date_cmp(from, to) > 0)
		return buf;
	first = from.d == 1;
	last = to.d == fecha_days_in_month(to.y, to.m);

	if (first && last && from.y == to.y) {
		if (from.m == 1 && to.m == 12)
			snprintf(buf, buflen, "año %d", from.y);
		else if (from.m == to.m)
			snprintf(buf, buflen, "%s de %d",
			         fecha_month_name(from.m), from.y);
		else if ((from.m == 1 && to.m == 6) ||
		         (from.m == 7 && to.m == 12))
			snprintf(buf, buflen, "%s semestre de %d",
			         fecha_ordinals[from.m / 7], from.y);
		else if ((from.m - 1) % 3 == 0 && to.m == from.m + 2)
			snprintf(buf, buflen, "%s trimestre de %d",
			         fecha_ordinals[(from.m - 1) / 3], from.y);
		else
			snprintf(buf, buflen, "de %s a %s de %d",
			         fecha_month_name(from.m),
			         fecha_month_name(to.m), from.y);
		return buf;
	}
	if (first && last) {
		snprintf(buf, buflen, "de %s de %d a %s de %d",
		         fecha_month_name(from.m), from.y,
		         fecha_month_name(to.m), to.y);
		return buf;
	}
	if (from.y == to.y && from.m == to.m) {
		if (from.d == 1 && to.d == 15)
			snprintf(buf, buflen, "primera quincena de %s de %d",
			         fecha_month_name(from.m), from.y);
		else if (from.d == 16 && last)
			snprintf(buf, buflen, "segunda quincena de %s de %d",
			         fecha_month_name(from.m), from.y);
		else if (from.d == to.d)
			snprintf(buf, buflen, "%d de %s de %d", from.d,
			         fecha_month_name(from.m), from.y);
		else
			snprintf(buf, buflen, "del %d al %d de %s de %d",
			         from.d, to.d, fecha_month_name(from.m),
			         from.y);
		return buf;
	}
	if (from.y == to.y)
		snprintf(buf, buflen, "del %d de %s al %d de %s de %d", from.d,
		         fecha_month_name(from.m), to.d, fecha_month_name(to.m),
		         to.y);
	else
		snprintf(buf, buflen, "del %d de %s de %d al %d de %s de %d",
		         from.d, fecha_month_name(from.m), from.y, to.d,
		         fecha_month_name(to.m), to.y);
	return buf;
}
