/* message: the emails organisations read, rendered as RFC 5322 + MIME.
 *
 * multipart/alternative of text/plain and text/html (UTF-8,
 * quoted-printable) and text/calendar; charset=UTF-8; method=PUBLISH|CANCEL
 * (its VCALENDAR has METHOD, ORGANIZER, the VTIMEZONEs it needs, no
 * ATTENDEE). A message that carries a session wraps that in a
 * multipart/mixed with the same calendar attached as "invitacion.ics", a
 * file every mail reader shows and a person can open. CRLF line ends, no line
 * over 998 octets, headers RFC 2047 encoded, and nothing from data can add a
 * header (CR/LF are dropped). Texts come from Spanish templates: an operator's
 * directory first, then the built-in ones (contrib/templates/, embedded at
 * build time).
 *
 * The templates are read once (message_templates_load) and what messages
 * share is rendered once: every reminder of one session, kind, offset
 * and topic differs only in its addressee, greeting, Message-ID,
 * unsubscribe link and the link to the organisation's page, so those are filled
 * into parts rendered, encoded (quoted-printable, base64) and kept for the next
 * message. The module keeps that state: call it from one thread (the loop).
 */
#ifndef CRONOGRAMA_MESSAGE_H
#define CRONOGRAMA_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum message_kind {
	MESSAGE_REMINDER, /* "Recordatorio: TITLE — 8 de febrero" */
	MESSAGE_DATED, /* an undecided session got its date: "Ya tiene fecha" */
	MESSAGE_MOVED, /* "Cambio de fecha: TITLE" (old and new date) */
	MESSAGE_PLACE, /* "Cambio de sede: TITLE" */
	MESSAGE_CANCEL, /* "Cancelada: TITLE", METHOD:CANCEL */
	MESSAGE_STAFF,  /* nudges and digests to staff (text body given) */
	MESSAGE_SIGNUP, /* "Confirme su suscripción": the double opt-in link */
	MESSAGE_WELCOME, /* "Suscripción aprobada" (staff approved it) */
};

struct message_input {
	enum message_kind kind;
	const struct event *ev;  /* the session as it is now */
	const struct event *old; /* MOVED/PLACE: as it was; else NULL */
	const char *from;        /* "Oficina <agenda@example.org>" */
	const char *const *to;   /* NULL-terminated addresses */
	const char *osc_name;    /* the organisation, for the greeting */
	const char *topic_slug;  /* the topic this message is sent for */
	const char *topic_name;
	const char *message_id;      /* without <>, e.g. "r-12-3@example.org" */
	const char *list_id;         /* "cambio-climatico.example.org" */
	const char *unsubscribe_url; /* https://…/baja/TOKEN, or NULL */
	const char *unsubscribe_mailto; /* mailto:…, or NULL */
	const char *calendar_url;       /* the topic's feed, or NULL */
	/* The organisation's own page, https://…/suscripcion/TOKEN, or
	 * NULL. */
	const char *subscription_url;
	const char *office_tzid;      /* the office's zone for the date words */
	const char *office_name;      /* [office] name, or NULL */
	const char *office_signature; /* [office] signature, lines split by
	                                 '|', or NULL: the office's name */
	const char *privacy_url;      /* [office] privacy_url, or NULL */
	const char *template_dir;     /* operator's templates, or NULL */
	const char *subject;          /* STAFF only */
	const char *body_text;        /* STAFF only */
	/* SIGNUP, WELCOME: the organisation's topics in words ("Agua,
	 * Migración"); SIGNUP: the confirmation link and until when it
	 * works, in words. */
	const char *topics_text;
	const char *link;
	const char *until_text;
	int64_t date; /* Date: header, UTC seconds */
	int late;     /* REMINDER sent after downtime */
};

/*
 * Render one message into *out (malloc'ed, *outlen bytes, NUL-terminated;
 * the caller frees it). 0 or negative with a message: -EINVAL for a bad
 * address (a recipient with spaces, commas or CR/LF is refused, not
 * mended), a missing session, an unknown placeholder or an unclosed
 * section in a template; -ENOENT for a template that does not exist.
 *
 * The same input gives the same bytes (the boundary follows from the
 * message id), so a retry sends the same message. date 0 means now
 * (clock_now). STAFF with ev NULL has no calendar part; with ev it has a
 * PUBLISH one. CANCEL always renders STATUS:CANCELLED.
 */
int message_render(const struct message_input *in, char **out, size_t *outlen,
                   char *err, size_t errlen);

/* A message's words as people read them: the subject, the text and the
 * HTML parts, decoded (malloc'ed, "" when absent). */
struct message_parts {
	char *subject, *text, *html;
};
/*
 * The words of raw, a message as message_render made it (message_view.c
 * reads only that shape): the Subject header unfolded and its encoded
 * words decoded, the first text/plain and text/html parts
 * quoted-printable decoded. 0, or -ENOMEM; free with message_parts_fini
 * either way.
 */
int message_view(const char *raw, struct message_parts *mp);
void message_parts_fini(struct message_parts *mp);

/*
 * Check the operator's templates in dir (NULL or "": none): every file
 * named like a built-in template must read and expand (known
 * placeholders, balanced sections). 0, or negative with err naming the
 * file. Nothing is kept.
 */
int message_templates_check(const char *dir, char *err, size_t errlen);

/*
 * Read and check the operator's templates in dir as message_templates_check
 * does, and keep them for message_render: at start and on SIGHUP, so that
 * no message reads a file. On failure the templates kept so far stay. A
 * message whose template_dir is not the kept one's has its directory
 * loaded first (once, not per message).
 */
int message_templates_load(const char *dir, char *err, size_t errlen);

/*
 * A fragment of a page from template name of dir (or the built-in one),
 * such as "aviso-de-privacidad.html": {{oficina}} is office_name and
 * {{texto}} text (either may be NULL), HTML-escaped when name ends in
 * ".html". *out malloc'ed (the caller frees it). 0, or negative with err
 * as message_render's.
 */
int message_fragment_render(const char *dir, const char *name,
                            const char *office_name, const char *text,
                            char **out, char *err, size_t errlen);

/* Free the kept templates and shared parts (at exit; a later render
 * makes them again). */
void message_cleanup(void);

/*
 * The date as people read it in the emails, at most buflen bytes:
 *   timed:    "jueves 8 de febrero de 2018, 10:00 h, hora del centro de
 *             México" (America/Mexico_City); in another zone than the
 *             office's, "lunes 3 de diciembre de 2018, 10:00 h, hora de
 *             Katowice (Europe/Warsaw)", the city taken from a place
 *             written "…, City, Country", else "hora local de Warsaw"
 *             (the TZID's city, '_' read as ' ')
 *   all day:  "jueves 8 de febrero de 2018"
 *   range:    "del martes 4 al jueves 6 de diciembre de 2018", "del
 *             miércoles 28 de febrero al domingo 4 de marzo de 2018"
 *   undecided (TBD, APPROX): "por definir (noviembre de 2018)"
 * office_tzid NULL means EVENT_DEFAULT_TZID. 0, -EINVAL (no valid start
 * date) or -ENOSPC (buf too small).
 */
int message_when_words(const struct event *ev, const char *office_tzid,
                       char *buf, size_t buflen);

#endif
