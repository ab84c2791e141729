/* Tests for daemon/import.c with a real in-memory store: the 2018
 * programme as the interpretation says, all-or-nothing refusals, topics,
 * and .ics with foreign categories. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "event.h"
#include "import.h"
#include "log.h"
#include "store.h"
#include "view.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	long len;
	char *s;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	s = malloc((size_t)len + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
	s[len] = '\0';
	fclose(f);
	return s;
}

/* The tests read an import's report as the control API shows it
 * (view.c). */
static int
job_apply(struct import_job *job, struct store *st, json_t **report)
{
	int rc = import_job_apply(job, st);

	*report = view_import_report(import_job_report(job));
	assert_non_null(*report);
	return rc;
}

static int
run(struct store *st, enum import_kind kind, const char *text,
    const char *topics, const struct import_opts *o, json_t **report)
{
	struct import_job *job;
	int rc;

	assert_int_equal(import_job_new(st, kind, text, topics, o, &job), 0);
	import_job_read(job, NULL);
	rc = job_apply(job, st, report);
	import_job_free(job);
	return rc;
}

static int
import_programme_tsv(struct store *st, const char *text, const char *topics,
                     const struct import_opts *o, json_t **report)
{
	return run(st, IMPORT_PROGRAMME_TSV, text, topics, o, report);
}

static int
import_ics(struct store *st, const char *text, const struct import_opts *o,
           json_t **report)
{
	return run(st, IMPORT_ICS, text, NULL, o, report);
}

static int
import_topics_tsv(struct store *st, const char *text, int dry_run,
                  long peer_uid, json_t **report)
{
	struct import_opts o = {.dry_run = dry_run, .peer_uid = peer_uid};

	return run(st, IMPORT_TOPICS_TSV, text, NULL, &o, report);
}

static const struct import_opts opts2018 = {
    .year = 2018,
    .domain = "example.org",
    .tzid = "America/Mexico_City",
    .name = "test",
    .peer_uid = -1,
};

struct fixture {
	struct store *st;
	char *programme, *topics;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	log_init("test_import", LOG_LEVEL_ERR);
	if (!f || store_open(&f->st, ":memory:", err, sizeof(err)) < 0)
		return -1;
	f->programme = slurp("contrib/cronograma-2018.tsv");
	f->topics = slurp("contrib/temas-2018.tsv");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	free(f->programme);
	free(f->topics);
	free(f);
	return 0;
}

static long
event_count(struct store *st)
{
	struct store_counts c;

	assert_int_equal(store_counts_get(st, &c), 0);
	return c.events;
}

/* Every row as tests/data/interpretacion-2018.tsv says. */
static void
test_import_2018_matches_interpretation(void **state)
{
	struct fixture *f = *state;
	char *interp = slurp("tests/data/interpretacion-2018.tsv");
	char *line, *save = NULL;
	json_t *report, *rows;
	int checked = 0;

	assert_int_equal(import_programme_tsv(f->st, f->programme, f->topics,
	                                      &opts2018, &report),
	                 0);
	rows = json_object_get(report, "rows");
	assert_int_equal(json_array_size(rows), 54);
	line = strtok_r(interp, "\n", &save); /* header */
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char *fld[10] = {0}, *p = line;
		json_t *row;
		int k, n;

		for (k = 0; k < 10 && p; k++) {
			fld[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		n = atoi(fld[0]);
		row = json_array_get(rows, (size_t)n - 1);
		assert_int_equal(json_integer_value(json_object_get(row, "n")),
		                 n);
		assert_string_equal(
		    json_string_value(json_object_get(row, "kind")), fld[1]);
		if (!strcmp(fld[1], "date") || !strcmp(fld[1], "range")) {
			assert_string_equal(
			    json_string_value(json_object_get(row, "start")),
			    fld[2]);
			assert_string_equal(
			    json_string_value(json_object_get(row, "end")),
			    fld[3]);
		} else {
			assert_string_equal(json_string_value(json_object_get(
			                        row, "window_start")),
			                    fld[5]);
			assert_string_equal(json_string_value(json_object_get(
			                        row, "window_end")),
			                    fld[6]);
		}
		checked++;
	}
	assert_int_equal(checked, 54);
	/* Row 34 is imported as written, with a warning naming it. */
	assert_non_null(strstr(
	    json_string_value(json_array_get(
	        json_object_get(json_array_get(rows, 33), "warnings"), 0)),
	    "row 34"));
	assert_int_equal(event_count(f->st), 54);
	json_decref(report);
	free(interp);
}

static void
test_import_again_is_unchanged_and_dry_run_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct import_opts dry = opts2018;
	json_t *report;

	dry.dry_run = 1;
	assert_int_equal(
	    import_programme_tsv(f->st, f->programme, f->topics, &dry, &report),
	    0);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(report, "summary"), "create")),
	                 54);
	json_decref(report);
	assert_int_equal(event_count(f->st), 0);
	assert_int_equal(import_programme_tsv(f->st, f->programme, f->topics,
	                                      &opts2018, &report),
	                 0);
	json_decref(report);
	assert_int_equal(
	    import_programme_tsv(f->st, f->programme, NULL, &opts2018, &report),
	    0);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_object_get(report, "summary"), "unchanged")),
	                 54);
	json_decref(report);
}

/* One bad row refuses everything, with the line in the message. */
static void
expect_refused(struct fixture *f, const char *from, const char *to,
               const char *needle)
{
	char *bad = malloc(strlen(f->programme) + strlen(to) + 1), *at;
	json_t *report, *errors;
	const char *msg;

	assert_non_null(bad);
	at = strstr(f->programme, from);
	assert_non_null(at);
	memcpy(bad, f->programme, (size_t)(at - f->programme));
	strcpy(bad + (at - f->programme), to);
	strcat(bad, at + strlen(from));
	assert_int_equal(
	    import_programme_tsv(f->st, bad, f->topics, &opts2018, &report),
	    -EINVAL);
	assert_false(json_is_true(json_object_get(report, "ok")));
	errors = json_object_get(report, "errors");
	assert_true(json_array_size(errors) >= 1);
	msg = json_string_value(
	    json_object_get(json_array_get(errors, 0), "message"));
	if (!strstr(msg, needle))
		fail_msg("'%s' does not name '%s'", msg, needle);
	json_decref(report);
	free(bad);
	assert_int_equal(event_count(f->st), 0);
}

static void
test_import_bad_rows_refuse_everything(void **state)
{
	struct fixture *f = *state;

	expect_refused(f, "\t8 de febrero\t", "\t31 de junio\t", "31 de junio");
	expect_refused(f, "\t8 de febrero\t", "\t29 de febrero de 2019\t",
	               "29 de febrero de 2019");
	expect_refused(f, "19\tMARZO", "19\tMARZ0", "unknown month 'MARZ0'");
	expect_refused(f, "9-18 de julio", "18-9 de julio", "line 45");
	expect_refused(f, "\t1.2\t", "\t9.9\t", "unknown topic '9.9'");
	expect_refused(f, "Cambio Clim", "Cambio \xff\xfe Clim",
	               "not valid UTF-8");
	expect_refused(f, "\t8 de febrero\t", "\t8 de febrero\t\t", "columns");
	expect_refused(f, "\t8 de febrero\t", "\tel día de la marmota\t",
	               "el día de la marmota");
}

static void
test_import_topics_errors(void **state)
{
	struct fixture *f = *state;
	json_t *report;

	assert_int_equal(import_topics_tsv(f->st,
	                                   "code\tslug\tnombre\n"
	                                   "1.1\tagenda-2030\tAgenda 2030\n"
	                                   "1.2\tNo Slug\tX\n"
	                                   "1.3\tagenda-2030\tOtra\n",
	                                   0, -1, &report),
	                 -EINVAL);
	assert_int_equal(json_array_size(json_object_get(report, "errors")), 2);
	json_decref(report);
	assert_int_equal(import_topics_tsv(f->st, "nombre\n", 0, -1, &report),
	                 -EINVAL);
	json_decref(report);
	/* Slugs the public site could not serve are refused by line: a
	 * word its routes take, and one too long for them. */
	assert_int_equal(
	    import_topics_tsv(f->st,
	                      "code\tslug\tnombre\n"
	                      "1.1\ttodos\tTodos\n"
	                      "1.2\ta23456789012345678901234567890123456789012"
	                      "34567890123456789012345678901\tLargo\n"
	                      "1.3\tbien\t\xe2\x80\x8b\n",
	                      0, -1, &report),
	    -EINVAL);
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(report, "errors"), 0),
	        "message")),
	    "topics line 2: topic slug 'todos' is reserved: the public "
	    "site's addresses use it");
	assert_non_null(
	    strstr(json_string_value(json_object_get(
	               json_array_get(json_object_get(report, "errors"), 1),
	               "message")),
	           "topics line 3: topic slug "
	           "'a234567890123456789012345678901234567890"));
	assert_non_null(
	    strstr(json_string_value(json_object_get(
	               json_array_get(json_object_get(report, "errors"), 1),
	               "message")),
	           "more than 64"));
	/* A nombre of nothing but a zero-width space is empty. */
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(report, "errors"), 2),
	        "message")),
	    "topics line 4: empty nombre");
	json_decref(report);
	{
		struct topic *t;
		size_t n;

		assert_int_equal(store_topic_list(f->st, &t, &n), 0);
		assert_int_equal(n, 0);
		topic_array_free(t, n);
	}
}

/* An .ics from another program: unknown categories are left out with a
 * warning, known names map to their slugs. */
static void
test_import_ics_foreign_categories(void **state)
{
	struct fixture *f = *state;
	json_t *report, *row;
	struct event ev;
	static const char ics[] =
	    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//ES\r\n"
	    "BEGIN:VEVENT\r\nUID:foreign-1@example.net\r\n"
	    "DTSTAMP:20180101T000000Z\r\nDTSTART;VALUE=DATE:20180305\r\n"
	    "SUMMARY:Taller\r\nCATEGORIES:Agenda 2030,Jardinería\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n";

	assert_int_equal(import_topics_tsv(f->st, f->topics, 0, -1, &report),
	                 0);
	json_decref(report);
	assert_int_equal(import_ics(f->st, ics, &opts2018, &report), 0);
	row = json_array_get(json_object_get(report, "rows"), 0);
	assert_string_equal(json_string_value(json_array_get(
	                        json_object_get(row, "topics"), 0)),
	                    "agenda-2030");
	assert_non_null(strstr(json_string_value(json_array_get(
	                           json_object_get(row, "warnings"), 0)),
	                       "Jardinería"));
	json_decref(report);
	assert_int_equal(store_event_get(f->st, "foreign-1@example.net", &ev),
	                 0);
	assert_int_equal(ev.ntopics, 1);
	event_fini(&ev);
	assert_int_equal(
	    import_ics(f->st, "not a calendar", &opts2018, &report), -EINVAL);
	json_decref(report);
}

/* The zona column takes tzdata names and Windows ones alike. */
static void
test_import_zona_windows_name(void **state)
{
	struct fixture *f = *state;
	json_t *report;
	struct event ev;

	assert_int_equal(
	    import_programme_tsv(f->st,
	                         "n\ttitle\tfecha_posible\ttemas\thora\tzona\n"
	                         "1\tCOP\t3 de diciembre\t1.1\t10:00\t"
	                         "Central European Standard Time\n"
	                         "2\tOtra\t4 de diciembre\t1.1\t10:00\t"
	                         "Mars/Olympus\n",
	                         f->topics, &opts2018, &report),
	    -EINVAL);
	assert_non_null(
	    strstr(json_string_value(json_object_get(
	               json_array_get(json_object_get(report, "errors"), 0),
	               "message")),
	           "unknown time zone 'Mars/Olympus'"));
	json_decref(report);
	assert_int_equal(
	    import_programme_tsv(f->st,
	                         "n\ttitle\tfecha_posible\ttemas\thora\tzona\n"
	                         "1\tCOP\t3 de diciembre\t1.1\t10:00\t"
	                         "Central European Standard Time\n",
	                         f->topics, &opts2018, &report),
	    0);
	json_decref(report);
	assert_int_equal(store_event_get(f->st, "2018-01@example.org", &ev), 0);
	assert_string_equal(ev.tzid, "Europe/Warsaw");
	assert_int_equal(ev.start_min, 600);
	event_fini(&ev);
}

/* An import refused by its budget says why, and writes nothing. The
 * three steps of a job, as the daemon runs them. */
static void
test_import_job_budget(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int how; /* 0 time, 1 memory, 2 cancelled */
		const char *want;
	} cases[] = {
	    {0, "the file was refused: reading it took longer than 1 s (see "
	        "[import] timeout); nothing was changed"},
	    {1, "reading it needs more than 1 MB (see [import] max_memory)"},
	    {2, "reading it was stopped"},
	};
	struct import_job *job;
	struct budget b;
	json_t *report;
	char *big;
	size_t i, o = 0;

	/* A programme of 20,000 rows, over a MB. */
	big = malloc(4 << 20);
	assert_non_null(big);
	o += (size_t)sprintf(big, "n\ttitle\tfecha_posible\ttemas\n");
	for (i = 1; i <= 20000; i++)
		o += (size_t)sprintf(big + o,
		                     "%zu\tSesión número %zu, con un título "
		                     "largo\t3 de marzo\t1.1\n",
		                     i, i);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(import_job_new(f->st, IMPORT_PROGRAMME_TSV,
		                                big, f->topics, &opts2018,
		                                &job),
		                 0);
		budget_init(&b, cases[i].how == 0 ? 1 : 60000,
		            cases[i].how == 1 ? 1 << 20 : 0);
		if (cases[i].how == 0)
			usleep(5000);
		if (cases[i].how == 2)
			budget_cancel(&b);
		assert_true(import_job_read(job, &b) < 0);
		assert_int_equal(job_apply(job, f->st, &report), -EINVAL);
		if (!strstr(json_string_value(json_object_get(
		                json_array_get(
		                    json_object_get(report, "errors"), 0),
		                "message")),
		            cases[i].want))
			fail_msg("case %zu: %s", i, json_dumps(report, 0));
		assert_false(json_is_true(json_object_get(report, "ok")));
		json_decref(report);
		import_job_free(job);
		assert_int_equal(event_count(f->st), 0);
	}
	/* With room enough, the same file is read and written. */
	assert_int_equal(import_job_new(f->st, IMPORT_PROGRAMME_TSV, big,
	                                f->topics, &opts2018, &job),
	                 0);
	budget_init(&b, 60000, 256 << 20);
	assert_int_equal(import_job_read(job, &b), 0);
	assert_int_equal(job_apply(job, f->st, &report), 0);
	json_decref(report);
	import_job_free(job);
	assert_int_equal(event_count(f->st), 20000);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_import_2018_matches_interpretation, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_import_again_is_unchanged_and_dry_run_writes_nothing,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_import_bad_rows_refuse_everything, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_topics_errors, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_import_ics_foreign_categories,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_zona_windows_name,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_job_budget, setup,
	                                    teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	event_cleanup();
	return rc;
}
