/* org_self: see org_self.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "clock.h"
#include "log.h"
#include "org.h"
#include "org_self.h"
#include "store.h"
#include "store_self.h"
#include "strv.h"
#include "text.h"
#include "view.h"

/* What a change did, for the log line and the audit. */
struct self_op {
	const struct office *of;
	const char *client;
	const char *action; /* "osc.self.…" */
	const struct osc *before;
	struct osc *after;
	char *why;
	size_t whylen;
};

/* Begin op's transaction. */
static int
self_begin(struct self_op *op)
{
	int rc;

	memset(op->after, 0, sizeof(*op->after));
	if ((rc = store_begin(op->of->st)) < 0)
		return office_store_error(op->of, rc, op->why, op->whylen);
	return 0;
}

/*
 * Finish op's transaction after its change (rc): read the organisation
 * back into op->after, audit the change when it changed anything, commit
 * and tell the changes; or roll back. 0 or a domain error.
 */
static int
self_finish(struct self_op *op, int rc)
{
	const struct office *of = op->of;
	char target[40], *b = NULL, *a = NULL;
	int changed = 0;

	if (rc >= 0)
		rc = store_osc_get(of->st, op->before->id, op->after);
	if (rc >= 0) {
		b = view_osc_text(op->before);
		a = view_osc_text(op->after);
		if (b == NULL || a == NULL)
			rc = -ENOMEM;
		else
			changed = strcmp(b, a) != 0;
	}
	if (rc >= 0 && changed) {
		office_osc_target(op->before->id, target, sizeof target);
		rc = store_audit_add_client(of->st, op->action, target, b, a,
		                            op->client);
	}
	free(b);
	free(a);
	if (rc >= 0 && (rc = store_commit(of->st)) >= 0) {
		if (changed) {
			/* The client's address is the page's actor, as the
			 * audit keeps it; the token never reaches the log. */
			log_info("public: organisation %ld: %s (from %s)",
			         op->before->id, op->action,
			         op->client ? op->client : "?");
			change_osc(of->changes);
		}
		return 0;
	}
	store_rollback(of->st);
	osc_fini(op->after);
	return office_store_error(of, rc, op->why, op->whylen);
}

/* -EPERM once the organisation asked for erasure: nothing more changes. */
static int
self_erasing(const struct osc *o, char *why, size_t whylen)
{
	if (o->erasure_at == 0)
		return 0;
	snprintf(why, whylen,
	         "organisation %ld asked for its data to be erased; staff "
	         "erase it with osc forget",
	         o->id);
	return -EPERM;
}

int
org_self_topics(const struct office *of, const char *client,
                const struct osc *before, char *const *slugs, size_t n,
                struct osc *after, char *why, size_t whylen)
{
	struct self_op op = {.of = of,
	                     .client = client,
	                     .action = "osc.self.topics",
	                     .before = before,
	                     .after = after,
	                     .why = why,
	                     .whylen = whylen};
	char **want = NULL, **drop = NULL;
	size_t nwant = 0, ndrop = 0, i;
	int rc;

	memset(after, 0, sizeof(*after));
	if ((rc = self_erasing(before, why, whylen)) < 0)
		return rc;
	if ((rc = org_topics_resolve(of->st, slugs, n, &want, &nwant, why,
	                             whylen)) < 0)
		return rc;
	for (i = 0; rc == 0 && i < before->ntopics; i++)
		if (!strv_has(want, nwant, before->topics[i], 0))
			rc = strv_add(&drop, &ndrop, before->topics[i]);
	if (rc < 0) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if ((rc = self_begin(&op)) < 0)
		goto out;
	rc = store_osc_subscribe(of->st, before->id, (const char *const *)want,
	                         nwant);
	if (rc >= 0 && ndrop > 0)
		rc = store_osc_unsubscribe(of->st, before->id,
		                           (const char *const *)drop, ndrop);
	rc = self_finish(&op, rc);
out:
	strv_free(want, nwant);
	strv_free(drop, ndrop);
	return rc;
}

int
org_self_pause(const struct office *of, const char *client,
               const struct osc *before, int pause, struct osc *after,
               char *why, size_t whylen)
{
	struct self_op op = {.of = of,
	                     .client = client,
	                     .action =
	                         pause ? "osc.self.pause" : "osc.self.resume",
	                     .before = before,
	                     .after = after,
	                     .why = why,
	                     .whylen = whylen};
	int rc;

	memset(after, 0, sizeof(*after));
	if (!pause && (rc = self_erasing(before, why, whylen)) < 0)
		return rc;
	if ((rc = self_begin(&op)) < 0)
		return rc;
	/* Pausing again keeps the first instant. */
	if (pause && before->paused_at != 0)
		rc = 0;
	else
		rc = store_osc_pause_set(of->st, before->id,
		                         pause ? clock_now() : 0);
	return self_finish(&op, rc);
}

int
org_self_contact(const struct office *of, const char *client,
                 const struct osc *before, const char *contact,
                 struct osc *after, char *why, size_t whylen)
{
	struct self_op op = {.of = of,
	                     .client = client,
	                     .action = "osc.self.contact",
	                     .before = before,
	                     .after = after,
	                     .why = why,
	                     .whylen = whylen};
	char *copy = NULL, *c = NULL;
	int rc;

	memset(after, 0, sizeof(*after));
	if ((rc = self_erasing(before, why, whylen)) < 0)
		return rc;
	if (contact != NULL) {
		if ((copy = strdup(contact)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		text_strip_invisible(copy);
		c = text_trim(copy);
	}
	if ((rc = text_check("the contact", c, OSC_CONTACT_MAX, 1, why,
	                     whylen)) < 0)
		goto out;
	if ((rc = self_begin(&op)) < 0)
		goto out;
	rc = store_osc_contact_set(of->st, before->id,
	                           c != NULL && *c != '\0' ? c : NULL);
	rc = self_finish(&op, rc);
out:
	free(copy);
	return rc;
}

int
org_self_erasure(const struct office *of, const char *client,
                 const struct osc *before, struct osc *after, char *why,
                 size_t whylen)
{
	struct self_op op = {.of = of,
	                     .client = client,
	                     .action = "osc.self.erasure",
	                     .before = before,
	                     .after = after,
	                     .why = why,
	                     .whylen = whylen};
	int rc;

	memset(after, 0, sizeof(*after));
	if ((rc = self_begin(&op)) < 0)
		return rc;
	/* Asking twice keeps the first request. */
	rc = before->erasure_at != 0
	         ? 0
	         : store_osc_erasure_set(of->st, before->id, clock_now());
	return self_finish(&op, rc);
}
