/* org: see org.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "config.h"
#include "org.h"
#include "store.h"
#include "strv.h"
#include "text.h"
#include "view.h"

int
org_fields_check(struct osc *o, char *why, size_t whylen)
{
	text_strip_invisible(o->name);
	text_strip_invisible(o->contact);
	text_strip_invisible(o->state);
	if (o->name != NULL && *o->name == '\0') {
		snprintf(why, whylen,
		         "the name is empty (or only invisible "
		         "characters)");
		return -EINVAL;
	}
	if (text_check("the name", o->name, OSC_NAME_MAX, 1, why, whylen) < 0 ||
	    text_check("the contact", o->contact, OSC_CONTACT_MAX, 1, why,
	               whylen) < 0 ||
	    text_check("the state", o->state, OSC_STATE_MAX, 1, why, whylen) <
	        0)
		return -EINVAL;
	if (o->nemails > OSC_EMAILS_MAX) {
		snprintf(why, whylen, "%zu addresses, more than %d", o->nemails,
		         OSC_EMAILS_MAX);
		return -EINVAL;
	}
	return 0;
}

/* "'a', 'b'" of names into buf. */
static void
names_join(char *const *v, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s'%s'",
		                         i ? ", " : "", v[i]);
}

int
org_topics_resolve(struct store *st, char *const *names, size_t n,
                   char ***slugs, size_t *nslugs, char *why, size_t whylen)
{
	char **unknown = NULL;
	size_t nunknown = 0, i;
	int ret = 0;

	*slugs = NULL;
	*nslugs = 0;
	for (i = 0; ret == 0 && i < n; i++) {
		struct topic t;

		if (store_topic_get(st, names[i], &t) < 0) {
			if (!strv_has(unknown, nunknown, names[i], 0))
				ret = strv_add(&unknown, &nunknown, names[i]);
			continue;
		}
		if (!strv_has(*slugs, *nslugs, t.slug, 0))
			ret = strv_add(slugs, nslugs, t.slug);
		topic_fini(&t);
	}
	if (ret == 0 && nunknown > 0) {
		char list[400];

		names_join(unknown, nunknown, list, sizeof list);
		snprintf(why, whylen, "unknown topic%s %s",
		         nunknown > 1 ? "s" : "", list);
		ret = -EINVAL;
	}
	strv_free(unknown, nunknown);
	if (ret < 0) {
		strv_free(*slugs, *nslugs);
		*slugs = NULL;
		*nslugs = 0;
		if (ret == -ENOMEM)
			snprintf(why, whylen, "out of memory");
	}
	return ret;
}

/* The audit entry of a change to organisation id, before and after as
 * the control API shows them (NULL: none). In the open transaction. */
static int
audit(const struct office *of, long actor, const char *action, long id,
      const struct osc *before, const struct osc *after)
{
	char target[40];

	office_osc_target(id, target, sizeof target);
	return office_audit(of, actor, action, target, before != NULL,
	                    before ? view_osc_text(before) : NULL,
	                    after != NULL, after ? view_osc_text(after) : NULL);
}

const char *
org_privacy_version(const struct office *of)
{
	const char *v = of->cfg ? of->cfg->office_privacy_version : NULL;

	return v != NULL && *v ? v : NULL;
}

int
org_add(const struct office *of, long actor, struct osc *o, char *const *topics,
        size_t ntopics, struct osc *out, char *why, size_t whylen)
{
	struct consent given = {.how = "staff",
	                        .by_uid = actor,
	                        .notice = (char *)org_privacy_version(of)};
	long id;
	int rc, own;

	memset(out, 0, sizeof(*out));
	if (o->name == NULL) {
		snprintf(why, whylen, "'name' is required");
		return -EINVAL;
	}
	if (o->nemails == 0) {
		snprintf(why, whylen,
		         "'emails' must hold at least one address");
		return -EINVAL;
	}
	if ((rc = org_fields_check(o, why, whylen)) < 0)
		return rc;
	strv_free(o->topics, o->ntopics);
	o->topics = NULL;
	o->ntopics = 0;
	if ((rc = org_topics_resolve(of->st, topics, ntopics, &o->topics,
	                             &o->ntopics, why, whylen)) < 0)
		return rc;
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	/* o stays as the caller gave it: its consent, or staff's. */
	{
		struct osc add = *o;

		if (add.consent == NULL)
			add.consent = &given;
		rc = store_osc_add(of->st, &add, &id);
	}
	if (rc >= 0)
		rc = store_osc_get(of->st, id, out);
	if (rc >= 0)
		rc = audit(of, actor, "osc.add", id, NULL, out);
	if ((rc = office_finish(of, own, rc)) < 0) {
		osc_fini(out);
		memset(out, 0, sizeof(*out));
		return office_store_error(of, rc, why, whylen);
	}
	change_osc(of->changes);
	return 0;
}

int
org_remove(const struct office *of, long actor, const struct osc *o, char *why,
           size_t whylen)
{
	int rc, own;

	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	rc = store_osc_remove(of->st, o->id);
	if (rc >= 0)
		rc = audit(of, actor, "osc.remove", o->id, o, NULL);
	if ((rc = office_finish(of, own, rc)) < 0)
		return office_store_error(of, rc, why, whylen);
	change_osc(of->changes);
	return 0;
}

int
org_subscription(const struct office *of, long actor, const struct osc *before,
                 char *const *topics, size_t ntopics, int how,
                 struct osc *after, char *why, size_t whylen)
{
	char **slugs = NULL, *b = NULL, *a = NULL;
	size_t nslugs = 0;
	int rc, own, changed = 0;

	memset(after, 0, sizeof(*after));
	if ((rc = org_topics_resolve(of->st, topics, ntopics, &slugs, &nslugs,
	                             why, whylen)) < 0)
		return rc;
	if ((rc = office_begin(of, &own)) < 0) {
		strv_free(slugs, nslugs);
		return office_store_error(of, rc, why, whylen);
	}
	if (how > 0)
		rc = store_osc_subscribe(of->st, before->id,
		                         (const char *const *)slugs, nslugs);
	else
		rc = store_osc_unsubscribe(of->st, before->id,
		                           (const char *const *)slugs, nslugs);
	strv_free(slugs, nslugs);
	if (rc >= 0)
		rc = store_osc_get(of->st, before->id, after);
	/* Asking again for what is already so changes nothing. */
	if (rc >= 0) {
		b = view_osc_text(before);
		a = view_osc_text(after);
		changed = !b || !a || strcmp(b, a) != 0;
		if (changed)
			rc =
			    audit(of, actor,
			          how > 0 ? "osc.subscribe" : "osc.unsubscribe",
			          before->id, before, after);
	}
	free(b);
	free(a);
	if ((rc = office_finish(of, own, rc)) < 0) {
		osc_fini(after);
		memset(after, 0, sizeof(*after));
		return office_store_error(of, rc, why, whylen);
	}
	if (changed)
		change_osc(of->changes);
	return 0;
}

int
org_token_reset(const struct office *of, long actor, const struct osc *o,
                char **token, char *why, size_t whylen)
{
	char target[40];
	int rc, own;

	*token = NULL;
	office_osc_target(o->id, target, sizeof target);
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	rc = store_osc_token_reset(of->st, o->id, token);
	/* The token itself never reaches the audit log. */
	if (rc >= 0)
		rc = store_audit_add(of->st, actor, "osc.token.reset", target,
		                     NULL, NULL);
	if ((rc = office_finish(of, own, rc)) < 0) {
		free(*token);
		*token = NULL;
		return office_store_error(of, rc, why, whylen);
	}
	change_osc(of->changes);
	return 0;
}
