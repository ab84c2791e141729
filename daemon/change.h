/* change: who hears that the office's data changed, and what changed.
 *
 * Whatever changes the store on the office's behalf (the control API's
 * operations, an import, the public site's one-click unsubscribe, the
 * test clock, a SIGHUP) tells the changes once it has committed
 * (change_tell); each listener hears it in turn, in the order it
 * listened: the public site's cache, then the scheduler. A listener only
 * marks work: nothing it does runs inside the teller's request, and
 * nothing flows back. A leaf module (libc only).
 */
#ifndef CRONOGRAMA_CHANGE_H
#define CRONOGRAMA_CHANGE_H

#include <stddef.h>

struct event;

/* What changed. */
enum change_what {
	/* One session, uid: ev is it as stored now (borrowed for the call),
	 * NULL when it was deleted or is not at hand. */
	CHANGE_SESSION,
	/* Organisations, their subscriptions or the outbox: no session's
	 * reminders move, but subscribers and private feeds are stale. */
	CHANGE_OSC,
	/* Anything reminders depend on: the programme (an import), a
	 * topic's offsets, the clock, the configuration. */
	CHANGE_ALL,
};

struct change {
	enum change_what what;
	const char *uid;
	const struct event *ev;
};

typedef void (*change_fn)(void *arg, const struct change *c);

#define CHANGE_LISTENERS_MAX 4

struct changes {
	struct {
		change_fn fn;
		void *arg;
	} l[CHANGE_LISTENERS_MAX];
	size_t n;
};

/* Call fn(arg) for every change from now on. 0, or -ENOSPC past
 * CHANGE_LISTENERS_MAX. */
int change_listen(struct changes *cs, change_fn fn, void *arg);
/* Stop calling fn(arg) (a listener going away). */
void change_unlisten(struct changes *cs, change_fn fn, void *arg);

/* Tell every listener that c happened. cs may be NULL (nobody listens). */
void change_tell(const struct changes *cs, const struct change *c);

/* The same, for each kind. */
void change_session(const struct changes *cs, const char *uid,
                    const struct event *ev);
void change_osc(const struct changes *cs);
void change_all(const struct changes *cs);

#endif
