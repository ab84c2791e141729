/* Tests for org_data.c (an organisation's export and its forgetting) and
 * view_forget_text (erasing it from a stored text), on a real sqlite
 * database in a temporary file: after forgetting, the file and its
 * write-ahead log are read byte by byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "change.h"
#include "clock.h"
#include "config.h"
#include "fixture.h"
#include "log.h"
#include "office.h"
#include "org.h"
#include "org_data.h"
#include "store.h"
#include "store_bounce.h"
#include "store_odata.h"
#include "token.h"
#include "view_org_data.h"

#define T0 1514764800 /* 2018-01-01T00:00:00Z */

static const char NAME[] = "Colectivo Olvidable Quetzal";
static const char CONTACT[] = "Rigoberta Xochitl";
static const char ADDR1[] = "quetzal.uno@olvido.example.net";
static const char ADDR2[] = "Quetzal.Dos@olvido.example.net";

struct fx {
	struct store *st;
	struct config cfg;
	struct office of;
	char dir[64], db[128];
};

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fixture_open_file(&f->st, &f->cfg, f->dir, "test-org-data");
	snprintf(f->db, sizeof(f->db), "%s/cronograma.db", f->dir);
	f->of.st = f->st;
	f->of.cfg = &f->cfg;
	clock_set(T0);
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	fixture_close(f->st, &f->cfg, f->dir);
	free(f);
	return 0;
}

/* Add an organisation; its number. */
static long
org_new(struct fx *f, const char *name, const char *contact, const char *a1,
        const char *a2)
{
	char *topics[] = {"agenda-2030", "cambio-climatico"}, why[300];
	struct osc o = {0}, out;
	long id;

	o.name = strdup(name);
	o.contact = contact ? strdup(contact) : NULL;
	o.state = strdup("Oaxaca");
	o.emails = calloc(2, sizeof(char *));
	o.emails[o.nemails++] = strdup(a1);
	if (a2)
		o.emails[o.nemails++] = strdup(a2);
	assert_int_equal(
	    org_add(&f->of, 1000, &o, topics, 2, &out, why, sizeof(why)), 0);
	id = out.id;
	osc_fini(&o);
	osc_fini(&out);
	return id;
}

/* The organisation with an ended subscription, a message sent, another
 * pending, a bounce on its first address. */
static long
build(struct fx *f, int64_t *msg)
{
	char *end[] = {"agenda-2030"}, why[300];
	struct bounce_fact b = {.at = T0 + 300,
	                        .email = ADDR1,
	                        .permanent = 0,
	                        .status = "4.2.2",
	                        .detail = "452 4.2.2 <quetzal.uno@olvido."
	                                  "example.net>: mailbox full",
	                        .source = "pipe"};
	struct osc o, after;
	long id = org_new(f, NAME, CONTACT, ADDR1, ADDR2);
	int added, disabled;

	clock_set(T0 + 100);
	assert_int_equal(store_osc_get(f->st, id, &o), 0);
	assert_int_equal(org_subscription(&f->of, 1000, &o, end, 1, -1, &after,
	                                  why, sizeof(why)),
	                 0);
	osc_fini(&o);
	osc_fini(&after);
	assert_int_equal(store_outbox_add(f->st, "s1@example.org", 0,
	                                  "reminder", 86400, id, T0 + 200,
	                                  T0 + 200, "example.org", &added),
	                 0);
	assert_int_equal(added, 1);
	assert_int_equal(store_outbox_add(f->st, "s2@example.org", 0,
	                                  "reminder", 86400, id, T0 + 9000,
	                                  T0 + 9000, "example.org", &added),
	                 0);
	*msg = 1;
	assert_int_equal(store_outbox_done(f->st, 1, "sent", 1, T0 + 200,
	                                   "250 ok for <quetzal.uno@olvido."
	                                   "example.net>",
	                                   T0 + 201),
	                 0);
	b.osc_id = id;
	b.outbox_id = 1;
	assert_int_equal(store_bounce_record(f->st, &b, 3, 86400, &disabled),
	                 0);
	assert_int_equal(disabled, 0);
	return id;
}

static void
test_org_data_export_holds_everything(void **state)
{
	struct fx *f = *state;
	struct org_data d;
	char why[300];
	struct osc o;
	int64_t msg;
	long id = build(f, &msg);

	clock_set(T0 + 1000);
	assert_int_equal(store_osc_get(f->st, id, &o), 0);
	assert_int_equal(org_data_export(&f->of, 1001, &o, &d, why, sizeof why),
	                 0);
	osc_fini(&o);
	assert_string_equal(d.osc.name, NAME);
	assert_string_equal(d.osc.contact, CONTACT);
	/* The token is a secret: only that there is one. */
	assert_null(d.osc.token);
	assert_int_equal(d.private_feed, 1);
	assert_int_equal(d.at, T0 + 1000);
	assert_int_equal(d.naddresses, 2);
	assert_string_equal(d.addresses[0].email, ADDR1);
	assert_int_equal(d.addresses[0].has_state, 1);
	assert_int_equal(d.addresses[0].soft_count, 1);
	assert_int_equal(d.addresses[0].last_at, T0 + 300);
	assert_int_equal(d.addresses[1].has_state, 0);
	assert_int_equal(d.nsubscriptions, 2);
	assert_string_equal(d.subscriptions[0].topic, "agenda-2030");
	assert_int_equal(d.subscriptions[0].active, 0);
	assert_int_equal(d.subscriptions[0].created_at, T0);
	assert_int_equal(d.subscriptions[0].ended_at, T0 + 100);
	assert_int_equal(d.subscriptions[1].active, 1);
	assert_int_equal(d.subscriptions[1].ended_at, 0);
	assert_int_equal(d.nconsent, 1);
	assert_string_equal(d.consent[0].how, "staff");
	assert_int_equal(d.nmessages, 2);
	assert_string_equal(d.messages[0].state, "sent");
	assert_non_null(d.messages[0].message_id);
	assert_int_equal(d.messages[0].sent_at, T0 + 201);
	assert_int_equal(d.nbounces, 1);
	assert_string_equal(d.bounces[0].status, "4.2.2");
	assert_int_equal(d.bounces[0].outbox_id, 1);
	/* Its audit entries, this export's own last. */
	assert_int_equal(d.naudit, 3);
	assert_string_equal(d.audit[0].action, "osc.add");
	assert_string_equal(d.audit[1].action, "osc.unsubscribe");
	assert_string_equal(d.audit[2].action, "osc.export");
	assert_int_equal(d.audit[2].peer_uid, 1001);
	assert_null(d.audit[2].after);
	org_data_fini(&d);
}

/* 1 when file path holds needle (ASCII case ignored); 0 when not or it
 * is not there. */
static int
file_holds(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	size_t n = strlen(needle), len = 0, cap = 1 << 16, r;
	char *buf;
	int found = 0;

	if (fp == NULL)
		return 0;
	buf = malloc(cap);
	assert_non_null(buf);
	while ((r = fread(buf + len, 1, cap - len, fp)) > 0) {
		len += r;
		if (len == cap) {
			char *more = realloc(buf, cap * 2);

			assert_non_null(more);
			buf = more;
			cap *= 2;
		}
	}
	fclose(fp);
	for (size_t i = 0; !found && i + n <= len; i++)
		found = strncasecmp(buf + i, needle, n) == 0;
	free(buf);
	return found;
}

static void
test_org_data_forget_erases_for_good(void **state)
{
	struct fx *f = *state;
	struct org_forget_report r;
	struct odata_bounce *b;
	struct odata_message *m;
	struct audit_row *rows;
	char why[300], wal[160];
	struct osc o, keep;
	size_t n, nb, nm;
	int64_t msg;
	long id = build(f, &msg), other, forgotten;

	other = org_new(f, "Red Que Permanece", "Ana", "permanece@example.net",
	                NULL);
	assert_int_equal(store_osc_get(f->st, id, &o), 0);
	assert_true(file_holds(f->db, NAME) ||
	            file_holds(strcat(strcpy(wal, f->db), "-wal"), NAME));
	assert_int_equal(org_data_forget(&f->of, 1002, &o, &r, why, sizeof why),
	                 0);
	osc_fini(&o);
	assert_int_equal(r.id, id);
	assert_int_equal(r.addresses, 2);
	assert_int_equal(r.messages, 2);
	assert_int_equal(r.forgotten, 1);
	assert_int_equal(r.wal_truncated, 1);
	assert_true(r.audit >= 2);
	assert_int_equal(store_osc_get(f->st, id, &o), -ENOENT);
	assert_int_equal(store_odata_forgotten(f->st, &forgotten), 0);
	assert_int_equal(forgotten, 1);

	/* Its messages stay for the counts; the one not sent never will be. */
	assert_int_equal(store_odata_messages(f->st, id, &m, &nm), 0);
	assert_int_equal(nm, 2);
	assert_string_equal(m[0].state, "sent");
	assert_non_null(m[0].message_id);
	assert_string_equal(m[0].last_error, "250 ok for <[olvidado]>");
	assert_string_equal(m[1].state, "dropped");
	odata_message_array_free(m, nm);
	/* Its bounce stays, without the address. */
	assert_int_equal(store_odata_bounces(f->st, id, &b, &nb), 0);
	assert_int_equal(nb, 1);
	assert_null(b[0].email);
	assert_null(strstr(b[0].detail, "quetzal"));
	odata_bounce_array_free(b, nb);
	assert_int_equal(store_address_disabled(f->st, ADDR1), 0);

	/* The audit log keeps the facts, not the data. */
	assert_int_equal(store_audit_list(f->st, "osc:1", 0, &rows, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].action, "osc.forget");
	assert_null(rows[0].after);
	assert_string_equal(rows[2].action, "osc.add");
	assert_non_null(strstr(rows[2].after, "\"name\":\"[olvidado]\""));
	assert_non_null(strstr(rows[2].after, "\"emails\":[\"[olvidado]\"]"));
	assert_non_null(strstr(rows[2].after, "\"state\":\"[olvidado]\""));
	assert_non_null(strstr(rows[2].after, "\"cambio-climatico\""));
	assert_null(strstr(rows[1].before, "Quetzal"));
	audit_array_free(rows, n);

	/* The other organisation is whole. */
	assert_int_equal(store_osc_get(f->st, other, &keep), 0);
	assert_string_equal(keep.name, "Red Que Permanece");
	assert_string_equal(keep.emails[0], "permanece@example.net");
	osc_fini(&keep);

	/* No byte of the files holds it. */
	snprintf(wal, sizeof(wal), "%s-wal", f->db);
	for (const char *const *s =
	         (const char *const[]){NAME, CONTACT, ADDR1, ADDR2, NULL};
	     *s; s++) {
		assert_false(file_holds(f->db, *s));
		assert_false(file_holds(wal, *s));
	}
	assert_true(file_holds(f->db, "permanece@example.net") ||
	            file_holds(wal, "permanece@example.net"));
}

static void
test_view_forget_text(void **state)
{
	char *emails[] = {(char *)ADDR1, (char *)ADDR2};
	struct view_forget vf = {.id = 12,
	                         .name = NAME,
	                         .contact = CONTACT,
	                         .state = "Oaxaca",
	                         .emails = emails,
	                         .nemails = 2,
	                         .marker = ORG_DATA_MARKER};
	char *out;

	(void)state;
	/* Its own entry: the organisation's fields, whatever they hold. */
	assert_int_equal(
	    view_forget_text(
	        &vf,
	        "{\"contact\":\"Otra\",\"emails\":[\"viejo@x.org\","
	        "\"quetzal.uno@olvido.example.net\"],\"id\":12,"
	        "\"name\":\"Nombre anterior\",\"state\":\"Oaxaca\","
	        "\"topics\":[\"agenda-2030\"]}",
	        1, &out),
	    1);
	assert_string_equal(out, "{\"contact\":\"[olvidado]\",\"emails\":"
	                         "[\"[olvidado]\"],\"id\":12,\"name\":"
	                         "\"[olvidado]\",\"state\":\"[olvidado]\","
	                         "\"topics\":[\"agenda-2030\"]}");
	free(out);
	/* An import's rows: only its own. */
	assert_int_equal(
	    view_forget_text(&vf,
	                     "[{\"action\":\"create\",\"id\":12,\"line\":2,"
	                     "\"name\":\"Colectivo Olvidable Quetzal\"},"
	                     "{\"action\":\"create\",\"id\":13,\"line\":3,"
	                     "\"name\":\"Colectivo Olvidable Quetzal\"}]",
	                     0, &out),
	    1);
	assert_non_null(
	    strstr(out, "\"id\":12,\"line\":2,\"name\":\"[olvidado]\""));
	assert_non_null(strstr(
	    out,
	    "\"id\":13,\"line\":3,\"name\":\"Colectivo Olvidable Quetzal\""));
	free(out);
	/* Plain text: its addresses in any case; its name only when the
	 * text is its own. */
	assert_int_equal(view_forget_text(&vf,
	                                  "550 <QUETZAL.DOS@olvido.example.net>"
	                                  " unknown (Colectivo Olvidable "
	                                  "Quetzal)",
	                                  0, &out),
	                 1);
	assert_string_equal(out, "550 <[olvidado]> unknown (Colectivo "
	                         "Olvidable Quetzal)");
	free(out);
	assert_int_equal(view_forget_text(&vf,
	                                  "Colectivo Olvidable Quetzal: "
	                                  "Rigoberta Xochitl",
	                                  1, &out),
	                 1);
	assert_string_equal(out, "[olvidado]: [olvidado]");
	free(out);
	/* Nothing of it: nothing to write. */
	assert_int_equal(view_forget_text(&vf, "one-click", 1, &out), 0);
	assert_null(out);
	assert_int_equal(view_forget_text(&vf, NULL, 1, &out), 0);
	assert_null(out);
	/* A name too short to look for in free text stays. */
	vf.name = "AC";
	assert_int_equal(view_forget_text(&vf, "AC y ACME", 1, &out), 0);
	assert_null(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_org_data_export_holds_everything, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_org_data_forget_erases_for_good, fx_setup, fx_teardown),
	    cmocka_unit_test(test_view_forget_text),
	};

	log_init("test_org_data", LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
