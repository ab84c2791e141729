/* format: dates, instants and durations as the office's staff read them.
 *
 * Sessions are shown in Spanish, the way the programme writes them,
 * whatever the language of the rest: "jue 8 feb 2018", "8–13 ene 2018",
 * "28 feb–4 mar 2018 10:00"; a session whose date is undecided shows its
 * window words ("marzo de 2018"). Instants (the log, the outbox, the
 * reminders) are shown in the office's time zone, the daemon's [daemon]
 * timezone, whatever cronoctl's own TZ, and name it ("10:00 CST"). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cronoctl.h"

static const char *const month_abbr[] = {"ene", "feb", "mar", "abr",
                                         "may", "jun", "jul", "ago",
                                         "sep", "oct", "nov", "dic"};
static const char *const weekday_abbr[] = {"dom", "lun", "mar", "mié",
                                           "jue", "vie", "sáb"};

struct ymd {
	int y, m, d;
};

static int
ymd_parse(const char *s, struct ymd *out)
{
	char tail;

	if (!s ||
	    sscanf(s, "%4d-%2d-%2d%c", &out->y, &out->m, &out->d, &tail) != 3)
		return -1;
	if (out->m < 1 || out->m > 12 || out->d < 1 || out->d > 31)
		return -1;
	return 0;
}

/* 0 = domingo … 6 = sábado (days from the civil calendar, proleptic
 * Gregorian). */
static int
ymd_weekday(struct ymd a)
{
	int y = a.m <= 2 ? a.y - 1 : a.y;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (a.m + (a.m > 2 ? -3 : 9)) + 2) / 5 + a.d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long days = era * 146097 + doe - 719468;

	/* 1970-01-01 was a Thursday (4). */
	return (int)(((days % 7) + 7 + 4) % 7);
}

static const char *
json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void
format_date(const char *iso, char *buf, size_t n)
{
	struct ymd a;

	if (ymd_parse(iso, &a) < 0) {
		snprintf(buf, n, "%s", iso ? iso : "");
		return;
	}
	snprintf(buf, n, "%s %d %s %d", weekday_abbr[ymd_weekday(a)], a.d,
	         month_abbr[a.m - 1], a.y);
}

/* The office's zone, once the daemon has said it. */
static char office_zone[128];

const char *
format_zone(void)
{
	return office_zone[0] ? office_zone : NULL;
}

int
format_zone_set(const char *tzid)
{
	const char *dir = getenv("TZDIR");
	char path[PATH_MAX];

	/* An IANA name is a file of the system's tzdata; glibc would take
	 * any other word for UTC without a word. */
	if (!tzid || !*tzid || strlen(tzid) >= sizeof(office_zone) ||
	    tzid[0] == '/' || strstr(tzid, ".."))
		return -1;
	snprintf(path, sizeof(path), "%s/%s",
	         dir && *dir ? dir : "/usr/share/zoneinfo", tzid);
	if (access(path, R_OK) != 0)
		return -1;
	snprintf(office_zone, sizeof(office_zone), "%s", tzid);
	setenv("TZ", tzid, 1);
	tzset();
	return 0;
}

/* "10:00", "10:00–13:00" or "" from the event's local times; a session
 * in another zone than the office's names it. */
static void
times_format(json_t *ev, char *buf, size_t n)
{
	const char *st = json_str(ev, "start_time");
	const char *et = json_str(ev, "end_time");
	const char *tz = json_str(ev, "tz");
	size_t used;

	if (!st) {
		buf[0] = '\0';
		return;
	}
	if (et && strcmp(et, st) != 0)
		snprintf(buf, n, " %s–%s", st, et);
	else
		snprintf(buf, n, " %s", st);
	used = strlen(buf);
	if (tz && format_zone() && strcmp(tz, format_zone()) != 0)
		snprintf(buf + used, n - used, " %s", tz);
}

/* "8–13 ene 2018", "28 feb–4 mar 2018", "28 dic 2018–2 ene 2019". */
static void
range_format(struct ymd a, struct ymd b, char *buf, size_t n)
{
	if (a.y == b.y && a.m == b.m)
		snprintf(buf, n, "%d–%d %s %d", a.d, b.d, month_abbr[a.m - 1],
		         a.y);
	else if (a.y == b.y)
		snprintf(buf, n, "%d %s–%d %s %d", a.d, month_abbr[a.m - 1],
		         b.d, month_abbr[b.m - 1], b.y);
	else
		snprintf(buf, n, "%d %s %d–%d %s %d", a.d, month_abbr[a.m - 1],
		         a.y, b.d, month_abbr[b.m - 1], b.y);
}

/* The window of an undecided session: its words, else its dates. */
static void
window_format(json_t *ev, char *buf, size_t n)
{
	const char *words = json_str(ev, "window_words");
	struct ymd a, b;

	if (words)
		snprintf(buf, n, "%s", words);
	else if (ymd_parse(json_str(ev, "window_start"), &a) == 0 &&
	         ymd_parse(json_str(ev, "window_end"), &b) == 0)
		range_format(a, b, buf, n);
	else
		snprintf(buf, n, "por definir");
}

void
format_event_when(json_t *ev, char *buf, size_t n)
{
	const char *kind = json_str(ev, "kind");
	json_t *dur = json_object_get(ev, "duration_days");
	char times[32], win[160];
	struct ymd a, b;

	if (ymd_parse(json_str(ev, "start"), &a) < 0) {
		window_format(ev, win, sizeof(win));
		if (kind && strcmp(kind, "approx") == 0 &&
		    json_integer_value(dur) > 0)
			snprintf(buf, n, "%lld días en %s",
			         (long long)json_integer_value(dur), win);
		else
			snprintf(buf, n, "%s", win);
		return;
	}
	times_format(ev, times, sizeof(times));
	if (ymd_parse(json_str(ev, "end"), &b) < 0 ||
	    (a.y == b.y && a.m == b.m && a.d == b.d)) {
		char day[64];

		format_date(json_str(ev, "start"), day, sizeof(day));
		snprintf(buf, n, "%s%s", day, times);
		return;
	}
	range_format(a, b, win, sizeof(win));
	snprintf(buf, n, "%s%s", win, times);
}

void
format_instant(const char *iso, char *buf, size_t n)
{
	struct tm tm = {0}, local;
	char tail;
	time_t t;

	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &tm.tm_year,
	                   &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	                   &tm.tm_sec, &tail) != 6) {
		snprintf(buf, n, "%s", iso ? iso : "");
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (!localtime_r(&t, &local) ||
	    strftime(buf, n, "%Y-%m-%d %H:%M %Z", &local) == 0)
		snprintf(buf, n, "%s", iso);
}

void
format_offset(long long s, char *buf, size_t n)
{
	/* TRANSLATORS: the units of a duration, as in "1d 2h 30min" (days,
	 * hours, minutes, seconds); --remind takes them as 1d, 2h, 30m. */
	static const char *const units[] = {N_("%lldd"), N_("%lldh"),
	                                    N_("%lldmin"), N_("%llds")};
	long long a = s < 0 ? -s : s;
	long long v[4] = {a / 86400, a % 86400 / 3600, a % 3600 / 60, a % 60};
	size_t used = 0;
	int parts = 0;

	buf[0] = '\0';
	if (s < 0)
		used += (size_t)snprintf(buf, n, "-");
	for (int i = 0; i < 4; i++) {
		if (v[i] == 0 && !(i == 3 && parts == 0))
			continue;
		if (parts++)
			used += (size_t)snprintf(buf + used,
			                         used < n ? n - used : 0, " ");
		used += (size_t)snprintf(buf + used, used < n ? n - used : 0,
		                         _(units[i]), v[i]);
	}
}

void
format_scalar(json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%g", json_real_value(v));
	else if (json_is_true(v))
		snprintf(buf, n, "%s", _("yes"));
	else if (json_is_false(v))
		snprintf(buf, n, "%s", _("no"));
	else if (!v || json_is_null(v))
		buf[0] = '\0';
	else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(buf, n, "%s", s ? s : "");
		free(s);
	}
}

void
format_join(json_t *arr, const char *sep, char *buf, size_t n)
{
	size_t used = 0, i;
	json_t *v;
	char item[512];

	buf[0] = '\0';
	if (!json_is_array(arr))
		return;
	json_array_foreach(arr, i, v)
	{
		format_scalar(v, item, sizeof(item));
		used += (size_t)snprintf(buf + used, used < n ? n - used : 0,
		                         "%s%s", i ? sep : "", item);
	}
}

void
format_json_print(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
	                            JSON_ENCODE_ANY);

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
}

void
format_field_print(const char *label, const char *value, int width)
{
	int w = (int)table_utf8_width(label) + 1;

	printf("%s:", label);
	do
		putchar(' ');
	while (++w < width);
	if (!value || !value[0])
		value = "—";
	/* Continuation lines of a long text line up under its first line. */
	for (const char *p = value; *p; p++) {
		putchar(*p);
		if (*p == '\n' && p[1])
			printf("%*s", width, "");
	}
	putchar('\n');
}
