/*
 * convdash.c
 *		Module entry point of the convdash extension.
 *
 * The functions live in one file per concern (token.c, duration.c,
 * sentiment.c, ...); this file only declares the module, its settings and
 * the backend's malloc thresholds.
 */
#include "postgres.h"

#include <malloc.h>

#include "fmgr.h"

#include "convdash.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * A clip range (64 KiB to 8 MiB) passes through several palloc'd copies
 * (the read, the result row, the protocol buffer), each a malloc of its own
 * (larger than a memory context's chunk limit). With glibc's defaults the
 * heap top is returned to the kernel (brk) as soon as 128 KiB are free, so
 * every request faults its pages in again: measured over HTTP, 64 KiB
 * ranges, one connection, 145-160 us of backend CPU per request, 79 us with
 * the thresholds below (bench/http.sh; issue 11). Fixed thresholds also
 * stop glibc from adjusting them: allocations up to 1 MiB come from the
 * heap, larger ones are mapped, and a backend keeps at most 2 MiB free at
 * its heap top (glibc's own state after it has seen a 1 MiB block freed).
 */
static void
set_malloc_thresholds(void)
{
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
}

/* Defines the module's settings and the malloc thresholds when the library is loaded */
void
_PG_init(void)
{
	convdash_define_settings();
	set_malloc_thresholds();
}
