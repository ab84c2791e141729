/* fixture: see fixture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "config.h"
#include "event.h"
#include "fecha.h"
#include "fixture.h"
#include "store.h"
#include "token.h"

void
fixture_topic_add(struct store *st, const char *code, const char *slug,
                  const char *nombre)
{
	struct topic t = {.code = (char *)code,
	                  .slug = (char *)slug,
	                  .nombre = (char *)nombre};

	assert_int_equal(store_topic_put(st, &t), 0);
}

/* fixture_open, with the store in memory or in dir/cronograma.db. */
static void
fixture_open_in(struct store **st, struct config *cfg, char *dir,
                const char *name, int on_disk)
{
	char err[256], db[96];

	assert_true(snprintf(dir, 64, "/tmp/%s-XXXXXX", name) < 64);
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/cronograma.db", dir);
	assert_int_equal(
	    store_open(st, on_disk ? db : ":memory:", err, sizeof(err)), 0);
	assert_int_equal(config_defaults(cfg, err, sizeof(err)), 0);
	assert_int_equal(config_set(cfg, "daemon", "domain", "example.org", err,
	                            sizeof(err)),
	                 0);
	assert_int_equal(token_key_load(dir, err, sizeof(err)), 0);
	fixture_topic_add(*st, "1.1", "agenda-2030", "Agenda 2030");
	fixture_topic_add(*st, "1.2", "cambio-climatico", "Cambio climático");
}

void
fixture_open(struct store **st, struct config *cfg, char *dir, const char *name)
{
	fixture_open_in(st, cfg, dir, name, 0);
}

void
fixture_open_file(struct store **st, struct config *cfg, char *dir,
                  const char *name)
{
	fixture_open_in(st, cfg, dir, name, 1);
}

void
fixture_set(struct config *cfg, const char *section, const char *key,
            const char *value)
{
	char err[256];

	assert_int_equal(config_set(cfg, section, key, value, err, sizeof(err)),
	                 0);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
fixture_close(struct store *st, struct config *cfg, const char *dir)
{
	store_close(st);
	config_fini(cfg);
	token_key_forget();
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	clock_real();
	event_cleanup();
}

int64_t
fixture_utc(const char *iso)
{
	struct fecha_date d;
	char date[11];
	int h = 0, m = 0;

	memcpy(date, iso, 10);
	date[10] = '\0';
	assert_int_equal(fecha_iso_parse(date, &d), 0);
	if (iso[10] == 'T')
		assert_int_equal(sscanf(iso + 11, "%d:%d", &h, &m), 2);
	return (int64_t)fecha_date_to_days(d) * 86400 + h * 3600 + m * 60;
}
