/* org_data: see org_data.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "clock.h"
#include "log.h"
#include "org_data.h"
#include "store.h"
#include "store_odata.h"
#include "view_org_data.h"

void
org_data_fini(struct org_data *d)
{
	osc_fini(&d->osc);
	consent_array_free(d->consent, d->nconsent);
	odata_address_array_free(d->addresses, d->naddresses);
	odata_subscription_array_free(d->subscriptions, d->nsubscriptions);
	odata_bounce_array_free(d->bounces, d->nbounces);
	odata_message_array_free(d->messages, d->nmessages);
	signup_req_array_free(d->signups, d->nsignups);
	audit_array_free(d->audit, d->naudit);
	memset(d, 0, sizeof(*d));
}

int
org_data_export(const struct office *of, long actor, const struct osc *o,
                struct org_data *out, char *why, size_t whylen)
{
	struct store *st = of->st;
	char target[40];
	int own, rc;

	memset(out, 0, sizeof(*out));
	office_osc_target(o->id, target, sizeof target);
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	/* The entry goes first, so that the export lists itself: what
	 * the organisation reads says who read its data, and when. */
	rc = store_audit_add(st, actor, "osc.export", target, NULL, NULL);
	if (rc >= 0)
		rc = store_osc_get(st, o->id, &out->osc);
	if (rc >= 0)
		rc = store_consent_list(st, o->id, &out->consent,
		                        &out->nconsent);
	if (rc >= 0)
		rc = store_odata_addresses(st, o->id, &out->addresses,
		                           &out->naddresses);
	if (rc >= 0)
		rc = store_odata_subscriptions(st, o->id, &out->subscriptions,
		                               &out->nsubscriptions);
	if (rc >= 0)
		rc = store_odata_bounces(st, o->id, &out->bounces,
		                         &out->nbounces);
	if (rc >= 0)
		rc = store_odata_messages(st, o->id, &out->messages,
		                          &out->nmessages);
	if (rc >= 0)
		rc = store_signup_of_osc(st, o->id, &out->signups,
		                         &out->nsignups);
	if (rc >= 0)
		rc = store_odata_audit(st, o->id, &out->audit, &out->naudit);
	if ((rc = office_finish(of, own, rc)) < 0) {
		org_data_fini(out);
		return office_store_error(of, rc, why, whylen);
	}
	out->private_feed = out->osc.token != NULL && *out->osc.token != '\0';
	/* The token is a secret: it never leaves in an export (the file
	 * travels; staff who need the feed use `osc token`). */
	if (out->osc.token != NULL) {
		explicit_bzero(out->osc.token, strlen(out->osc.token));
		free(out->osc.token);
		out->osc.token = NULL;
	}
	out->at = clock_now();
	log_info("osc %ld: exported by uid %ld (%zu messages, %zu audit "
	         "entries)",
	         o->id, actor, out->nmessages, out->naudit);
	return 0;
}

/* Rewrite audit entries (rows) without f's organisation. */
static int
forget_audit(const struct office *of, const struct view_forget *f,
             struct org_forget_report *r)
{
	struct audit_row *rows = NULL;
	char target[40];
	size_t n = 0;
	int rc;

	office_osc_target(f->id, target, sizeof target);
	if ((rc = store_odata_audit(of->st, f->id, &rows, &n)) < 0)
		return rc;
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		int own = rows[i].target && strcmp(rows[i].target, target) == 0;
		char *b = NULL, *a = NULL;
		int rb = view_forget_text(f, rows[i].before, own, &b);
		int ra =
		    rb < 0 ? 0 : view_forget_text(f, rows[i].after, own, &a);

		if (rb < 0 || ra < 0)
			rc = -ENOMEM;
		else if (rb > 0 || ra > 0) {
			rc = store_odata_audit_set(of->st, rows[i].id,
			                           rb ? b : rows[i].before,
			                           ra ? a : rows[i].after);
			r->audit++;
		}
		free(b);
		free(a);
	}
	audit_array_free(rows, n);
	return rc;
}

/* Rewrite the other texts that quote f's organisation. */
static int
forget_notes(const struct office *of, const struct view_forget *f,
             struct org_forget_report *r)
{
	struct odata_note *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = store_odata_notes(of->st, f->id, &v, &n)) < 0)
		return rc;
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		char *t = NULL;
		int x = view_forget_text(f, v[i].text, v[i].own, &t);

		if (x < 0)
			rc = x;
		else if (x > 0) {
			rc = store_odata_note_set(of->st, &v[i], t);
			r->texts++;
		}
		free(t);
	}
	odata_note_array_free(v, n);
	return rc;
}

int
org_data_forget(const struct office *of, long actor, const struct osc *o,
                struct org_forget_report *r, char *why, size_t whylen)
{
	struct view_forget f = {.id = o->id,
	                        .name = o->name,
	                        .contact = o->contact,
	                        .state = o->state,
	                        .emails = o->emails,
	                        .nemails = o->nemails,
	                        .marker = ORG_DATA_MARKER};
	struct odata_message *msgs = NULL;
	char target[40];
	size_t nmsgs = 0;
	int own, rc;

	memset(r, 0, sizeof(*r));
	r->id = o->id;
	office_osc_target(o->id, target, sizeof target);
	/* Deleted rows, and the pages they free, are overwritten with
	 * zeros: nothing of the organisation stays in free space. */
	if ((rc = store_odata_secure(of->st, 1)) < 0)
		return office_store_error(of, rc, why, whylen);
	if ((rc = office_begin(of, &own)) < 0) {
		store_odata_secure(of->st, 0);
		return office_store_error(of, rc, why, whylen);
	}
	/* Texts first, while its addresses still say what to look for. */
	rc = forget_audit(of, &f, r);
	if (rc >= 0)
		rc = forget_notes(of, &f, r);
	if (rc >= 0)
		rc = store_odata_forget(of->st, o->id);
	if (rc >= 0)
		rc = store_osc_remove(of->st, o->id);
	if (rc >= 0)
		rc = store_odata_messages(of->st, o->id, &msgs, &nmsgs);
	if (rc >= 0)
		rc = store_odata_forgotten(of->st, &r->forgotten);
	/* The fact, never the data. */
	if (rc >= 0)
		rc = store_audit_add(of->st, actor, "osc.forget", target, NULL,
		                     NULL);
	odata_message_array_free(msgs, nmsgs);
	rc = office_finish(of, own, rc);
	store_odata_secure(of->st, 0);
	if (rc < 0) {
		memset(r, 0, sizeof(*r));
		return office_store_error(of, rc, why, whylen);
	}
	r->addresses = o->nemails;
	r->messages = nmsgs;
	/* Old versions of the pages live on in the write-ahead log until
	 * it is copied back and cut. */
	r->wal_truncated = store_odata_wal_truncate(of->st) == 0;
	if (!r->wal_truncated)
		log_warn("osc %ld forgotten, but %s", o->id,
		         store_error(of->st));
	log_info("osc %ld: forgotten by uid %ld (%zu audit entries and %zu "
	         "texts rewritten)",
	         o->id, actor, r->audit, r->texts);
	change_osc(of->changes);
	return 0;
}
