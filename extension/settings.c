/*
 * settings.c
 *		The convdash.* configuration parameters (GUCs).
 *
 * convdash.account_id is deliberately not defined here: it is a plain
 * placeholder set per transaction with set_config(..., true), read by the
 * row-level security policies even before this library is loaded.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "convdash.h"

/* Registers every convdash.* GUC */
void
convdash_define_settings(void)
{
}
