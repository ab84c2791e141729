/* import_osc: the organisations import's file as a spreadsheet saves it.
 * See import.h. */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "text.h"

/* The line (from 1) of offset off in data. */
static int
line_at(const char *data, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

int
import_osc_decode(const char *data, size_t len, char **text,
                  const char **encoding, int *line, char *why, size_t whylen)
{
	char *out, *in = (char *)data, *op;
	size_t inleft = len, outleft = len * 3 + 1;
	const char *nul = memchr(data, '\0', len);
	iconv_t cd;

	*line = 0;
	*why = '\0';
	*text = NULL;
	*encoding = "UTF-8";
	if (len >= 2 &&
	    ((unsigned char)data[0] == 0xFF ||
	     (unsigned char)data[0] == 0xFE) &&
	    ((unsigned char)data[1] == 0xFE ||
	     (unsigned char)data[1] == 0xFF)) {
		snprintf(why, whylen,
		         "the file is UTF-16 text (Excel's \"Unicode "
		         "text\"): save it as CSV (comma or semicolon "
		         "separated) or CSV UTF-8");
		return -EINVAL;
	}
	if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0) {
		snprintf(why, whylen,
		         "the file is a workbook (.xlsx or .ods), not CSV: "
		         "save it as CSV from the spreadsheet");
		return -EINVAL;
	}
	if (nul) {
		*line = line_at(data, (size_t)(nul - data));
		snprintf(why, whylen,
		         "line %d: a NUL byte: this is not a CSV text file",
		         line_at(data, (size_t)(nul - data)));
		return -EINVAL;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	if (text_utf8_valid(data, len)) {
		if ((*text = strndup(data, len)) == NULL)
			return -ENOMEM;
		return 0;
	}
	/* Not UTF-8: what a spreadsheet on Windows writes in Spain and
	 * Mexico. Every byte but five is a character there. */
	*encoding = "Windows-1252";
	if ((out = malloc(outleft)) == NULL)
		return -ENOMEM;
	op = out;
	cd = iconv_open("UTF-8", "WINDOWS-1252");
	if (cd == (iconv_t)-1) {
		free(out);
		snprintf(why, whylen,
		         "the file is not UTF-8, and this system cannot "
		         "convert Windows-1252 (iconv: %s)",
		         strerror(errno));
		return -EINVAL;
	}
	in = (char *)data;
	if (iconv(cd, &in, &inleft, &op, &outleft) == (size_t)-1) {
		int at = line_at(data, (size_t)(in - data));

		iconv_close(cd);
		free(out);
		*line = at;
		snprintf(why, whylen,
		         "line %d: byte 0x%02X is neither UTF-8 nor "
		         "Windows-1252 text",
		         at, (unsigned char)*in);
		return -EINVAL;
	}
	iconv_close(cd);
	*op = '\0';
	*text = out;
	return 0;
}
