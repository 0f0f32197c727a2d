/*
 * settings.c
 *		The convdash.* configuration parameters (GUCs).
 *
 * convdash.account_id (an admin's choice of tenant) and convdash.note (a
 * free-text note for the deletion log) are deliberately not defined here:
 * they are plain placeholders that may be set before this library is
 * loaded. For the same reason the prefix is not reserved
 * (MarkGUCPrefixReserved would turn those placeholders into errors).
 */
#include "postgres.h"

#include "utils/guc.h"

#include "convdash.h"

/* convdash.max_clip_bytes: largest audio clip accepted by audio_write */
int			convdash_max_clip_bytes = 50 * 1024 * 1024;

/* Registers every convdash.* GUC */
void
convdash_define_settings(void)
{
	/* superuser-only, so the service role cannot raise its own limit */
	DefineCustomIntVariable("convdash.max_clip_bytes",
							"Largest audio clip, in bytes, that convdash.audio_write accepts.",
							"Writing past it raises 54000 (program_limit_exceeded).",
							&convdash_max_clip_bytes,
							50 * 1024 * 1024,
							1,
							PG_INT32_MAX,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	/* superuser-only: set by convdash.authenticate() alone, verified by tenancy.c */
	DefineCustomStringVariable("convdash.claim",
							   "The signed tenant claim of the current transaction.",
							   "Installed by convdash.authenticate(key); valid only in the transaction that ran it.",
							   &convdash_claim,
							   "",
							   PGC_SUSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
}
