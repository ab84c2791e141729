/* change: see change.h. */
#include <errno.h>
#include <string.h>

#include "change.h"

int
change_listen(struct changes *cs, change_fn fn, void *arg)
{
	if (cs->n == CHANGE_LISTENERS_MAX)
		return -ENOSPC;
	cs->l[cs->n].fn = fn;
	cs->l[cs->n].arg = arg;
	cs->n++;
	return 0;
}

void
change_unlisten(struct changes *cs, change_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (cs->l[i].fn == fn && cs->l[i].arg == arg) {
			memmove(&cs->l[i], &cs->l[i + 1],
			        (cs->n - i - 1) * sizeof(cs->l[0]));
			cs->n--;
			return;
		}
}

void
change_tell(const struct changes *cs, const struct change *c)
{
	size_t i;

	for (i = 0; cs != NULL && i < cs->n; i++)
		cs->l[i].fn(cs->l[i].arg, c);
}

void
change_session(const struct changes *cs, const char *uid,
               const struct event *ev)
{
	struct change c = {CHANGE_SESSION, uid, ev};

	change_tell(cs, &c);
}

void
change_osc(const struct changes *cs)
{
	struct change c = {CHANGE_OSC, NULL, NULL};

	change_tell(cs, &c);
}

void
change_all(const struct changes *cs)
{
	struct change c = {CHANGE_ALL, NULL, NULL};

	change_tell(cs, &c);
}
