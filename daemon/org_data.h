/* org_data: an organisation's rights over its data (Mexico's law on
 * personal data held by public bodies): access, as everything the
 * database holds about it (org_data_export), and erasure, for good
 * (org_data_forget). The control API renders them (view_org_data.h).
 *
 * Both are audited, without the data: "osc.export" and "osc.forget",
 * target "osc:ID". Errors as org.h's: -ENOENT, -EINVAL, -EIO, -ENOMEM
 * with why. */
#ifndef CRONOGRAMA_ORG_DATA_H
#define CRONOGRAMA_ORG_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "office.h"
#include "store.h"
#include "store_odata.h"
#include "store_signup.h"

/* What an erased text reads in place of the data. */
#define ORG_DATA_MARKER "[olvidado]"

/* Everything held about one organisation. */
struct org_data {
	struct osc osc;   /* as stored; the token is never shown */
	int private_feed; /* 1 when it has a private feed token */
	struct consent *consent;
	size_t nconsent;
	struct odata_address *addresses;
	size_t naddresses;
	struct odata_subscription *subscriptions;
	size_t nsubscriptions;
	struct odata_bounce *bounces;
	size_t nbounces;
	struct odata_message *messages;
	size_t nmessages;
	struct signup_req *signups; /* its requests from the public page */
	size_t nsignups;
	struct audit_row *audit; /* this export's own entry included */
	size_t naudit;
	int64_t at; /* when it was read */
};
void org_data_fini(struct org_data *d);

/*
 * Read everything held about organisation o (as stored) into *out (the
 * caller org_data_fini()s it), in one transaction with its audit entry
 * "osc.export" by actor, which the export lists too.
 */
int org_data_export(const struct office *of, long actor, const struct osc *o,
                    struct org_data *out, char *why, size_t whylen);

/* What forgetting did. */
struct org_forget_report {
	long id;
	size_t addresses;  /* addresses erased */
	size_t audit;      /* audit entries rewritten */
	size_t texts;      /* other texts rewritten (outbox, bounces, staff) */
	size_t messages;   /* its messages kept, without address */
	long forgotten;    /* organisations forgotten so far, this one too */
	int wal_truncated; /* 0: the write-ahead log could not be cleared */
};

/*
 * Erase organisation o's personal data for good, in one transaction:
 * the organisation (name, contact, state, token), its addresses,
 * subscriptions and consent records; the state of its addresses and the
 * address of its bounces; its messages not sent yet are dropped, the
 * others stay without any address; every copy in the audit log and in
 * the other free texts (outbox errors, bounce details, staff mail) is
 * replaced by ORG_DATA_MARKER, the facts kept ("osc.add of osc:12").
 * Audited "osc.forget" by actor. With secure_delete on, and the
 * write-ahead log truncated afterwards, so the bytes are gone from the
 * database's files too. *r says what was done.
 */
int org_data_forget(const struct office *of, long actor, const struct osc *o,
                    struct org_forget_report *r, char *why, size_t whylen);

#endif
