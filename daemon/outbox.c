/* outbox: see outbox.h. */
#include <errno.h>
#include <stdio.h>

#include "change.h"
#include "clock.h"
#include "outbox.h"
#include "store.h"

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
	struct event ev;
	int rc, own;

	*n = 0;
	if ((id == 0) == (event == NULL || *event == '\0')) {
		snprintf(why, whylen, "give a message id or a session");
		return -EINVAL;
	}
	if ((rc = office_begin(of, &own)) < 0)
		return office_store_error(of, rc, why, whylen);
	if (id == 0) {
		/* A session deleted since keeps its messages: then the id
		 * is matched as it was given. */
		if (store_event_get(of->st, event, &ev) == 0) {
			snprintf(uid, sizeof(uid), "%s", ev.uid);
			event_fini(&ev);
		} else {
			snprintf(uid, sizeof(uid), "%s", event);
		}
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
