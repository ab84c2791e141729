/* libFuzzer target: fecha_parse never crashes, and whatever it accepts is
 * a real date, range or window. Built and run by `make fuzz`. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fecha.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char words[512], err[256];
	struct fecha f;

	if (size >= sizeof(words))
		return 0;
	memcpy(words, data, size);
	words[size] = '\0';
	if (fecha_parse(words, 2018, 3, &f, err, sizeof(err)) < 0)
		return err[0] ? 0 : (abort(), 0);
	switch (f.kind) {
	case FECHA_DATE:
	case FECHA_RANGE:
		if (!fecha_date_valid(f.start) || !fecha_date_valid(f.end) ||
		    fecha_date_cmp(f.start, f.end) > 0)
			abort();
		break;
	case FECHA_TBD:
	case FECHA_APPROX:
		if (!fecha_date_valid(f.win_start) ||
		    !fecha_date_valid(f.win_end) ||
		    fecha_date_cmp(f.win_start, f.win_end) > 0)
			abort();
		break;
	}
	return 0;
}
