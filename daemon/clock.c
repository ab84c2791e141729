/* clock: see clock.h. */
#include <time.h>

#include "clock.h"

static int clock_fixed;
static int64_t clock_fixed_ms;

int64_t
clock_now_ms(void)
{
	struct timespec ts;

	if (clock_fixed)
		return clock_fixed_ms;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_now(void)
{
	int64_t ms = clock_now_ms();

	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

void
clock_set(int64_t now)
{
	clock_fixed = 1;
	clock_fixed_ms = now * 1000;
}

void
clock_advance(int64_t seconds)
{
	if (!clock_fixed)
		clock_set(clock_now());
	clock_fixed_ms += seconds * 1000;
}

void
clock_real(void)
{
	clock_fixed = 0;
}

int
clock_is_fixed(void)
{
	return clock_fixed;
}
