/* fecha: Spanish date expressions ("12 y 13 de enero de 2018",
 * "primer semestre de 2018 (fecha por definir)", "3 semanas en octubre")
 * to dates, ranges and windows. A pure module: no I/O, no clock, no
 * allocation.
 *
 * Whatever it cannot understand, and every impossible date, is an error
 * with a message naming the words: it never guesses. */
#ifndef CRONOGRAMA_FECHA_H
#define CRONOGRAMA_FECHA_H

#include <stddef.h>

struct fecha_date {
	int y, m, d; /* m 1..12, d 1..31; all 0 when unset */
};

enum fecha_kind {
	FECHA_DATE,   /* one day: start == end */
	FECHA_RANGE,  /* several days, start..end inclusive */
	FECHA_TBD,    /* undecided: only a window is known */
	FECHA_APPROX, /* a duration somewhere inside a window */
};

struct fecha {
	enum fecha_kind kind;
	struct fecha_date start, end; /* DATE, RANGE: inclusive */
	int start_min, end_min;       /* minutes after midnight, -1 = none */
	struct fecha_date win_start, win_end; /* TBD, APPROX: inclusive */
	int duration_days;                    /* APPROX: e.g. 21; else 0 */
	int explicit_year;                    /* 1 if the words named a year */
	char warning[200]; /* "" or e.g. a weekday mismatch */
};

/*
 * Read the Spanish date expression WORDS.
 *
 * year:  the year when the words give none (the import's --year).
 * month: the row's month heading (1..12), the window of a bare
 *        "por definir"; 0 when there is none (then a bare "por definir"
 *        is an error).
 *
 * Returns 0 and fills *out, or -1 with a one-line message in err naming
 * the words (e.g. "'31 de junio': June has 30 days"); *out is untouched
 * on error. err may be NULL.
 *
 * Forms read (any case, with or without accents, a trailing period):
 *   DATE/RANGE  "12 de marzo [de 2018]", "lunes 12 de marzo", "1ro de
 *               febrero", "12 y 13 de enero", "1, 2 y 3 de marzo",
 *               "[del] 10 al 14 de abril", "9-18 de julio", "28 de
 *               febrero al 4 de marzo", "12/03/2018", "12/03",
 *               "2018-03-12"; then optionally a time: "10:00 h", "a las
 *               17 hrs", "de 10:00 a 13:00 horas", "10:00-13:00".
 *               A weekday that does not match fills warning.
 *   TBD         "[fecha] por definir" (the month heading), "noviembre
 *               [de 2018]", "primer semestre", "tercer trimestre",
 *               "primera quincena de marzo", "principios|mediados|
 *               finales de marzo" (1-10, 11-20, 21-end), "semana del 12
 *               de marzo" (7 days), "de marzo a mayo", "año 2019", and
 *               any of these, or a day range, followed by "(fecha por
 *               definir)" or ", por definir".
 *   APPROX      "3 semanas en octubre [de 2018]", "una semana en
 *               marzo", "10 días en mayo": duration_days inside the
 *               month.
 */
int fecha_parse(const char *words, int year, int month, struct fecha *out,
                char *err, size_t errlen);

/* Days in month m of year y (0 for a bad month). */
int fecha_days_in_month(int y, int m);
/* 1 if y-m-d is a real date. */
int fecha_date_valid(struct fecha_date d);
/* Compare: <0, 0, >0. */
int fecha_date_cmp(struct fecha_date a, struct fecha_date b);
/* Days since 1970-01-01 (proleptic Gregorian) and back. */
long fecha_date_to_days(struct fecha_date d);
struct fecha_date fecha_date_from_days(long days);
/* 0 = domingo .. 6 = sábado */
int fecha_weekday(struct fecha_date d);
/* Add n days. */
struct fecha_date fecha_date_add(struct fecha_date d, long n);

/* Spanish names, lower case with accents: "enero", "miércoles". */
const char *fecha_month_name(int m);
const char *fecha_weekday_name(int wd);

/*
 * Words for a window, as people say them: "marzo de 2018",
 * "primer semestre de 2018", "segundo semestre de 2018",
 * "tercer trimestre de 2018", "1 al 15 de marzo de 2018",
 * "del 3 de febrero al 9 de marzo de 2018". Writes at most buflen bytes
 * (always NUL-terminated) and returns buf.
 */
char *fecha_window_words(struct fecha_date from, struct fecha_date to,
                         char *buf, size_t buflen);

/* "jueves 8 de febrero de 2018" */
char *fecha_date_words(struct fecha_date d, char *buf, size_t buflen);

/* Parse "YYYY-MM-DD" strictly; 0 or -1. */
int fecha_iso_parse(const char *s, struct fecha_date *out);

#endif
