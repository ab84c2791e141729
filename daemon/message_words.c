/* message_words: the words of a message that are not in its templates:
 * subjects ("Recordatorio: TITLE — 8 de febrero") and dates as people read
 * them (message_when_words, see message.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fecha.h"
#include "message.h"
#include "message_internal.h"
#include "message_mime.h"

#define SUBJECT_TITLE 120 /* characters of a title kept in a subject */
#define OFFICE_PHRASE "hora del centro de México"

static const char *
str_or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- subjects ----------------------------------------------------------- */

/*
 * A copy of a cleaned title of at most max characters (code points): cut
 * at the last space before the limit (or at the limit when the last word
 * is very long), trailing punctuation dropped, "…" appended.
 */
static char *
title_shorten(const char *title, size_t max)
{
	size_t chars = 0, cut = 0, space = 0, space_chars = 0;
	const char *s = title;
	for (size_t i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (chars == max) {
			cut = i;
			break;
		}
		if (s[i] == ' ') {
			space = i;
			space_chars = chars;
		}
		chars++;
	}
	if (!cut)
		return strdup(title);
	if (space && space_chars > max / 2)
		cut = space;
	while (cut > 0 && strchr(" ,.;:-", s[cut - 1]))
		cut--;
	char *out = malloc(cut + sizeof("…"));
	if (!out)
		return NULL;
	memcpy(out, s, cut);
	memcpy(out + cut, "…", sizeof("…"));
	return out;
}

/* "8 de febrero" for a dated session; the window words otherwise. */
static void
subject_date(const struct event *ev, char *buf, size_t buflen)
{
	if (ev->kind == FECHA_TBD || ev->kind == FECHA_APPROX) {
		fecha_window_words(ev->win_start, ev->win_end, buf, buflen);
		return;
	}
	snprintf(buf, buflen, "%d de %s", ev->start.d,
	         str_or_empty(fecha_month_name(ev->start.m)));
}

/* The subject, uncleaned (the header writer cleans it). malloc'ed. */
char *
message_subject_make(const struct message_input *in)
{
	const char *prefix = NULL;
	int dated = 0;
	switch (in->kind) {
	case MESSAGE_REMINDER:
		prefix = "Recordatorio";
		dated = 1;
		break;
	case MESSAGE_DATED:
		prefix = "Ya tiene fecha";
		dated = 1;
		break;
	case MESSAGE_MOVED:
		prefix = "Cambio de fecha";
		break;
	case MESSAGE_PLACE:
		prefix = "Cambio de sede";
		break;
	case MESSAGE_CANCEL:
		prefix = "Cancelada";
		break;
	case MESSAGE_SIGNUP:
		return strdup("Confirme su suscripción a los avisos de "
		              "sesiones");
	case MESSAGE_WELCOME:
		return strdup("Suscripción aprobada: avisos de sesiones");
	case MESSAGE_STAFF: {
		char *clean = mime_hdr_clean(in->subject);
		if (!clean)
			return NULL;
		char *out = title_shorten(clean, 2 * SUBJECT_TITLE);
		free(clean);
		return out;
	}
	}
	char *clean = mime_hdr_clean(in->ev->title);
	char *title = clean ? title_shorten(clean, SUBJECT_TITLE) : NULL;
	free(clean);
	if (!title)
		return NULL;
	char date[160] = "";
	if (dated)
		subject_date(in->ev, date, sizeof(date));
	char *out = NULL;
	int r;
	if (date[0])
		r = asprintf(&out, "%s: %s — %s", prefix, title, date);
	else
		r = asprintf(&out, "%s: %s", prefix, title);
	free(title);
	return r < 0 ? NULL : out;
}

/* ---- date words --------------------------------------------------------- */

/*
 * The city of a place written "…, City, Country" (the part before the
 * last comma) or a bare "City"; NULL when the place is absent or reads
 * like an address (digits), so the caller falls back to the zone's name.
 */
static int
place_city(const char *place, char *buf, size_t buflen)
{
	if (!place || !*place || strpbrk(place, "0123456789"))
		return 0;
	const char *end = strrchr(place, ',');
	const char *start = place;
	if (end) {
		start = end;
		while (start > place && start[-1] != ',')
			start--;
	} else {
		end = place + strlen(place);
	}
	while (start < end && (*start == ' ' || *start == ','))
		start++;
	while (end > start && end[-1] == ' ')
		end--;
	size_t n = (size_t)(end - start);
	if (n == 0 || n >= buflen || n > 40)
		return 0;
	memcpy(buf, start, n);
	buf[n] = '\0';
	return 1;
}

/* The zone's city as its TZID spells it: "Europe/Warsaw" gives "Warsaw",
 * "America/Argentina/Buenos_Aires" gives "Buenos Aires". */
static void
tzid_city(const char *tzid, char *buf, size_t buflen)
{
	const char *slash = strrchr(tzid, '/');
	snprintf(buf, buflen, "%s", slash ? slash + 1 : tzid);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = ' ';
}

/* "hora del centro de México", "hora de Katowice (Europe/Warsaw)",
 * "hora local de Warsaw" for a timed session in zone tzid. */
static void
zone_words(const struct event *ev, const char *tzid, const char *office,
           char *buf, size_t buflen)
{
	char city[64];
	/* The office's own zone, and the country's, go by their usual name. */
	if (!strcmp(tzid, "America/Mexico_City")) {
		snprintf(buf, buflen, "%s", OFFICE_PHRASE);
	} else if (strcmp(tzid, office) && ev &&
	           place_city(ev->location, city, sizeof(city))) {
		snprintf(buf, buflen, "hora de %s (%s)", city, tzid);
	} else {
		tzid_city(tzid, city, sizeof(city));
		snprintf(buf, buflen, "hora local de %s", city);
	}
}

int
message_when_words(const struct event *ev, const char *office_tzid, char *buf,
                   size_t buflen)
{
	char a[96], b[96], win[160], zone[160];
	const char *tzid = ev->tzid ? ev->tzid : EVENT_DEFAULT_TZID;
	const char *office = office_tzid ? office_tzid : EVENT_DEFAULT_TZID;
	int n;

	if (!buflen)
		return -ENOSPC;
	buf[0] = '\0';
	switch (ev->kind) {
	case FECHA_TBD:
	case FECHA_APPROX:
		fecha_window_words(ev->win_start, ev->win_end, win,
		                   sizeof(win));
		n = snprintf(buf, buflen, "por definir (%s)", win);
		break;
	case FECHA_DATE:
	case FECHA_RANGE:
		if (!fecha_date_valid(ev->start))
			return -EINVAL;
		if (ev->kind == FECHA_RANGE &&
		    fecha_date_cmp(ev->end, ev->start) > 0) {
			const char *sw =
			    fecha_weekday_name(fecha_weekday(ev->start));
			if (ev->start.y != ev->end.y)
				n = snprintf(
				    buf, buflen, "del %s al %s",
				    fecha_date_words(ev->start, a, sizeof(a)),
				    fecha_date_words(ev->end, b, sizeof(b)));
			else if (ev->start.m != ev->end.m)
				n = snprintf(
				    buf, buflen, "del %s %d de %s al %s", sw,
				    ev->start.d, fecha_month_name(ev->start.m),
				    fecha_date_words(ev->end, b, sizeof(b)));
			else
				n = snprintf(
				    buf, buflen, "del %s %d al %s", sw,
				    ev->start.d,
				    fecha_date_words(ev->end, b, sizeof(b)));
			break;
		}
		fecha_date_words(ev->start, a, sizeof(a));
		if (ev->start_min < 0) {
			n = snprintf(buf, buflen, "%s", a);
			break;
		}
		zone_words(ev, tzid, office, zone, sizeof(zone));
		n = snprintf(buf, buflen, "%s, %02d:%02d h, %s", a,
		             ev->start_min / 60, ev->start_min % 60, zone);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= buflen ? -ENOSPC : 0;
}
