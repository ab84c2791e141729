/* Tests for fecha: the 2018 programme as interpretacion-2018.tsv reads it,
 * every form fecha.h promises, its errors, and the date arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fecha.h"

static struct fecha_date
iso(const char *s)
{
	struct fecha_date d = {0, 0, 0};

	if (fecha_iso_parse(s, &d) < 0)
		fail_msg("bad ISO date in the test: %s", s);
	return d;
}

static void
assert_date_is(struct fecha_date d, const char *want)
{
	char got[32];

	snprintf(got, sizeof(got), "%04d-%02d-%02d", d.y, d.m, d.d);
	assert_string_equal(got, want);
}

/* Parse WORDS, which must succeed. */
static struct fecha
parse_ok(const char *words, int year, int month)
{
	struct fecha f;
	char err[300];

	memset(&f, 0x5a, sizeof(f));
	if (fecha_parse(words, year, month, &f, err, sizeof(err)) != 0)
		fail_msg("'%s' failed: %s", words, err);
	return f;
}

static void
assert_day(const char *words, int year, const char *want)
{
	struct fecha f = parse_ok(words, year, 0);

	assert_int_equal(f.kind, FECHA_DATE);
	assert_date_is(f.start, want);
	assert_date_is(f.end, want);
	assert_int_equal(f.start_min, -1);
	assert_int_equal(f.end_min, -1);
}

static void
assert_range(const char *words, int year, const char *from, const char *to)
{
	struct fecha f = parse_ok(words, year, 0);

	assert_int_equal(f.kind, FECHA_RANGE);
	assert_date_is(f.start, from);
	assert_date_is(f.end, to);
}

static void
assert_tbd(const char *words, int year, int month, const char *from,
           const char *to)
{
	struct fecha f = parse_ok(words, year, month);

	assert_int_equal(f.kind, FECHA_TBD);
	assert_date_is(f.win_start, from);
	assert_date_is(f.win_end, to);
	assert_int_equal(f.duration_days, 0);
}

static void
assert_times(const char *words, int start_min, int end_min)
{
	struct fecha f = parse_ok(words, 2018, 0);

	assert_int_equal(f.start_min, start_min);
	assert_int_equal(f.end_min, end_min);
}

/* WORDS must fail with a message quoting them and containing WHAT. */
static void
assert_error(const char *words, int year, int month, const char *what)
{
	struct fecha f;
	char err[300], quoted[200];

	memset(err, 'x', sizeof(err));
	if (fecha_parse(words, year, month, &f, err, sizeof(err)) != -1)
		fail_msg("'%s' parsed but should fail with '%s'", words, what);
	snprintf(quoted, sizeof(quoted), "'%s'", words);
	if (strstr(err, what) == NULL || strncmp(err, quoted, strlen(quoted)))
		fail_msg("'%s': message '%s' lacks '%s'", words, err, what);
}

struct programme_row {
	int n;
	const char *heading;
	const char *words;
	enum fecha_kind kind;
	const char *start, *end, *win_start, *win_end;
	int duration_days;
	int explicit_year;
};

/* cronograma-2018.tsv (n, month, fecha_posible) with what
 * interpretacion-2018.tsv says each row means. */
static const struct programme_row programme_2018[] = {
    {1, "ENERO", "12 de enero", FECHA_DATE, "2018-01-12", "2018-01-12", NULL,
     NULL, 0, 0},
    {2, "ENERO", "12 y 13 de enero de 2018", FECHA_RANGE, "2018-01-12",
     "2018-01-13", NULL, NULL, 0, 1},
    {3, "ENERO", "15 de enero", FECHA_DATE, "2018-01-15", "2018-01-15", NULL,
     NULL, 0, 0},
    {4, "ENERO", "18 de enero", FECHA_DATE, "2018-01-18", "2018-01-18", NULL,
     NULL, 0, 0},
    {5, "ENERO", "24 de enero", FECHA_DATE, "2018-01-24", "2018-01-24", NULL,
     NULL, 0, 0},
    {6, "ENERO", "31 de enero", FECHA_DATE, "2018-01-31", "2018-01-31", NULL,
     NULL, 0, 0},
    {7, "FEBRERO", "1ro de febrero", FECHA_DATE, "2018-02-01", "2018-02-01",
     NULL, NULL, 0, 0},
    {8, "FEBRERO", "8 de febrero", FECHA_DATE, "2018-02-08", "2018-02-08", NULL,
     NULL, 0, 0},
    {9, "FEBRERO", "9 de febrero", FECHA_DATE, "2018-02-09", "2018-02-09", NULL,
     NULL, 0, 0},
    {10, "FEBRERO", "13 de febrero", FECHA_DATE, "2018-02-13", "2018-02-13",
     NULL, NULL, 0, 0},
    {11, "FEBRERO", "13 de febrero", FECHA_DATE, "2018-02-13", "2018-02-13",
     NULL, NULL, 0, 0},
    {12, "FEBRERO", "14 de febrero", FECHA_DATE, "2018-02-14", "2018-02-14",
     NULL, NULL, 0, 0},
    {13, "FEBRERO", "20 de febrero", FECHA_DATE, "2018-02-20", "2018-02-20",
     NULL, NULL, 0, 0},
    {14, "FEBRERO", "20 de febrero", FECHA_DATE, "2018-02-20", "2018-02-20",
     NULL, NULL, 0, 0},
    {15, "FEBRERO", "22 de febrero", FECHA_DATE, "2018-02-22", "2018-02-22",
     NULL, NULL, 0, 0},
    {16, "FEBRERO", "27 de febrero", FECHA_DATE, "2018-02-27", "2018-02-27",
     NULL, NULL, 0, 0},
    {17, "FEBRERO", "28 de febrero", FECHA_DATE, "2018-02-28", "2018-02-28",
     NULL, NULL, 0, 0},
    {18, "FEBRERO", "28 de febrero al 4 de marzo", FECHA_RANGE, "2018-02-28",
     "2018-03-04", NULL, NULL, 0, 0},
    {19, "MARZO", "1 y 2 de marzo", FECHA_RANGE, "2018-03-01", "2018-03-02",
     NULL, NULL, 0, 0},
    {20, "MARZO", "6 de marzo", FECHA_DATE, "2018-03-06", "2018-03-06", NULL,
     NULL, 0, 0},
    {21, "MARZO", "7 de marzo", FECHA_DATE, "2018-03-07", "2018-03-07", NULL,
     NULL, 0, 0},
    {22, "MARZO", "7 de marzo", FECHA_DATE, "2018-03-07", "2018-03-07", NULL,
     NULL, 0, 0},
    {23, "MARZO", "12 de marzo", FECHA_DATE, "2018-03-12", "2018-03-12", NULL,
     NULL, 0, 0},
    {24, "MARZO", "14 de marzo", FECHA_DATE, "2018-03-14", "2018-03-14", NULL,
     NULL, 0, 0},
    {25, "MARZO", "15 de marzo", FECHA_DATE, "2018-03-15", "2018-03-15", NULL,
     NULL, 0, 0},
    {26, "MARZO", "16 de marzo", FECHA_DATE, "2018-03-16", "2018-03-16", NULL,
     NULL, 0, 0},
    {27, "MARZO", "Fecha por definir", FECHA_TBD, NULL, NULL, "2018-03-01",
     "2018-03-31", 0, 0},
    {28, "MARZO", "Fecha por definir", FECHA_TBD, NULL, NULL, "2018-03-01",
     "2018-03-31", 0, 0},
    {29, "ABRIL", "3 de abril", FECHA_DATE, "2018-04-03", "2018-04-03", NULL,
     NULL, 0, 0},
    {30, "ABRIL", "4 y 5 de abril", FECHA_RANGE, "2018-04-04", "2018-04-05",
     NULL, NULL, 0, 0},
    {31, "ABRIL", "9 de abril", FECHA_DATE, "2018-04-09", "2018-04-09", NULL,
     NULL, 0, 0},
    {32, "ABRIL", "10 al 14 de abril de 2018", FECHA_RANGE, "2018-04-10",
     "2018-04-14", NULL, NULL, 0, 1},
    {33, "ABRIL", "16 al 19 de abril", FECHA_RANGE, "2018-04-16", "2018-04-19",
     NULL, NULL, 0, 0},
    {34, "ABRIL", "16 al 27 de abril de 2017", FECHA_RANGE, "2017-04-16",
     "2017-04-27", NULL, NULL, 0, 1},
    {35, "ABRIL", "30 de abril", FECHA_DATE, "2018-04-30", "2018-04-30", NULL,
     NULL, 0, 0},
    {36, "MAYO", "30 de mayo", FECHA_DATE, "2018-05-30", "2018-05-30", NULL,
     NULL, 0, 0},
    {37, "MAYO", "Por definir", FECHA_TBD, NULL, NULL, "2018-05-01",
     "2018-05-31", 0, 0},
    {38, "MAYO", "Por definir", FECHA_TBD, NULL, NULL, "2018-05-01",
     "2018-05-31", 0, 0},
    {39, "MAYO", "Por definir", FECHA_TBD, NULL, NULL, "2018-05-01",
     "2018-05-31", 0, 0},
    {40, "JUNIO", "primer semestre de 2018 (fecha por definir)", FECHA_TBD,
     NULL, NULL, "2018-01-01", "2018-06-30", 0, 1},
    {41, "JUNIO", "primer semestre de 2018 (fecha por definir)", FECHA_TBD,
     NULL, NULL, "2018-01-01", "2018-06-30", 0, 1},
    {42, "JUNIO", "4 y 5 de junio", FECHA_RANGE, "2018-06-04", "2018-06-05",
     NULL, NULL, 0, 0},
    {43, "JUNIO", "Por definir", FECHA_TBD, NULL, NULL, "2018-06-01",
     "2018-06-30", 0, 0},
    {44, "JULIO", "9-18 de julio", FECHA_RANGE, "2018-07-09", "2018-07-18",
     NULL, NULL, 0, 0},
    {45, "JULIO", "16-18 de julio.", FECHA_RANGE, "2018-07-16", "2018-07-18",
     NULL, NULL, 0, 0},
    {46, "AGOSTO", "segundo semestre de 2018 (fecha por definir)", FECHA_TBD,
     NULL, NULL, "2018-07-01", "2018-12-31", 0, 1},
    {47, "AGOSTO", "22 de agosto", FECHA_DATE, "2018-08-22", "2018-08-22", NULL,
     NULL, 0, 0},
    {48, "SEPTIEMBRE", "Fecha por definir", FECHA_TBD, NULL, NULL, "2018-09-01",
     "2018-09-30", 0, 0},
    {49, "OCTUBRE", "3 semanas en octubre de 2018", FECHA_APPROX, NULL, NULL,
     "2018-10-01", "2018-10-31", 21, 1},
    {50, "NOVIEMBRE", "15 y 16 de noviembre de 2018", FECHA_RANGE, "2018-11-15",
     "2018-11-16", NULL, NULL, 0, 1},
    {51, "NOVIEMBRE", "Noviembre (fecha por definir)", FECHA_TBD, NULL, NULL,
     "2018-11-01", "2018-11-30", 0, 0},
    {52, "NOVIEMBRE", "Noviembre (fecha por definir)", FECHA_TBD, NULL, NULL,
     "2018-11-01", "2018-11-30", 0, 0},
    {53, "DICIEMBRE", "3 al 14 de diciembre", FECHA_RANGE, "2018-12-03",
     "2018-12-14", NULL, NULL, 0, 0},
    {54, "DICIEMBRE", "4 al 6 de diciembre", FECHA_RANGE, "2018-12-04",
     "2018-12-06", NULL, NULL, 0, 0},
};

static int
heading_month(const char *heading)
{
	static const char *const names[] = {
	    "ENERO",      "FEBRERO", "MARZO",     "ABRIL",
	    "MAYO",       "JUNIO",   "JULIO",     "AGOSTO",
	    "SEPTIEMBRE", "OCTUBRE", "NOVIEMBRE", "DICIEMBRE",
	};
	int i;

	for (i = 0; i < 12; i++)
		if (!strcmp(heading, names[i]))
			return i + 1;
	fail_msg("bad heading %s", heading);
	return 0;
}

static void
test_fecha_programme_2018(void **state)
{
	size_t i, n = sizeof(programme_2018) / sizeof(programme_2018[0]);

	assert_int_equal(n, 54);
	for (i = 0; i < n; i++) {
		const struct programme_row *row = &programme_2018[i];
		struct fecha f;
		char err[300];

		if (fecha_parse(row->words, 2018, heading_month(row->heading),
		                &f, err, sizeof(err)) != 0)
			fail_msg("row %d: %s", row->n, err);
		if (f.kind != row->kind)
			fail_msg("row %d '%s': kind %d, want %d", row->n,
			         row->words, f.kind, row->kind);
		if (row->start) {
			assert_date_is(f.start, row->start);
			assert_date_is(f.end, row->end);
		} else {
			assert_date_is(f.win_start, row->win_start);
			assert_date_is(f.win_end, row->win_end);
		}
		assert_int_equal(f.duration_days, row->duration_days);
		assert_int_equal(f.explicit_year, row->explicit_year);
		assert_int_equal(f.start_min, -1);
		assert_int_equal(f.end_min, -1);
		assert_string_equal(f.warning, "");
	}
}

static void
test_fecha_single_day(void **state)
{
	struct fecha f;

	assert_day("12 de marzo", 2018, "2018-03-12");
	assert_day("12 de marzo", 2019, "2019-03-12");
	assert_day("el 12 de marzo", 2018, "2018-03-12");
	assert_day("12 de marzo del 2019", 2018, "2019-03-12");
	f = parse_ok("12 de marzo de 2019", 2018, 0);
	assert_date_is(f.start, "2019-03-12");
	assert_int_equal(f.explicit_year, 1);
	f = parse_ok("12 de marzo", 2018, 0);
	assert_int_equal(f.explicit_year, 0);
	assert_int_equal(f.duration_days, 0);
	assert_string_equal(f.warning, "");
}

static void
test_fecha_consecutive_days(void **state)
{
	assert_range("12 y 13 de enero", 2018, "2018-01-12", "2018-01-13");
	assert_range("12 y 13 de enero de 2019", 2018, "2019-01-12",
	             "2019-01-13");
	assert_range("1, 2 y 3 de marzo", 2018, "2018-03-01", "2018-03-03");
	assert_range("28 de febrero y 1 de marzo", 2018, "2018-02-28",
	             "2018-03-01");
	assert_range("31 de diciembre de 2018 y 1 de enero de 2019", 2018,
	             "2018-12-31", "2019-01-01");
}

static void
test_fecha_range_al(void **state)
{
	assert_range("10 al 14 de abril", 2018, "2018-04-10", "2018-04-14");
	assert_range("del 10 al 14 de abril", 2018, "2018-04-10", "2018-04-14");
	assert_range("del 10 al 14 de abril de 2019", 2018, "2019-04-10",
	             "2019-04-14");
	assert_range("10 a 14 de abril", 2018, "2018-04-10", "2018-04-14");
	assert_range("desde el 10 hasta el 14 de abril", 2018, "2018-04-10",
	             "2018-04-14");
	assert_range("del lunes 9 al viernes 13 de abril de 2018", 2018,
	             "2018-04-09", "2018-04-13");
}

static void
test_fecha_range_across_months(void **state)
{
	assert_range("28 de febrero al 4 de marzo", 2018, "2018-02-28",
	             "2018-03-04");
	assert_range("del 28 de febrero al 4 de marzo de 2018", 2017,
	             "2018-02-28", "2018-03-04");
	assert_range("28 de febrero - 4 de marzo", 2018, "2018-02-28",
	             "2018-03-04");
}

static void
test_fecha_range_across_year_end(void **state)
{
	struct fecha f;

	assert_range("28 de diciembre de 2018 al 3 de enero de 2019", 2018,
	             "2018-12-28", "2019-01-03");
	assert_range("del 28 de diciembre al 3 de enero de 2019", 2019,
	             "2018-12-28", "2019-01-03");
	f = parse_ok("28 de diciembre de 2018 al 3 de enero de 2019", 2018, 0);
	assert_int_equal(f.explicit_year, 1);
	/* Without the years the end comes first: never a guessed year. */
	assert_error("28 de diciembre al 3 de enero", 2018, 0,
	             "the range ends (3 January 2018) before it starts "
	             "(28 December 2018)");
}

static void
test_fecha_range_hyphen(void **state)
{
	assert_range("9-18 de julio", 2018, "2018-07-09", "2018-07-18");
	assert_range("16-18 de julio.", 2018, "2018-07-16", "2018-07-18");
	assert_range("9 - 18 de julio de 2018", 2017, "2018-07-09",
	             "2018-07-18");
	assert_range("9\xe2\x80\x93"
	             "18 de julio",
	             2018, "2018-07-09", "2018-07-18");
	assert_range("9 \xe2\x80\x94 18 de julio", 2018, "2018-07-09",
	             "2018-07-18");
}

static void
test_fecha_ordinals(void **state)
{
	assert_day("1ro de febrero", 2018, "2018-02-01");
	assert_day("1\xc2\xba de febrero", 2018, "2018-02-01");
	assert_day("1\xc2\xb0 de febrero", 2018, "2018-02-01");
	assert_day("1er de febrero", 2018, "2018-02-01");
	assert_day("1o de febrero", 2018, "2018-02-01");
	assert_day("1RO DE FEBRERO", 2018, "2018-02-01");
	assert_day("primero de febrero", 2018, "2018-02-01");
	assert_range("1\xc2\xba al 3 de febrero", 2018, "2018-02-01",
	             "2018-02-03");
	/* Feminine marks belong to titles ("9ª Sesión"), not to dates. */
	assert_error("9\xc2\xaa de marzo", 2018, 0, "expected a day");
	assert_error("4\xc2\xaa Reuni\xc3\xb3n", 2018, 0,
	             "unknown word 'Reuni\xc3\xb3n'");
	assert_error("4\xc2\xaa de marzo", 2018, 0,
	             "expected a day, not '4\xc2\xaa'");
}

static void
test_fecha_weekday_matches(void **state)
{
	struct fecha f;

	f = parse_ok("lunes 12 de marzo de 2018", 2018, 0);
	assert_date_is(f.start, "2018-03-12");
	assert_string_equal(f.warning, "");
	f = parse_ok("mi\xc3\xa9rcoles 14 de marzo", 2018, 0);
	assert_date_is(f.start, "2018-03-14");
	assert_string_equal(f.warning, "");
	f = parse_ok("miercoles 14 de marzo", 2018, 0);
	assert_string_equal(f.warning, "");
	f = parse_ok("MI\xc3\x89RCOLES, 14 DE MARZO", 2018, 0);
	assert_string_equal(f.warning, "");
	f = parse_ok("S\xc3\xa1"
	             "bado 17 de marzo",
	             2018, 0);
	assert_string_equal(f.warning, "");
}

static void
test_fecha_weekday_mismatch_warns(void **state)
{
	struct fecha f;

	f = parse_ok("lunes 13 de marzo de 2018", 2018, 0);
	assert_int_equal(f.kind, FECHA_DATE);
	assert_date_is(f.start, "2018-03-13");
	assert_string_equal(f.warning, "'lunes 13 de marzo de 2018': "
	                               "13 March 2018 is a martes");
	f = parse_ok("del lunes 10 al viernes 14 de abril de 2018", 2018, 0);
	assert_string_equal(f.warning,
	                    "'del lunes 10 al viernes 14 de abril de 2018': "
	                    "10 April 2018 is a martes");
	f = parse_ok("domingo 12 de marzo", 2018, 0);
	assert_string_equal(f.warning,
	                    "'domingo 12 de marzo': 12 March 2018 is a lunes");
}

static void
test_fecha_times(void **state)
{
	assert_times("12 de marzo 10:00 h", 600, -1);
	assert_times("12 de marzo, 10:00 h", 600, -1);
	assert_times("12 de marzo, 10 h", 600, -1);
	assert_times("12 de marzo 10h", 600, -1);
	assert_times("12 de marzo a las 17 hrs", 1020, -1);
	assert_times("12 de marzo a las 17 hrs.", 1020, -1);
	assert_times("12 de marzo a las 17:30 horas", 1050, -1);
	assert_times("12 de marzo a las 9", 540, -1);
	assert_times("12 de marzo de 10:00 a 13:00 horas", 600, 780);
	assert_times("12 de marzo de 2018 de 10:00 a 13:00 horas", 600, 780);
	assert_times("12 de marzo, 10:00-13:00", 600, 780);
	assert_times("12 de marzo de las 10 a las 13 h", 600, 780);
	assert_times("12 de marzo de 10 a 13 h", 600, 780);
	assert_times("12 de marzo, 0:00 h", 0, -1);
	assert_times("12 al 14 de marzo, 9:30 h", 570, -1);

	struct fecha f = parse_ok("lunes 12 de marzo, 10:00 h.", 2018, 0);
	assert_int_equal(f.kind, FECHA_DATE);
	assert_date_is(f.start, "2018-03-12");
	assert_int_equal(f.start_min, 600);
}

static void
test_fecha_bad_times(void **state)
{
	assert_error("12 de marzo 25:00 h", 2018, 0,
	             "25:00 is not a time of day");
	assert_error("12 de marzo a las 10:75", 2018, 0,
	             "10:75 is not a time of day");
	assert_error("12 de marzo de 13:00 a 10:00", 2018, 0,
	             "the time ends (10:00) before it starts (13:00)");
	assert_error("12 de marzo 10", 2018, 0, "a bare number is not a time");
	assert_error("12 de marzo 10:5", 2018, 0,
	             "expected two digits of minutes");
}

static void
test_fecha_tbd_bare(void **state)
{
	struct fecha f;

	assert_tbd("por definir", 2018, 5, "2018-05-01", "2018-05-31");
	assert_tbd("Por definir", 2018, 5, "2018-05-01", "2018-05-31");
	assert_tbd("Fecha por definir", 2018, 3, "2018-03-01", "2018-03-31");
	assert_tbd("FECHA POR DEFINIR.", 2018, 9, "2018-09-01", "2018-09-30");
	assert_tbd("  fecha   por  definir  ", 2020, 2, "2020-02-01",
	           "2020-02-29");
	f = parse_ok("Por definir", 2018, 5);
	assert_int_equal(f.explicit_year, 0);
	assert_error("por definir", 2018, 0, "no month heading");
	assert_error("Fecha por definir.", 2018, 0, "no month heading");
}

static void
test_fecha_tbd_month(void **state)
{
	struct fecha f;

	assert_tbd("Noviembre (fecha por definir)", 2018, 11, "2018-11-01",
	           "2018-11-30");
	assert_tbd("noviembre, por definir", 2018, 0, "2018-11-01",
	           "2018-11-30");
	assert_tbd("Noviembre de 2019 (por definir)", 2018, 0, "2019-11-01",
	           "2019-11-30");
	assert_tbd("noviembre", 2018, 0, "2018-11-01", "2018-11-30");
	assert_tbd("Noviembre de 2018", 2018, 0, "2018-11-01", "2018-11-30");
	assert_tbd("febrero de 2024", 2018, 0, "2024-02-01", "2024-02-29");
	assert_tbd("de marzo a mayo de 2018", 2018, 0, "2018-03-01",
	           "2018-05-31");
	assert_tbd("a\xc3\xb1o 2019", 2018, 0, "2019-01-01", "2019-12-31");
	f = parse_ok("Noviembre de 2018", 2018, 0);
	assert_int_equal(f.explicit_year, 1);
	f = parse_ok("Noviembre (fecha por definir)", 2018, 0);
	assert_int_equal(f.explicit_year, 0);
}

static void
test_fecha_tbd_semester_and_quarter(void **state)
{
	struct fecha f;

	assert_tbd("primer semestre de 2018 (fecha por definir)", 2018, 6,
	           "2018-01-01", "2018-06-30");
	assert_tbd("segundo semestre de 2018 (fecha por definir)", 2018, 8,
	           "2018-07-01", "2018-12-31");
	assert_tbd("primer semestre", 2019, 0, "2019-01-01", "2019-06-30");
	assert_tbd("1er semestre de 2018", 2017, 0, "2018-01-01", "2018-06-30");
	assert_tbd("primer trimestre de 2020", 2018, 0, "2020-01-01",
	           "2020-03-31");
	assert_tbd("segundo trimestre", 2018, 0, "2018-04-01", "2018-06-30");
	assert_tbd("tercer trimestre de 2018", 2018, 0, "2018-07-01",
	           "2018-09-30");
	assert_tbd("cuarto trimestre de 2018 (por definir)", 2018, 0,
	           "2018-10-01", "2018-12-31");
	f = parse_ok("segundo semestre de 2018 (fecha por definir)", 2018, 8);
	assert_int_equal(f.explicit_year, 1);
	assert_error("tercer semestre de 2018", 2018, 0,
	             "a year has 2 half-years");
	assert_error("quinto trimestre", 2018, 0, "unknown word 'quinto'");
}

static void
test_fecha_tbd_parts_of_month(void **state)
{
	assert_tbd("primera quincena de marzo", 2018, 0, "2018-03-01",
	           "2018-03-15");
	assert_tbd("segunda quincena de febrero de 2020", 2018, 0, "2020-02-16",
	           "2020-02-29");
	assert_tbd("principios de marzo", 2018, 0, "2018-03-01", "2018-03-10");
	assert_tbd("a mediados de marzo de 2018", 2018, 0, "2018-03-11",
	           "2018-03-20");
	assert_tbd("finales de abril (fecha por definir)", 2018, 0,
	           "2018-04-21", "2018-04-30");
	assert_tbd("finales de febrero", 2018, 0, "2018-02-21", "2018-02-28");
	assert_error("tercera quincena de marzo", 2018, 0,
	             "a month has 2 quincenas");
}

static void
test_fecha_tbd_week(void **state)
{
	assert_tbd("semana del 12 de marzo", 2018, 0, "2018-03-12",
	           "2018-03-18");
	assert_tbd("semana del 26 de febrero de 2018 (por definir)", 2017, 0,
	           "2018-02-26", "2018-03-04");
	assert_tbd("semana del 29 de diciembre de 2018", 2018, 0, "2018-12-29",
	           "2019-01-04");
	assert_error("semana del 30 de febrero", 2018, 0,
	             "February 2018 has 28 days");
}

static void
test_fecha_approx_weeks(void **state)
{
	struct fecha f;

	f = parse_ok("3 semanas en octubre de 2018", 2018, 10);
	assert_int_equal(f.kind, FECHA_APPROX);
	assert_int_equal(f.duration_days, 21);
	assert_date_is(f.win_start, "2018-10-01");
	assert_date_is(f.win_end, "2018-10-31");
	assert_int_equal(f.explicit_year, 1);

	f = parse_ok("una semana en marzo", 2019, 0);
	assert_int_equal(f.kind, FECHA_APPROX);
	assert_int_equal(f.duration_days, 7);
	assert_date_is(f.win_start, "2019-03-01");
	assert_date_is(f.win_end, "2019-03-31");
	assert_int_equal(f.explicit_year, 0);

	f = parse_ok("dos semanas en febrero", 2018, 0);
	assert_int_equal(f.duration_days, 14);
	assert_date_is(f.win_end, "2018-02-28");
	f = parse_ok("Tres semanas en julio de 2018 (fecha por definir)", 2018,
	             0);
	assert_int_equal(f.kind, FECHA_APPROX);
	assert_int_equal(f.duration_days, 21);
	f = parse_ok("4 semanas en febrero", 2018, 0);
	assert_int_equal(f.duration_days, 28);

	assert_error("5 semanas en febrero", 2018, 0,
	             "35 days do not fit in February 2018");
	assert_error("3 semanas en", 2018, 0, "expected a month");
}

static void
test_fecha_numeric_dates(void **state)
{
	struct fecha f;

	assert_day("12/03/2018", 2017, "2018-03-12");
	assert_day("12/03", 2019, "2019-03-12");
	assert_day("2018-03-12", 2017, "2018-03-12");
	assert_range("12/03/2018 al 14/03/2018", 2018, "2018-03-12",
	             "2018-03-14");
	f = parse_ok("12/03/2018", 2017, 0);
	assert_int_equal(f.explicit_year, 1);
	f = parse_ok("12/03", 2017, 0);
	assert_int_equal(f.explicit_year, 0);
	assert_error("12/13/2018", 2018, 0, "there is no month 13");
	assert_error("31/04/2018", 2018, 0, "April has 30 days");
	assert_error("2018-02-30", 2018, 0, "February 2018 has 28 days");
	assert_error("12/03/18", 2018, 0, "a year of four digits");
}

static void
test_fecha_case_accents_spaces(void **state)
{
	assert_day("  12   DE   MARZO  ", 2018, "2018-03-12");
	assert_day("12 de Marzo.", 2018, "2018-03-12");
	assert_day("12\tde\tmarzo", 2018, "2018-03-12");
	assert_day("12 de setiembre", 2018, "2018-09-12");
	assert_day("12 de Septiembre de 2018", 2018, "2018-09-12");
	assert_day("Mi\xc3\xa9rcoles 12 de septiembre de 2018", 2018,
	           "2018-09-12");
	assert_day("MIERCOLES 12 DE SEPTIEMBRE", 2018, "2018-09-12");
	assert_day("12\xc2\xa0"
	           "de marzo",
	           2018, "2018-03-12");
}

static void
test_fecha_explicit_year_kept(void **state)
{
	struct fecha f;

	/* Row 34 says 2017 under the 2018 programme: read as written. */
	f = parse_ok("16 al 27 de abril de 2017", 2018, 4);
	assert_int_equal(f.kind, FECHA_RANGE);
	assert_date_is(f.start, "2017-04-16");
	assert_date_is(f.end, "2017-04-27");
	assert_int_equal(f.explicit_year, 1);
}

static void
test_fecha_leap_day(void **state)
{
	assert_day("29 de febrero de 2020", 2018, "2020-02-29");
	assert_day("29 de febrero", 2024, "2024-02-29");
	assert_day("29 de febrero de 2000", 2018, "2000-02-29");
	assert_error("29 de febrero de 2019", 2018, 0,
	             "February 2019 has 28 days");
	assert_error("29 de febrero de 2100", 2018, 0,
	             "February 2100 has 28 days");
}

static void
test_fecha_error_unknown_word(void **state)
{
	assert_error("12 de marzo tentativamente", 2018, 0,
	             "unknown word 'tentativamente'");
	assert_error("pronto", 2018, 0, "unknown word 'pronto'");
	assert_error("12 de marzo (lugar por definir)", 2018, 0,
	             "unknown word 'lugar'");
	assert_error("12 de marzo \xe2\x80\x9cx\xe2\x80\x9d", 2018, 0,
	             "unexpected character '\xe2\x80\x9c'");
	assert_error("12 de marzo 2018 2018", 2018, 0,
	             "expected the end, not '2018'");
}

static void
test_fecha_error_unknown_month(void **state)
{
	assert_error("12 de marzi", 2018, 0, "'marzi' is not a month");
	assert_error("12 de Brumario de 2018", 2018, 0,
	             "'Brumario' is not a month");
	assert_error("12 al 14", 2018, 0,
	             "expected 'de' and a month after the last word");
	assert_error("12 de", 2018, 0, "expected a month after the last word");
	assert_error("12 sept", 2018, 0,
	             "expected 'de' and a month, not 'sept'");
}

static void
test_fecha_error_day_beyond_month(void **state)
{
	assert_error("31 de junio", 2018, 0, "June has 30 days");
	assert_error("30 de febrero", 2018, 0, "February 2018 has 28 days");
	assert_error("32 de enero", 2018, 0, "January has 31 days");
	assert_error("30 de junio al 31 de junio", 2018, 0, "June has 30 days");
}

static void
test_fecha_error_day_zero(void **state)
{
	assert_error("0 de marzo", 2018, 0, "there is no day 0");
	assert_error("0/03/2018", 2018, 0, "there is no day 0");
}

static void
test_fecha_error_backwards_range(void **state)
{
	assert_error("20 al 10 de marzo", 2018, 0,
	             "the range ends (10 March 2018) before it starts "
	             "(20 March 2018)");
	assert_error("4 de marzo al 28 de febrero", 2018, 0,
	             "before it starts");
}

static void
test_fecha_error_not_consecutive(void **state)
{
	assert_error("12 y 14 de marzo", 2018, 0,
	             "the days are not consecutive");
	assert_error("13 y 12 de marzo", 2018, 0,
	             "the days are not consecutive");
}

static void
test_fecha_error_empty(void **state)
{
	struct fecha f;
	char err[100];

	assert_error("", 2018, 0, "no date");
	assert_int_equal(fecha_parse("  \t ", 2018, 3, &f, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "'': no date");
	assert_error(".", 2018, 3, "no date");
	assert_int_equal(fecha_parse(NULL, 2018, 3, &f, err, sizeof(err)), -1);
	/* A caller without room for a message still gets the error. */
	assert_int_equal(fecha_parse("31 de junio", 2018, 0, &f, NULL, 0), -1);
}

static void
test_fecha_error_leaves_out_alone(void **state)
{
	struct fecha f;
	char err[100];

	memset(&f, 0x33, sizeof(f));
	assert_int_equal(
	    fecha_parse("31 de junio", 2018, 0, &f, err, sizeof(err)), -1);
	assert_int_equal(f.start.y, 0x33333333);
}

static void
test_fecha_error_message_truncated(void **state)
{
	char err[12];
	struct fecha f;

	assert_int_equal(
	    fecha_parse("31 de junio", 2018, 0, &f, err, sizeof(err)), -1);
	assert_string_equal(err, "'31 de juni");
}

static void
test_fecha_error_too_long(void **state)
{
	char words[600];
	struct fecha f;
	char err[200];

	memset(words, 'a', sizeof(words) - 1);
	words[sizeof(words) - 1] = '\0';
	assert_int_equal(fecha_parse(words, 2018, 0, &f, err, sizeof(err)), -1);
	assert_string_equal(err + 101, "...': longer than 400 bytes");
}

static void
test_fecha_window_words_names(void **state)
{
	char buf[80];

	assert_string_equal(fecha_window_words(iso("2018-03-01"),
	                                       iso("2018-03-31"), buf,
	                                       sizeof(buf)),
	                    "marzo de 2018");
	assert_string_equal(fecha_window_words(iso("2018-01-01"),
	                                       iso("2018-06-30"), buf,
	                                       sizeof(buf)),
	                    "primer semestre de 2018");
	assert_string_equal(fecha_window_words(iso("2018-07-01"),
	                                       iso("2018-12-31"), buf,
	                                       sizeof(buf)),
	                    "segundo semestre de 2018");
	assert_string_equal(fecha_window_words(iso("2018-01-01"),
	                                       iso("2018-03-31"), buf,
	                                       sizeof(buf)),
	                    "primer trimestre de 2018");
	assert_string_equal(fecha_window_words(iso("2018-04-01"),
	                                       iso("2018-06-30"), buf,
	                                       sizeof(buf)),
	                    "segundo trimestre de 2018");
	assert_string_equal(fecha_window_words(iso("2018-07-01"),
	                                       iso("2018-09-30"), buf,
	                                       sizeof(buf)),
	                    "tercer trimestre de 2018");
	assert_string_equal(fecha_window_words(iso("2018-10-01"),
	                                       iso("2018-12-31"), buf,
	                                       sizeof(buf)),
	                    "cuarto trimestre de 2018");
	assert_string_equal(fecha_window_words(iso("2018-01-01"),
	                                       iso("2018-12-31"), buf,
	                                       sizeof(buf)),
	                    "a\xc3\xb1o 2018");
	assert_string_equal(fecha_window_words(iso("2018-03-01"),
	                                       iso("2018-05-31"), buf,
	                                       sizeof(buf)),
	                    "de marzo a mayo de 2018");
	assert_string_equal(fecha_window_words(iso("2018-11-01"),
	                                       iso("2019-02-28"), buf,
	                                       sizeof(buf)),
	                    "de noviembre de 2018 a febrero de 2019");
	assert_string_equal(fecha_window_words(iso("2018-03-01"),
	                                       iso("2018-03-15"), buf,
	                                       sizeof(buf)),
	                    "primera quincena de marzo de 2018");
	assert_string_equal(fecha_window_words(iso("2020-02-16"),
	                                       iso("2020-02-29"), buf,
	                                       sizeof(buf)),
	                    "segunda quincena de febrero de 2020");
}

static void
test_fecha_window_words_days(void **state)
{
	char buf[80];

	assert_string_equal(fecha_window_words(iso("2018-02-03"),
	                                       iso("2018-03-09"), buf,
	                                       sizeof(buf)),
	                    "del 3 de febrero al 9 de marzo de 2018");
	assert_string_equal(fecha_window_words(iso("2018-03-01"),
	                                       iso("2018-03-14"), buf,
	                                       sizeof(buf)),
	                    "del 1 al 14 de marzo de 2018");
	assert_string_equal(fecha_window_words(iso("2018-03-16"),
	                                       iso("2018-03-30"), buf,
	                                       sizeof(buf)),
	                    "del 16 al 30 de marzo de 2018");
	assert_string_equal(
	    fecha_window_words(iso("2018-12-28"), iso("2019-01-03"), buf,
	                       sizeof(buf)),
	    "del 28 de diciembre de 2018 al 3 de enero de 2019");
	assert_string_equal(fecha_window_words(iso("2018-03-12"),
	                                       iso("2018-03-12"), buf,
	                                       sizeof(buf)),
	                    "12 de marzo de 2018");
	/* Reversed or impossible spans have no words. */
	assert_string_equal(fecha_window_words(iso("2018-03-12"),
	                                       iso("2018-03-11"), buf,
	                                       sizeof(buf)),
	                    "");
	assert_string_equal(fecha_window_words((struct fecha_date){2018, 2, 30},
	                                       iso("2018-03-11"), buf,
	                                       sizeof(buf)),
	                    "");
	/* A short buffer is cut, and always terminated. */
	assert_string_equal(
	    fecha_window_words(iso("2018-03-01"), iso("2018-03-31"), buf, 6),
	    "marzo");
}

/* What fecha_window_words says, fecha_parse reads back as the same window. */
static void
test_fecha_window_words_read_back(void **state)
{
	static const char *const spans[][2] = {
	    {"2018-03-01", "2018-03-31"}, {"2018-01-01", "2018-06-30"},
	    {"2018-07-01", "2018-12-31"}, {"2018-07-01", "2018-09-30"},
	    {"2018-01-01", "2018-12-31"}, {"2018-03-01", "2018-05-31"},
	    {"2018-03-01", "2018-03-15"}, {"2020-02-16", "2020-02-29"},
	    {"2018-02-03", "2018-03-09"}, {"2018-03-02", "2018-03-14"},
	    {"2018-12-28", "2019-01-03"},
	};
	size_t i;

	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		char words[120];
		struct fecha f;

		fecha_window_words(iso(spans[i][0]), iso(spans[i][1]), words,
		                   sizeof(words));
		/* Day spans need the words that make them a window. */
		if (words[0] == 'd' && words[1] == 'e' && words[2] == 'l')
			strcat(words, " (fecha por definir)");
		f = parse_ok(words, 1999, 0);
		if (f.kind != FECHA_TBD)
			fail_msg("'%s' is kind %d", words, f.kind);
		assert_date_is(f.win_start, spans[i][0]);
		assert_date_is(f.win_end, spans[i][1]);
	}
}

static void
test_fecha_date_words(void **state)
{
	char buf[80];

	assert_string_equal(
	    fecha_date_words(iso("2018-02-08"), buf, sizeof(buf)),
	    "jueves 8 de febrero de 2018");
	assert_string_equal(
	    fecha_date_words(iso("2018-03-14"), buf, sizeof(buf)),
	    "mi\xc3\xa9rcoles 14 de marzo de 2018");
	assert_string_equal(
	    fecha_date_words(iso("2018-03-17"), buf, sizeof(buf)),
	    "s\xc3\xa1"
	    "bado 17 de marzo de 2018");
	assert_string_equal(
	    fecha_date_words((struct fecha_date){0, 0, 0}, buf, sizeof(buf)),
	    "");
}

static void
test_fecha_names(void **state)
{
	assert_string_equal(fecha_month_name(1), "enero");
	assert_string_equal(fecha_month_name(9), "septiembre");
	assert_string_equal(fecha_month_name(12), "diciembre");
	assert_string_equal(fecha_month_name(0), "");
	assert_string_equal(fecha_month_name(13), "");
	assert_string_equal(fecha_weekday_name(0), "domingo");
	assert_string_equal(fecha_weekday_name(3), "mi\xc3\xa9rcoles");
	assert_string_equal(fecha_weekday_name(6), "s\xc3\xa1"
	                                           "bado");
	assert_string_equal(fecha_weekday_name(7), "");
}

static void
test_fecha_leap_years(void **state)
{
	assert_int_equal(fecha_days_in_month(2018, 2), 28);
	assert_int_equal(fecha_days_in_month(2020, 2), 29);
	assert_int_equal(fecha_days_in_month(2000, 2), 29);
	assert_int_equal(fecha_days_in_month(1900, 2), 28);
	assert_int_equal(fecha_days_in_month(2100, 2), 28);
	assert_int_equal(fecha_days_in_month(2018, 4), 30);
	assert_int_equal(fecha_days_in_month(2018, 12), 31);
	assert_int_equal(fecha_days_in_month(2018, 0), 0);
	assert_int_equal(fecha_days_in_month(2018, 13), 0);
	assert_true(fecha_date_valid(iso("2020-02-29")));
	assert_false(fecha_date_valid((struct fecha_date){2100, 2, 29}));
	assert_false(fecha_date_valid((struct fecha_date){2018, 6, 31}));
	assert_false(fecha_date_valid((struct fecha_date){2018, 6, 0}));
	assert_false(fecha_date_valid((struct fecha_date){0, 0, 0}));
}

static void
test_fecha_days_since_epoch(void **state)
{
	long n;

	assert_int_equal(fecha_date_to_days(iso("1970-01-01")), 0);
	assert_int_equal(fecha_date_to_days(iso("1970-01-02")), 1);
	assert_int_equal(fecha_date_to_days(iso("1969-12-31")), -1);
	assert_int_equal(fecha_date_to_days(iso("2000-03-01")), 11017);
	assert_int_equal(fecha_date_to_days(iso("2018-02-08")), 17570);
	assert_int_equal(fecha_date_to_days(iso("2100-03-01")) -
	                     fecha_date_to_days(iso("2100-02-28")),
	                 1);
	assert_date_is(fecha_date_from_days(0), "1970-01-01");
	assert_date_is(fecha_date_from_days(-1), "1969-12-31");
	assert_date_is(fecha_date_from_days(17570), "2018-02-08");
	/* Every day from 1600 to 2400 goes there and back, one after
	 * the other. */
	for (n = -135140; n < 157000; n++) {
		struct fecha_date d = fecha_date_from_days(n);
		struct fecha_date next = fecha_date_from_days(n + 1);

		if (!fecha_date_valid(d) || fecha_date_to_days(d) != n)
			fail_msg("day %ld: %d-%d-%d", n, d.y, d.m, d.d);
		if (fecha_date_cmp(d, next) >= 0)
			fail_msg("day %ld is not before the next", n);
	}
}

static void
test_fecha_weekday_and_add(void **state)
{
	assert_int_equal(fecha_weekday(iso("1970-01-01")), 4);
	assert_int_equal(fecha_weekday(iso("1969-12-28")), 0);
	assert_int_equal(fecha_weekday(iso("2018-02-08")), 4);
	assert_int_equal(fecha_weekday(iso("2018-03-12")), 1);
	assert_int_equal(fecha_weekday(iso("2000-01-01")), 6);
	assert_date_is(fecha_date_add(iso("2018-12-29"), 6), "2019-01-04");
	assert_date_is(fecha_date_add(iso("2020-02-28"), 1), "2020-02-29");
	assert_date_is(fecha_date_add(iso("2100-02-28"), 1), "2100-03-01");
	assert_date_is(fecha_date_add(iso("2018-03-01"), -1), "2018-02-28");
	assert_date_is(fecha_date_add(iso("2018-01-01"), 365), "2019-01-01");
	assert_true(fecha_date_cmp(iso("2018-03-01"), iso("2018-02-28")) > 0);
	assert_true(fecha_date_cmp(iso("2017-12-31"), iso("2018-01-01")) < 0);
	assert_int_equal(fecha_date_cmp(iso("2018-03-01"), iso("2018-03-01")),
	                 0);
}

static void
test_fecha_iso_parse_strict(void **state)
{
	struct fecha_date d = {1, 1, 1};

	assert_int_equal(fecha_iso_parse("2018-03-12", &d), 0);
	assert_int_equal(d.y, 2018);
	assert_int_equal(d.m, 3);
	assert_int_equal(d.d, 12);
	d = (struct fecha_date){1, 1, 1};
	assert_int_equal(fecha_iso_parse("2018-3-12", &d), -1);
	assert_int_equal(fecha_iso_parse("2018-03-12 ", &d), -1);
	assert_int_equal(fecha_iso_parse("2018/03/12", &d), -1);
	assert_int_equal(fecha_iso_parse("2018-02-29", &d), -1);
	assert_int_equal(fecha_iso_parse("2018-13-01", &d), -1);
	assert_int_equal(fecha_iso_parse("2018-00-10", &d), -1);
	assert_int_equal(fecha_iso_parse("+018-03-12", &d), -1);
	assert_int_equal(fecha_iso_parse("", &d), -1);
	assert_int_equal(fecha_iso_parse(NULL, &d), -1);
	assert_int_equal(d.y, 1);
}

/* Check what fecha_parse promises about any result it returns. */
static void
assert_result_sane(const char *words, int rc, const struct fecha *f,
                   const char *err)
{
	if (rc == -1) {
		if (err[0] != '\'')
			fail_msg("'%s': message '%s'", words, err);
		return;
	}
	if (rc != 0)
		fail_msg("'%s': returned %d", words, rc);
	if (f->kind == FECHA_DATE || f->kind == FECHA_RANGE) {
		if (!fecha_date_valid(f->start) || !fecha_date_valid(f->end) ||
		    fecha_date_cmp(f->start, f->end) > 0 ||
		    (f->kind == FECHA_DATE) !=
		        (fecha_date_cmp(f->start, f->end) == 0))
			fail_msg("'%s': bad dates", words);
	} else if (f->kind == FECHA_TBD || f->kind == FECHA_APPROX) {
		long len = fecha_date_to_days(f->win_end) -
		           fecha_date_to_days(f->win_start) + 1;

		if (!fecha_date_valid(f->win_start) ||
		    !fecha_date_valid(f->win_end) || len < 1)
			fail_msg("'%s': bad window", words);
		if ((f->kind == FECHA_APPROX) !=
		    (f->duration_days > 0 && f->duration_days <= len))
			fail_msg("'%s': bad duration", words);
	} else {
		fail_msg("'%s': kind %d", words, f->kind);
	}
	if (f->start_min < -1 || f->start_min >= 24 * 60 || f->end_min < -1 ||
	    f->end_min >= 24 * 60 ||
	    (f->end_min >= 0 && f->end_min <= f->start_min))
		fail_msg("'%s': bad times", words);
	if (memchr(f->warning, '\0', sizeof(f->warning)) == NULL)
		fail_msg("'%s': warning not terminated", words);
}

/* Word soup, including cut UTF-8 and stray marks: every answer is a
 * valid result or an error with a message, never a crash. */
static void
test_fecha_word_soup(void **state)
{
	static const char *const parts[] = {
	    "12",
	    "1",
	    "31",
	    "29",
	    "2018",
	    "2019",
	    "0",
	    "99",
	    "de",
	    "del",
	    "al",
	    "a",
	    "y",
	    "las",
	    "el",
	    "marzo",
	    "febrero",
	    "junio",
	    "lunes",
	    "semana",
	    "semanas",
	    "en",
	    "primer",
	    "segunda",
	    "semestre",
	    "trimestre",
	    "quincena",
	    "principios",
	    "por",
	    "definir",
	    "fecha",
	    "h",
	    "horas",
	    ":",
	    "-",
	    "/",
	    "(",
	    ")",
	    ",",
	    ".",
	    "1ro",
	    "\xc2\xba",
	    "\xc2\xaa",
	    "\xc3",
	    "\xe2\x80",
	    "\xe2\x80\x93",
	    "Mi\xc3\xa9rcoles",
	    "10:00",
	    "25:00",
	    "\xc3\xb1",
	    "tres",
	};
	unsigned long seed = 12345;
	int i, k;

	for (i = 0; i < 200000; i++) {
		char words[200] = "";
		int n;
		struct fecha f;
		char err[200];
		int rc;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		n = 1 + (int)((seed >> 33) % 7);
		for (k = 0; k < n; k++) {
			seed = seed * 6364136223846793005UL +
			       1442695040888963407UL;
			strcat(words, parts[(seed >> 33) % (sizeof(parts) /
			                                    sizeof(parts[0]))]);
			if ((seed >> 20) & 1)
				strcat(words, " ");
		}
		err[0] = '\0';
		rc = fecha_parse(words, 2018, (int)(seed >> 40) % 13, &f, err,
		                 sizeof(err));
		assert_result_sane(words, rc, &f, err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fecha_programme_2018),
	    cmocka_unit_test(test_fecha_single_day),
	    cmocka_unit_test(test_fecha_consecutive_days),
	    cmocka_unit_test(test_fecha_range_al),
	    cmocka_unit_test(test_fecha_range_across_months),
	    cmocka_unit_test(test_fecha_range_across_year_end),
	    cmocka_unit_test(test_fecha_range_hyphen),
	    cmocka_unit_test(test_fecha_ordinals),
	    cmocka_unit_test(test_fecha_weekday_matches),
	    cmocka_unit_test(test_fecha_weekday_mismatch_warns),
	    cmocka_unit_test(test_fecha_times),
	    cmocka_unit_test(test_fecha_bad_times),
	    cmocka_unit_test(test_fecha_tbd_bare),
	    cmocka_unit_test(test_fecha_tbd_month),
	    cmocka_unit_test(test_fecha_tbd_semester_and_quarter),
	    cmocka_unit_test(test_fecha_tbd_parts_of_month),
	    cmocka_unit_test(test_fecha_tbd_week),
	    cmocka_unit_test(test_fecha_approx_weeks),
	    cmocka_unit_test(test_fecha_numeric_dates),
	    cmocka_unit_test(test_fecha_case_accents_spaces),
	    cmocka_unit_test(test_fecha_explicit_year_kept),
	    cmocka_unit_test(test_fecha_leap_day),
	    cmocka_unit_test(test_fecha_error_unknown_word),
	    cmocka_unit_test(test_fecha_error_unknown_month),
	    cmocka_unit_test(test_fecha_error_day_beyond_month),
	    cmocka_unit_test(test_fecha_error_day_zero),
	    cmocka_unit_test(test_fecha_error_backwards_range),
	    cmocka_unit_test(test_fecha_error_not_consecutive),
	    cmocka_unit_test(test_fecha_error_empty),
	    cmocka_unit_test(test_fecha_error_leaves_out_alone),
	    cmocka_unit_test(test_fecha_error_message_truncated),
	    cmocka_unit_test(test_fecha_error_too_long),
	    cmocka_unit_test(test_fecha_window_words_names),
	    cmocka_unit_test(test_fecha_window_words_days),
	    cmocka_unit_test(test_fecha_window_words_read_back),
	    cmocka_unit_test(test_fecha_date_words),
	    cmocka_unit_test(test_fecha_names),
	    cmocka_unit_test(test_fecha_leap_years),
	    cmocka_unit_test(test_fecha_days_since_epoch),
	    cmocka_unit_test(test_fecha_weekday_and_add),
	    cmocka_unit_test(test_fecha_iso_parse_strict),
	    cmocka_unit_test(test_fecha_word_soup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
