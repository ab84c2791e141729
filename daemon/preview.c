/* preview: see preview.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "preview.h"
#include "token.h"

/* The kinds staff name (cronoctl preview --kind), the outbox row kind
 * each is queued as and the message it renders. */
static const struct {
	const char *name, *row_kind;
	enum message_kind kind;
} preview_kinds[] = {
    {"recordatorio", "reminder", MESSAGE_REMINDER},
    {"fecha", "update", MESSAGE_DATED},
    {"cambio", "update", MESSAGE_MOVED},
    {"cancelacion", "cancel", MESSAGE_CANCEL},
};
#define NKINDS ((int)(sizeof(preview_kinds) / sizeof(preview_kinds[0])))

int
preview_kind_find(const char *name)
{
	int k;

	if (name == NULL || *name == '\0')
		return 0;
	for (k = 0; k < NKINDS; k++)
		if (strcmp(name, preview_kinds[k].name) == 0)
			return k;
	return -1;
}

/* The organisation arg names (number, exact name or address) among the
 * session's followers p->subs; or, without one, the first of them. */
static int
preview_osc_pick(const struct office *of, struct preview *p, const char *arg,
                 const char *name, char *why, size_t whylen)
{
	char topics[512] = "";
	size_t i, t, len = 0;
	struct osc o;
	char *end;
	long id;
	int rc;

	if (arg == NULL || *arg == '\0') {
		if (p->nsubs == 0)
			return office_fail(
			    -EINVAL, why, whylen,
			    "no organisation follows the topics of session "
			    "%s: nobody would get a message",
			    name);
		p->osc = &p->subs[0];
		p->osc_chosen = 1;
		return 0;
	}
	id = strtol(arg, &end, 10);
	if (*arg >= '1' && *arg <= '9' && *end == '\0')
		rc = store_osc_get(of->st, id, &o);
	else
		rc = store_osc_find(of->st, arg, &o);
	if (rc == -ENOENT)
		return office_fail(-ENOENT, why, whylen, "no organisation '%s'",
		                   arg);
	if (rc < 0)
		return office_store_error(of, rc, why, whylen);
	for (i = 0; i < p->nsubs; i++)
		if (p->subs[i].id == o.id) {
			p->osc = &p->subs[i];
			osc_fini(&o);
			return 0;
		}
	for (t = 0; t < p->ev.ntopics && len < sizeof(topics); t++)
		len +=
		    (size_t)snprintf(topics + len, sizeof(topics) - len, "%s%s",
		                     t ? ", " : "", p->ev.topics[t].slug);
	rc = office_fail(-EINVAL, why, whylen,
	                 "organisation '%s' follows none of the topics of "
	                 "session %s (%s): it gets no message about it",
	                 o.name, name, p->ev.ntopics ? topics : "none");
	osc_fini(&o);
	return rc;
}

/* The reminder the session's next pending alarm would send: its due
 * time and offset, or now and 0 when none is left. */
static void
preview_next_reminder(const struct office *of, const struct event *ev,
                      int64_t *due, int64_t *offset_s)
{
	struct alarm *a = NULL;
	size_t n = 0, i;

	*due = clock_now();
	*offset_s = 0;
	if (store_alarm_list(of->st, ev->uid, &a, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		if (a[i].seq == ev->sequence &&
		    strcmp(a[i].state, "pending") == 0) {
			*due = a[i].due;
			*offset_s = a[i].offset_s;
			break;
		}
	alarm_array_free(a, n);
}

/* Render p->ri into p->raw and read its words into p->parts. */
static int
preview_render(struct preview *p, char *why, size_t whylen)
{
	int rc = message_render(&p->ri.in, &p->raw, &p->len, why, whylen);

	if (rc < 0) {
		p->raw = NULL;
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	if (message_view(p->raw, &p->parts) < 0)
		return office_fail(-ENOMEM, why, whylen, "out of memory");
	return 0;
}

int
preview_event(const struct office *of, struct event *ev, int kind,
              const char *osc, struct preview *out, char *why, size_t whylen)
{
	char rnd[64], name[128];
	int rc;

	memset(out, 0, sizeof(*out));
	out->ev = *ev;
	out->have_ev = 1;
	if (kind < 0 || kind >= NKINDS)
		return office_fail(-EINVAL, why, whylen, "no such kind");
	out->kind = preview_kinds[kind].name;
	event_short_id(out->ev.uid, name, sizeof(name));
	rc =
	    store_osc_subscribers(of->st, out->ev.uid, &out->subs, &out->nsubs);
	if (rc < 0)
		return office_store_error(of, rc, why, whylen);
	if ((rc = preview_osc_pick(of, out, osc, name, why, whylen)) < 0)
		return rc;
	if (token_random(rnd, sizeof(rnd)) < 0)
		return office_fail(-EIO, why, whylen,
		                   "no random bytes for a Message-ID");
	/* A preview's Message-ID is unique like any other, and says what it
	 * is. */
	snprintf(out->message_id, sizeof(out->message_id), "preview.%s@%s", rnd,
	         of->cfg->domain);
	out->fake.uid = out->ev.uid;
	out->fake.seq = out->ev.sequence;
	out->fake.kind = (char *)preview_kinds[kind].row_kind;
	out->fake.osc_id = out->osc->id;
	out->fake.message_id = out->message_id;
	if (preview_kinds[kind].kind == MESSAGE_REMINDER)
		preview_next_reminder(of, &out->ev, &out->fake.due,
		                      &out->fake.offset_s);
	else
		out->fake.due = clock_now();
	out->due = out->fake.due;
	out->have_ri = 1;
	rc = row_input_fill(of->st, of->cfg, &out->fake, &out->ev, out->osc,
	                    &out->ri, why, whylen);
	if (rc < 0)
		return rc == -ENOMEM ? -ENOMEM : -EIO;
	/* Asked for a kind of notice none was recorded for: the session as
	 * it is, told as that kind. */
	if (!out->ri.have_notice || preview_kinds[kind].kind == MESSAGE_CANCEL)
		out->ri.in.kind = preview_kinds[kind].kind;
	if (out->ri.in.kind == MESSAGE_MOVED && out->ri.in.old == NULL)
		out->ri.in.old = out->ri.in.ev;
	return preview_render(out, why, whylen);
}

int
preview_outbox(const struct office *of, int64_t id, struct preview *out,
               char *why, size_t whylen)
{
	struct outbox_row *r;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_outbox_get(of->st, id, &out->row)) < 0)
		return office_store_error(of, rc, why, whylen);
	r = out->row;
	out->kind = r->kind;
	out->due = r->due;
	if (strcmp(r->kind, "staff") == 0) {
		out->unrendered = "staff mail is not shown";
		return 0;
	}
	if (strcmp(r->kind, "signup") == 0) {
		out->unrendered = "signup mail is not shown: it holds the "
		                  "confirmation link";
		return 0;
	}
	if (store_event_get(of->st, r->uid, &out->ev) < 0) {
		out->unrendered = "the session was deleted";
		return 0;
	}
	out->have_ev = 1;
	if (store_osc_subscribers(of->st, r->uid, &out->subs, &out->nsubs) == 0)
		for (i = 0; i < out->nsubs && !out->osc; i++)
			if (out->subs[i].id == r->osc_id)
				out->osc = &out->subs[i];
	if (out->osc == NULL) {
		out->unrendered = "the organisation no longer follows the "
		                  "session's topics";
		return 0;
	}
	out->have_ri = 1;
	rc = row_input_fill(of->st, of->cfg, r, &out->ev, out->osc, &out->ri,
	                    why, whylen);
	if (rc < 0)
		return rc == -ENOMEM ? -ENOMEM : -EIO;
	return preview_render(out, why, whylen);
}

void
preview_fini(struct preview *p)
{
	if (p->have_ri)
		row_input_fini(&p->ri);
	message_parts_fini(&p->parts);
	free(p->raw);
	osc_array_free(p->subs, p->nsubs);
	if (p->have_ev)
		event_fini(&p->ev);
	if (p->row)
		outbox_row_array_free(p->row, 1);
	memset(p, 0, sizeof(*p));
}
