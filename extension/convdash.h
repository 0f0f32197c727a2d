/*
 * convdash.h
 *		Declarations shared between the C files of the convdash module.
 */
#ifndef CONVDASH_H
#define CONVDASH_H

#include "datatype/timestamp.h"

/* Registers every convdash.* GUC (settings.c) */
extern void convdash_define_settings(void);

/* convdash.max_clip_bytes (settings.c) */
extern int	convdash_max_clip_bytes;

/* convdash.audio_storage (settings.c): where new clips keep their bytes */
#define AUDIO_STORAGE_LARGE_OBJECT 0
#define AUDIO_STORAGE_CHUNKS 1
extern int	convdash_audio_storage;

/* convdash.claim: the signed tenant claim of the transaction (tenancy.c) */
extern char *convdash_claim;

/* Length of an HMAC-SHA-256 */
#define CONVDASH_HMAC_LEN 32

/* HMAC-SHA-256 of msg under key into out (hmac.c) */
extern void convdash_hmac_sha256_raw(const uint8 *key, size_t keylen,
									 const uint8 *msg, size_t msglen, uint8 *out);

/* The tenant of the current transaction; raises 42501 saying why there is none (tenancy.c) */
extern int64 convdash_tenant(void);

/* The owner of a relation (tenancy.c) */
extern Oid	convdash_rel_owner(Oid relid);

/* convdash.decode_timeout and convdash.decode_memory (settings.c) */
extern int	convdash_decode_timeout_ms;
extern int	convdash_decode_memory_mb;

/* Raises 22023 (invalid_parameter_value) naming the field as the column (peaks.c) */
extern void convdash_invalid_parameter(const char *field, const char *msg) pg_attribute_noreturn();

/* How many entries of the convdash index match "column op arg", from its bitmap alone (search.c) */
extern int64 convdash_index_match_count(const char *index_name, Oid op, Datum arg);

/* Room for RFC 3339 UTC text with microseconds and its NUL (rfc3339.c) */
#define CONVDASH_RFC3339_LEN 28

/* Writes the RFC 3339 UTC text of ts; false when infinite or outside years 1-9999 (rfc3339.c) */
extern bool convdash_rfc3339_format(TimestampTz ts, char out[CONVDASH_RFC3339_LEN]);

#endif							/* CONVDASH_H */
