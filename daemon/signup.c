/* signup: see signup.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "change.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "message.h"
#include "org.h"
#include "signup.h"
#include "store.h"
#include "strv.h"
#include "text.h"
#include "token.h"

enum signup_mode
signup_mode(const struct config *cfg)
{
	const char *m = cfg != NULL ? cfg->public_signup : NULL;

	if (m != NULL && strcmp(m, "open") == 0)
		return SIGNUP_OPEN;
	if (m != NULL && strcmp(m, "approval") == 0)
		return SIGNUP_APPROVAL;
	return SIGNUP_OFF;
}

/* Commit (rc >= 0) or roll back; rc, or the commit's failure. */
static int
finish(const struct office *of, int rc)
{
	if (rc < 0) {
		store_rollback(of->st);
		return rc;
	}
	if ((rc = store_commit(of->st)) < 0)
		store_rollback(of->st);
	return rc;
}

/* The form's topics, each a known slug, joined by spaces into *out. */
static int
signup_topics(const struct office *of, const struct signup_form *f, char **out,
              char *why, size_t whylen)
{
	struct buf b = {0};
	char **seen = NULL;
	size_t nseen = 0, i;
	int rc = 0;

	*out = NULL;
	for (i = 0; rc == 0 && i < f->ntopics; i++) {
		struct topic t;

		if (strv_has(seen, nseen, f->topics[i], 0))
			continue;
		if (store_topic_get(of->st, f->topics[i], &t) < 0 ||
		    strcmp(t.slug, f->topics[i]) != 0) {
			if (t.slug != NULL)
				topic_fini(&t);
			snprintf(why, whylen,
			         "Uno de los temas elegidos ya no existe. "
			         "Elija los temas de nuevo.");
			rc = -EINVAL;
			break;
		}
		topic_fini(&t);
		rc = strv_add(&seen, &nseen, f->topics[i]);
		if (rc == 0) {
			if (b.len)
				buf_addc(&b, ' ');
			buf_adds(&b, f->topics[i]);
		}
	}
	strv_free(seen, nseen);
	if (rc == 0 && nseen == 0) {
		snprintf(why, whylen, "Elija al menos un tema.");
		rc = -EINVAL;
	}
	if (rc == 0 && (b.oom || (*out = buf_take(&b, &i)) == NULL)) {
		snprintf(why, whylen, "out of memory");
		rc = -ENOMEM;
	}
	buf_fini(&b);
	return rc;
}

/* The form's name, cleaned into *out (malloc'ed). */
static int
signup_name(const char *in, char **out, char *why, size_t whylen)
{
	char err[200], *s, *t;

	*out = NULL;
	if (in == NULL || (s = strdup(in)) == NULL) {
		snprintf(why, whylen, "Escriba el nombre de la organización.");
		return in == NULL ? -EINVAL : -ENOMEM;
	}
	if (text_utf8_valid(s, strlen(s)))
		text_strip_invisible(s);
	t = text_trim(s);
	if (*t == '\0') {
		free(s);
		snprintf(why, whylen, "Escriba el nombre de la organización.");
		return -EINVAL;
	}
	if (text_check("the name", t, OSC_NAME_MAX, 1, err, sizeof err) < 0) {
		free(s);
		snprintf(why, whylen,
		         "El nombre de la organización debe ser una sola "
		         "línea de hasta %d caracteres.",
		         OSC_NAME_MAX);
		return -EINVAL;
	}
	memmove(s, t, strlen(t) + 1);
	*out = s;
	return 0;
}

int
signup_request(const struct office *of, const struct signup_form *form,
               long *id, int *held, char *why, size_t whylen)
{
	struct signup_req r = {0};
	char token[TOKEN_MAX], err[300], uid[64], *email = NULL;
	int64_t now = clock_now(), last = 0;
	size_t n = 0;
	int rc, added;

	*id = 0;
	*held = 0;
	if ((rc = signup_name(form->name, &r.name, why, whylen)) < 0)
		return rc;
	email = form->email != NULL ? strdup(form->email) : NULL;
	if (email == NULL || *text_trim(email) == '\0') {
		snprintf(why, whylen, "Escriba la dirección de correo.");
		rc = -EINVAL;
		goto out;
	}
	r.email = text_trim(email);
	if (addr_spec_check(r.email, err, sizeof err) < 0) {
		snprintf(why, whylen,
		         "La dirección de correo no es válida; revísela "
		         "(por ejemplo: contacto@organizacion.org).");
		rc = -EINVAL;
		goto out;
	}
	if ((rc = signup_topics(of, form, &r.topics, why, whylen)) < 0)
		goto out;
	if (!form->accepted) {
		snprintf(why, whylen,
		         "Para suscribirse debe aceptar el aviso de "
		         "privacidad.");
		rc = -EINVAL;
		goto out;
	}
	r.client = (char *)form->client;
	r.notice = (char *)org_privacy_version(of);
	r.created_at = now;
	r.expires_at = now + SIGNUP_VALID_S;
	if ((rc = store_begin(of->st)) < 0)
		goto store_fail;
	/* What nobody confirmed is not kept for long. */
	rc = store_signup_purge(of->st, now - SIGNUP_KEEP_S);
	/* One mail per address per hour and a few a day, whoever asks:
	 * counted from the table, so a restart does not reset it. */
	if (rc >= 0)
		rc = store_signup_mailed(of->st, r.email, now - 86400, &n,
		                         &last);
	if (rc >= 0 &&
	    (n >= SIGNUP_PER_DAY || (n > 0 && now - last < SIGNUP_GAP_S))) {
		*held = 1;
		r.state = "held";
		r.token = NULL;
	} else if (rc >= 0) {
		r.state = "sent";
		if ((rc = token_random(token, sizeof token)) < 0)
			snprintf(err, sizeof err, "no random token");
		r.token = token;
	}
	if (rc >= 0)
		rc = store_signup_add(of->st, &r, id);
	if (rc >= 0 && !*held) {
		snprintf(uid, sizeof uid, SIGNUP_UID_PREFIX "%ld", *id);
		rc = store_outbox_add(of->st, uid, SIGNUP_SEQ_CONFIRM, "signup",
		                      0, 0, now, now, of->cfg->domain, &added);
	}
	if ((rc = finish(of, rc)) < 0)
		goto store_fail;
	if (*held)
		log_warn("signup %ld: <%s> from %s: held, no mail (%zu mailed "
		         "in 24 h, the last %lld s ago)",
		         *id, r.email, r.client ? r.client : "?", n,
		         (long long)(now - last));
	else
		log_info("signup %ld: <%s> from %s: confirmation queued", *id,
		         r.email, r.client ? r.client : "?");
	/* The scheduler hears of the new outbox row. */
	if (!*held)
		change_osc(of->changes);
	rc = 0;
	goto out;
store_fail:
	rc = office_store_error(of, rc, why, whylen);
out:
	free(r.name);
	free(r.topics);
	free(email);
	return rc;
}

int
signup_lookup(const struct office *of, const char *token,
              struct signup_req *out)
{
	int rc = store_signup_by_token(of->st, token, out);

	if (rc < 0)
		return rc;
	if (strcmp(out->state, "sent") != 0)
		return -EALREADY;
	if (clock_now() >= out->expires_at) {
		signup_req_fini(out);
		return -ETIMEDOUT;
	}
	return 0;
}

/*
 * Subscribe request r (organisation new, or known by its address) for
 * actor; consent from client. *osc_id the organisation, *known set when
 * it existed (its consent is then the caller's to record).
 */
static int
signup_apply(const struct office *of, long actor, const struct signup_req *r,
             const struct consent *c, long *osc_id, int *known, char *why,
             size_t whylen)
{
	char **topics = NULL;
	size_t ntopics = 0;
	struct osc o = {0}, after;
	long id = 0;
	int rc;

	*known = 0;
	if ((rc = strv_split(r->topics, " ", &topics, &ntopics)) < 0) {
		snprintf(why, whylen, "out of memory");
		return rc;
	}
	rc = store_osc_email_owner(of->st, r->email, &id);
	if (rc == 0 && id > 0) {
		*known = 1;
		if ((rc = store_osc_get(of->st, id, &o)) < 0) {
			rc = office_store_error(of, rc, why, whylen);
		} else {
			rc = org_subscription(of, actor, &o, topics, ntopics, 1,
			                      &after, why, whylen);
			if (rc == 0)
				osc_fini(&after);
			osc_fini(&o);
		}
	} else if (rc == 0 || rc == -ENOENT) {
		char *emails[1] = {r->email};

		o.name = r->name;
		o.emails = emails;
		o.nemails = 1;
		o.consent = c;
		rc = org_add(of, actor, &o, topics, ntopics, &after, why,
		             whylen);
		/* org_add resolved the topics into o's own list. */
		strv_free(o.topics, o.ntopics);
		if (rc == 0) {
			id = after.id;
			osc_fini(&after);
		}
	} else {
		rc = office_store_error(of, rc, why, whylen);
	}
	strv_free(topics, ntopics);
	*osc_id = id;
	return rc;
}

/* Request r goes from state from to to with its audit entry (and the
 * consent of a known organisation, and the welcome mail), in one
 * transaction. */
static int
signup_settle(const struct office *of, long actor, const struct signup_req *r,
              const char *from, const char *to, const char *client,
              const char *reason, long osc_id, const struct consent *c,
              int welcome, const char *action, char *why, size_t whylen)
{
	char target[40], after[200], uid[64];
	int64_t now = clock_now();
	int rc, added;

	snprintf(target, sizeof target, SIGNUP_UID_PREFIX "%ld", r->id);
	/* "done client=192.0.2.7 osc:12": the state, who confirmed, and the
	 * organisation, as far as known. */
	snprintf(after, sizeof after, "%s%s%s", to, client ? " client=" : "",
	         client ? client : "");
	if (osc_id)
		snprintf(after + strlen(after), sizeof after - strlen(after),
		         " osc:%ld", osc_id);
	if ((rc = store_begin(of->st)) < 0)
		return office_store_error(of, rc, why, whylen);
	rc = store_signup_move(of->st, r->id, from, to, now, client, reason,
	                       osc_id);
	if (rc >= 0 && c != NULL)
		rc = store_consent_add(of->st, osc_id, c);
	if (rc >= 0)
		rc =
		    store_audit_add(of->st, actor, action, target, from, after);
	if (rc >= 0 && welcome) {
		snprintf(uid, sizeof uid, SIGNUP_UID_PREFIX "%ld", r->id);
		rc = store_outbox_add(of->st, uid, SIGNUP_SEQ_WELCOME, "signup",
		                      0, osc_id, now, now, of->cfg->domain,
		                      &added);
	}
	if ((rc = finish(of, rc)) < 0)
		return office_store_error(of, rc, why, whylen);
	return 0;
}

int
signup_confirm(const struct office *of, const char *token, const char *client,
               enum signup_outcome *outcome, char *why, size_t whylen)
{
	struct signup_req r;
	char detail[64];
	struct consent c = {.how = "self", .by_uid = -1};
	long osc_id = 0;
	int rc, known = 0;

	rc = signup_lookup(of, token, &r);
	if (rc == -EALREADY)
		signup_req_fini(&r);
	if (rc < 0) {
		snprintf(why, whylen, "%s",
		         rc == -ETIMEDOUT  ? "the link expired"
		         : rc == -EALREADY ? "the link was used already"
		                           : "no such link");
		return rc;
	}
	if (signup_mode(of->cfg) == SIGNUP_APPROVAL) {
		rc = signup_settle(of, -1, &r, "sent", "pending", client, NULL,
		                   0, NULL, 0, "signup.confirm", why, whylen);
		if (rc == 0) {
			*outcome = SIGNUP_WAITING;
			log_info("signup %ld: <%s> confirmed from %s: waiting "
			         "for staff",
			         r.id, r.email, client ? client : "?");
		}
		signup_req_fini(&r);
		return rc;
	}
	snprintf(detail, sizeof detail, "signup request %ld", r.id);
	c.client = (char *)client;
	c.notice = r.notice;
	c.detail = detail;
	rc = signup_apply(of, -1, &r, &c, &osc_id, &known, why, whylen);
	if (rc == 0)
		rc = signup_settle(of, -1, &r, "sent", "done", client, NULL,
		                   osc_id, known ? &c : NULL, 0,
		                   "signup.confirm", why, whylen);
	if (rc == 0) {
		*outcome = SIGNUP_DONE;
		log_info("signup %ld: <%s> confirmed from %s: organisation %ld "
		         "%s",
		         r.id, r.email, client ? client : "?", osc_id,
		         known ? "follows more topics" : "added");
		change_osc(of->changes);
	}
	signup_req_fini(&r);
	return rc;
}

int
signup_pending(const struct office *of, struct signup_req **out, size_t *n)
{
	return store_signup_list(of->st, "pending", out, n);
}

/* Request id, which must be waiting for staff. */
static int
signup_waiting(const struct office *of, long id, struct signup_req *r,
               char *why, size_t whylen)
{
	int rc = store_signup_get(of->st, id, r);

	if (rc < 0)
		return office_store_error(of, rc, why, whylen);
	if (strcmp(r->state, "pending") != 0) {
		snprintf(why, whylen,
		         "signup request %ld is not waiting for approval "
		         "(it is %s)",
		         id,
		         strcmp(r->state, "sent") == 0 ? "not confirmed yet"
		                                       : r->state);
		signup_req_fini(r);
		return -EINVAL;
	}
	return 0;
}

int
signup_approve(const struct office *of, long actor, long id, long *osc_id,
               char *why, size_t whylen)
{
	struct signup_req r;
	struct consent c = {.how = "self", .by_uid = -1};
	char detail[80];
	int rc, known = 0;

	*osc_id = 0;
	if ((rc = signup_waiting(of, id, &r, why, whylen)) < 0)
		return rc;
	snprintf(detail, sizeof detail, "signup request %ld, approved by staff",
	         r.id);
	c.client = r.confirm_client;
	c.notice = r.notice;
	c.detail = detail;
	rc = signup_apply(of, actor, &r, &c, osc_id, &known, why, whylen);
	if (rc == 0)
		rc = signup_settle(of, actor, &r, "pending", "done", NULL, NULL,
		                   *osc_id, known ? &c : NULL, 1,
		                   "signup.approve", why, whylen);
	if (rc == 0) {
		log_info("signup %ld: <%s> approved: organisation %ld %s", r.id,
		         r.email, *osc_id,
		         known ? "follows more topics" : "added");
		change_osc(of->changes);
	}
	signup_req_fini(&r);
	return rc;
}

int
signup_reject(const struct office *of, long actor, long id, const char *reason,
              char *why, size_t whylen)
{
	struct signup_req r;
	char err[200];
	int rc;

	if (reason != NULL &&
	    text_check("the reason", reason, 500, 1, err, sizeof err) < 0) {
		snprintf(why, whylen, "%s", err);
		return -EINVAL;
	}
	if ((rc = signup_waiting(of, id, &r, why, whylen)) < 0)
		return rc;
	rc = signup_settle(of, actor, &r, "pending", "rejected", NULL,
	                   reason && *reason ? reason : NULL, 0, NULL, 0,
	                   "signup.reject", why, whylen);
	if (rc == 0)
		log_info("signup %ld: <%s> rejected%s%s", r.id, r.email,
		         reason && *reason ? ": " : "",
		         reason && *reason ? reason : "");
	signup_req_fini(&r);
	return rc;
}
