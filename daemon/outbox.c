/* outbox: see outbox.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "clock.h"
#include "outbox.h"
#include "schedule_alarm.h"
#include "store.h"
#include "strv.h"

void
outbox_session_uid(const struct office *of, const char *id, char *uid,
                   size_t len)
{
	struct event ev;

	/* A session deleted since keeps its messages: then the id is
	 * matched as it was given. */
	if (store_event_get(of->st, id, &ev) == 0) {
		snprintf(uid, len, "%s", ev.uid);
		event_fini(&ev);
	} else {
		snprintf(uid, len, "%s", id);
	}
}

void
outbox_upcoming_array_free(struct outbox_upcoming *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].uid);
		free(v[i].title);
		strv_free(v[i].oscs, v[i].noscs);
	}
	free(v);
}

/* Fill u from alarm a: 0, 1 when its session cannot be read (it is then
 * left out), or -ENOMEM. */
static int
upcoming_one(const struct office *of, const struct alarm *a, int64_t now,
             struct outbox_upcoming *u)
{
	struct osc *oscs = NULL;
	struct event ev;
	size_t n = 0, i;
	int rc = 0;

	if (store_event_get(of->st, a->uid, &ev) < 0)
		return 1;
	if (store_osc_subscribers(of->st, a->uid, &oscs, &n) < 0) {
		event_fini(&ev);
		return 1;
	}
	u->seq = a->seq;
	u->offset_s = a->offset_s;
	u->due = a->due;
	u->late = now - a->due > SCHEDULE_GRACE_S;
	if ((u->uid = strdup(a->uid)) == NULL ||
	    (u->title = strdup(ev.title ? ev.title : "")) == NULL)
		rc = -ENOMEM;
	/* Those that paused their mail get nothing (008-self-service). */
	for (i = 0; rc == 0 && i < n; i++)
		if (oscs[i].paused_at == 0)
			rc = strv_add(&u->oscs, &u->noscs, oscs[i].name);
	osc_array_free(oscs, n);
	event_fini(&ev);
	return rc;
}

int
outbox_upcoming(const struct office *of, int64_t now, int64_t until, int max,
                struct outbox_upcoming **out, size_t *n, char *why,
                size_t whylen)
{
	struct outbox_upcoming *v = NULL;
	struct alarm *a = NULL;
	size_t na = 0, i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_alarm_due_list(of->st, until, max, &a, &na)) < 0)
		return office_store_error(of, rc, why, whylen);
	if (na > 0 && (v = calloc(na, sizeof(*v))) == NULL) {
		alarm_array_free(a, na);
		return office_store_error(of, -ENOMEM, why, whylen);
	}
	for (i = 0; i < na; i++) {
		rc = upcoming_one(of, &a[i], now, &v[k]);
		if (rc < 0) {
			alarm_array_free(a, na);
			outbox_upcoming_array_free(v, k + 1);
			return office_store_error(of, rc, why, whylen);
		}
		if (rc == 0)
			k++;
	}
	alarm_array_free(a, na);
	*out = v;
	*n = k;
	return 0;
}

int
outbox_retry(const struct office *of, long actor, int64_t id, size_t *n,
             char *why, size_t whylen)
{
	char target[64], after[64];
	int rc, own;

	*n = 0;
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	rc = store_outbox_retry(of->st, id, clock_now(), n);
	if (rc >= 0) {
		if (id)
			snprintf(target, sizeof(target), "outbox:%lld",
			         (long long)id);
		else
			snprintf(target, sizeof(target), "outbox:failed");
		snprintf(after, sizeof(after), "{\"retried\":%zu}", *n);
		rc = store_audit_add(of->st, actor, "outbox.retry", target,
		                     NULL, after);
	}
	if ((rc = office_finish(of, own, rc)) >= 0) {
		if (*n > 0)
			change_osc(of->changes);
		return 0;
	}
	*n = 0;
	/* The store refuses a message in another state: a conflict. */
	rc = office_store_error(of, rc, why, whylen);
	return rc == -EINVAL ? -EEXIST : rc;
}

int
outbox_move(const struct office *of, long actor, enum outbox_move move,
            int64_t id, const char *event, size_t *n, char *why, size_t whylen)
{
	static const char *const action[] = {
	    [OUTBOX_HOLD] = "outbox.hold",
	    [OUTBOX_RELEASE] = "outbox.release",
	    [OUTBOX_DROP] = "outbox.drop",
	};
	char target[600], after[64], uid[512] = "";
	int rc, own;

	*n = 0;
	if ((id == 0) == (event == NULL || *event == '\0')) {
		snprintf(why, whylen, "give a message id or a session");
		return -EINVAL;
	}
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	if (id == 0) {
		outbox_session_uid(of, event, uid, sizeof(uid));
		snprintf(target, sizeof(target), "outbox:event:%s", uid);
	} else {
		snprintf(target, sizeof(target), "outbox:%lld", (long long)id);
	}
	rc = store_outbox_move(of->st, move, id, id ? NULL : uid, clock_now(),
	                       n);
	if (rc >= 0) {
		snprintf(after, sizeof(after), "{\"messages\":%zu}", *n);
		rc = store_audit_add(of->st, actor, action[move], target, NULL,
		                     after);
	}
	if ((rc = office_finish(of, own, rc)) >= 0) {
		change_osc(of->changes);
		return 0;
	}
	*n = 0;
	rc = office_store_error(of, rc, why, whylen);
	return rc == -EINVAL ? -EEXIST : rc;
}
