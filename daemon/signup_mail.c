/* signup_mail: the mail of a signup request (signup.h): the
 * confirmation with its link, and the note that staff approved it. A
 * reader of the store and a user of message.c only, so that the
 * scheduler, which sends it, does not depend on the domain layer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "fecha.h"
#include "message.h"
#include "signup.h"
#include "signup_mail.h"
#include "store.h"
#include "strv.h"

/* The request's topics by name, "Agua, Migración" (malloc'ed). */
static char *
signup_topic_names(struct store *st, const char *slugs)
{
	char **v = NULL;
	struct buf b = {0};
	size_t n = 0, i, len;

	if (strv_split(slugs, " ", &v, &n) < 0)
		return NULL;
	for (i = 0; i < n; i++) {
		struct topic t;

		if (i)
			buf_adds(&b, ", ");
		if (store_topic_get(st, v[i], &t) == 0) {
			buf_adds(&b, t.nombre);
			topic_fini(&t);
		} else {
			buf_adds(&b, v[i]);
		}
	}
	strv_free(v, n);
	if (b.oom) {
		buf_fini(&b);
		return NULL;
	}
	if (b.p == NULL)
		return strdup("");
	return buf_take(&b, &len);
}

/* "martes 8 de diciembre de 2026 a las 10:00 h (hora de
 * America/Mexico_City)": instant t in the office's zone. */
static void
signup_until_words(const struct config *cfg, int64_t t, char *buf, size_t len)
{
	const char *tz = cfg->timezone ? cfg->timezone : EVENT_DEFAULT_TZID;
	struct fecha_date d;
	int min;

	if (event_utc_to_local(tz, t, &d, &min) < 0) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%s %d de %s de %d a las %02d:%02d h%s%s%s",
	         fecha_weekday_name(fecha_weekday(d)), d.d,
	         fecha_month_name(d.m), d.y, min / 60, min % 60,
	         strcmp(tz, "America/Mexico_City") == 0
	             ? ", hora del centro de México"
	             : " (",
	         strcmp(tz, "America/Mexico_City") == 0 ? "" : tz,
	         strcmp(tz, "America/Mexico_City") == 0 ? "" : ")");
}

int
signup_mail_render(struct store *st, const struct config *cfg,
                   const struct outbox_row *r, char **data, size_t *len,
                   const char ***to, char *err, size_t errlen)
{
	struct message_input in = {0};
	struct signup_req q;
	char until[200], *link = NULL, *names = NULL, *end;
	const char *base = cfg->public_url && *cfg->public_url
	                       ? cfg->public_url
	                       : "http://127.0.0.1:8080";
	size_t blen = strlen(base);
	long id;
	int rc;

	*data = NULL;
	*len = 0;
	*to = NULL;
	id = strtol(r->uid + strlen(SIGNUP_UID_PREFIX), &end, 10);
	if (strncmp(r->uid, SIGNUP_UID_PREFIX, strlen(SIGNUP_UID_PREFIX)) ||
	    *end != '\0' || id <= 0) {
		snprintf(err, errlen, "not a signup message: %s", r->uid);
		return -ENOENT;
	}
	if ((rc = store_signup_get(st, id, &q)) < 0) {
		snprintf(err, errlen, "%s",
		         rc == -ENOENT ? "the signup request is gone"
		                       : store_error(st));
		return rc;
	}
	if (r->seq == SIGNUP_SEQ_CONFIRM &&
	    (q.token == NULL || strcmp(q.state, "sent") != 0 ||
	     clock_now() >= q.expires_at)) {
		snprintf(err, errlen,
		         "the confirmation link is no longer "
		         "valid");
		signup_req_fini(&q);
		return -ENOENT;
	}
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if ((*to = malloc(2 * sizeof(char *) + strlen(q.email) + 1)) == NULL ||
	    (names = signup_topic_names(st, q.topics)) == NULL ||
	    (r->seq == SIGNUP_SEQ_CONFIRM &&
	     asprintf(&link, "%.*s" SIGNUP_CONFIRM_PATH "%s", (int)blen, base,
	              q.token) < 0)) {
		link = NULL;
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	(*to)[0] = strcpy((char *)(*to + 2), q.email);
	(*to)[1] = NULL;
	signup_until_words(cfg, q.expires_at, until, sizeof until);
	in.kind =
	    r->seq == SIGNUP_SEQ_CONFIRM ? MESSAGE_SIGNUP : MESSAGE_WELCOME;
	in.from = cfg->mail_from;
	in.to = *to;
	in.message_id = r->message_id;
	in.office_tzid = cfg->timezone;
	in.template_dir = cfg->template_dir;
	in.office_name = cfg->office_name;
	in.office_signature = cfg->office_signature;
	in.privacy_url = cfg->office_privacy_url;
	in.osc_name = q.name;
	in.topics_text = names;
	in.link = link;
	in.until_text = r->seq == SIGNUP_SEQ_CONFIRM ? until : NULL;
	in.date = r->due;
	rc = message_render(&in, data, len, err, errlen);
out:
	if (rc < 0) {
		free(*to);
		*to = NULL;
	}
	free(link);
	free(names);
	signup_req_fini(&q);
	return rc;
}
