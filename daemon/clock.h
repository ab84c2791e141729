/* clock: the one source of "now" (UTC seconds since the epoch).
 *
 * Normally the system's real-time clock. Tests, and a daemon started with
 * the test-only setting, can replace it: clock_set() fixes "now" to an
 * instant, after which time stands still until the next clock_set() (or
 * clock_advance()). clock_real() restores the system clock. */
#ifndef CRONOGRAMA_CLOCK_H
#define CRONOGRAMA_CLOCK_H

#include <stdint.h>

int64_t clock_now(void);
/* Milliseconds, for latency measurements and timers. */
int64_t clock_now_ms(void);
void clock_set(int64_t now);
void clock_advance(int64_t seconds);
void clock_real(void);
/* 1 while a test clock is in force. */
int clock_is_fixed(void);

#endif
