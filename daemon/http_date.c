/* http_date: HTTP's dates (RFC 9110 5.6.7), written and read; see
 * http.h. Pure arithmetic on UTC seconds: no locale, no time zone, no
 * libc time functions whose names or rules could differ. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static const char *const http_wday[7] = {"Sun", "Mon", "Tue", "Wed",
                                         "Thu", "Fri", "Sat"};
static const char *const http_wday_long[7] = {
    "Sunday",   "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday"};
static const char *const http_month[12] = {"Jan", "Feb", "Mar", "Apr",
                                           "May", "Jun", "Jul", "Aug",
                                           "Sep", "Oct", "Nov", "Dec"};

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), and back. */
static int64_t
http_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
http_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
http_days_in_month(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
	                             31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

char *
http_date_format(int64_t t, char *buf, size_t buflen)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400, y;
	int m, d, wday = (int)(((days % 7) + 7 + 4) % 7); /* 1970: Thu */

	http_civil_from_days(days, &y, &m, &d);
	snprintf(buf, buflen, "%s, %02d %s %04lld %02d:%02d:%02d GMT",
	         http_wday[wday], d, http_month[m - 1], (long long)y,
	         (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return buf;
}

/* A cursor over the text being read. Each reader moves it past what it
 * read and returns 0, or -EINVAL leaving it anywhere. */
static int
http_lit(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return -EINVAL;
	*p += n;
	return 0;
}

/* Exactly n digits (n = 0: one or two, for asctime's day). */
static int
http_num(const char **p, int n, int *out)
{
	int v = 0, k = 0, max = n ? n : 2;

	while (k < max && (*p)[k] >= '0' && (*p)[k] <= '9')
		v = v * 10 + ((*p)[k++] - '0');
	if (k == 0 || (n && k != n))
		return -EINVAL;
	*p += k;
	*out = v;
	return 0;
}

/* One of names (count of them); its index. Names are case-sensitive, as
 * the grammar has them. */
static int
http_name(const char **p, const char *const *names, int count, int *out)
{
	int i;

	for (i = 0; i < count; i++) {
		size_t n = strlen(names[i]);

		if (strncmp(*p, names[i], n) == 0) {
			*p += n;
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* "HH:MM:SS" */
static int
http_clock(const char **p, int *h, int *mi, int *s)
{
	if (http_num(p, 2, h) < 0 || http_lit(p, ":") < 0 ||
	    http_num(p, 2, mi) < 0 || http_lit(p, ":") < 0 ||
	    http_num(p, 2, s) < 0)
		return -EINVAL;
	return 0;
}

int
http_date_parse(const char *s, int64_t now, int64_t *out)
{
	const char *p = s, *start;
	int wday, d, m, y = 0, h, mi, sec;
	int64_t year;

	if (s == NULL)
		return -EINVAL;
	while (*p == ' ' || *p == '\t')
		p++;
	start = p;
	if (http_name(&p, http_wday_long, 7, &wday) == 0) {
		/* rfc850-date: Sunday, 06-Nov-94 08:49:37 GMT */
		int64_t cy, cur;
		int cm, cd;

		if (http_lit(&p, ", ") < 0 || http_num(&p, 2, &d) < 0 ||
		    http_lit(&p, "-") < 0 ||
		    http_name(&p, http_month, 12, &m) < 0 ||
		    http_lit(&p, "-") < 0 || http_num(&p, 2, &y) < 0 ||
		    http_lit(&p, " ") < 0 ||
		    http_clock(&p, &h, &mi, &sec) < 0 ||
		    http_lit(&p, " GMT") < 0)
			return -EINVAL;
		/* RFC 9110: a two-digit year more than 50 years ahead is
		 * the most recent past year with those digits. */
		http_civil_from_days(now / 86400, &cy, &cm, &cd);
		cur = cy - cy % 100;
		year = cur + y;
		if (year > cy + 50)
			year -= 100;
	} else if (http_name(&p, http_wday, 7, &wday) == 0 && *p == ',') {
		/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
		if (http_lit(&p, ", ") < 0 || http_num(&p, 2, &d) < 0 ||
		    http_lit(&p, " ") < 0 ||
		    http_name(&p, http_month, 12, &m) < 0 ||
		    http_lit(&p, " ") < 0 || http_num(&p, 4, &y) < 0 ||
		    http_lit(&p, " ") < 0 ||
		    http_clock(&p, &h, &mi, &sec) < 0 ||
		    http_lit(&p, " GMT") < 0)
			return -EINVAL;
		year = y;
	} else if (p - start == 3 && *p == ' ') {
		/* asctime-date: Sun Nov  6 08:49:37 1994 (day padded with
		 * a space) */
		if (http_lit(&p, " ") < 0 ||
		    http_name(&p, http_month, 12, &m) < 0 ||
		    http_lit(&p, " ") < 0)
			return -EINVAL;
		if (*p == ' ')
			p++;
		if (http_num(&p, 0, &d) < 0 || http_lit(&p, " ") < 0 ||
		    http_clock(&p, &h, &mi, &sec) < 0 ||
		    http_lit(&p, " ") < 0 || http_num(&p, 4, &y) < 0)
			return -EINVAL;
		year = y;
	} else {
		return -EINVAL;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	(void)wday; /* a wrong weekday is the sender's slip, not the date's */
	if (*p != '\0' || d < 1 || d > http_days_in_month(year, m + 1) ||
	    h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	*out = http_days_from_civil(year, m + 1, d) * 86400 + h * 3600 +
	       mi * 60 + (sec == 60 ? 59 : sec);
	return 0;
}
