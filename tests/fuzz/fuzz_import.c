/* libFuzzer target: a programme import into an in-memory store never
 * crashes, and a refused import leaves the store empty. Input starting
 * with "BEGIN:" goes through the .ics import, the rest through the TSV
 * one, each as the daemon runs it: a job read within a budget (here 5 s
 * and 64 MB), then applied. */
#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "import.h"
#include "log.h"
#include "store.h"
#include "view.h"

static const char topics[] = "code\tslug\tnombre\n1.1\tagenda-2030\tAgenda "
                             "2030\n1.2\tcambio-climatico\tCambio "
                             "climático\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_opts o = {
	    2018,   0,  "fuzz.example", "America/Mexico_City",
	    "fuzz", -1, NULL,           NULL};
	struct import_job *job;
	struct store_counts c;
	struct budget b;
	struct store *st;
	json_t *report;
	char err[256], *text;
	int rc, ics;

	log_init("fuzz_import", (enum log_level)0);
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (store_open(&st, ":memory:", err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_import: %s\n", err);
		abort();
	}
	ics = strncmp(text, "BEGIN:", 6) == 0;
	if (ics) {
		struct import_opts to = {.peer_uid = -1};

		rc = import_run(st, IMPORT_TOPICS_TSV, topics, NULL, &to, &job);
		import_job_free(job);
		if (rc < 0)
			abort();
	}
	if (import_job_new(st, ics ? IMPORT_ICS : IMPORT_PROGRAMME_TSV, text,
	                   ics ? NULL : topics, &o, &job) < 0)
		abort();
	budget_init(&b, 5000, 64u << 20);
	import_job_read(job, &b);
	rc = import_job_apply(job, st);
	/* The report as the control API renders it. */
	report = view_import_report(import_job_report(job));
	import_job_free(job);
	if (rc == -EINVAL) {
		if (store_counts_get(st, &c) < 0 || c.events != 0)
			abort();
	}
	if (!json_is_object(report))
		abort();
	json_decref(report);
	store_close(st);
	free(text);
	return 0;
}
