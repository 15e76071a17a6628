/*
 * Which kernel modules drive a device: its modalias ("pci:v00001AF4d...",
 * "virtio:d00000004v00001AF4", or "fs-nfs4" for a filesystem) against the
 * patterns of modules.alias, which depmod writes as "alias PATTERN MODULE".
 */
#ifndef PACT_MODALIAS_H
#define PACT_MODALIAS_H

/* A device to find drivers for. */
struct modalias_dev {
	const char *alias;
	const char *devpath; /* for messages ("/devices/pci0000:00/..."), may be NULL */
};

/* Sort by alias (what modalias_match needs) and drop repeated aliases
 * (every CPU has the same); returns the new count. */
int modalias_sort(struct modalias_dev *d, int n);
/*
 * Stream the modules.alias file at path once: for each pattern matching
 * one of the n sorted devices, fn(ctx, index, module). A pattern's
 * literal head (up to its first wildcard) is looked up by binary search,
 * so the cost is one pass over the file plus a few comparisons a line,
 * whatever the number of devices. Returns the number of matches, or
 * -errno when the file cannot be read.
 */
int modalias_match(const char *path, const struct modalias_dev *d, int n,
		   void (*fn)(void *ctx, int i, const char *module), void *ctx);

#endif
