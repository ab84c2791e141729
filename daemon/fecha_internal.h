/* Shared by fecha.c and fecha_parse.c; not a promise to any other
 * module. */
#ifndef CRONOGRAMA_FECHA_INTERNAL_H
#define CRONOGRAMA_FECHA_INTERNAL_H

#include "fecha.h"

/* "enero" … "diciembre": month m is fecha_months[m - 1]. */
extern const char *const fecha_months[];

#endif
