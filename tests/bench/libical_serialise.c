/* Benchmark peer: libical alone parsing a VCALENDAR and serialising the
 * same components again, timed separately. Prints "parse_s serialise_s
 * bytes". Not part of the product. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	FILE *f;
	long len;
	char *text, *out;
	icalcomponent *cal;
	double t0, t1, t2;

	if (argc != 2 || !(f = fopen(argv[1], "rb")))
		return 2;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = malloc(len + 1);
	if (!text || fread(text, 1, len, f) != (size_t)len) {
		fclose(f);
		return 2;
	}
	text[len] = '\0';
	fclose(f);
	t0 = now();
	cal = icalparser_parse_string(text);
	t1 = now();
	if (!cal)
		return 1;
	out = icalcomponent_as_ical_string_r(cal);
	t2 = now();
	printf("%.3f %.3f %zu\n", t1 - t0, t2 - t1, strlen(out));
	free(out);
	icalcomponent_free(cal);
	free(text);
	return 0;
}
