/* budget: see budget.h. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "budget.h"

static uint64_t
budget_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
budget_init(struct budget *b, uint64_t timeout_ms, size_t max_bytes)
{
	b->timeout_ms = timeout_ms;
	b->deadline_ms = timeout_ms > 0 ? budget_now_ms() + timeout_ms : 0;
	b->max_bytes = max_bytes;
	b->used = 0;
	atomic_init(&b->cancelled, 0);
	b->over = 0;
}

int
budget_spend(struct budget *b, size_t bytes)
{
	if (b == NULL)
		return 0;
	if (b->over != 0)
		return b->over;
	b->used += bytes;
	if (atomic_load(&b->cancelled))
		b->over = -ECANCELED;
	else if (b->max_bytes > 0 && b->used > b->max_bytes)
		b->over = -E2BIG;
	else if (b->deadline_ms > 0 && budget_now_ms() >= b->deadline_ms)
		b->over = -ETIMEDOUT;
	return b->over;
}

void
budget_cancel(struct budget *b)
{
	atomic_store(&b->cancelled, 1);
}

const char *
budget_why(const struct budget *b, char *buf, size_t len)
{
	switch (b->over) {
	case -ETIMEDOUT:
		snprintf(buf, len, "took longer than %llu s",
		         (unsigned long long)((b->timeout_ms + 999) / 1000));
		break;
	case -E2BIG:
		snprintf(buf, len, "needs more than %zu MB",
		         b->max_bytes / (1024 * 1024));
		break;
	case -ECANCELED:
		snprintf(buf, len, "was stopped");
		break;
	default:
		snprintf(buf, len, "is within its budget");
		break;
	}
	return buf;
}
