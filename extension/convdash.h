/*
 * convdash.h
 *		Declarations shared between the C files of the convdash module.
 */
#ifndef CONVDASH_H
#define CONVDASH_H

/* Registers every convdash.* GUC (settings.c) */
extern void convdash_define_settings(void);

#endif							/* CONVDASH_H */
