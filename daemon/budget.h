/* budget: how much time and memory a piece of untrusted work (reading an
 * import) may take. The work calls budget_spend() now and then with the
 * bytes it has taken since; past either limit, or once another thread
 * called budget_cancel(), it fails, and keeps failing, so the work stops
 * and reports why. A leaf module (libc only); a NULL budget never fails.
 */
#ifndef CRONOGRAMA_BUDGET_H
#define CRONOGRAMA_BUDGET_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct budget {
	uint64_t deadline_ms; /* CLOCK_MONOTONIC; 0: no time limit */
	uint64_t timeout_ms;  /* the limit, for messages */
	size_t max_bytes;     /* 0: no memory limit */
	size_t used;          /* bytes spent so far */
	atomic_int cancelled; /* set by budget_cancel(), from any thread */
	int over;             /* 0, -ETIMEDOUT, -E2BIG or -ECANCELED */
};

/* Start the clock: timeout_ms from now (0: none), max_bytes (0: none). */
void budget_init(struct budget *b, uint64_t timeout_ms, size_t max_bytes);

/* Count bytes more and check both limits and the cancel flag: 0, or the
 * first reason it is over (-ETIMEDOUT, -E2BIG, -ECANCELED), from then on
 * every time. */
int budget_spend(struct budget *b, size_t bytes);

/* Tell the work to stop (any thread). */
void budget_cancel(struct budget *b);

/* Why the budget is over, as a sentence fragment ("took longer than 30 s",
 * "needs more than 256 MB"), into buf. */
const char *budget_why(const struct budget *b, char *buf, size_t len);

#endif
