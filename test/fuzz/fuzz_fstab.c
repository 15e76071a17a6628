/*
 * libFuzzer target for fstab lines: each line of the input is parsed,
 * and an entry's source resolved (LABEL= and the like) and its NFS
 * options built (server names against a root without /etc/hosts).
 * Nothing may crash; an entry's target is absolute and its fields stay
 * NUL-terminated.
 */
#include "os/fstab.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fstab_entry e;
	char line[2048], err[300], out[FSTAB_DATA_MAX + 128];
	for (size_t i = 0; i < size;) {
		size_t n = 0;
		while (i < size && data[i] != '\n' && n < sizeof line - 1)
			line[n++] = (char)data[i++];
		line[n] = '\0';
		i++;
		if (fstab_parse_line(line, &e, err, sizeof err) != 0)
			continue;
		if (e.target[0] != '/' || strnlen(e.data, sizeof e.data) == sizeof e.data ||
		    strnlen(e.refused, sizeof e.refused) == sizeof e.refused)
			__builtin_trap();
		(void)fstab_source(&e, out, sizeof out, err, sizeof err);
		(void)fstab_nfs_data(&e, "/nonexistent", out, sizeof out, err, sizeof err);
	}
	return 0;
}
