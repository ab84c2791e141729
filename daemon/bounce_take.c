/* bounce_take: a message that came back, taken in. See bounce_take.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounce_take.h"
#include "log.h"
#include "store.h"
#include "store_bounce.h"

/* The outbox message the VERP token names into out->outbox_id and its
 * organisation into out->osc_id, if the token is genuine. 0, or a store
 * error other than "no such row". */
static int
bounce_take_token(struct store *st, struct bounce_outcome *out)
{
	char hex[BOUNCE_TOKEN_MAX + 1], *mid = NULL;
	long long id;
	long osc;
	int ret;

	if (!out->b.token[0])
		return 0;
	if (bounce_token_split(out->b.token, &id, hex, sizeof hex) < 0) {
		log_warn("bounce: token '%s' is not one of ours", out->b.token);
		return 0;
	}
	ret = store_bounce_outbox(st, id, &osc, &mid);
	if (ret == -ENOENT) {
		log_warn("bounce: token '%s' names no message", out->b.token);
		return 0;
	}
	if (ret < 0)
		return ret;
	if (bounce_token_matches(mid, hex)) {
		out->outbox_id = id;
		out->osc_id = osc;
	} else {
		log_warn("bounce: token '%s' does not match message %lld",
		         out->b.token, id);
	}
	free(mid);
	return 0;
}

/* The address out is about: of the organisation the token named, the one
 * the report names, or its only one; else the failed recipient if one of
 * ours has it. 0 or a store error. */
static int
bounce_take_address(struct store *st, struct bounce_outcome *out)
{
	const char *rcpt = out->b.recipient;
	struct osc o;
	size_t i;
	long owner;
	int ret;

	if (out->osc_id) {
		ret = store_osc_get(st, out->osc_id, &o);
		if (ret == -ENOENT)
			return 0;
		if (ret < 0)
			return ret;
		for (i = 0; i < o.nemails; i++)
			if (strcasecmp(o.emails[i], rcpt) == 0 ||
			    o.nemails == 1)
				snprintf(out->email, sizeof out->email, "%s",
				         o.emails[i]);
		osc_fini(&o);
		return 0;
	}
	if (!rcpt[0])
		return 0;
	if ((ret = store_osc_email_owner(st, rcpt, &owner)) < 0)
		return ret;
	if (owner) {
		out->osc_id = owner;
		snprintf(out->email, sizeof out->email, "%s", rcpt);
	}
	return 0;
}

int
bounce_take(struct store *st, const struct bounce_policy *p, const char *msg,
            size_t len, const char *source, int64_t now,
            struct bounce_outcome *out)
{
	struct bounce_fact f = {0};
	int ret;

	memset(out, 0, sizeof *out);
	if (bounce_parse(msg, len, p->local, &out->b) < 0) {
		log_warn("bounce: %s: %s", source, out->b.detail);
		return -EINVAL;
	}
	if (out->b.kind == BOUNCE_NONE) {
		log_info("bounce: %s: left alone: %s", source, out->b.detail);
		return 0;
	}
	if ((ret = bounce_take_token(st, out)) < 0 ||
	    (ret = bounce_take_address(st, out)) < 0) {
		log_err("bounce: %s: %s", source, store_error(st));
		return ret;
	}
	f.at = now;
	f.email = out->email[0] ? out->email : NULL;
	f.osc_id = out->osc_id;
	f.outbox_id = out->outbox_id;
	f.permanent = out->b.kind == BOUNCE_PERMANENT;
	f.status = out->b.status[0] ? out->b.status : NULL;
	f.detail = out->b.detail[0] ? out->b.detail : NULL;
	f.source = source;
	ret = store_bounce_record(st, &f, p->transient_limit,
	                          p->transient_window, &out->disabled);
	if (ret < 0) {
		log_err("bounce: %s: not recorded: %s", source,
		        store_error(st));
		return ret;
	}
	out->recorded = 1;
	if (!f.email)
		log_warn("bounce: %s: %s failure %s for <%s> (message %s) tied "
		         "to none of our addresses: recorded only",
		         source, bounce_kind_name(out->b.kind),
		         f.status ? f.status : "-", out->b.recipient,
		         out->b.message_id[0] ? out->b.message_id : "unknown");
	else
		log_info("bounce: %s: to=<%s> osc=%ld outbox=%lld %s %s%s%s%s",
		         source, f.email, f.osc_id, f.outbox_id,
		         bounce_kind_name(out->b.kind),
		         f.status ? f.status : "-", f.detail ? " (" : "",
		         f.detail ? f.detail : "", f.detail ? ")" : "");
	if (out->disabled)
		log_warn("bounce: <%s> disabled: no more mail goes to it "
		         "(cronoctl osc enable %s)",
		         f.email, f.email);
	return 0;
}
