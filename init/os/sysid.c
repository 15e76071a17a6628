/*
 * machine-id and hostname (see sysid.h). The id made at boot lives in
 * /run, so a live re-exec (which runs the boot again when it was not
 * ready) finds and keeps it, and the bind mount hides nothing in /etc.
 */
#include "os/sysid.h"
#include "lib/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <unistd.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004 /* Linux 5.6: never blocks, even before the pool is ready */
#endif

int machineid_valid(const char *t)
{
	size_t n = strspn(t, "0123456789abcdef");
	return n == 32 && (t[32] == '\0' || (t[32] == '\n' && t[33] == '\0'));
}

int machineid_make(char *out)
{
	unsigned char b[16];
	ssize_t n = getrandom(b, sizeof b, GRND_NONBLOCK);
	if (n != (ssize_t)sizeof b)
		n = getrandom(b, sizeof b, GRND_INSECURE);
	if (n != (ssize_t)sizeof b)
		return n < 0 ? -errno : -EIO;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

int machineid_setup(const char *root, char *err, size_t errlen)
{
	char etc[512], run[512], text[64] = "", id[40];
	path_fmt(etc, sizeof etc, "%s/etc/machine-id", root);
	path_fmt(run, sizeof run, "%s/run/machine-id", root);
	if (read_file(etc, text, sizeof text) > 0 && machineid_valid(text))
		return 0;
	int r = 0;
	if (!(read_file(run, id, sizeof id) > 0 && machineid_valid(id))) {
		r = machineid_make(id);
		if (r == 0) {
			strcat(id, "\n");
			r = write_file_atomic(run, id, strlen(id), 0444);
		}
		if (r < 0)
			return snprintf(err, errlen, "%s: %s", run, strerror(-r)), r;
	}
	int fd = open(etc, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0444);
	if (fd < 0 && errno != EROFS && errno != EACCES) /* a read-only /etc has the file or not */
		r = -errno;
	close_fd(fd);
	if (r == 0 && mount(run, etc, NULL, MS_BIND, NULL) < 0)
		r = -errno;
	if (r < 0)
		return snprintf(err, errlen, "bind %s on %s: %s", run, etc, strerror(-r)), r;
	(void)mount(NULL, etc, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	return 1;
}

int hostname_read(const char *root, char *out, size_t cap)
{
	char path[512], text[512];
	path_fmt(path, sizeof path, "%s/etc/hostname", root);
	if (read_file(path, text, sizeof text) < 0)
		return -ENOENT;
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l += strspn(l, " \t");
		size_t n = strcspn(l, " \t\r");
		if (n == 0 || *l == '#')
			continue;
		l[n] = '\0';
		if (n > 64 || n >= cap ||
		    strspn(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789-._") != n)
			return -EINVAL;
		memcpy(out, l, n + 1);
		return 0;
	}
	return -ENOENT;
}
