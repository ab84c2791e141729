/* Shared by fecha.c and fecha_parse.c; not a promise to any other
 * module. */
#ifndef CRONOGRAMA_FECHA_INTERNAL_H
#define CRONOGRAMA_FECHA_INTERNAL_H

#include "fecha.h"

/* "enero" … "diciembre", indexed 1..12. */
extern const char *const fecha_months[];

#endif
