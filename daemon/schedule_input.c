/* schedule_input: see schedule_input.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "schedule_input.h"
#include "schedule_notice.h"
#include "token.h"

enum message_kind
row_input_kind(const char *kind)
{
	if (strcmp(kind, "cancel") == 0)
		return MESSAGE_CANCEL;
	if (strcmp(kind, "update") == 0)
		return MESSAGE_MOVED;
	return MESSAGE_REMINDER;
}

const struct event_topic *
row_input_topic(const struct event *ev, const struct osc *o)
{
	size_t i, j;

	for (i = 0; i < ev->ntopics; i++)
		for (j = 0; j < o->ntopics; j++)
			if (strcmp(ev->topics[i].slug, o->topics[j]) == 0)
				return &ev->topics[i];
	return ev->ntopics ? &ev->topics[0] : NULL;
}

int
row_input_fill(struct store *st, const struct config *cfg,
               const struct outbox_row *r, struct event *ev,
               const struct osc *o, struct row_input *ri, char *err,
               size_t errlen)
{
	const struct event_topic *topic = row_input_topic(ev, o);
	struct message_input *in = &ri->in;
	char from_addr[320], token[TOKEN_MAX];
	size_t i, n;
	int ret;

	memset(ri, 0, sizeof(*ri));
	if ((ri->to = calloc(o->nemails + 1, sizeof(*ri->to))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < o->nemails; i++)
		ri->to[i] = o->emails[i];
	/* A retry renders the same bytes: the stamps come from the row. */
	ev->dtstamp = r->due;
	in->kind = row_input_kind(r->kind);
	in->ev = ev;
	if (strcmp(r->kind, "reminder") != 0) {
		/* A notice renders the session as it was told, from the
		 * store (rows without one render the session as it is). */
		ret = schedule_notice_load(st, r->uid, r->seq, &in->kind,
		                           &ri->notice_ev, &ri->notice_old);
		if (ret < 0 && ret != -ENOENT) {
			snprintf(err, errlen, "notice: %s", store_error(st));
			return -EIO;
		}
		if (ret == 0) {
			ri->have_notice = 1;
			ri->notice_ev.dtstamp = r->due;
			in->ev = &ri->notice_ev;
			in->old = &ri->notice_old;
		}
	}
	in->from = cfg->mail_from;
	in->to = ri->to;
	in->osc_name = o->name;
	in->message_id = r->message_id;
	in->office_tzid = cfg->timezone;
	in->template_dir = cfg->template_dir;
	in->office_name = cfg->office_name;
	in->office_signature = cfg->office_signature;
	in->privacy_url = cfg->office_privacy_url;
	in->date = r->due;
	in->late = r->late;
	/* The public URL without its trailing slashes. */
	n = strlen(cfg->public_url);
	while (n > 0 && cfg->public_url[n - 1] == '/')
		n--;
	/* Every message links to the organisation's own page. */
	if (o->token != NULL &&
	    token_page_make(o->id, o->token, token, sizeof(token)) == 0) {
		snprintf(ri->page, sizeof(ri->page), "%.*s/suscripcion/%s",
		         (int)n, cfg->public_url, token);
		in->subscription_url = ri->page;
	}
	if (topic) {
		in->topic_slug = topic->slug;
		in->topic_name = topic->name;
		snprintf(ri->list_id, sizeof(ri->list_id), "%s.%s", topic->slug,
		         cfg->domain);
		in->list_id = ri->list_id;
		snprintf(ri->cal, sizeof(ri->cal), "%.*s/calendarios/%s.ics",
		         (int)n, cfg->public_url, topic->slug);
		in->calendar_url = ri->cal;
		if (token_unsubscribe_make(o->id, topic->slug, token,
		                           sizeof(token)) == 0) {
			snprintf(ri->unsub, sizeof(ri->unsub), "%.*s/baja/%s",
			         (int)n, cfg->public_url, token);
			in->unsubscribe_url = ri->unsub;
		}
	}
	if (addr_mailbox_parse(cfg->mail_from, from_addr, sizeof(from_addr),
	                       NULL, 0) == 0 &&
	    from_addr[0]) {
		snprintf(ri->mailto, sizeof(ri->mailto),
		         "mailto:%s?subject=baja", from_addr);
		in->unsubscribe_mailto = ri->mailto;
	}
	return 0;
}

void
row_input_fini(struct row_input *ri)
{
	if (ri->have_notice) {
		event_fini(&ri->notice_ev);
		event_fini(&ri->notice_old);
		ri->have_notice = 0;
	}
	free(ri->to);
	ri->to = NULL;
}
