/*
 * Allocate and touch memory until killed: the guest's stand-in for a
 * service that outgrows its MemoryMax (the OOM case).
 *   memhog MIB   touch MIB mebibytes (one page at a time), then exit 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 64;
	printf("memhog: touching %ld MiB\n", mib);
	fflush(stdout);
	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);
		if (!p) {
			printf("memhog: malloc failed at %ld MiB\n", i);
			return 1;
		}
		for (int k = 0; k < (1 << 20); k += 4096)
			p[k] = (char)k | 1;
	}
	printf("memhog: survived %ld MiB\n", mib);
	return 0;
}
