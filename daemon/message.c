/* message: the emails organisations read, rendered as RFC 5322 + MIME.
 *
 * A message is built in one growing buffer: the headers (every value
 * cleaned of control characters, non-ASCII text as RFC 2047 encoded
 * words), then a multipart/alternative body whose parts are
 * quoted-printable text and HTML from the templates and the base64
 * iCalendar part from event_calendar_render. The boundary starts with
 * "=_", which neither quoted-printable nor base64 output can contain.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event.h"
#include "fecha.h"
#include "message.h"
#include "message_internal.h"
#include "message_mime.h"

static void __attribute__((format(printf, 3, 4)))
err_set(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
str_or_empty(const char *s)
{
	return s ? s : "";
}

/* ---- header fields ------------------------------------------------------ */

/* "Name <addr>" or "addr" into its cleaned parts (both malloc'ed). */
static int
from_split(const char *from, char **name, char **addr)
{
	const char *lt = strrchr(str_or_empty(from), '<');
	int toolong;
	*name = NULL;
	*addr = NULL;
	if (lt) {
		char *raw = strndup(from, (size_t)(lt - from));
		if (!raw)
			return -ENOMEM;
		/* A quoted display name loses its quotes: it is re-encoded. */
		for (char *q = raw; *q; q++)
			if (*q == '"')
				*q = ' ';
		*name = mime_hdr_clean(raw);
		free(raw);
		*addr = mime_token_clean(lt + 1, &toolong);
	} else {
		*name = mime_hdr_clean("");
		*addr = mime_token_clean(from, &toolong);
	}
	if (!*name || !*addr) {
		free(*name);
		free(*addr);
		*name = *addr = NULL;
		return toolong ? -EINVAL : -ENOMEM;
	}
	return 0;
}

/* 1 if addr looks like local@domain with nothing a header could abuse. */
static int
addr_ok(const char *addr)
{
	const char *at = strchr(addr, '@');
	if (!at || at == addr || !at[1] || strchr(at + 1, '@'))
		return 0;
	if (strlen(addr) > 254)
		return 0;
	for (const unsigned char *s = (const unsigned char *)addr; *s; s++)
		if (*s <= 0x20 || *s == 0x7f || strchr(",;<>\"()[]\\", *s))
			return 0;
	return 1;
}

/* FNV-1a, for a boundary that follows from the message id. */
static uint64_t
hash64(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static const char *
kind_template(enum message_kind kind)
{
	switch (kind) {
	case MESSAGE_REMINDER:
		return "recordatorio";
	case MESSAGE_DATED:
		return "fecha";
	case MESSAGE_MOVED:
		return "cambio-fecha";
	case MESSAGE_PLACE:
		return "cambio-sede";
	case MESSAGE_CANCEL:
		return "cancelada";
	case MESSAGE_STAFF:
		return "personal";
	case MESSAGE_SIGNUP:
		return "confirmacion";
	case MESSAGE_WELCOME:
		return "bienvenida";
	}
	return NULL;
}

static int
check_input(const struct message_input *in, char *err, size_t errlen)
{
	if (!in || !kind_template(in->kind)) {
		err_set(err, errlen, "message: no input or unknown kind");
		return -EINVAL;
	}
	if (in->kind == MESSAGE_SIGNUP && (!in->link || !*in->link)) {
		err_set(err, errlen, "message: a confirmation needs its link");
		return -EINVAL;
	}
	if (in->kind != MESSAGE_STAFF && in->kind != MESSAGE_SIGNUP &&
	    in->kind != MESSAGE_WELCOME && (!in->ev || !in->ev->title)) {
		err_set(err, errlen,
		        "message: a session with a title is "
		        "needed");
		return -EINVAL;
	}
	if (in->kind == MESSAGE_STAFF && (!in->subject || !in->body_text)) {
		err_set(err, errlen,
		        "message: staff mail needs a subject and "
		        "a text");
		return -EINVAL;
	}
	if (!in->from || !in->message_id || !*in->message_id || !in->to ||
	    !in->to[0]) {
		err_set(err, errlen,
		        "message: from, to and message id are "
		        "required");
		return -EINVAL;
	}
	return 0;
}

/* A cleaned token of src (NULL or "": *dst stays NULL); -EINVAL naming
 * what when it is too long. */
static int
token_take(const char *src, char **dst, const char *what, char *err,
           size_t errlen)
{
	int toolong = 0;

	*dst = NULL;
	if (!src || !*src)
		return 0;
	if ((*dst = mime_token_clean(src, &toolong)) != NULL)
		return 0;
	if (!toolong)
		return -ENOMEM;
	err_set(err, errlen, "message: %s too long", what);
	return -EINVAL;
}

/* ---- a part's body, encoded once where it can be ---------------------- */

/*
 * The quoted-printable body of a text or HTML part. Quoted-printable
 * starts afresh at every line end, so a body encodes line by line: the
 * lines without a per-message value are encoded once, into enc; the
 * lines with one (the greeting, the unsubscribe link) are kept as text,
 * with their holes, and encoded for each message.
 */
struct seg {
	int dyn;         /* 0: enc[off, off + len); 1: raw[off, off + len) */
	size_t off, len; /* with the holes hole0 .. hole0 + nholes - 1 */
	size_t hole0, nholes;
};

struct body {
	struct tpl_out tpl; /* the expanded text (raw) and its holes */
	struct buf enc;
	struct seg *segs;
	size_t nsegs;
	int html;
};

static void
body_free(struct body *b)
{
	tpl_out_free(&b->tpl);
	buf_fini(&b->enc);
	free(b->segs);
	memset(b, 0, sizeof(*b));
}

/* Where the line holding byte p of s (len bytes) starts; a line ends
 * after LF, CRLF or a CR alone, as mime_qp_encode reads them. */
static size_t
line_start(const char *s, size_t p)
{
	while (p > 0 && s[p - 1] != '\n' && !(s[p - 1] == '\r' && s[p] != '\n'))
		p--;
	return p;
}

/* Where the line holding byte p ends, past its line end (or len). */
static size_t
line_end(const char *s, size_t len, size_t p)
{
	for (; p < len; p++) {
		if (s[p] == '\n')
			return p + 1;
		if (s[p] == '\r')
			return p + 1 + (s[p + 1] == '\n');
	}
	return len;
}

static int
seg_add(struct body *b, int dyn, size_t off, size_t len, size_t hole0,
        size_t nholes)
{
	struct seg *v = realloc(b->segs, (b->nsegs + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	b->segs = v;
	v[b->nsegs++] = (struct seg){dyn, off, len, hole0, nholes};
	return 0;
}

/* Encode raw[from, to) once into enc as a static segment. */
static int
seg_static(struct body *b, size_t from, size_t to)
{
	struct buf tmp = {0};
	size_t at = b->enc.len;

	if (from == to)
		return 0;
	buf_add(&tmp, b->tpl.text.p + from, to - from);
	if (!tmp.oom)
		mime_qp_encode(&b->enc, tmp.p);
	buf_fini(&tmp);
	if (tmp.oom || b->enc.oom)
		return -ENOMEM;
	return seg_add(b, 0, at, b->enc.len - at, 0, 0);
}

/* Cut the expanded text into static and per-message segments. */
static int
body_segment(struct body *b)
{
	const char *s = b->tpl.text.p ? b->tpl.text.p : "";
	size_t len = b->tpl.text.len, done = 0, i = 0;
	int r = 0;

	while (r == 0 && i < b->tpl.nholes) {
		size_t at = b->tpl.holes[i].at, p = at, from, to, j = i;

		/* A value right after a CR may start with the LF that
		 * makes it a CRLF: its line is the CR's. */
		if (p > 0 && s[p - 1] == '\r')
			p--;
		from = line_start(s, p);
		if (from < done)
			from = done;
		to = line_end(s, len, at);
		/* Every later hole before the end joins this segment. */
		while (j + 1 < b->tpl.nholes) {
			size_t next = b->tpl.holes[j + 1].at, q = next;

			if (q > 0 && s[q - 1] == '\r')
				q--;
			if (q >= to)
				break;
			j++;
			to = line_end(s, len, next);
		}
		r = seg_static(b, done, from);
		if (r == 0)
			r = seg_add(b, 1, from, to - from, i, j - i + 1);
		done = to;
		i = j + 1;
	}
	if (r == 0)
		r = seg_static(b, done, len);
	return r;
}

/* The value of a hole for one message. */
struct fill {
	const char *vals[TPL_NVARS];
};

/* Append the body, its per-message lines filled from f, to out. */
static void
body_write(const struct body *b, const struct fill *f, struct buf *out,
           struct buf *scratch)
{
	const char *raw = b->tpl.text.p;

	for (size_t i = 0; i < b->nsegs; i++) {
		const struct seg *g = &b->segs[i];
		size_t at = g->off;

		if (!g->dyn) {
			buf_add(out, b->enc.p + g->off, g->len);
			continue;
		}
		scratch->len = 0;
		for (size_t k = g->hole0; k < g->hole0 + g->nholes; k++) {
			const struct tpl_hole *h = &b->tpl.holes[k];
			const char *v = f->vals[h->var] ? f->vals[h->var] : "";

			buf_add(scratch, raw + at, h->at - at);
			if (b->html)
				tpl_html_escape(scratch, v);
			else
				buf_adds(scratch, v);
			at = h->at;
		}
		buf_add(scratch, raw + at, g->off + g->len - at);
		if (!scratch->oom)
			mime_qp_encode(out, scratch->p ? scratch->p : "");
		else
			out->oom = 1;
	}
}

/* ---- what messages share --------------------------------------------- */

/*
 * Everything of a message but its addressee, greeting, Message-ID and
 * unsubscribe link: the same for every reminder of one session, kind,
 * offset and topic. Kept (a few, the last used) by message_render, or
 * made for one message.
 */
struct shared {
	/* The key: the inputs it was made from. */
	enum message_kind kind;
	struct event ev, old;
	int has_ev, has_old;
	char *strs; /* from, topic slug and name, list id, mailto, calendar
	               URL, office zone, template dir, each NUL-ended */
	size_t strslen;
	int64_t date;
	int late, has_org, has_url, has_page;
	unsigned generation;
	uint64_t last; /* for eviction */

	/* What was made. */
	char *from_addr, *unsub_mailto, *list_id;
	struct buf hdr_from;    /* "From: …\r\n" */
	struct buf hdr_subject; /* "Subject: …\r\n" */
	struct buf hdr_list_id; /* "List-Id: …\r\n" or nothing */
	struct body text, html;
	const char *method;
	struct buf ical; /* base64 lines, or empty */
	int has_ical;
};

static void
shared_free(struct shared *sh)
{
	if (sh->has_ev)
		event_fini(&sh->ev);
	if (sh->has_old)
		event_fini(&sh->old);
	free(sh->strs);
	free(sh->from_addr);
	free(sh->unsub_mailto);
	free(sh->list_id);
	buf_fini(&sh->hdr_from);
	buf_fini(&sh->hdr_subject);
	buf_fini(&sh->hdr_list_id);
	body_free(&sh->text);
	body_free(&sh->html);
	buf_fini(&sh->ical);
	memset(sh, 0, sizeof(*sh));
}

/* The string inputs of the key, one after another, each NUL-ended (a
 * NULL one as "\x01"). */
static char *
key_strings(const struct message_input *in, size_t *len)
{
	const char *v[] = {in->from,
	                   in->topic_slug,
	                   in->topic_name,
	                   in->list_id,
	                   in->unsubscribe_mailto,
	                   in->calendar_url,
	                   in->office_tzid,
	                   in->template_dir,
	                   in->office_name,
	                   in->office_signature,
	                   in->privacy_url};
	struct buf b = {0};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		buf_add(&b, v[i] ? v[i] : "\x01",
		        (v[i] ? strlen(v[i]) : 1) + 1);
	if (b.oom) {
		buf_fini(&b);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/* 1 if a and b render the same: every field the message shows. */
static int
event_identical(const struct event *a, const struct event *b)
{
	return event_same(a, b) && a->status == b->status &&
	       a->sequence == b->sequence && a->dtstamp == b->dtstamp &&
	       a->created == b->created &&
	       a->last_modified == b->last_modified &&
	       !fecha_date_cmp(a->start, b->start) &&
	       !fecha_date_cmp(a->end, b->end) &&
	       a->start_min == b->start_min && a->end_min == b->end_min &&
	       !fecha_date_cmp(a->win_start, b->win_start) &&
	       !fecha_date_cmp(a->win_end, b->win_end) &&
	       a->duration_days == b->duration_days;
}

static int
has_text(const char *s)
{
	return s && *s;
}

static int
shared_matches(const struct shared *sh, const struct message_input *in,
               const char *strs, size_t strslen)
{
	return sh->kind == in->kind && sh->generation == tpl_generation() &&
	       sh->date == in->date && sh->late == !!in->late &&
	       sh->has_org == has_text(in->osc_name) &&
	       sh->has_url == has_text(in->unsubscribe_url) &&
	       sh->has_page == has_text(in->subscription_url) &&
	       sh->strslen == strslen && !memcmp(sh->strs, strs, strslen) &&
	       sh->has_ev == (in->ev != NULL) &&
	       (!in->ev || event_identical(&sh->ev, in->ev)) &&
	       sh->has_old == (in->old != NULL) &&
	       (!in->old || event_identical(&sh->old, in->old));
}

static int
calendar_part(const struct message_input *in, struct shared *sh, char *err,
              size_t errlen)
{
	struct event copy;
	const struct event *ev = in->ev;
	char *organizer = NULL, *ical = NULL;
	size_t len;
	int r;

	if (asprintf(&organizer, "mailto:%s", sh->from_addr) < 0)
		return -ENOMEM;
	/* RFC 5546: a CANCEL carries STATUS:CANCELLED whatever the caller
	 * left in the event. */
	if (in->kind == MESSAGE_CANCEL && ev->status != EVENT_CANCELLED) {
		if (event_copy(&copy, ev) < 0) {
			free(organizer);
			return -ENOMEM;
		}
		copy.status = EVENT_CANCELLED;
		ev = &copy;
	}
	struct event_calendar cal = {
	    .method = sh->method,
	    .organizer = organizer,
	    .with_alarms = 0,
	};
	r = event_calendar_render(ev, 1, &cal, &ical, &len, err, errlen);
	if (ev == &copy)
		event_fini(&copy);
	free(organizer);
	if (r < 0)
		return r;
	mime_b64_lines(&sh->ical, ical, strlen(ical));
	free(ical);
	sh->has_ical = 1;
	return sh->ical.oom ? -ENOMEM : 0;
}

/* "From: Name <addr>\r\n" into sh; -EINVAL if the address is unusable. */
static int
shared_from(const struct message_input *in, struct shared *sh, char *err,
            size_t errlen)
{
	struct mime_hdr h;
	char *name = NULL, *addr = NULL;
	int r = from_split(in->from, &name, &addr);

	if (r == -ENOMEM)
		return r;
	if (r < 0 || !addr_ok(addr)) {
		free(name);
		free(addr);
		err_set(err, errlen, "message: bad From address");
		return -EINVAL;
	}
	sh->from_addr = addr;
	mime_hdr_begin(&h, &sh->hdr_from, "From");
	if (*name)
		mime_hdr_text(&h, name, 1);
	free(name);
	if (asprintf(&addr, "<%s>", sh->from_addr) < 0)
		return -ENOMEM;
	mime_hdr_token(&h, addr, strlen(addr));
	free(addr);
	mime_hdr_end(&h);
	return sh->hdr_from.oom ? -ENOMEM : 0;
}

/* "Subject: …" and "List-Id: …" into sh. */
static int
shared_headers(const struct message_input *in, struct shared *sh)
{
	struct mime_hdr h;
	char *subject = message_subject_make(in), *topic, *id = NULL;

	if (!subject)
		return -ENOMEM;
	mime_hdr_begin(&h, &sh->hdr_subject, "Subject");
	mime_hdr_text(&h, subject, 0);
	mime_hdr_end(&h);
	free(subject);
	if (sh->list_id) {
		if ((topic = mime_hdr_clean(in->topic_name)) == NULL)
			return -ENOMEM;
		mime_hdr_begin(&h, &sh->hdr_list_id, "List-Id");
		if (*topic)
			mime_hdr_text(&h, topic, 1);
		free(topic);
		if (asprintf(&id, "<%s>", sh->list_id) < 0)
			return -ENOMEM;
		mime_hdr_token(&h, id, strlen(id));
		free(id);
		mime_hdr_end(&h);
	}
	return sh->hdr_subject.oom || sh->hdr_list_id.oom ? -ENOMEM : 0;
}

/* Expand template base.ext with vals into body b and segment it. */
static int
shared_body(const char *dir, const char *base, const char *ext,
            const char *const vals[TPL_NVARS], struct body *b, char *err,
            size_t errlen)
{
	char name[64];
	int r;

	snprintf(name, sizeof(name), "%s.%s", base, ext);
	b->html = !strcmp(ext, "html");
	if ((r = tpl_render(dir, name, vals, &b->tpl, err, errlen)) < 0)
		return r;
	return body_segment(b);
}

/* Who signs: [office] signature (its '|' made line breaks, spaces around
 * them trimmed), else the office's name, else the office's role. */
static const char *
signature_lines(const struct message_input *in, char *buf, size_t len)
{
	const char *s = in->office_signature;
	size_t o = 0;

	if (!has_text(s))
		return has_text(in->office_name)
		           ? in->office_name
		           : "Oficina de enlace con organizaciones de la "
		             "sociedad civil";
	for (; *s && o + 1 < len; s++) {
		if (*s != '|') {
			buf[o++] = *s;
			continue;
		}
		while (o > 0 && buf[o - 1] == ' ')
			o--;
		buf[o++] = '\n';
		while (s[1] == ' ')
			s++;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Make sh from in: with holes for the greeting and the unsubscribe link
 * when holes is set (to be kept for the messages that follow), else with
 * in's own values (one message). 0, or negative with err; sh is then to
 * be freed all the same.
 */
static int
shared_make(const struct message_input *in, int holes, struct shared *sh,
            char *err, size_t errlen)
{
	const struct event *ev = in->ev, *old = in->old;
	char when[256] = "", when_old[256] = "", firma[1100];
	const char *vals[TPL_NVARS] = {0}, *base = kind_template(in->kind);
	int r;

	sh->kind = in->kind;
	sh->date = in->date;
	sh->late = !!in->late;
	sh->has_org = has_text(in->osc_name);
	sh->has_url = has_text(in->unsubscribe_url);
	sh->has_page = has_text(in->subscription_url);
	sh->generation = tpl_generation();
	sh->method = in->kind == MESSAGE_CANCEL ? "CANCEL" : "PUBLISH";
	if ((sh->strs = key_strings(in, &sh->strslen)) == NULL)
		return -ENOMEM;
	if (ev) {
		if (event_copy(&sh->ev, ev) < 0)
			return -ENOMEM;
		sh->has_ev = 1;
	}
	if (old) {
		if (event_copy(&sh->old, old) < 0)
			return -ENOMEM;
		sh->has_old = 1;
	}
	if ((r = shared_from(in, sh, err, errlen)) < 0 ||
	    (r = token_take(in->list_id, &sh->list_id, "list id", err,
	                    errlen)) < 0 ||
	    (r = token_take(in->unsubscribe_mailto, &sh->unsub_mailto,
	                    "unsubscribe mailto", err, errlen)) < 0 ||
	    (r = shared_headers(in, sh)) < 0)
		return r;
	if ((ev &&
	     message_when_words(ev, in->office_tzid, when, sizeof(when)) < 0) ||
	    (old && message_when_words(old, in->office_tzid, when_old,
	                               sizeof(when_old)) < 0)) {
		err_set(err, errlen, "message: cannot put the date in words");
		return -EINVAL;
	}
	vals[TPL_TITULO] = ev ? ev->title : NULL;
	vals[TPL_FECHA] = when;
	vals[TPL_FECHA_ANTERIOR] = when_old;
	vals[TPL_LUGAR] = ev ? ev->location : NULL;
	vals[TPL_LUGAR_ANTERIOR] = old ? old->location : NULL;
	vals[TPL_TEMA] = in->topic_name;
	vals[TPL_DESCRIPCION] = ev ? ev->description : NULL;
	vals[TPL_MOTIVO] = ev ? ev->reason : NULL;
	vals[TPL_CALENDARIO] = in->calendar_url;
	vals[TPL_TEXTO] = in->kind == MESSAGE_STAFF ? in->body_text : NULL;
	vals[TPL_TARDE] = in->late ? "sí" : NULL;
	vals[TPL_OFICINA] = has_text(in->office_name) ? in->office_name : NULL;
	vals[TPL_FIRMA] = signature_lines(in, firma, sizeof(firma));
	vals[TPL_AVISO] = has_text(in->privacy_url) ? in->privacy_url : NULL;
	vals[TPL_TEMAS] = in->topics_text;
	vals[TPL_ENLACE] = in->link;
	vals[TPL_VENCE] = in->until_text;
	if (holes) {
		vals[TPL_ORGANIZACION] = sh->has_org ? tpl_hole : NULL;
		vals[TPL_BAJA] =
		    sh->has_url ? tpl_hole : in->unsubscribe_mailto;
		vals[TPL_SUSCRIPCION] = sh->has_page ? tpl_hole : NULL;
	} else {
		vals[TPL_SUSCRIPCION] = in->subscription_url;
		vals[TPL_ORGANIZACION] = in->osc_name;
		vals[TPL_BAJA] = has_text(in->unsubscribe_url)
		                     ? in->unsubscribe_url
		                     : in->unsubscribe_mailto;
	}
	if ((r = shared_body(in->template_dir, base, "txt", vals, &sh->text,
	                     err, errlen)) < 0 ||
	    (r = shared_body(in->template_dir, base, "html", vals, &sh->html,
	                     err, errlen)) < 0)
		return r;
	if (ev && (r = calendar_part(in, sh, err, errlen)) < 0)
		return r;
	return 0;
}

/* The kept shared parts, the last used first to go last. */
#define SHARED_KEPT 16
static struct shared kept[SHARED_KEPT];
static uint64_t kept_clock;

/*
 * The shared parts for in: a kept one that matches, or one made now and
 * kept (evicting the least recently used). Staff mail (one message per
 * text) is made for the message alone, into *own. NULL with err.
 */
static const struct shared *
shared_get(const struct message_input *in, struct shared *own, int *ret,
           char *err, size_t errlen)
{
	struct shared *victim = &kept[0];
	char *strs;
	size_t strslen, i;

	/* Staff mail and signup mail are one message per text. */
	if (in->kind == MESSAGE_STAFF || in->kind == MESSAGE_SIGNUP ||
	    in->kind == MESSAGE_WELCOME) {
		if ((*ret = shared_make(in, 0, own, err, errlen)) < 0)
			return NULL;
		return own;
	}
	if ((strs = key_strings(in, &strslen)) == NULL) {
		*ret = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < SHARED_KEPT; i++) {
		struct shared *sh = &kept[i];

		if (sh->strs && shared_matches(sh, in, strs, strslen)) {
			free(strs);
			sh->last = ++kept_clock;
			return sh;
		}
		if (!sh->strs || sh->last < victim->last)
			victim = sh;
	}
	free(strs);
	shared_free(victim);
	if ((*ret = shared_make(in, 1, victim, err, errlen)) < 0) {
		shared_free(victim);
		return NULL;
	}
	victim->last = ++kept_clock;
	return victim;
}

void
message_cleanup(void)
{
	for (size_t i = 0; i < SHARED_KEPT; i++)
		shared_free(&kept[i]);
	tpl_cleanup();
}

/* ---- one message ------------------------------------------------------ */

/* The per-message fields of in, checked and cleaned. */
struct own {
	char *msgid, *unsub_url, *page_url;
};

static int
own_fields(const struct message_input *in, struct own *o, char *err,
           size_t errlen)
{
	int r;

	for (size_t i = 0; in->to[i]; i++) {
		if (!addr_ok(in->to[i])) {
			err_set(err, errlen,
			        "message: bad recipient address "
			        "(spaces, commas or controls)");
			return -EINVAL;
		}
	}
	if ((r = token_take(in->message_id, &o->msgid, "message id", err,
	                    errlen)) < 0 ||
	    (r = token_take(in->unsubscribe_url, &o->unsub_url,
	                    "unsubscribe URL", err, errlen)) < 0 ||
	    (r = token_take(in->subscription_url, &o->page_url,
	                    "subscription page URL", err, errlen)) < 0)
		return r;
	if (!o->msgid || !strchr(o->msgid, '@')) {
		err_set(err, errlen, "message: message id needs an '@'");
		return -EINVAL;
	}
	return 0;
}

/* The headers: the shared ones around the message's own. */
static void
headers_write(const struct message_input *in, const struct shared *sh,
              const struct own *o, struct buf *b, const char *boundary,
              const char *mixed)
{
	struct mime_hdr h;

	buf_add(b, sh->hdr_from.p, sh->hdr_from.len);
	mime_hdr_begin(&h, b, "To");
	for (size_t i = 0; in->to[i]; i++) {
		if (i)
			mime_hdr_glue(&h, ",");
		mime_hdr_token(&h, in->to[i], strlen(in->to[i]));
	}
	mime_hdr_end(&h);

	mime_hdr_date(b, in->date ? in->date : clock_now());
	buf_addf(b, "Message-ID: <%s>\r\n", o->msgid);
	buf_add(b, sh->hdr_subject.p, sh->hdr_subject.len);
	buf_adds(b, "MIME-Version: 1.0\r\n");
	if (mixed)
		buf_addf(
		    b, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n",
		    mixed);
	else
		buf_addf(b,
		         "Content-Type: multipart/alternative;\r\n "
		         "boundary=\"%s\"\r\n",
		         boundary);
	if (sh->hdr_list_id.len)
		buf_add(b, sh->hdr_list_id.p, sh->hdr_list_id.len);
	if (o->unsub_url || sh->unsub_mailto) {
		const char *urls[] = {o->unsub_url, sh->unsub_mailto};
		char tok[MIME_FIELD_MAX + 3];
		int n = 0;

		mime_hdr_begin(&h, b, "List-Unsubscribe");
		for (size_t i = 0; i < 2; i++) {
			if (!urls[i])
				continue;
			int len = snprintf(tok, sizeof(tok), "<%s>", urls[i]);
			if (n++)
				mime_hdr_glue(&h, ",");
			mime_hdr_token(&h, tok, (size_t)len);
		}
		mime_hdr_end(&h);
		/* RFC 8058: one-click only works over https. */
		if (o->unsub_url && !strncmp(o->unsub_url, "https://", 8))
			buf_adds(b, "List-Unsubscribe-Post: "
			            "List-Unsubscribe=One-Click\r\n");
	}
	buf_adds(b, "Auto-Submitted: auto-generated\r\n");
	buf_adds(b, "X-Auto-Response-Suppress: All\r\n");
	buf_adds(b, "\r\n");
}

/* The whole message from sh and the message's own fields. */
static int
message_write(const struct message_input *in, const struct shared *sh,
              const struct own *o, char **out, size_t *outlen)
{
	struct buf b = {0}, scratch = {0};
	struct fill f = {{0}};
	char boundary[64], mixed[72];

	f.vals[TPL_ORGANIZACION] = in->osc_name;
	f.vals[TPL_BAJA] = in->unsubscribe_url;
	f.vals[TPL_SUSCRIPCION] = o->page_url;
	snprintf(boundary, sizeof(boundary), "=_cronograma_%016llx",
	         (unsigned long long)hash64(o->msgid));
	/* The shared parts' size and room for the headers: one allocation
	 * for most messages. */
	buf_reserve(&b, sh->text.enc.len + sh->html.enc.len + 2 * sh->ical.len +
	                    2048);
	/* A message with a session is multipart/mixed: the alternatives,
	 * then the session as a file (Gmail's own invitations have this
	 * shape; Thunderbird and Outlook show the file). */
	snprintf(mixed, sizeof(mixed), "%s_m", boundary);
	headers_write(in, sh, o, &b, boundary, sh->has_ical ? mixed : NULL);
	if (sh->has_ical)
		buf_addf(&b,
		         "--%s\r\n"
		         "Content-Type: multipart/alternative;\r\n"
		         " boundary=\"%s\"\r\n\r\n",
		         mixed, boundary);
	buf_addf(&b, "--%s\r\n", boundary);
	buf_adds(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
	             "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	body_write(&sh->text, &f, &b, &scratch);
	buf_addf(&b, "--%s\r\n", boundary);
	buf_adds(&b, "Content-Type: text/html; charset=UTF-8\r\n"
	             "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	body_write(&sh->html, &f, &b, &scratch);
	if (sh->has_ical) {
		buf_addf(&b, "--%s\r\n", boundary);
		buf_addf(&b,
		         "Content-Type: text/calendar; charset=UTF-8; "
		         "method=%s\r\n"
		         "Content-Transfer-Encoding: base64\r\n\r\n",
		         sh->method);
		buf_add(&b, sh->ical.p, sh->ical.len);
	}
	buf_addf(&b, "--%s--\r\n", boundary);
	if (sh->has_ical) {
		buf_addf(&b,
		         "--%s\r\n"
		         "Content-Type: application/ics; "
		         "name=\"invitacion.ics\"\r\n"
		         "Content-Disposition: attachment; "
		         "filename=\"invitacion.ics\"\r\n"
		         "Content-Transfer-Encoding: base64\r\n\r\n",
		         mixed);
		buf_add(&b, sh->ical.p, sh->ical.len);
		buf_addf(&b, "--%s--\r\n", mixed);
	}
	if (scratch.oom)
		b.oom = 1;
	buf_fini(&scratch);
	if (b.oom) {
		buf_fini(&b);
		return -ENOMEM;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

static int
render(const struct message_input *in, int whole, char **out, size_t *outlen,
       char *err, size_t errlen)
{
	struct shared own_shared = {0};
	const struct shared *sh = NULL;
	struct own o = {0};
	int r;

	*out = NULL;
	*outlen = 0;
	if ((r = check_input(in, err, errlen)) < 0)
		return r;
	if (whole) {
		if ((r = shared_make(in, 0, &own_shared, err, errlen)) == 0)
			sh = &own_shared;
	} else {
		sh = shared_get(in, &own_shared, &r, err, errlen);
	}
	if (sh && (r = own_fields(in, &o, err, errlen)) == 0)
		r = message_write(in, sh, &o, out, outlen);
	if (r == -ENOMEM)
		err_set(err, errlen, "message: out of memory");
	free(o.msgid);
	free(o.unsub_url);
	free(o.page_url);
	shared_free(&own_shared);
	return r;
}

int
message_render(const struct message_input *in, char **out, size_t *outlen,
               char *err, size_t errlen)
{
	return render(in, 0, out, outlen, err, errlen);
}

int
message_render_whole(const struct message_input *in, char **out, size_t *outlen,
                     char *err, size_t errlen)
{
	return render(in, 1, out, outlen, err, errlen);
}

int
message_fragment_render(const char *dir, const char *name,
                        const char *office_name, const char *text, char **out,
                        char *err, size_t errlen)
{
	const char *vals[TPL_NVARS] = {0};
	struct tpl_out o = {0};
	size_t len;
	int r;

	*out = NULL;
	vals[TPL_OFICINA] = has_text(office_name) ? office_name : NULL;
	vals[TPL_TEXTO] = has_text(text) ? text : NULL;
	if ((r = tpl_render(dir, name, vals, &o, err, errlen)) < 0) {
		tpl_out_free(&o);
		return r;
	}
	*out = buf_take(&o.text, &len);
	tpl_out_free(&o);
	if (*out == NULL) {
		err_set(err, errlen, "message: out of memory");
		return -ENOMEM;
	}
	return 0;
}
