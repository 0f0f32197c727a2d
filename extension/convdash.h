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

#endif							/* CONVDASH_H */
