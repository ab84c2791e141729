/* schedule_notice: telling subscribers that a session got a date, moved,
 * changed place or was cancelled, and staff mail (nudges about undecided
 * sessions, the weekly digest). See schedule.h, "notices and staff mail";
 * the running scheduler (schedule.c) calls schedule_notice_run in each
 * step and waits for schedule_notice_next. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "fecha.h"
#include "log.h"
#include "message.h"
#include "schedule_alarm.h"
#include "schedule_notice.h"
#include "store_self.h"
#include "store.h"
#include "store_bounce.h"

#define NOTICES_PER_STEP 64    /* notices or nudges read per step */
#define STAFF_LATE_S     86400 /* an "open" nudge later than this: skipped */
#define DIGEST_LATE_S    43200 /* a digest later than this waits a week */
#define DIGEST_DAYS      14    /* the digest looks this far ahead */
#define DIGEST_FAILED    200   /* failed messages listed at most */

/* ---- the decision ---- */

static const char *
tz_of(const struct event *ev)
{
	return ev->tzid ? ev->tzid : EVENT_DEFAULT_TZID;
}

static int
str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* 1 if two dated sessions take place at the same dates and times. */
static int
when_same(const struct event *a, const struct event *b)
{
	if (a->kind != b->kind || fecha_date_cmp(a->start, b->start) != 0 ||
	    a->start_min != b->start_min || strcmp(tz_of(a), tz_of(b)) != 0)
		return 0;
	if (a->kind == FECHA_RANGE && fecha_date_cmp(a->end, b->end) != 0)
		return 0;
	return a->start_min < 0 || a->end_min == b->end_min;
}

enum notice_kind
schedule_notice_decide(const struct event *told, const struct event *now)
{
	int was_cancelled = told->status == EVENT_CANCELLED;

	if (now->status == EVENT_CANCELLED)
		return was_cancelled ? NOTICE_NONE : NOTICE_CANCEL;
	if (!schedule_event_dated(now))
		return !was_cancelled && schedule_event_dated(told)
		           ? NOTICE_MOVED
		           : NOTICE_NONE;
	if (was_cancelled || !schedule_event_dated(told))
		return NOTICE_DATED;
	if (!when_same(told, now))
		return NOTICE_MOVED;
	if (!str_same(told->location, now->location))
		return NOTICE_PLACE;
	return NOTICE_NONE;
}

static const char *const kind_names[] = {
    [NOTICE_NONE] = NULL,       [NOTICE_DATED] = "dated",
    [NOTICE_MOVED] = "moved",   [NOTICE_PLACE] = "place",
    [NOTICE_CANCEL] = "cancel",
};

const char *
schedule_notice_kind_name(enum notice_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return NULL;
	return kind_names[k];
}

int
schedule_notice_kind_parse(const char *name)
{
	size_t i;

	for (i = 1; name && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(kind_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* ---- noting edits ---- */

int
schedule_notice_note(struct store *st, const struct config *cfg,
                     const struct event *old, const struct event *ev, int flags,
                     int64_t now)
{
	char *baseline = NULL, err[256];
	int64_t due;
	int ret, waiting;

	if (flags & SCHEDULE_NOTICE_SILENT)
		return store_notice_clear(st, ev->uid);
	ret = store_notice_get(st, ev->uid, &baseline, &due);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	waiting = ret == 0;
	free(baseline);
	baseline = NULL;
	if (!waiting && schedule_notice_decide(old, ev) == NOTICE_NONE)
		return 0;
	due = flags & SCHEDULE_NOTICE_NOW ? now : now + cfg->notices_quiet;
	/* A waiting notice keeps its baseline: the text is only used for
	 * the first edit. */
	if (event_to_ical(old, &baseline, err, sizeof(err)) < 0) {
		log_err("notice of %s: %s", ev->uid, err);
		return -EINVAL;
	}
	ret = store_notice_touch(st, ev->uid, baseline, due, now);
	free(baseline);
	return ret;
}

/* ---- who is told ---- */

static int
long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/*
 * The organisations a notice of kind about session uid goes to: its
 * subscribers; for a cancellation only those of them told of it before.
 * Free with osc_array_free.
 */
static int
notice_recipients(struct store *st, const char *uid, enum notice_kind kind,
                  struct osc **out, size_t *n)
{
	struct osc *oscs = NULL;
	long *told = NULL;
	size_t k = 0, ntold = 0, i, active;
	int ret;

	*out = NULL;
	*n = 0;
	if ((ret = store_osc_subscribers(st, uid, &oscs, &k)) < 0)
		return ret;
	if (kind == NOTICE_CANCEL) {
		size_t keep = 0;

		if ((ret = store_notice_told(st, uid, &told, &ntold)) < 0) {
			osc_array_free(oscs, k);
			return ret;
		}
		for (i = 0; i < k; i++) {
			if (ntold > 0 && bsearch(&oscs[i].id, told, ntold,
			                         sizeof(*told), long_cmp)) {
				if (keep != i)
					oscs[keep] = oscs[i];
				keep++;
			} else {
				osc_fini(&oscs[i]);
			}
		}
		free(told);
		k = keep;
	}
	/* An organisation that paused its mail (008-self-service) is told
	 * nothing until it resumes. */
	for (i = 0, active = 0; i < k; i++) {
		if (oscs[i].paused_at == 0) {
			if (active != i)
				oscs[active] = oscs[i];
			active++;
		} else {
			osc_fini(&oscs[i]);
		}
	}
	k = active;
	if (k == 0) {
		free(oscs);
		oscs = NULL;
	}
	*out = oscs;
	*n = k;
	return 0;
}

void
notice_plan_array_free(struct notice_plan *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i].osc);
	free(v);
}

int
schedule_notice_plan(struct store *st, const struct config *cfg,
                     const struct event *old, const struct event *ev, int flags,
                     int64_t now, struct notice_plan **out, size_t *n)
{
	struct event told;
	struct osc *oscs = NULL;
	enum notice_kind kind;
	char *baseline = NULL, err[256];
	int64_t due;
	size_t k = 0, i;
	int ret;

	*out = NULL;
	*n = 0;
	if (flags & SCHEDULE_NOTICE_SILENT)
		return 0;
	ret = store_notice_get(st, ev->uid, &baseline, &due);
	if (ret == 0 &&
	    event_from_ical(baseline, &told, err, sizeof(err)) == 0) {
		kind = schedule_notice_decide(&told, ev);
		event_fini(&told);
	} else if (ret == 0 || ret == -ENOENT) {
		kind = schedule_notice_decide(old, ev);
	} else {
		return ret;
	}
	free(baseline);
	if (kind == NOTICE_NONE)
		return 0;
	due = flags & SCHEDULE_NOTICE_NOW ? now : now + cfg->notices_quiet;
	if ((ret = notice_recipients(st, ev->uid, kind, &oscs, &k)) < 0)
		return ret;
	if (k > 0 && (*out = calloc(k, sizeof(**out))) == NULL) {
		osc_array_free(oscs, k);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++) {
		(*out)[i].osc_id = oscs[i].id;
		(*out)[i].osc = oscs[i].name;
		oscs[i].name = NULL;
		(*out)[i].what = kind;
		(*out)[i].due = due;
	}
	*n = k;
	osc_array_free(oscs, k);
	return 0;
}

int
schedule_reminders_plan(struct store *st, const struct config *cfg,
                        const struct event *ev, int64_t now,
                        struct alarm_due *out, size_t *n)
{
	int64_t offsets[SCHEDULE_OFFSETS_MAX], start;
	struct alarm_due due[SCHEDULE_OFFSETS_MAX];
	size_t noff = 0, ndue = 0, i;
	int ret;

	*n = 0;
	if (!schedule_event_dated(ev) || ev->status == EVENT_CANCELLED)
		return 0;
	if ((ret = schedule_offsets(st, cfg, ev, offsets, SCHEDULE_OFFSETS_MAX,
	                            &noff)) < 0)
		return ret;
	if ((ret = schedule_due_compute(ev, offsets, noff, cfg->timezone,
	                                cfg->allday_min, due, &ndue)) < 0 ||
	    (ret = schedule_session_start(ev, cfg->timezone, &start)) < 0)
		return ret;
	for (i = 0; i < ndue; i++)
		if (due[i].due > now ||
		    schedule_late_ok(now, due[i].due, due[i].offset_s, start,
		                     cfg->max_late))
			out[(*n)++] = due[i];
	return 0;
}

/* ---- sending notices ---- */

/* One waiting notice, due: decide, add its rows, forget it. */
static int
notice_emit(struct store *st, const struct config *cfg,
            const struct notice_pending *p, int64_t now, size_t *rows)
{
	struct event ev, told;
	struct osc *oscs = NULL;
	enum notice_kind kind;
	char err[256], *after = NULL;
	size_t n = 0, i;
	int ret, added;

	ret = store_event_get(st, p->uid, &ev);
	if (ret == -ENOENT)
		return store_notice_clear(st, p->uid);
	if (ret < 0)
		return ret;
	if (event_from_ical(p->baseline, &told, err, sizeof(err)) < 0) {
		log_err("notice of %s: its baseline does not parse: %s", p->uid,
		        err);
		event_fini(&ev);
		return store_notice_clear(st, p->uid);
	}
	kind = schedule_notice_decide(&told, &ev);
	event_fini(&told);
	if (kind != NOTICE_NONE)
		ret = notice_recipients(st, ev.uid, kind, &oscs, &n);
	if (ret >= 0 && n > 0 &&
	    event_to_ical(&ev, &after, err, sizeof(err)) < 0) {
		log_err("notice of %s: %s", p->uid, err);
		n = 0;
	}
	if (ret >= 0 && n > 0)
		ret = store_notice_sent_add(st, ev.uid, ev.sequence,
		                            schedule_notice_kind_name(kind),
		                            p->baseline, after, now);
	if (ret >= 0 && n > 0)
		ret = store_notice_supersede(st, ev.uid, ev.sequence,
		                             "superseded by a later notice");
	for (i = 0; ret >= 0 && i < n; i++) {
		ret = store_outbox_add(
		    st, ev.uid, ev.sequence,
		    kind == NOTICE_CANCEL ? "cancel" : "update", 0, oscs[i].id,
		    now, now, cfg->domain, &added);
		*rows += (size_t)added;
	}
	if (ret >= 0 && kind != NOTICE_NONE)
		log_info("session %s version %d: %s notice to %zu "
		         "organisations",
		         ev.uid, ev.sequence, schedule_notice_kind_name(kind),
		         n);
	if (ret >= 0)
		ret = store_notice_clear(st, p->uid);
	free(after);
	osc_array_free(oscs, n);
	event_fini(&ev);
	return ret;
}

int
schedule_notice_load(struct store *st, const char *uid, int seq,
                     enum message_kind *kind, struct event *ev,
                     struct event *old)
{
	char *k = NULL, *before = NULL, *after = NULL, err[256];
	int ret;

	if ((ret = store_notice_sent_get(st, uid, seq, &k, &before, &after)) <
	    0)
		return ret;
	switch (schedule_notice_kind_parse(k)) {
	case NOTICE_DATED:
		*kind = MESSAGE_DATED;
		break;
	case NOTICE_PLACE:
		*kind = MESSAGE_PLACE;
		break;
	case NOTICE_CANCEL:
		*kind = MESSAGE_CANCEL;
		break;
	default:
		*kind = MESSAGE_MOVED;
		break;
	}
	ret = event_from_ical(after, ev, err, sizeof(err));
	if (ret == 0 &&
	    (ret = event_from_ical(before, old, err, sizeof(err))) < 0)
		event_fini(ev);
	if (ret < 0) {
		log_err("notice of %s version %d: %s", uid, seq, err);
		ret = -EINVAL;
	}
	free(k);
	free(before);
	free(after);
	return ret;
}

/* ---- staff ---- */

/* The [staff] addresses as a NULL-terminated array in one malloc'ed
 * block (*to; NULL when there are none). */
static int
staff_addresses(const struct config *cfg, const char ***to, size_t *n)
{
	const char *list = cfg->staff_emails ? cfg->staff_emails : "";
	size_t len = strlen(list), k = 0, max = len / 2 + 2;
	char *copy, *tok, *save = NULL;
	const char **v;

	*to = NULL;
	*n = 0;
	if (strspn(list, ", ;\t") == len)
		return 0;
	if ((v = malloc(max * sizeof(*v) + len + 1)) == NULL)
		return -ENOMEM;
	copy = (char *)(v + max);
	memcpy(copy, list, len + 1);
	for (tok = strtok_r(copy, ", ;\t", &save); tok && k + 1 < max;
	     tok = strtok_r(NULL, ", ;\t", &save))
		v[k++] = tok;
	v[k] = NULL;
	*to = v;
	*n = k;
	return 0;
}

static int
staff_configured(const struct config *cfg)
{
	const char *list = cfg->staff_emails ? cfg->staff_emails : "";

	return strspn(list, ", ;\t") < strlen(list);
}

static const char *
office_tz(const struct config *cfg)
{
	return cfg->timezone ? cfg->timezone : EVENT_DEFAULT_TZID;
}

/* When an undecided session's window opens: 08:00, office zone, on its
 * first day. */
static int
window_open(const struct config *cfg, const struct event *ev, int64_t *at)
{
	return event_local_to_utc(office_tz(cfg), ev->win_start,
	                          SCHEDULE_STAFF_MIN, at);
}

/* Days from today (office zone) to d; negative once past. */
static long
days_until(const struct config *cfg, int64_t now, struct fecha_date d)
{
	struct fecha_date today;
	int min;

	if (event_utc_to_local(office_tz(cfg), now, &today, &min) < 0)
		return 0;
	return fecha_date_to_days(d) - fecha_date_to_days(today);
}

static int
nudge_plan_one(struct store *st, const struct config *cfg,
               const struct event *ev)
{
	int64_t open;
	int ret;

	if (window_open(cfg, ev, &open) < 0)
		return 0;
	ret = store_staff_nudge_plan(st, ev->uid, "open", open);
	if (ret >= 0 && cfg->tbd_nudge > 0)
		ret = store_staff_nudge_plan(st, ev->uid, "soon",
		                             open - cfg->tbd_nudge);
	return ret;
}

int
schedule_staff_plan_event(struct store *st, const struct config *cfg,
                          const struct event *ev)
{
	if (!staff_configured(cfg))
		return store_staff_nudge_drop_all(st);
	if (ev->status != EVENT_CANCELLED && !schedule_event_dated(ev))
		return nudge_plan_one(st, cfg, ev);
	return store_staff_nudge_drop(st, ev->uid);
}

int
schedule_staff_plan(struct store *st, const struct config *cfg, const char *uid)
{
	struct store_event_filter tbd = {.tbd_only = 1};
	struct event *evs = NULL, ev;
	size_t n = 0, i;
	int ret;

	if (!staff_configured(cfg))
		return store_staff_nudge_drop_all(st);
	if (uid) {
		ret = store_event_get(st, uid, &ev);
		if (ret == -ENOENT)
			return store_staff_nudge_drop(st, uid);
		if (ret < 0)
			return ret;
		ret = schedule_staff_plan_event(st, cfg, &ev);
		event_fini(&ev);
		return ret;
	}
	if ((ret = store_staff_nudge_drop(st, NULL)) < 0 ||
	    (ret = store_event_list(st, &tbd, &evs, &n)) < 0)
		return ret;
	for (i = 0; ret >= 0 && i < n; i++)
		if (evs[i].status != EVENT_CANCELLED &&
		    !schedule_event_dated(&evs[i]))
			ret = nudge_plan_one(st, cfg, &evs[i]);
	event_array_free(evs, n);
	return ret;
}

/* "1 de marzo" */
static void
day_words(struct fecha_date d, char *buf, size_t buflen)
{
	const char *m = fecha_month_name(d.m);

	snprintf(buf, buflen, "%d de %s", d.d, m ? m : "?");
}

/* Keep the text of staff message key and add its outbox row (due at
 * due, one row for every staff address). */
static int
staff_mail_queue(struct store *st, const struct config *cfg, const char *key,
                 const char *subject, const char *body, int64_t due,
                 int64_t now, size_t *rows)
{
	int ret, added;

	ret = store_staff_mail_add(st, key, subject, body, now, &added);
	if (ret >= 0)
		ret = store_outbox_add(st, key, 0, "staff", 0, 0, due, due,
		                       cfg->domain, &added);
	if (ret >= 0) {
		*rows += (size_t)added;
		log_info("staff: %s", subject);
	}
	return ret;
}

/* The subject and body of a nudge (malloc'ed). */
static int
nudge_text(const struct config *cfg, const struct event *ev, int open_now,
           int64_t now, char **subject, char **body)
{
	char day[64], full[96], win[160], id[128];
	long days = days_until(cfg, now, ev->win_start);
	size_t len;
	FILE *f;
	size_t i;

	day_words(ev->win_start, day, sizeof(day));
	fecha_date_words(ev->win_start, full, sizeof(full));
	fecha_window_words(ev->win_start, ev->win_end, win, sizeof(win));
	event_short_id(ev->uid, id, sizeof(id));
	if (asprintf(subject, "Por definir: %s — la ventana abre %s%s",
	             ev->title, open_now ? "hoy, " : "el ", day) < 0) {
		*subject = NULL;
		return -ENOMEM;
	}
	if ((f = open_memstream(body, &len)) == NULL) {
		free(*subject);
		*subject = NULL;
		return -ENOMEM;
	}
	fprintf(f, "La sesión «%s» (%s) sigue sin fecha.\n\n", ev->title, id);
	fprintf(f, "Ventana: %s\n", win);
	if (open_now || days <= 0)
		fprintf(f, "Abre: hoy, %s.\n", full);
	else
		fprintf(f, "Abre: el %s, en %ld %s.\n", full, days,
		        days == 1 ? "día" : "días");
	if (ev->ntopics > 0) {
		fprintf(f, "Temas: ");
		for (i = 0; i < ev->ntopics; i++)
			fprintf(f, "%s%s", i ? ", " : "",
			        ev->topics[i].name ? ev->topics[i].name
			                           : ev->topics[i].slug);
		fprintf(f, "\n");
	}
	fprintf(f,
	        "\nAl fijar la fecha, las organizaciones que siguen sus temas "
	        "reciben\nel aviso:\n\n  cronoctl reschedule %s FECHA\n",
	        id);
	if (fclose(f) != 0) {
		free(*subject);
		free(*body);
		*subject = *body = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* One pending nudge, due: its staff message, or skipped. */
static int
nudge_emit(struct store *st, const struct config *cfg,
           const struct staff_nudge *z, int64_t now, size_t *rows)
{
	struct event ev;
	const char *skip = NULL;
	char key[600], *subject = NULL, *body = NULL;
	int64_t open = 0;
	int ret, open_phase = strcmp(z->phase, "open") == 0, have = 0;

	event_init(&ev);
	if (!staff_configured(cfg))
		skip = "no staff addresses";
	else if ((ret = store_event_get(st, z->uid, &ev)) == -ENOENT)
		skip = "the session is gone";
	else if (ret < 0)
		return ret;
	else
		have = 1;
	if (!skip &&
	    (ev.status == EVENT_CANCELLED || schedule_event_dated(&ev)))
		skip = "the session is no longer undecided";
	else if (!skip && window_open(cfg, &ev, &open) < 0)
		skip = "its window has no start";
	else if (!skip && !open_phase && now >= open)
		skip = "its window is open already";
	else if (!skip && open_phase && now - open > STAFF_LATE_S)
		skip = "too late";
	if (skip) {
		log_info("staff: no %s nudge about %s: %s", z->phase, z->uid,
		         skip);
		ret = store_staff_nudge_state_set(st, z->uid, z->phase,
		                                  "skipped");
		goto out;
	}
	if ((ret = nudge_text(cfg, &ev, open_phase, now, &subject, &body)) < 0)
		goto out;
	snprintf(key, sizeof(key), "staff:nudge-%s:%s", z->phase, z->uid);
	ret = staff_mail_queue(st, cfg, key, subject, body,
	                       now - z->due > SCHEDULE_GRACE_S ? now : z->due,
	                       now, rows);
	if (ret >= 0)
		ret = store_staff_nudge_state_set(st, z->uid, z->phase, "sent");
out:
	free(subject);
	free(body);
	if (have)
		event_fini(&ev);
	return ret;
}

/* The Monday (office zone) of the week now is in, counted from 08:00:
 * its date and the instant of its digest. */
static int
digest_week(const struct config *cfg, int64_t now, struct fecha_date *monday,
            int64_t *at)
{
	struct fecha_date d;
	int min, ret;

	if ((ret = event_utc_to_local(office_tz(cfg), now, &d, &min)) < 0)
		return ret;
	d = fecha_date_add(d, -((fecha_weekday(d) + 6) % 7));
	if ((ret = event_local_to_utc(office_tz(cfg), d, SCHEDULE_STAFF_MIN,
	                              at)) < 0)
		return ret;
	if (*at > now) {
		d = fecha_date_add(d, -7);
		if ((ret = event_local_to_utc(office_tz(cfg), d,
		                              SCHEDULE_STAFF_MIN, at)) < 0)
			return ret;
	}
	*monday = d;
	return 0;
}

static void
digest_key(struct fecha_date monday, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "staff:digest:%04d-%02d-%02d", monday.y, monday.m,
	         monday.d);
}

/* 1 if the digest of that week was made. */
static int
digest_made(struct store *st, struct fecha_date monday)
{
	char key[64], *subject = NULL, *body = NULL;
	int ret;

	digest_key(monday, key, sizeof(key));
	ret = store_staff_mail_get(st, key, &subject, &body);
	free(subject);
	free(body);
	return ret == 0 ? 1 : ret == -ENOENT ? 0 : ret;
}

static const char *
outbox_kind_words(const char *kind)
{
	if (strcmp(kind, "reminder") == 0)
		return "recordatorio";
	if (strcmp(kind, "update") == 0)
		return "aviso de cambio";
	if (strcmp(kind, "cancel") == 0)
		return "cancelación";
	return "mensaje al personal";
}

/* The digest's part on bounces: the addresses disabled since the last
 * digest (since), and the organisations left with no address that takes
 * mail. */
static int
digest_bounces(struct store *st, const struct config *cfg, FILE *f,
               int64_t since)
{
	struct address_info *v = NULL;
	struct fecha_date d;
	char day[64];
	int min;
	size_t n = 0, i, j, k;
	int ret;

	/* Disabled addresses come first; bouncing ones are not listed. */
	if ((ret = store_address_list(st, 0, since, &v, &n)) < 0)
		return ret;
	for (i = k = 0; i < n; i++)
		k += v[i].disabled_at >= since;
	fprintf(f,
	        "\nCorreos desactivados por rebotes desde el último "
	        "resumen (%zu):\n",
	        k);
	for (i = 0; i < n; i++) {
		if (v[i].disabled_at < since)
			continue;
		if (event_utc_to_local(office_tz(cfg), v[i].disabled_at, &d,
		                       &min) == 0)
			day_words(d, day, sizeof(day));
		else
			snprintf(day, sizeof(day), "?");
		fprintf(f, "  - %s (%s), %s: %s\n", v[i].email,
		        v[i].osc_name ? v[i].osc_name : "sin organización", day,
		        v[i].reason ? v[i].reason : "?");
	}
	if (k == 0)
		fprintf(f, "  ninguno\n");
	fprintf(f, "\nOrganizaciones sin ningún correo que reciba mensajes:\n");
	for (i = k = 0; i < n; i++) {
		if (!v[i].osc_id || v[i].osc_enabled > 0)
			continue;
		for (j = 0; j < i && v[j].osc_id != v[i].osc_id; j++)
			;
		if (j < i)
			continue;
		fprintf(f, "  - %s (%ld)\n",
		        v[i].osc_name ? v[i].osc_name : "?", v[i].osc_id);
		k++;
	}
	if (k == 0)
		fprintf(f, "  ninguna\n");
	else
		fprintf(f, "\nPor qué: cronoctl osc list --rebotando; para "
		           "reactivar un correo: cronoctl osc enable CORREO\n");
	address_info_array_free(v, n);
	return 0;
}

/* The organisations that asked from their page for their data to be
 * erased (008-self-service), for staff to erase; nothing when none. */
static int
digest_erasures(struct store *st, const struct config *cfg, FILE *f)
{
	struct osc_erasure *v = NULL;
	struct fecha_date d;
	char day[96];
	size_t n = 0, i;
	int min, ret;

	if ((ret = store_osc_erasure_list(st, &v, &n)) < 0 || n == 0)
		return ret;
	fprintf(f, "\nSolicitudes de supresión de datos (%zu):\n", n);
	for (i = 0; i < n; i++) {
		if (event_utc_to_local(office_tz(cfg), v[i].at, &d, &min) < 0)
			snprintf(day, sizeof(day), "?");
		else
			fecha_date_words(d, day, sizeof(day));
		fprintf(f, "  - %s (%ld), desde el %s\n",
		        v[i].name ? v[i].name : "?", v[i].id, day);
	}
	fprintf(f, "\nPara borrar sus datos: cronoctl osc forget ID\n");
	osc_erasure_array_free(v, n);
	return 0;
}

/* The digest's body: the next two weeks, the undecided sessions, the
 * failed messages of the week past, the requests to erase data. */
static int
digest_body(struct store *st, const struct config *cfg, int64_t at, int64_t now,
            struct fecha_date monday, char **body)
{
	struct store_event_filter next = {.from = now,
	                                  .to = now + DIGEST_DAYS * 86400};
	struct store_event_filter tbd = {.tbd_only = 1};
	struct store_outbox_filter failed = {.state = "failed",
	                                     .limit = DIGEST_FAILED};
	struct event *evs = NULL;
	struct outbox_row *rows = NULL;
	char when[300], id[128], win[160], full[96];
	size_t n = 0, i, k, len;
	FILE *f;
	int ret;

	if ((f = open_memstream(body, &len)) == NULL)
		return -ENOMEM;
	fecha_date_words(monday, full, sizeof(full));
	fprintf(f, "Resumen de la agenda, %s.\n\n", full);

	if ((ret = store_event_list(st, &next, &evs, &n)) < 0)
		goto out;
	for (i = k = 0; i < n; i++)
		k += schedule_event_dated(&evs[i]) != 0;
	fprintf(f, "Próximas dos semanas (%zu %s):\n", k,
	        k == 1 ? "sesión" : "sesiones");
	for (i = 0; i < n; i++) {
		if (!schedule_event_dated(&evs[i]))
			continue;
		if (message_when_words(&evs[i], office_tz(cfg), when,
		                       sizeof(when)) < 0)
			snprintf(when, sizeof(when), "?");
		event_short_id(evs[i].uid, id, sizeof(id));
		fprintf(f, "  - %s: %s (%s)\n", when, evs[i].title, id);
	}
	if (k == 0)
		fprintf(f, "  ninguna\n");
	event_array_free(evs, n);
	evs = NULL;

	if ((ret = store_event_list(st, &tbd, &evs, &n)) < 0)
		goto out;
	fprintf(f, "\nPor definir (%zu %s):\n", n,
	        n == 1 ? "sesión" : "sesiones");
	for (i = 0; i < n; i++) {
		long days = days_until(cfg, now, evs[i].win_start);

		fecha_window_words(evs[i].win_start, evs[i].win_end, win,
		                   sizeof(win));
		event_short_id(evs[i].uid, id, sizeof(id));
		fprintf(f, "  - %s (%s): %s; ", evs[i].title, id, win);
		if (days > 0)
			fprintf(f, "la ventana abre en %ld %s\n", days,
			        days == 1 ? "día" : "días");
		else
			fprintf(f, "la ventana está abierta\n");
	}
	if (n == 0)
		fprintf(f, "  ninguna\n");
	event_array_free(evs, n);
	evs = NULL;

	if ((ret = store_outbox_list(st, &failed, &rows, &n)) < 0)
		goto out;
	for (i = k = 0; i < n; i++)
		k += rows[i].next_try >= at - 7 * 86400;
	fprintf(f, "\nEnvíos fallidos en la última semana (%zu):\n", k);
	for (i = 0; i < n; i++) {
		if (rows[i].next_try < at - 7 * 86400)
			continue;
		event_short_id(rows[i].uid, id, sizeof(id));
		fprintf(f, "  - %s, %s a %s: %s\n", id,
		        outbox_kind_words(rows[i].kind),
		        rows[i].osc_name ? rows[i].osc_name : "el personal",
		        rows[i].last_error ? rows[i].last_error : "?");
	}
	if (k == 0)
		fprintf(f, "  ninguno\n");
	fprintf(f, "\nPara reenviarlos: cronoctl outbox retry --failed\n");
	outbox_row_array_free(rows, n);
	ret = digest_bounces(st, cfg, f, at - 7 * 86400);
	if (ret >= 0)
		ret = digest_erasures(st, cfg, f);
out:
	if (fclose(f) != 0 && ret >= 0)
		ret = -ENOMEM;
	if (ret < 0) {
		free(*body);
		*body = NULL;
	}
	return ret;
}

/* This week's digest, once, if its time has come and is not long gone. */
static int
digest_run(struct store *st, const struct config *cfg, int64_t now,
           size_t *rows)
{
	struct fecha_date monday;
	char key[64], day[64], *subject = NULL, *body = NULL;
	int64_t at;
	int ret;

	if (!staff_configured(cfg) || digest_week(cfg, now, &monday, &at) < 0 ||
	    now - at > DIGEST_LATE_S)
		return 0;
	if ((ret = digest_made(st, monday)) != 0)
		return ret < 0 ? ret : 0;
	day_words(monday, day, sizeof(day));
	if (asprintf(&subject, "Resumen semanal de la agenda — %s de %d", day,
	             monday.y) < 0)
		return -ENOMEM;
	if ((ret = digest_body(st, cfg, at, now, monday, &body)) >= 0) {
		digest_key(monday, key, sizeof(key));
		ret = staff_mail_queue(st, cfg, key, subject, body,
		                       now - at > SCHEDULE_GRACE_S ? now : at,
		                       now, rows);
	}
	free(subject);
	free(body);
	return ret;
}

/* ---- the scheduler's side ---- */

int
schedule_notice_run(struct store *st, const struct config *cfg, int64_t now,
                    size_t *rows, int *more)
{
	struct notice_pending *p = NULL;
	struct staff_nudge *z = NULL;
	size_t n = 0, i;
	int ret;

	*rows = 0;
	*more = 0;
	ret = store_notice_due_list(st, now, NOTICES_PER_STEP, &p, &n);
	for (i = 0; ret >= 0 && i < n; i++)
		ret = notice_emit(st, cfg, &p[i], now, rows);
	if (n == NOTICES_PER_STEP)
		*more = 1;
	notice_pending_array_free(p, n);
	if (ret < 0)
		return ret;
	n = 0;
	ret = store_staff_nudge_due_list(st, now, NOTICES_PER_STEP, &z, &n);
	for (i = 0; ret >= 0 && i < n; i++)
		ret = nudge_emit(st, cfg, &z[i], now, rows);
	if (n == NOTICES_PER_STEP)
		*more = 1;
	staff_nudge_array_free(z, n);
	if (ret < 0)
		return ret;
	return digest_run(st, cfg, now, rows);
}

static void
earliest(int64_t *next, int64_t t)
{
	if (t && (!*next || t < *next))
		*next = t;
}

int
schedule_notice_next(struct store *st, const struct config *cfg, int64_t now,
                     int64_t *next)
{
	struct fecha_date monday;
	int64_t notice_due, nudge_due, at;
	int ret;

	*next = 0;
	if ((ret = store_notice_next(st, &notice_due, &nudge_due)) < 0)
		return ret;
	earliest(next, notice_due);
	earliest(next, nudge_due);
	if (!staff_configured(cfg) || digest_week(cfg, now, &monday, &at) < 0)
		return 0;
	if ((ret = digest_made(st, monday)) < 0)
		return ret;
	if (ret == 1 || now - at > DIGEST_LATE_S) {
		monday = fecha_date_add(monday, 7);
		if (event_local_to_utc(office_tz(cfg), monday,
		                       SCHEDULE_STAFF_MIN, &at) < 0)
			return 0;
	}
	earliest(next, at);
	return 0;
}

int
schedule_staff_render(struct store *st, const struct config *cfg,
                      const struct outbox_row *r, char **data, size_t *len,
                      const char ***to, char *err, size_t errlen)
{
	struct message_input in = {0};
	char *subject = NULL, *body = NULL;
	size_t n = 0;
	int ret;

	*data = NULL;
	*len = 0;
	*to = NULL;
	if ((ret = store_staff_mail_get(st, r->uid, &subject, &body)) < 0) {
		snprintf(err, errlen, "%s", store_error(st));
		return ret;
	}
	if ((ret = staff_addresses(cfg, to, &n)) < 0 || n == 0) {
		snprintf(err, errlen, "no [staff] emails to send to");
		ret = ret < 0 ? ret : -ENOENT;
		goto out;
	}
	in.kind = MESSAGE_STAFF;
	in.from = cfg->mail_from;
	in.to = *to;
	in.message_id = r->message_id;
	in.office_tzid = cfg->timezone;
	in.template_dir = cfg->template_dir;
	in.office_name = cfg->office_name;
	in.office_signature = cfg->office_signature;
	in.privacy_url = cfg->office_privacy_url;
	in.subject = subject;
	in.body_text = body;
	in.date = r->due;
	ret = message_render(&in, data, len, err, errlen);
out:
	if (ret < 0) {
		free(*to);
		*to = NULL;
	}
	free(subject);
	free(body);
	return ret;
}
