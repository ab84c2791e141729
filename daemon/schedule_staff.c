/* schedule_staff: see schedule_staff.h. */
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
#include "schedule_staff.h"
#include "store.h"
#include "store_bounce.h"
#include "store_self.h"

#define STAFF_LATE_S  86400 /* an "open" nudge later than this: skipped */
#define DIGEST_DAYS   14    /* the digest looks this far ahead */
#define DIGEST_FAILED 200   /* failed messages listed at most */

/* The [staff] addresses as a NULL-terminated array in one malloc'ed
 * block (*to; NULL when there are none). */
int
schedule_staff_addresses(const struct config *cfg, const char ***to, size_t *n)
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

int
schedule_staff_configured(const struct config *cfg)
{
	const char *list = cfg->staff_emails ? cfg->staff_emails : "";

	return strspn(list, ", ;\t") < strlen(list);
}

const char *
schedule_staff_tz(const struct config *cfg)
{
	return cfg->timezone ? cfg->timezone : EVENT_DEFAULT_TZID;
}

/* When an undecided session's window opens: 08:00, office zone, on its
 * first day. */
static int
window_open(const struct config *cfg, const struct event *ev, int64_t *at)
{
	return event_local_to_utc(schedule_staff_tz(cfg), ev->win_start,
	                          SCHEDULE_STAFF_MIN, at);
}

/* Days from today (office zone) to d; negative once past. */
static long
days_until(const struct config *cfg, int64_t now, struct fecha_date d)
{
	struct fecha_date today;
	int min;

	if (event_utc_to_local(schedule_staff_tz(cfg), now, &today, &min) < 0)
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
	if (!schedule_staff_configured(cfg))
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

	if (!schedule_staff_configured(cfg))
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
int
schedule_staff_nudge_emit(struct store *st, const struct config *cfg,
                          const struct staff_nudge *z, int64_t now,
                          size_t *rows)
{
	struct event ev;
	const char *skip = NULL;
	char key[600], *subject = NULL, *body = NULL;
	int64_t open = 0;
	int ret, open_phase = strcmp(z->phase, "open") == 0, have = 0;

	event_init(&ev);
	if (!schedule_staff_configured(cfg))
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
int
schedule_staff_digest_week(const struct config *cfg, int64_t now,
                           struct fecha_date *monday, int64_t *at)
{
	struct fecha_date d;
	int min, ret;

	if ((ret = event_utc_to_local(schedule_staff_tz(cfg), now, &d, &min)) <
	    0)
		return ret;
	d = fecha_date_add(d, -((fecha_weekday(d) + 6) % 7));
	if ((ret = event_local_to_utc(schedule_staff_tz(cfg), d,
	                              SCHEDULE_STAFF_MIN, at)) < 0)
		return ret;
	if (*at > now) {
		d = fecha_date_add(d, -7);
		if ((ret = event_local_to_utc(schedule_staff_tz(cfg), d,
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
int
schedule_staff_digest_made(struct store *st, struct fecha_date monday)
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
		if (event_utc_to_local(schedule_staff_tz(cfg), v[i].disabled_at,
		                       &d, &min) == 0)
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
		if (event_utc_to_local(schedule_staff_tz(cfg), v[i].at, &d,
		                       &min) < 0)
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
		if (message_when_words(&evs[i], schedule_staff_tz(cfg), when,
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
int
schedule_staff_digest_run(struct store *st, const struct config *cfg,
                          int64_t now, size_t *rows)
{
	struct fecha_date monday;
	char key[64], day[64], *subject = NULL, *body = NULL;
	int64_t at;
	int ret;

	if (!schedule_staff_configured(cfg) ||
	    schedule_staff_digest_week(cfg, now, &monday, &at) < 0 ||
	    now - at > DIGEST_LATE_S)
		return 0;
	if ((ret = schedule_staff_digest_made(st, monday)) != 0)
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
