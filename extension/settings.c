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

/* convdash.decode_timeout: wall-clock limit of decoding one clip */
int			convdash_decode_timeout_ms = 60000;

/* convdash.decode_memory: address-space limit of the decoder process */
int			convdash_decode_memory_mb = 512;

/* convdash.audio_storage: where new clips keep their bytes (AUDIO_STORAGE_*) */
int			convdash_audio_storage = AUDIO_STORAGE_LARGE_OBJECT;

/* The values of convdash.audio_storage, named as audio_clips.storage names them */
static const struct config_enum_entry audio_storage_options[] = {
	{"large_object", AUDIO_STORAGE_LARGE_OBJECT, false},
	{"chunks", AUDIO_STORAGE_CHUNKS, false},
	{NULL, 0, false}
};

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
	/* superuser-only (ALTER DATABASE ... SET); distribute() sets chunks */
	DefineCustomEnumVariable("convdash.audio_storage",
							 "Where new audio clips keep their bytes: large_object or chunks.",
							 "Clips already stored stay where they are (convdash.move_audio moves them). "
							 "A distributed installation always uses chunks.",
							 &convdash_audio_storage,
							 AUDIO_STORAGE_LARGE_OBJECT,
							 audio_storage_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("convdash.decode_timeout",
							"Longest time decoding one audio clip may take.",
							"The decoder process is killed past it and the clip refused (22023).",
							&convdash_decode_timeout_ms,
							60000,
							100,
							3600 * 1000,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("convdash.decode_memory",
							"Address space the audio decoder process may use.",
							"Decoding a clip that needs more fails, and the clip is refused (22023).",
							&convdash_decode_memory_mb,
							512,
							64,
							16384,
							PGC_SUSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);
}
