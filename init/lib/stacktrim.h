/*
 * Give back the pages of the stack below the current frame. PID 1's boot
 * runs deep frames once (unit files and init.conf parsed into buffers on
 * the stack: tens of KiB); the stack never shrinks by itself, so without
 * this they stay resident for the life of the node.
 */
#ifndef PACT_STACKTRIM_H
#define PACT_STACKTRIM_H

#include <stddef.h>

/* Drop the pages of this thread's stack mapping more than a page below the
 * caller's frame (what lies there is dead; the next deep call faults fresh
 * zero pages in). Returns the bytes given back, or -errno. */
long stack_trim(void);
/* The same for a stack mapping [lo, hi) and a frame at sp (for tests). */
long stack_trim_range(unsigned long lo, unsigned long hi, unsigned long sp);

#endif
