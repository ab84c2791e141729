/* Tests for event.c: VEVENT rendering and parsing with the real libical,
 * time zones from the system's tzdata. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "clock.h"
#include "event.h"

#define NOW 1530000000 /* 2018-06-26 08:00:00 UTC */

static struct fecha_date
day(int y, int m, int d)
{
	struct fecha_date r = {y, m, d};
	return r;
}

static void
ev_base(struct event *ev, const char *uid, const char *title)
{
	event_init(ev);
	assert_int_equal(event_str_set(&ev->uid, uid), 0);
	assert_int_equal(event_str_set(&ev->title, title), 0);
}

static void
ev_date(struct event *ev, struct fecha_date d, int start_min, int end_min)
{
	ev->kind = FECHA_DATE;
	ev->start = ev->end = d;
	ev->start_min = start_min;
	ev->end_min = end_min;
}

static void
ev_remind(struct event *ev, size_t n, ...)
{
	va_list ap;
	size_t i;

	free(ev->remind);
	ev->remind = malloc((n ? n : 1) * sizeof(*ev->remind));
	assert_non_null(ev->remind);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		ev->remind[i] = va_arg(ap, int64_t);
	va_end(ap);
	ev->nremind = n;
}

/* Count non-overlapping occurrences of needle. */
static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += len;
	}
	return n;
}

static int
utf8_ok(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k;
		if (p[i] < 0x80)
			k = 0;
		else if ((p[i] & 0xE0) == 0xC0)
			k = 1;
		else if ((p[i] & 0xF0) == 0xE0)
			k = 2;
		else if ((p[i] & 0xF8) == 0xF0)
			k = 3;
		else
			return 0;
		if (k && i + k >= n)
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return 0;
		i += k + 1;
	}
	return 1;
}

/* Every physical line ends in CRLF, has at most 75 octets and is valid
 * UTF-8 by itself (so no fold split a character). */
static void
check_lines(const char *text)
{
	const char *p = text;

	assert_true(strlen(text) > 2);
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_null(memchr(p, '\n', (size_t)(eol - p)));
		assert_null(memchr(p, '\r', (size_t)(eol - p)));
		if ((size_t)(eol - p) > 75) {
			print_error("line of %zu octets: %.*s\n",
			            (size_t)(eol - p), (int)(eol - p), p);
			fail();
		}
		assert_true(
		    utf8_ok((const unsigned char *)p, (size_t)(eol - p)));
		p = eol + 2;
	}
}

/* Undo the folding: CRLF followed by a space disappears. */
static char *
unfold(const char *text)
{
	char *out = malloc(strlen(text) + 1), *q = out;

	assert_non_null(out);
	while (*text) {
		if (text[0] == '\r' && text[1] == '\n' && text[2] == ' ') {
			text += 3;
			continue;
		}
		*q++ = *text++;
	}
	*q = '\0';
	return out;
}

/* event -> ical -> event -> ical: same text, same event. The parsed event
 * is left in *back for more checks (the caller finis it). */
static char *
roundtrip(const struct event *ev, struct event *back)
{
	char err[256] = "", *a = NULL, *b = NULL;
	int r;

	r = event_to_ical(ev, &a, err, sizeof(err));
	if (r)
		print_error("event_to_ical: %s\n", err);
	assert_int_equal(r, 0);
	check_lines(a);
	r = event_from_ical(a, back, err, sizeof(err));
	if (r)
		print_error("event_from_ical: %s\n%s", err, a);
	assert_int_equal(r, 0);
	if (!event_same(ev, back))
		print_error("not the same after parsing:\n%s", a);
	assert_true(event_same(ev, back));
	assert_int_equal(event_to_ical(back, &b, err, sizeof(err)), 0);
	assert_string_equal(a, b);
	free(b);
	return a;
}

static int
group_setup(void **state)
{
	clock_set(NOW);
	return 0;
}

static int
group_teardown(void **state)
{
	event_cleanup();
	return 0;
}

/* ---- rendering ---- */

static void
test_event_render_exact(void **state)
{
	struct event ev;
	char err[256], *text;
	const char *want =
	    "BEGIN:VEVENT\r\n"
	    "UID:2018-07@example.org\r\n"
	    "DTSTAMP:20180626T080000Z\r\n"
	    "CREATED:20180101T000000Z\r\n"
	    "SEQUENCE:2\r\n"
	    "STATUS:CONFIRMED\r\n"
	    "SUMMARY:Sesión ordinaria\\; informe\\, avance\r\n"
	    "DESCRIPTION:Línea uno\\nLínea dos \\\\ fin\r\n"
	    "LOCATION:Ciudad de México\r\n"
	    "DTSTART;VALUE=DATE:20180712\r\n"
	    "DTEND;VALUE=DATE:20180713\r\n"
	    "CATEGORIES:Cambio climático,Agua\\, saneamiento\r\n"
	    "URL:https://example.org/s/7\r\n"
	    "X-CRONOGRAMA-TOPICS:cambio-climatico,agua\r\n"
	    "X-CRONOGRAMA-KIND:date\r\n"
	    "X-CRONOGRAMA-WORDS:12 de julio de 2018\r\n"
	    "BEGIN:VALARM\r\n"
	    "ACTION:DISPLAY\r\n"
	    "TRIGGER:-P7D\r\n"
	    "DESCRIPTION:Sesión ordinaria\\; informe\\, avance\r\n"
	    "END:VALARM\r\n"
	    "BEGIN:VALARM\r\n"
	    "ACTION:DISPLAY\r\n"
	    "TRIGGER:-PT2H\r\n"
	    "DESCRIPTION:Sesión ordinaria\\; informe\\, avance\r\n"
	    "END:VALARM\r\n"
	    "END:VEVENT\r\n";

	ev_base(&ev, "2018-07@example.org",
	        "Sesión ordinaria; informe, avance");
	event_str_set(&ev.description, "Línea uno\nLínea dos \\ fin");
	event_str_set(&ev.location, "Ciudad de México");
	event_str_set(&ev.words, "12 de julio de 2018");
	event_str_set(&ev.url, "https://example.org/s/7");
	event_topic_add(&ev, "cambio-climatico", "Cambio climático");
	event_topic_add(&ev, "agua", "Agua, saneamiento");
	ev_date(&ev, day(2018, 7, 12), -1, -1);
	ev.sequence = 2;
	ev.created = 1514764800;
	ev_remind(&ev, 2, (int64_t)7 * 86400, (int64_t)2 * 3600);
	assert_int_equal(event_to_ical(&ev, &text, err, sizeof(err)), 0);
	assert_string_equal(text, want);
	free(text);
	event_fini(&ev);
}

static void
test_event_render_timed_lines(void **state)
{
	struct event ev;
	char err[256], *text;

	ev_base(&ev, "cop24", "COP24");
	event_str_set(&ev.tzid, "Europe/Warsaw");
	ev_date(&ev, day(2018, 12, 3), 10 * 60, 13 * 60 + 30);
	assert_int_equal(event_to_ical(&ev, &text, err, sizeof(err)), 0);
	assert_non_null(
	    strstr(text, "\r\nDTSTART;TZID=Europe/Warsaw:20181203T100000\r\n"));
	assert_non_null(
	    strstr(text, "\r\nDTEND;TZID=Europe/Warsaw:20181203T133000\r\n"));
	assert_null(strstr(text, "OPEN-END"));
	free(text);

	/* No end time: DTEND is start + 1 h, across midnight if need be. */
	event_str_set(&ev.tzid, NULL);
	ev_date(&ev, day(2018, 12, 31), 23 * 60 + 30, -1);
	assert_int_equal(event_to_ical(&ev, &text, err, sizeof(err)), 0);
	assert_non_null(strstr(
	    text, "\r\nDTSTART;TZID=America/Mexico_City:20181231T233000\r\n"));
	assert_non_null(strstr(
	    text, "\r\nDTEND;TZID=America/Mexico_City:20190101T003000\r\n"));
	assert_non_null(strstr(text, "\r\nX-CRONOGRAMA-OPEN-END:TRUE\r\n"));
	free(text);

	/* UTC is written with Z and no TZID. */
	event_str_set(&ev.tzid, "UTC");
	ev_date(&ev, day(2018, 4, 12), 15 * 60, 17 * 60);
	assert_int_equal(event_to_ical(&ev, &text, err, sizeof(err)), 0);
	assert_non_null(strstr(text, "\r\nDTSTART:20180412T150000Z\r\n"));
	assert_non_null(strstr(text, "\r\nDTEND:20180412T170000Z\r\n"));
	free(text);
	event_fini(&ev);
}

static void
test_event_render_undecided(void **state)
{
	struct event ev;
	char err[256], *text;

	ev_base(&ev, "tbd-1", "Foro nacional");
	ev.kind = FECHA_APPROX;
	ev.win_start = day(2018, 10, 1);
	ev.win_end = day(2018, 10, 31);
	ev.duration_days = 21;
	event_str_set(&ev.words, "3 semanas en octubre");
	assert_int_equal(event_to_ical(&ev, &text, err, sizeof(err)), 0);
	assert_non_null(strstr(text, "\r\nSTATUS:TENTATIVE\r\n"));
	assert_non_null(strstr(text, "\r\nDTSTART;VALUE=DATE:20181001\r\n"));
	assert_non_null(strstr(text, "\r\nDTEND;VALUE=DATE:20181101\r\n"));
	assert_non_null(strstr(
	    text, "\r\nX-CRONOGRAMA-WINDOW-START;VALUE=DATE:20181001\r\n"));
	assert_non_null(strstr(
	    text, "\r\nX-CRONOGRAMA-WINDOW-END;VALUE=DATE:20181031\r\n"));
	assert_non_null(strstr(text, "\r\nX-CRONOGRAMA-DURATION:P21D\r\n"));
	assert_non_null(strstr(text, "\r\nX-CRONOGRAMA-KIND:approx\r\n"));
	assert_non_null(
	    strstr(text, "\r\nX-CRONOGRAMA-WORDS:3 semanas en octubre\r\n"));
	free(text);

	/* Cancelled wins over tentative, whatever the kind. */
	ev.status = EVENT_CANCELLED;
	event_str_set(&ev.reason, "Sin presupuesto, por ahora");
	assert_int_equal(event_to_ical(&ev, &text, err, sizeof(err)), 0);
	assert_non_null(strstr(text, "\r\nSTATUS:CANCELLED\r\n"));
	assert_null(strstr(text, "TENTATIVE"));
	assert_non_null(strstr(
	    text, "\r\nX-CRONOGRAMA-REASON:Sin presupuesto\\, por ahora\r\n"));
	free(text);
	event_fini(&ev);
}

static void
test_event_fold_long_spanish(void **state)
{
	struct event ev, back;
	char *text, *flat, want[2048];
	const char *title =
	    "Reunión de la Comisión Intersecretarial de Cambio Climático "
	    "y Políticas Públicas: revisión de la Contribución Determinada "
	    "a nivel Nacional, adaptación, mitigación, pérdidas y daños, "
	    "así como el diseño de información pública accesible ¿sí? ñandú";
	const char *desc = "ááááááááááááááááááááááááááááááááááááááááááááááá"
	                   "éééééééééééééééééééééééééééééééééééééééééééééé"
	                   "€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€"
	                   "𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞";

	ev_base(&ev, "fold", title);
	event_str_set(&ev.description, desc);
	ev_date(&ev, day(2018, 3, 5), -1, -1);
	text = roundtrip(&ev, &back);
	/* Folding happened and did not split any character. */
	assert_true(count(text, "\r\n ") >= 8);
	check_lines(text);
	flat = unfold(text);
	snprintf(want, sizeof(want), "\r\nDESCRIPTION:%s\r\n", desc);
	assert_non_null(strstr(flat, want));
	assert_non_null(strstr(flat, "\r\nSUMMARY:Reunión de la Comisión"));
	assert_string_equal(back.title, title);
	assert_string_equal(back.description, desc);
	free(flat);
	free(text);
	event_fini(&back);
	event_fini(&ev);
}

static void
test_event_escape_text(void **state)
{
	struct event ev, back;
	char *text, *flat;

	ev_base(&ev, "esc", "a,b;c\\d");
	event_str_set(&ev.description, "uno\ndos\r\ntres; cuatro, cinco \\n");
	event_str_set(&ev.location, "Sala 3, piso 2; ala \"B\"");
	ev_date(&ev, day(2018, 3, 5), -1, -1);
	text = roundtrip(&ev, &back);
	flat = unfold(text);
	assert_non_null(strstr(flat, "\r\nSUMMARY:a\\,b\\;c\\\\d\r\n"));
	assert_non_null(strstr(
	    flat,
	    "\r\nDESCRIPTION:uno\\ndos\\ntres\\; cuatro\\, cinco \\\\n\r\n"));
	assert_non_null(
	    strstr(flat, "\r\nLOCATION:Sala 3\\, piso 2\\; ala \"B\"\r\n"));
	assert_string_equal(back.title, "a,b;c\\d");
	assert_string_equal(back.description,
	                    "uno\ndos\ntres; cuatro, cinco \\n");
	free(flat);
	free(text);
	event_fini(&back);
	event_fini(&ev);
}

/* ---- round trips per kind ---- */

static void
test_event_roundtrip_date(void **state)
{
	struct event ev, back;
	char *text;

	ev_base(&ev, "2018-01@cronograma", "Sesión de instalación, 1ª; año");
	event_str_set(&ev.description, "Orden del día:\n1. Bienvenida\n2. "
	                               "Acuerdos; votación, cierre");
	event_str_set(&ev.location, "Auditorio «Jaime Torres Bodet»");
	event_str_set(&ev.words, "jueves 8 de febrero de 2018");
	event_topic_add(&ev, "cambio-climatico", "Cambio climático");
	event_topic_add(&ev, "agua", "Agua, saneamiento; higiene");
	event_topic_add(&ev, "genero", "Género");
	ev_date(&ev, day(2018, 2, 8), -1, -1);
	ev_remind(&ev, 3, (int64_t)604800, (int64_t)86400 + 1800, (int64_t)0);
	ev.sequence = 4;
	ev.dtstamp = NOW - 100;
	ev.last_modified = NOW - 50;
	text = roundtrip(&ev, &back);
	assert_int_equal(back.kind, FECHA_DATE);
	assert_int_equal(back.start_min, -1);
	assert_int_equal(back.ntopics, 3);
	assert_string_equal(back.topics[1].slug, "agua");
	assert_string_equal(back.topics[1].name, "Agua, saneamiento; higiene");
	assert_int_equal(back.nremind, 3);
	assert_int_equal(back.remind[1], 86400 + 1800);
	assert_int_equal(back.remind[2], 0);
	assert_int_equal(back.sequence, 4);
	assert_int_equal(back.dtstamp, NOW - 100);
	assert_int_equal(back.last_modified, NOW - 50);
	assert_non_null(strstr(text, "TRIGGER:-P1DT30M\r\n"));
	assert_non_null(strstr(text, "TRIGGER:PT0S\r\n"));
	assert_null(back.tzid);
	free(text);
	event_fini(&back);

	/* The bookkeeping fields do not make a different session... */
	assert_int_equal(event_copy(&back, &ev), 0);
	back.sequence = 9;
	back.dtstamp = back.created = back.last_modified = 1;
	assert_true(event_same(&ev, &back));
	/* ...but what subscribers see does. */
	event_str_set(&back.location, "Otro lugar");
	assert_false(event_same(&ev, &back));
	event_fini(&back);
	assert_int_equal(event_copy(&back, &ev), 0);
	back.remind[0] = 3600;
	assert_false(event_same(&ev, &back));
	event_fini(&back);
	event_fini(&ev);
}

static void
test_event_roundtrip_range(void **state)
{
	struct event ev, back;
	char *text;

	ev_base(&ev, "range", "Taller regional");
	ev.kind = FECHA_RANGE;
	ev.start = day(2018, 1, 12);
	ev.end = day(2018, 1, 13);
	event_str_set(&ev.words, "12 y 13 de enero de 2018");
	event_str_set(&ev.tzid, "Africa/Casablanca");
	text = roundtrip(&ev, &back);
	assert_non_null(strstr(text, "DTSTART;VALUE=DATE:20180112\r\n"));
	assert_non_null(strstr(text, "DTEND;VALUE=DATE:20180114\r\n"));
	assert_non_null(
	    strstr(text, "X-CRONOGRAMA-TZID:Africa/Casablanca\r\n"));
	assert_int_equal(back.kind, FECHA_RANGE);
	assert_string_equal(back.tzid, "Africa/Casablanca");
	free(text);
	event_fini(&back);

	/* A timed range, with and without an end time. */
	ev.start_min = 9 * 60;
	ev.end_min = 14 * 60;
	text = roundtrip(&ev, &back);
	assert_non_null(
	    strstr(text, "DTEND;TZID=Africa/Casablanca:20180113T140000\r\n"));
	assert_int_equal(back.end_min, 14 * 60);
	free(text);
	event_fini(&back);
	ev.end_min = -1;
	text = roundtrip(&ev, &back);
	assert_int_equal(back.end_min, -1);
	assert_int_equal(back.kind, FECHA_RANGE);
	assert_int_equal(fecha_date_cmp(back.end, day(2018, 1, 13)), 0);
	free(text);
	event_fini(&back);
	event_fini(&ev);
}

static void
test_event_roundtrip_tbd(void **state)
{
	struct event ev, back;
	char *text;

	ev_base(&ev, "tbd", "Informe semestral");
	ev.kind = FECHA_TBD;
	ev.win_start = day(2018, 1, 1);
	ev.win_end = day(2018, 6, 30);
	event_str_set(&ev.words, "primer semestre de 2018 (fecha por definir)");
	event_topic_add(&ev, "transparencia", "Transparencia");
	text = roundtrip(&ev, &back);
	assert_int_equal(back.kind, FECHA_TBD);
	assert_int_equal(back.status, EVENT_TENTATIVE);
	assert_int_equal(fecha_date_cmp(back.win_end, day(2018, 6, 30)), 0);
	assert_non_null(strstr(text, "DTEND;VALUE=DATE:20180701\r\n"));
	assert_null(strstr(text, "X-CRONOGRAMA-DURATION"));
	free(text);
	event_fini(&back);

	ev.status = EVENT_CANCELLED;
	event_str_set(&ev.reason, "Se canceló;\nno habrá informe");
	text = roundtrip(&ev, &back);
	assert_int_equal(back.status, EVENT_CANCELLED);
	assert_string_equal(back.reason, "Se canceló;\nno habrá informe");
	free(text);
	event_fini(&back);
	event_fini(&ev);
}

static void
test_event_roundtrip_approx(void **state)
{
	struct event ev, back;
	char *text;

	ev_base(&ev, "approx", "Consulta pública");
	ev.kind = FECHA_APPROX;
	ev.win_start = day(2018, 10, 1);
	ev.win_end = day(2018, 10, 31);
	ev.duration_days = 21;
	ev_remind(&ev, 1, (int64_t)3 * 86400);
	text = roundtrip(&ev, &back);
	assert_int_equal(back.kind, FECHA_APPROX);
	assert_int_equal(back.duration_days, 21);
	assert_int_equal(fecha_date_cmp(back.win_start, day(2018, 10, 1)), 0);
	free(text);
	event_fini(&back);
	event_fini(&ev);
}

static void
test_event_roundtrip_zones(void **state)
{
	const char *zones[] = {"Europe/Warsaw",
	                       "Africa/Casablanca",
	                       "America/New_York",
	                       "America/Mexico_City",
	                       "UTC",
	                       NULL};
	struct event ev, back;
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		char *text;
		ev_base(&ev, "zone", "Sesión en el extranjero");
		event_str_set(&ev.tzid, zones[i]);
		event_str_set(&ev.location, "Katowice, Polonia");
		ev_date(&ev, day(2018, 12, 3), 10 * 60, 12 * 60 + 45);
		ev_remind(&ev, 2, (int64_t)86400, (int64_t)-600);
		text = roundtrip(&ev, &back);
		assert_string_equal(back.tzid,
		                    zones[i] ? zones[i] : EVENT_DEFAULT_TZID);
		assert_int_equal(back.start_min, 600);
		assert_int_equal(back.end_min, 765);
		assert_int_equal(back.remind[1], -600);
		assert_non_null(strstr(text, "TRIGGER:PT10M\r\n"));
		free(text);
		event_fini(&back);
		event_fini(&ev);
	}
}

/* ---- time zones ---- */

static void
test_event_mexico_city_dst(void **state)
{
	struct fecha_date d;
	int64_t utc;
	int min;

	/* Summer time until October 2022... */
	assert_int_equal(event_local_to_utc("America/Mexico_City",
	                                    day(2018, 7, 1), 12 * 60, &utc),
	                 0);
	assert_int_equal(utc, 1530464400); /* 2018-07-01 17:00 UTC */
	/* ...and none since. */
	assert_int_equal(event_local_to_utc("America/Mexico_City",
	                                    day(2023, 7, 1), 12 * 60, &utc),
	                 0);
	assert_int_equal(utc, 1688234400); /* 2023-07-01 18:00 UTC */
	assert_int_equal(event_local_to_utc("America/Mexico_City",
	                                    day(2018, 1, 15), 12 * 60, &utc),
	                 0);
	assert_int_equal(utc % 86400, 18 * 3600);
	assert_int_equal(
	    event_utc_to_local("America/Mexico_City", 1688234400, &d, &min), 0);
	assert_int_equal(fecha_date_cmp(d, day(2023, 7, 1)), 0);
	assert_int_equal(min, 12 * 60);
	assert_int_equal(
	    event_utc_to_local("America/Mexico_City", 1530464400, &d, &min), 0);
	assert_int_equal(min, 12 * 60);
}

static void
test_event_warsaw_offsets(void **state)
{
	int64_t utc;
	struct fecha_date d;
	int min;

	/* Katowice: CEST (+2) in summer, CET (+1) in December. */
	assert_int_equal(
	    event_local_to_utc("Europe/Warsaw", day(2018, 7, 1), 12 * 60, &utc),
	    0);
	assert_int_equal(utc % 86400, 10 * 3600);
	assert_int_equal(event_local_to_utc("Europe/Warsaw", day(2018, 12, 3),
	                                    10 * 60, &utc),
	                 0);
	assert_int_equal(utc, 1543827600); /* 2018-12-03 09:00 UTC */
	assert_int_equal(
	    event_utc_to_local("Europe/Warsaw", 1543827600, &d, &min), 0);
	assert_int_equal(min, 10 * 60);
	assert_int_equal(event_local_to_utc("America/New_York",
	                                    day(2018, 9, 25), 9 * 60, &utc),
	                 0);
	assert_int_equal(utc % 86400, 13 * 3600);
}

static void
test_event_tzid_known(void **state)
{
	int64_t utc;

	assert_true(event_tzid_known("America/Mexico_City"));
	assert_true(event_tzid_known("Africa/Casablanca"));
	assert_true(event_tzid_known("UTC"));
	assert_false(event_tzid_known("Mars/Olympus_Mons"));
	assert_false(event_tzid_known("../../../etc/passwd"));
	assert_false(event_tzid_known("/usr/share/zoneinfo/UTC"));
	assert_false(event_tzid_known("zone.tab"));
	assert_false(event_tzid_known("America"));
	assert_false(event_tzid_known(""));
	assert_false(event_tzid_known(NULL));
	assert_int_equal(
	    event_local_to_utc("Mars/Olympus_Mons", day(2018, 1, 1), 0, &utc),
	    -EINVAL);
	assert_int_equal(event_local_to_utc("UTC", day(2018, 2, 30), 0, &utc),
	                 -EINVAL);
}

static void
test_event_span_utc(void **state)
{
	struct event ev;
	int64_t a, b;

	ev_base(&ev, "span", "Span");
	/* All day in Mexico City: local midnight to the next one. */
	ev_date(&ev, day(2018, 7, 12), -1, -1);
	assert_int_equal(event_span_utc(&ev, &a, &b), 0);
	assert_int_equal(a, 1531371600); /* 2018-07-12 05:00 UTC */
	assert_int_equal(b - a, 86400);
	/* Timed with no end: one hour. */
	event_str_set(&ev.tzid, "Europe/Warsaw");
	ev_date(&ev, day(2018, 12, 3), 10 * 60, -1);
	assert_int_equal(event_span_utc(&ev, &a, &b), 0);
	assert_int_equal(a, 1543827600);
	assert_int_equal(b, a + 3600);
	ev.end_min = 13 * 60 + 30;
	assert_int_equal(event_span_utc(&ev, &a, &b), 0);
	assert_int_equal(b, a + 3 * 3600 + 1800);
	/* Undecided: the whole window. */
	event_str_set(&ev.tzid, NULL);
	ev.kind = FECHA_TBD;
	ev.win_start = day(2023, 1, 1);
	ev.win_end = day(2023, 1, 31);
	assert_int_equal(event_span_utc(&ev, &a, &b), 0);
	assert_int_equal(a, 1672552800); /* 2023-01-01 06:00 UTC */
	assert_int_equal(b - a, 31 * 86400);
	event_fini(&ev);
}

/* ---- validation ---- */

static void
test_event_validate_errors(void **state)
{
	struct event ev;
	char err[256];

	ev_base(&ev, "v", "Válida");
	ev_date(&ev, day(2018, 3, 5), 600, 660);
	assert_int_equal(event_validate(&ev, err, sizeof(err)), 0);

#define EXPECT_INVALID(what)                                                   \
	do {                                                                   \
		err[0] = '\0';                                                 \
		assert_int_equal(event_validate(&ev, err, sizeof(err)),        \
		                 -EINVAL);                                     \
		if (!strstr(err, what))                                        \
			print_error("message '%s' lacks '%s'\n", err, what);   \
		assert_non_null(strstr(err, what));                            \
	} while (0)

	event_str_set(&ev.uid, NULL);
	EXPECT_INVALID("UID");
	event_str_set(&ev.uid, "v\r\nX-EVIL:1");
	EXPECT_INVALID("UID");
	event_str_set(&ev.uid, "v");
	event_str_set(&ev.title, "");
	EXPECT_INVALID("no title");
	event_str_set(&ev.title, "Dos\nlíneas");
	EXPECT_INVALID("title has a line break");
	event_str_set(&ev.title, "Bien");
	event_str_set(&ev.location, "Sala\r1");
	EXPECT_INVALID("location");
	event_str_set(&ev.location, NULL);
	event_str_set(&ev.description, "bad \xC3 utf-8");
	EXPECT_INVALID("UTF-8");
	event_str_set(&ev.description, "Puede tener\nvarias líneas");
	assert_int_equal(event_validate(&ev, err, sizeof(err)), 0);
	event_str_set(&ev.tzid, "Mars/Olympus_Mons");
	EXPECT_INVALID("unknown time zone 'Mars/Olympus_Mons'");
	event_str_set(&ev.tzid, "Europe/Warsaw");
	assert_int_equal(event_validate(&ev, err, sizeof(err)), 0);

	ev.start_min = 1440;
	EXPECT_INVALID("time of day");
	ev.start_min = 600;
	ev.end_min = 600;
	EXPECT_INVALID("ends before it starts");
	ev.end_min = 540;
	EXPECT_INVALID("ends before it starts");
	ev.start_min = -1;
	EXPECT_INVALID("end time without a start time");
	ev.start_min = 600;
	ev.end_min = -1;
	ev.start = day(2018, 2, 30);
	EXPECT_INVALID("start date");
	ev.kind = FECHA_RANGE;
	ev.start = day(2018, 3, 5);
	ev.end = day(2018, 3, 4);
	EXPECT_INVALID("range ends before it starts");
	ev.end = day(2018, 3, 6);
	ev.end_min = 540; /* 10:00 on the 5th to 9:00 on the 6th is fine */
	assert_int_equal(event_validate(&ev, err, sizeof(err)), 0);

	ev.kind = FECHA_TBD;
	EXPECT_INVALID("window");
	ev.win_start = day(2018, 7, 1);
	ev.win_end = day(2018, 6, 30);
	EXPECT_INVALID("window");
	ev.win_end = day(2018, 7, 31);
	assert_int_equal(event_validate(&ev, err, sizeof(err)), 0);
	ev.kind = FECHA_APPROX;
	ev.duration_days = 0;
	EXPECT_INVALID("duration");
	ev.duration_days = 32;
	EXPECT_INVALID("duration");
	ev.duration_days = 21;
	assert_int_equal(event_validate(&ev, err, sizeof(err)), 0);

	event_topic_add(&ev, "Con Espacios", "Con espacios");
	EXPECT_INVALID("topic slug");
	event_fini(&ev);
#undef EXPECT_INVALID

	/* event_to_ical refuses what event_validate refuses. */
	{
		char *text = (char *)1;
		ev_base(&ev, "v", "Título\ncon salto");
		ev_date(&ev, day(2018, 3, 5), -1, -1);
		assert_int_equal(event_to_ical(&ev, &text, err, sizeof(err)),
		                 -EINVAL);
		assert_null(text);
		event_fini(&ev);
	}
}

/* ---- parsing ---- */

/* Every text has a size limit and an error naming the real problem;
 * invisible characters are removed; slugs follow the public routes. */
static void
test_event_texts_limits_and_clean(void **state)
{
	struct event ev;
	char err[300], *big;

	(void)state;
	big = malloc(EVENT_DESCRIPTION_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', EVENT_DESCRIPTION_MAX + 1);
	big[EVENT_DESCRIPTION_MAX + 1] = '\0';
	ev_base(&ev, "tab\tuid@x", "Título");
	ev_date(&ev, day(2018, 3, 5), -1, -1);
	/* A tab is legal in a UID (RFC 5545 TEXT). */
	assert_int_equal(event_validate(&ev, err, sizeof(err)), 0);
	event_str_set(&ev.description, big);
	assert_int_equal(event_validate(&ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "the description is 20001 bytes long, "
	                            "more than 20000"));
	event_str_set(&ev.description, NULL);
	big[EVENT_TITLE_MAX + 1] = '\0';
	event_str_set(&ev.title, big);
	assert_int_equal(event_validate(&ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "the title is 501 bytes long"));
	/* Not UTF-8 is said so, not "required". */
	event_str_set(&ev.title, "T\xff\xfe");
	assert_int_equal(event_validate(&ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "the title is not valid UTF-8"));
	/* Bidi overrides and zero-width characters go: "‮abc‬" and a
	 * zero-width space, joiner and BOM. */
	event_str_set(&ev.title, "Re\xe2\x80\xae"
	                         "nuin\xe2\x80\xac"
	                         "\xe2\x80\x8b"
	                         "i\xef\xbb\xbf"
	                         "ón");
	event_str_set(&ev.location, "\xe2\x81\xa6Sala\xe2\x81\xa9 1");
	event_topic_add(&ev, "agenda-2030", "Agenda\xe2\x80\x8d 2030");
	event_clean(&ev);
	assert_string_equal(ev.title, "Renuinión");
	assert_string_equal(ev.location, "Sala 1");
	assert_string_equal(ev.topics[0].name, "Agenda 2030");
	assert_int_equal(event_validate(&ev, err, sizeof(err)), 0);
	event_fini(&ev);
	free(big);

	assert_int_equal(event_slug_check("agenda-2030", err, sizeof(err)), 0);
	assert_int_equal(event_slug_check("todos", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "reserved"));
	assert_int_equal(event_slug_check("osc", err, sizeof(err)), -EINVAL);
	assert_int_equal(
	    event_slug_check("a234567890123456789012345678901234567890"
	                     "123456789012345678901234",
	                     err, sizeof(err)),
	    0);
	assert_int_equal(
	    event_slug_check("a234567890123456789012345678901234567890"
	                     "1234567890123456789012345",
	                     err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "more than 64"));
	assert_int_equal(event_slug_check("con_guion", err, sizeof(err)),
	                 -EINVAL);
	assert_int_equal(event_slug_check("-x", err, sizeof(err)), -EINVAL);
}

static void
test_event_parse_foreign(void **state)
{
	const char *cal =
	    "BEGIN:VCALENDAR\r\n"
	    "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
	    "VERSION:2.0\r\n"
	    "BEGIN:VTIMEZONE\r\n"
	    "TZID:Eastern Standard Time\r\n"
	    "BEGIN:STANDARD\r\n"
	    "DTSTART:16011104T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"
	    "TZOFFSETFROM:-0400\r\n"
	    "TZOFFSETTO:-0500\r\n"
	    "END:STANDARD\r\n"
	    "BEGIN:DAYLIGHT\r\n"
	    "DTSTART:16010311T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"
	    "TZOFFSETFROM:-0500\r\n"
	    "TZOFFSETTO:-0400\r\n"
	    "END:DAYLIGHT\r\n"
	    "END:VTIMEZONE\r\n"
	    "BEGIN:VEVENT\r\n"
	    "DTSTART;VALUE=DATE:20180305\r\n"
	    "DTEND;VALUE=DATE:20180308\r\n"
	    "UID:a@google.com\r\n"
	    "SUMMARY:Foro regional\\, 3 días\r\n"
	    "CATEGORIES:Cambio Climático,Derechos humanos & Género\r\n"
	    "END:VEVENT\r\n"
	    "BEGIN:VEVENT\r\n"
	    "DTSTART:20180412T150000Z\r\n"
	    "DTEND:20180412T170000Z\r\n"
	    "UID:b\r\n"
	    "SUMMARY:Llamada\r\n"
	    "END:VEVENT\r\n"
	    "BEGIN:VEVENT\r\n"
	    "DTSTART;TZID=America/New_York:20180925T090000\r\n"
	    "DTEND;TZID=America/New_York:20180925T103000\r\n"
	    "UID:c\r\n"
	    "SUMMARY:Asamblea General\r\n"
	    "STATUS:TENTATIVE\r\n"
	    "END:VEVENT\r\n"
	    "BEGIN:VEVENT\r\n"
	    "DTSTART;TZID=/freeassociation.sourceforge.net/Europe/Warsaw:"
	    "20181203T100000\r\n"
	    "DURATION:PT2H\r\n"
	    "UID:d\r\n"
	    "SUMMARY:COP24\r\n"
	    "BEGIN:VALARM\r\n"
	    "ACTION:DISPLAY\r\n"
	    "DESCRIPTION:x\r\n"
	    "TRIGGER:-PT15M\r\n"
	    "END:VALARM\r\n"
	    "END:VEVENT\r\n"
	    "BEGIN:VEVENT\r\n"
	    "DTSTART;TZID=Eastern Standard Time:20180110T090000\r\n"
	    "DTEND;TZID=Eastern Standard Time:20180110T100000\r\n"
	    "UID:e\r\n"
	    "SUMMARY:Windows\r\n"
	    "END:VEVENT\r\n"
	    "BEGIN:VEVENT\r\n"
	    "DTSTART;VALUE=DATE:20180601\r\n"
	    "UID:f\r\n"
	    "SUMMARY:Un día\r\n"
	    "STATUS:CANCELLED\r\n"
	    "END:VEVENT\r\n"
	    "END:VCALENDAR\r\n";
	char err[256] = "";
	struct event *evs;
	size_t n;
	int r;

	r = event_calendar_parse(cal, &evs, &n, err, sizeof(err));
	if (r)
		print_error("%s\n", err);
	assert_int_equal(r, 0);
	assert_int_equal(n, 6);

	assert_string_equal(evs[0].title, "Foro regional, 3 días");
	assert_int_equal(evs[0].kind, FECHA_RANGE);
	assert_int_equal(fecha_date_cmp(evs[0].start, day(2018, 3, 5)), 0);
	assert_int_equal(fecha_date_cmp(evs[0].end, day(2018, 3, 7)), 0);
	assert_int_equal(evs[0].start_min, -1);
	assert_int_equal(evs[0].ntopics, 2);
	assert_string_equal(evs[0].topics[0].slug, "cambio-climatico");
	assert_string_equal(evs[0].topics[0].name, "Cambio Climático");
	assert_string_equal(evs[0].topics[1].slug, "derechos-humanos-genero");

	assert_int_equal(evs[1].kind, FECHA_DATE);
	assert_string_equal(evs[1].tzid, "UTC");
	assert_int_equal(evs[1].start_min, 15 * 60);
	assert_int_equal(evs[1].end_min, 17 * 60);

	assert_string_equal(evs[2].tzid, "America/New_York");
	assert_int_equal(evs[2].start_min, 9 * 60);
	assert_int_equal(evs[2].end_min, 10 * 60 + 30);
	assert_int_equal(evs[2].status, EVENT_TENTATIVE);

	assert_string_equal(evs[3].tzid, "Europe/Warsaw");
	assert_int_equal(evs[3].end_min, 12 * 60);
	assert_int_equal(evs[3].nremind, 1);
	assert_int_equal(evs[3].remind[0], 15 * 60);

	/* A Windows zone name is tzdata's zone, whatever VTIMEZONE came
	 * with it. */
	assert_string_equal(evs[4].tzid, "America/New_York");
	assert_int_equal(evs[4].start_min, 9 * 60);
	assert_int_equal(evs[4].end_min, 10 * 60);

	assert_int_equal(evs[5].kind, FECHA_DATE);
	assert_int_equal(evs[5].status, EVENT_CANCELLED);
	assert_int_equal(fecha_date_cmp(evs[5].start, day(2018, 6, 1)), 0);

	/* Each of them is a valid event and renders. */
	for (size_t i = 0; i < n; i++) {
		char *text;
		assert_int_equal(event_validate(&evs[i], err, sizeof(err)), 0);
		assert_int_equal(
		    event_to_ical(&evs[i], &text, err, sizeof(err)), 0);
		free(text);
	}
	event_array_free(evs, n);
}

/* A calendar with one VTIMEZONE (its parts: vtz) and one event at 10:00
 * on 2018-03-01 in zone tzid. */
static char *
cal_with_zone(const char *tzid, const char *vtz)
{
	char *out = NULL;

	if (asprintf(&out,
	             "BEGIN:VCALENDAR\r\n"
	             "VERSION:2.0\r\n"
	             "PRODID:-//test//EN\r\n"
	             "BEGIN:VTIMEZONE\r\n"
	             "TZID:%s\r\n"
	             "%s"
	             "END:VTIMEZONE\r\n"
	             "BEGIN:VEVENT\r\n"
	             "UID:z@example.org\r\n"
	             "DTSTAMP:20180101T000000Z\r\n"
	             "DTSTART;TZID=%s:20180301T100000\r\n"
	             "SUMMARY:Zona\r\n"
	             "END:VEVENT\r\n"
	             "END:VCALENDAR\r\n",
	             tzid, vtz, tzid) < 0)
		fail();
	return out;
}

/* The reproducer of issue 13: a rule repeating every second from 1601
 * sent libical expanding without end. It is refused at once, naming its
 * line; so are other rules that are not yearly and few. */
static void
test_event_parse_hostile_vtimezone(void **state)
{
	static const struct {
		const char *parts, *want;
	} bad[] = {
	    {"BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
	     "RRULE:FREQ=SECONDLY\r\nTZOFFSETFROM:-0600\r\n"
	     "TZOFFSETTO:-0500\r\nEND:STANDARD\r\n",
	     "line 8: time zone 'Hostil' is not a tzdata zone and its "
	     "VTIMEZONE "
	     "cannot be used: its rule repeats every second (RRULE "
	     "FREQ=SECONDLY)"},
	    {"BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
	     "RRULE:FREQ=YEARLY;BYHOUR=1,2,3\r\nTZOFFSETFROM:-0600\r\n"
	     "TZOFFSETTO:-0500\r\nEND:STANDARD\r\n",
	     "line 8: "},
	    {"BEGIN:DAYLIGHT\r\nDTSTART:19700101T000000\r\n"
	     "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nTZOFFSETFROM:-0600\r\n"
	     "TZOFFSETTO:-0500\r\nEND:DAYLIGHT\r\n"
	     "BEGIN:STANDARD\r\nDTSTART:16010101T000000\r\n"
	     "RRULE:FREQ=YEARLY;BYMONTH=1,2,3,4\r\nTZOFFSETFROM:-0500\r\n"
	     "TZOFFSETTO:-0600\r\nEND:STANDARD\r\n",
	     "line 14: time zone 'Hostil' is not a tzdata zone and its "
	     "VTIMEZONE cannot be used: its rule changes the offset more "
	     "than once a year"},
	    {"BEGIN:STANDARD\r\nTZOFFSETFROM:-0600\r\nTZOFFSETTO:-0500\r\n"
	     "END:STANDARD\r\n",
	     "line 4: "},
	};
	char err[400];
	struct event *evs;
	size_t n, i;
	int line;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *cal = cal_with_zone("Hostil", bad[i].parts);
		time_t t0 = time(NULL);

		assert_int_equal(event_calendar_read(cal, NULL, &evs, &n, &line,
		                                     err, sizeof(err)),
		                 -EINVAL);
		assert_true(time(NULL) - t0 < 2);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu: %s", i, err);
		assert_true(line > 0);
		free(cal);
	}
}

/* A zone the file defines itself with yearly rules is used; one tzdata
 * knows by its Windows name is tzdata's, not the file's (Outlook's
 * VTIMEZONE for Mexico City still has the daylight saving time that
 * Mexico dropped in 2022). */
static void
test_event_parse_foreign_zones(void **state)
{
	static const char outlook_mexico[] =
	    "BEGIN:STANDARD\r\nDTSTART:16011028T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"
	    "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0600\r\nEND:STANDARD\r\n"
	    "BEGIN:DAYLIGHT\r\nDTSTART:16010401T020000\r\n"
	    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4\r\n"
	    "TZOFFSETFROM:-0600\r\nTZOFFSETTO:-0500\r\nEND:DAYLIGHT\r\n";
	static const char custom[] =
	    "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
	    "TZOFFSETFROM:+0330\r\nTZOFFSETTO:+0330\r\nEND:STANDARD\r\n";
	char err[400], *cal;
	struct event *evs;
	size_t n;

	(void)state;
	cal = cal_with_zone("Central Standard Time (Mexico)", outlook_mexico);
	assert_int_equal(event_calendar_parse(cal, &evs, &n, err, sizeof(err)),
	                 0);
	assert_string_equal(evs[0].tzid, "America/Mexico_City");
	assert_int_equal(evs[0].start_min, 10 * 60);
	event_array_free(evs, n);
	free(cal);

	cal = cal_with_zone("Pacific SA Standard Time", outlook_mexico);
	assert_int_equal(event_calendar_parse(cal, &evs, &n, err, sizeof(err)),
	                 0);
	assert_string_equal(evs[0].tzid, "America/Santiago");
	event_array_free(evs, n);
	free(cal);

	/* Outlook's display name is no zone we know: its yearly rules from
	 * 1601 are expanded, to UTC (10:00 at -06:00 in March 2018). */
	cal = cal_with_zone("(UTC-06:00) Guadalajara, Mexico City, Monterrey",
	                    outlook_mexico);
	assert_int_equal(event_calendar_parse(cal, &evs, &n, err, sizeof(err)),
	                 0);
	assert_string_equal(evs[0].tzid, "UTC");
	assert_int_equal(evs[0].start_min, 16 * 60);
	event_array_free(evs, n);
	free(cal);

	/* No tzdata zone: the file's own rule, to UTC (10:00 at +03:30). */
	cal = cal_with_zone("Zona de la casa", custom);
	assert_int_equal(event_calendar_parse(cal, &evs, &n, err, sizeof(err)),
	                 0);
	assert_string_equal(evs[0].tzid, "UTC");
	assert_int_equal(evs[0].start_min, 6 * 60 + 30);
	event_array_free(evs, n);
	free(cal);
}

/* Every Windows zone of the table names a zone the system's tzdata has. */
static void
test_event_windows_zones(void **state)
{
	size_t i;

	(void)state;
	assert_true(event_tz_windows_count() > 130);
	for (i = 0; i < event_tz_windows_count(); i++) {
		const char *w = event_tz_windows_name(i);

		if (event_tzid_normalise(w) == NULL)
			fail_msg("Windows zone '%s' names no tzdata zone", w);
	}
	assert_string_equal(event_tzid_normalise("America/Lima"),
	                    "America/Lima");
	assert_string_equal(event_tzid_normalise("central standard time"),
	                    "America/Chicago");
	assert_null(event_tzid_normalise("Mars/Olympus"));
}

/* A budget stops the parse: out of memory or of time. */
static void
test_event_parse_budget(void **state)
{
	struct budget b;
	char err[256], *cal;
	struct event *evs;
	size_t n;

	(void)state;
	cal = cal_with_zone("America/Lima", "");
	budget_init(&b, 0, 1000);
	assert_int_equal(
	    event_calendar_read(cal, &b, &evs, &n, NULL, err, sizeof(err)),
	    -E2BIG);
	budget_init(&b, 60000, 0);
	budget_cancel(&b);
	assert_int_equal(
	    event_calendar_read(cal, &b, &evs, &n, NULL, err, sizeof(err)),
	    -ECANCELED);
	budget_init(&b, 60000, 1 << 20);
	assert_int_equal(
	    event_calendar_read(cal, &b, &evs, &n, NULL, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_true(b.used > 0);
	event_array_free(evs, n);
	free(cal);
}

static void
test_event_parse_errors(void **state)
{
	char err[256];
	struct event ev, *evs = (struct event *)1;
	size_t n = 7;

	err[0] = '\0';
	assert_int_equal(event_calendar_parse("hola, esto no es un calendario",
	                                      &evs, &n, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "not iCalendar"));
	assert_null(evs);
	assert_int_equal(n, 0);
	err[0] = '\0';
	assert_int_equal(
	    event_from_ical("<html></html>", &ev, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not iCalendar"));
	err[0] = '\0';
	assert_int_equal(event_from_ical("BEGIN:VEVENT\r\nUID:x\r\n"
	                                 "SUMMARY:sin fecha\r\nEND:VEVENT\r\n",
	                                 &ev, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "DTSTART"));
	err[0] = '\0';
	assert_int_equal(
	    event_from_ical("BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:s\r\n"
	                    "DTSTART;TZID=Mars/Base:20180101T100000\r\n"
	                    "END:VEVENT\r\n",
	                    &ev, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "unknown time zone 'Mars/Base'"));
	err[0] = '\0';
	assert_int_equal(
	    event_calendar_parse(
	        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n"
	        "UID:r\r\nDTSTART:20180101T100000Z\r\n"
	        "RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
	        &evs, &n, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "RRULE"));
	/* An empty calendar is no error. */
	assert_int_equal(event_calendar_parse("BEGIN:VCALENDAR\r\nVERSION:2.0"
	                                      "\r\nEND:VCALENDAR\r\n",
	                                      &evs, &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n, 0);
	event_array_free(evs, n);
}

/* ---- calendars ---- */

static void
make_three(struct event evs[3])
{
	ev_base(&evs[0], "c1", "Sesión en Katowice");
	event_str_set(&evs[0].tzid, "Europe/Warsaw");
	ev_date(&evs[0], day(2018, 12, 3), 600, 720);
	ev_remind(&evs[0], 1, (int64_t)86400);
	event_topic_add(&evs[0], "cambio-climatico", "Cambio climático");

	ev_base(&evs[1], "c2", "Sesión en CDMX");
	ev_date(&evs[1], day(2018, 7, 12), 17 * 60, -1);
	event_topic_add(&evs[1], "cambio-climatico", "Cambio climático");

	ev_base(&evs[2], "c3", "Informe, por definir");
	evs[2].kind = FECHA_TBD;
	evs[2].win_start = day(2018, 9, 1);
	evs[2].win_end = day(2018, 9, 30);
}

static void
test_event_calendar_render(void **state)
{
	struct event evs[4];
	struct event_calendar cal = {
	    .method = "PUBLISH",
	    .name = "Cambio climático",
	    .description = "Sesiones del cronograma 2018, tema: clima",
	    .refresh = "PT6H",
	    .organizer = "mailto:cronograma@example.org",
	    .with_alarms = 0,
	};
	char err[256], *out, *flat;
	size_t len, i;

	make_three(evs);
	ev_base(&evs[3], "c4", "Otra en Katowice");
	event_str_set(&evs[3].tzid, "Europe/Warsaw");
	ev_date(&evs[3], day(2018, 12, 4), 600, -1);
	assert_int_equal(
	    event_calendar_render(evs, 4, &cal, &out, &len, err, sizeof(err)),
	    0);
	assert_int_equal(len, strlen(out));
	check_lines(out);
	flat = unfold(out);
	{
		const char *head =
		    "BEGIN:VCALENDAR\r\n"
		    "PRODID:-//cronograma//cronograma " VERSION "//ES\r\n"
		    "VERSION:2.0\r\n"
		    "CALSCALE:GREGORIAN\r\n"
		    "METHOD:PUBLISH\r\n"
		    "NAME:Cambio climático\r\n"
		    "X-WR-CALNAME:Cambio climático\r\n"
		    "DESCRIPTION:Sesiones del cronograma 2018\\, tema: "
		    "clima\r\n"
		    "X-WR-CALDESC:Sesiones del cronograma 2018\\, tema: "
		    "clima\r\n"
		    "REFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n"
		    "X-PUBLISHED-TTL:PT6H\r\n"
		    "BEGIN:VTIMEZONE\r\n";
		assert_memory_equal(flat, head, strlen(head));
	}
	assert_non_null(strstr(flat, "\r\nX-PUBLISHED-TTL:PT6H\r\n"
	                             "BEGIN:VTIMEZONE\r\n"));
	/* One VTIMEZONE per zone used by a timed event, none for all-day. */
	assert_int_equal(count(out, "BEGIN:VTIMEZONE\r\n"), 2);
	assert_int_equal(count(out, "\r\nTZID:Europe/Warsaw\r\n"), 1);
	assert_int_equal(count(out, "\r\nTZID:America/Mexico_City\r\n"), 1);
	assert_null(strstr(out, "freeassociation"));
	/* Mexico City's VTIMEZONE comes from tzdata: daylight saving time
	 * ends in October 2022 and no rule runs past it. */
	{
		const char *a = strstr(out, "TZID:America/Mexico_City\r\n");
		const char *b = a ? strstr(a, "END:VTIMEZONE") : NULL;
		char *mx;
		assert_non_null(b);
		mx = strndup(a, (size_t)(b - a));
		assert_non_null(strstr(mx, "UNTIL=20221030T070000Z"));
		assert_null(strstr(mx, "RRULE:FREQ=YEARLY;BYDAY"));
		assert_null(strstr(mx, "DTSTART:19"
		                       "220101")); /* history before 1970 cut */
		free(mx);
	}
	assert_int_equal(count(out, "BEGIN:VEVENT\r\n"), 4);
	assert_int_equal(count(out, "ORGANIZER:mailto:cronograma@example.org"),
	                 4);
	assert_null(strstr(out, "VALARM"));
	/* The VTIMEZONEs precede the first VEVENT. */
	assert_true(strstr(out, "END:VTIMEZONE") < strstr(out, "BEGIN:VEVENT"));
	assert_true(len > 2 &&
	            strcmp(out + len - 15, "END:VCALENDAR\r\n") == 0);
	free(flat);
	free(out);

	/* Alarms kept for a private feed; bare calendar without options. */
	cal.with_alarms = 1;
	assert_int_equal(
	    event_calendar_render(evs, 4, &cal, &out, &len, err, sizeof(err)),
	    0);
	assert_int_equal(count(out, "BEGIN:VALARM"), 1);
	free(out);
	assert_int_equal(event_calendar_render(evs + 2, 1, NULL, &out, &len,
	                                       err, sizeof(err)),
	                 0);
	assert_null(strstr(out, "METHOD"));
	assert_null(strstr(out, "VTIMEZONE"));
	free(out);

	/* One bad event fails the whole calendar, naming it. */
	event_str_set(&evs[3].title, NULL);
	assert_int_equal(
	    event_calendar_render(evs, 4, &cal, &out, &len, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "c4"));
	assert_null(out);
	for (i = 0; i < 4; i++)
		event_fini(&evs[i]);
}

/* A calendar for people: X-WR-TIMEZONE names the office's zone; a
 * cancelled session says so in SUMMARY and DESCRIPTION, and its reason is
 * in COMMENT as well; the stored text keeps the plain title. */
static void
test_event_calendar_cancel_marked(void **state)
{
	struct event evs[2], back;
	struct event_calendar cal = {
	    .method = "PUBLISH",
	    .name = "Agua",
	    .timezone = "America/Mexico_City",
	    .cancel_marked = 1,
	};
	char err[256], *out, *flat, *stored;
	size_t len;

	(void)state;
	ev_base(&evs[0], "c1@example.org", "Sesión sobre agua");
	ev_date(&evs[0], day(2018, 7, 12), 600, 720);
	event_str_set(&evs[0].description, "Orden del día; anexos");
	evs[0].status = EVENT_CANCELLED;
	event_str_set(&evs[0].reason, "Sin sede, por ahora");
	ev_base(&evs[1], "c2@example.org", "Sesión confirmada");
	ev_date(&evs[1], day(2018, 7, 13), 600, -1);
	assert_int_equal(
	    event_calendar_render(evs, 2, &cal, &out, &len, err, sizeof(err)),
	    0);
	check_lines(out);
	flat = unfold(out);
	assert_non_null(
	    strstr(flat, "\r\nX-WR-TIMEZONE:America/Mexico_City\r\n"));
	assert_non_null(
	    strstr(flat, "\r\nSUMMARY:CANCELADA: Sesión sobre agua\r\n"));
	assert_non_null(strstr(flat, "\r\nDESCRIPTION:Sesión cancelada. "
	                             "Motivo: Sin sede\\, por ahora\\n\\n"
	                             "Orden del día\\; anexos\r\n"));
	assert_non_null(strstr(flat, "\r\nCOMMENT:Motivo de la cancelación: "
	                             "Sin sede\\, por ahora\r\n"));
	assert_non_null(strstr(flat, "\r\nSUMMARY:Sesión confirmada\r\n"));
	assert_null(strstr(flat, "CANCELADA: Sesión confirmada"));
	free(flat);
	free(out);

	/* Unmarked (an export, an email), the title stays as it is; the
	 * reason is in COMMENT all the same, and reads back unchanged. */
	cal.cancel_marked = 0;
	cal.timezone = NULL;
	assert_int_equal(
	    event_calendar_render(evs, 1, &cal, &out, &len, err, sizeof(err)),
	    0);
	flat = unfold(out);
	assert_null(strstr(flat, "CANCELADA"));
	assert_null(strstr(flat, "X-WR-TIMEZONE"));
	assert_non_null(strstr(flat, "\r\nSUMMARY:Sesión sobre agua\r\n"));
	assert_non_null(strstr(flat, "\r\nCOMMENT:Motivo de la cancelación"));
	free(flat);
	free(out);
	assert_int_equal(event_to_ical(&evs[0], &stored, err, sizeof(err)), 0);
	assert_null(strstr(stored, "CANCELADA"));
	assert_int_equal(event_from_ical(stored, &back, err, sizeof(err)), 0);
	assert_true(event_same(&evs[0], &back));
	assert_string_equal(back.reason, "Sin sede, por ahora");
	assert_string_equal(back.description, "Orden del día; anexos");
	free(stored);
	event_fini(&back);
	event_fini(&evs[0]);
	event_fini(&evs[1]);
}

/* tzdata's abbreviations and offsets at an instant: Mexico's zones since
 * 2022 (no daylight saving time but at the border), and none where
 * tzdata has only digits. */
static void
test_event_tz_abbrev(void **state)
{
	char abbr[16];
	int off = 0;

	(void)state;
	/* 2026-12-06 12:00 UTC and 2026-07-01 12:00 UTC. */
	assert_int_equal(event_tz_abbrev("America/Mexico_City", 1796644800,
	                                 abbr, sizeof(abbr), &off),
	                 0);
	assert_string_equal(abbr, "CST");
	assert_int_equal(off, -6 * 3600);
	assert_int_equal(event_tz_abbrev("America/Mexico_City", 1782907200,
	                                 abbr, sizeof(abbr), &off),
	                 0);
	assert_string_equal(abbr, "CST");
	assert_int_equal(off, -6 * 3600);
	assert_int_equal(event_tz_abbrev("America/Cancun", 1796644800, abbr,
	                                 sizeof(abbr), &off),
	                 0);
	assert_string_equal(abbr, "EST");
	assert_int_equal(off, -5 * 3600);
	assert_int_equal(event_tz_abbrev("America/Tijuana", 1782907200, abbr,
	                                 sizeof(abbr), &off),
	                 0);
	assert_string_equal(abbr, "PDT");
	assert_int_equal(off, -7 * 3600);
	assert_int_equal(event_tz_abbrev("America/Tijuana", 1796644800, abbr,
	                                 sizeof(abbr), NULL),
	                 0);
	assert_string_equal(abbr, "PST");
	assert_int_equal(event_tz_abbrev("Europe/Warsaw", 1782907200, abbr,
	                                 sizeof(abbr), &off),
	                 0);
	assert_string_equal(abbr, "CEST");
	assert_int_equal(off, 2 * 3600);
	assert_int_equal(event_tz_abbrev("America/Sao_Paulo", 1796644800, abbr,
	                                 sizeof(abbr), &off),
	                 0);
	assert_string_equal(abbr, "");
	assert_int_equal(off, -3 * 3600);
	assert_int_equal(
	    event_tz_abbrev("Mars/Olympus", 0, abbr, sizeof(abbr), &off),
	    -EINVAL);
}

static void
test_event_calendar_parse_three(void **state)
{
	struct event evs[3], *back;
	struct event_calendar cal = {.name = "Todo", .with_alarms = 1};
	char err[256], *out, *again;
	size_t len, len2, n, i;

	make_three(evs);
	assert_int_equal(
	    event_calendar_render(evs, 3, &cal, &out, &len, err, sizeof(err)),
	    0);
	assert_int_equal(event_calendar_parse(out, &back, &n, err, sizeof(err)),
	                 0);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++)
		assert_true(event_same(&evs[i], &back[i]));
	assert_int_equal(back[0].nremind, 1);
	assert_int_equal(event_calendar_render(back, n, &cal, &again, &len2,
	                                       err, sizeof(err)),
	                 0);
	assert_string_equal(out, again);
	/* A VCALENDAR with one VEVENT is also a single event. */
	{
		struct event one;
		assert_int_equal(event_from_ical(out, &one, err, sizeof(err)),
		                 -EINVAL);
		assert_non_null(strstr(err, "exactly one"));
		free(again);
		assert_int_equal(event_calendar_render(evs, 1, &cal, &again,
		                                       &len2, err, sizeof(err)),
		                 0);
		assert_int_equal(event_from_ical(again, &one, err, sizeof(err)),
		                 0);
		assert_true(event_same(&evs[0], &one));
		event_fini(&one);
	}
	free(again);
	free(out);
	event_array_free(back, n);
	for (i = 0; i < 3; i++)
		event_fini(&evs[i]);
}

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A sanity check of speed, printed, not asserted. */
static void
test_event_calendar_10000(void **state)
{
	const char *zones[] = {NULL, "Europe/Warsaw", "America/New_York"};
	const size_t n = 10000;
	struct event *evs = calloc(n, sizeof(*evs)), *back;
	struct event_calendar cal = {.name = "Todas las sesiones",
	                             .refresh = "PT6H"};
	struct timespec t0;
	char err[256], uid[32], *out;
	size_t len, nback, i;

	assert_non_null(evs);
	for (i = 0; i < n; i++) {
		snprintf(uid, sizeof(uid), "s%zu@example.org", i);
		ev_base(&evs[i], uid,
		        "Sesión ordinaria de la Comisión de Cambio Climático, "
		        "con organizaciones de la sociedad civil");
		event_str_set(&evs[i].tzid, zones[i % 3]);
		event_str_set(&evs[i].description,
		              "Orden del día: informe; acuerdos, votación.");
		event_topic_add(&evs[i], "cambio-climatico",
		                "Cambio climático");
		event_topic_add(&evs[i], "agua", "Agua");
		ev_date(&evs[i],
		        fecha_date_add(day(2018, 1, 1), (long)(i % 365)),
		        i % 2 ? 600 : -1, i % 2 ? 720 : -1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(
	    event_calendar_render(evs, n, &cal, &out, &len, err, sizeof(err)),
	    0);
	print_message("    render of %zu events: %.3f s, %zu bytes\n", n,
	              seconds_since(&t0), len);
	assert_int_equal(count(out, "BEGIN:VEVENT\r\n"), n);
	assert_int_equal(count(out, "BEGIN:VTIMEZONE\r\n"), 3);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(
	    event_calendar_parse(out, &back, &nback, err, sizeof(err)), 0);
	print_message("    parse of %zu events: %.3f s\n", nback,
	              seconds_since(&t0));
	assert_int_equal(nback, n);
	assert_true(event_same(&evs[n - 1], &back[n - 1]));
	event_array_free(back, nback);
	free(out);
	event_array_free(evs, n);
}

static void
test_event_names(void **state)
{
	assert_string_equal(event_kind_name(FECHA_APPROX), "approx");
	assert_int_equal(event_kind_parse("range"), FECHA_RANGE);
	assert_int_equal(event_kind_parse("nope"), -1);
	assert_string_equal(event_status_name(EVENT_CANCELLED), "CANCELLED");
	assert_int_equal(event_status_parse("TENTATIVE"), EVENT_TENTATIVE);
	assert_int_equal(event_status_parse(NULL), -1);
}

static void
test_event_copy_deep(void **state)
{
	struct event ev, cp;

	ev_base(&ev, "cp", "Copia");
	event_topic_add(&ev, "agua", "Agua");
	ev_remind(&ev, 1, (int64_t)60);
	ev_date(&ev, day(2018, 5, 5), -1, -1);
	assert_int_equal(event_copy(&cp, &ev), 0);
	assert_true(event_same(&ev, &cp));
	assert_ptr_not_equal(cp.title, ev.title);
	assert_ptr_not_equal(cp.topics, ev.topics);
	assert_true(event_has_topic(&cp, "agua"));
	assert_false(event_has_topic(&cp, "clima"));
	event_fini(&ev);
	assert_string_equal(cp.topics[0].name, "Agua");
	assert_int_equal(cp.remind[0], 60);
	event_fini(&cp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_event_render_exact),
	    cmocka_unit_test(test_event_render_timed_lines),
	    cmocka_unit_test(test_event_render_undecided),
	    cmocka_unit_test(test_event_fold_long_spanish),
	    cmocka_unit_test(test_event_escape_text),
	    cmocka_unit_test(test_event_roundtrip_date),
	    cmocka_unit_test(test_event_roundtrip_range),
	    cmocka_unit_test(test_event_roundtrip_tbd),
	    cmocka_unit_test(test_event_roundtrip_approx),
	    cmocka_unit_test(test_event_roundtrip_zones),
	    cmocka_unit_test(test_event_mexico_city_dst),
	    cmocka_unit_test(test_event_warsaw_offsets),
	    cmocka_unit_test(test_event_tzid_known),
	    cmocka_unit_test(test_event_span_utc),
	    cmocka_unit_test(test_event_validate_errors),
	    cmocka_unit_test(test_event_texts_limits_and_clean),
	    cmocka_unit_test(test_event_parse_foreign),
	    cmocka_unit_test(test_event_parse_errors),
	    cmocka_unit_test(test_event_parse_hostile_vtimezone),
	    cmocka_unit_test(test_event_parse_foreign_zones),
	    cmocka_unit_test(test_event_windows_zones),
	    cmocka_unit_test(test_event_parse_budget),
	    cmocka_unit_test(test_event_calendar_render),
	    cmocka_unit_test(test_event_calendar_cancel_marked),
	    cmocka_unit_test(test_event_tz_abbrev),
	    cmocka_unit_test(test_event_calendar_parse_three),
	    cmocka_unit_test(test_event_calendar_10000),
	    cmocka_unit_test(test_event_names),
	    cmocka_unit_test(test_event_copy_deep),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
