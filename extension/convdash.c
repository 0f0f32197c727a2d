/*
 * convdash.c
 *		Module entry point of the convdash extension.
 *
 * The functions live in one file per concern (token.c, duration.c,
 * sentiment.c, ...); this file only declares the module and its settings.
 */
#include "postgres.h"

#include "fmgr.h"

#include "convdash.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Defines the module's settings when the library is loaded */
void
_PG_init(void)
{
	convdash_define_settings();
}
