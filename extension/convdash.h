/*
 * convdash.h
 *		Declarations shared between the C files of the convdash module.
 */
#ifndef CONVDASH_H
#define CONVDASH_H

/* Registers every convdash.* GUC (settings.c) */
extern void convdash_define_settings(void);

/* convdash.max_clip_bytes (settings.c) */
extern int	convdash_max_clip_bytes;

/* convdash.decode_timeout and convdash.decode_memory (settings.c) */
extern int	convdash_decode_timeout_ms;
extern int	convdash_decode_memory_mb;

#endif							/* CONVDASH_H */
