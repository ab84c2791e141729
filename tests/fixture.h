/* fixture: what the unit tests on a real store (test_domain,
 * test_schedule, test_notice, test_org_data, test_signup) start from,
 * written once. Each call fails
 * the running cmocka test on any error. */
#ifndef CRONOGRAMA_TEST_FIXTURE_H
#define CRONOGRAMA_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;

/*
 * Open an in-memory store holding the topics agenda-2030 (1.1) and
 * cambio-climatico (1.2); fill cfg with the defaults and the domain
 * example.org; make a temporary directory /tmp/NAME-XXXXXX in dir (64
 * bytes) and load an unsubscribe key there. Undo with fixture_close.
 */
void fixture_open(struct store **st, struct config *cfg, char *dir,
                  const char *name);

/* fixture_open with the store in the file dir/cronograma.db, for tests
 * that look at the bytes on disk. */
void fixture_open_file(struct store **st, struct config *cfg, char *dir,
                       const char *name);

/* One setting of cfg, as the configuration file would give it. */
void fixture_set(struct config *cfg, const char *section, const char *key,
                 const char *value);

/* Close the store, free cfg, remove dir and what it holds, forget the
 * key, give the real clock back and free libical's caches. */
void fixture_close(struct store *st, struct config *cfg, const char *dir);

/* A topic put into the store. */
void fixture_topic_add(struct store *st, const char *code, const char *slug,
                       const char *nombre);

/* "2031-03-10" or "2031-03-10T16:00" read as UTC: seconds since 1970. */
int64_t fixture_utc(const char *iso);

#endif
