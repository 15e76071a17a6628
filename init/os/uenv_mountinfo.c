/*
 * uenv_reconstruct (see uenv.h, WI6): after a restart, the squashfs mounts
 * directly under the base are adopted from the mount table, each counted
 * once per allocation that names its image; those nobody uses get a hold
 * timer. Nothing is remounted or unmounted on the way.
 */
#include "os/uenv_int.h"
#include "lib/linebuf.h"
#include "lib/log.h"
#include "lib/table.h"
#include "os/mounts.h"
#include "os/uenv_path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mi_line {
	unsigned major, minor;
	char *mount_point;
	char *fstype;
};

/* Split one mountinfo line; returns 0 when it has the fields we need. */
static int parse_mountinfo(char *line, struct mi_line *out)
{
	char *f[8];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " ", &save); t && n < 8; t = strtok_r(NULL, " ", &save)) {
		if (n >= 6 && strcmp(t, "-") != 0)
			continue; /* optional fields */
		f[n++] = t;
		if (n == 7) { /* after "-": fstype */
			char *fs = strtok_r(NULL, " ", &save);
			if (!fs)
				return -EINVAL;
			f[n++] = fs;
		}
	}
	if (n < 8)
		return -EINVAL;
	/* "MAJ:MIN" (no sscanf: it would pull scanf and strtod into PID 1) */
	char *colon = strchr(f[2], ':'), *end;
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	unsigned long maj = strtoul(f[2], &end, 10), min;
	if (*end || end == f[2])
		return -EINVAL;
	min = strtoul(colon + 1, &end, 10);
	if (*end || end == colon + 1)
		return -EINVAL;
	out->major = (unsigned)maj;
	out->minor = (unsigned)min;
	mountinfo_unescape(f[4]);
	out->mount_point = f[4];
	out->fstype = f[7];
	return 0;
}

static unsigned count_users(const char *image, const char *const *active, size_t n)
{
	unsigned c = 0;
	char norm[UENV_IMAGE_MAX];
	for (size_t i = 0; i < n; i++)
		if (active[i] && uenv_path_normalize(active[i], norm, UENV_IMAGE_MAX) == 0 &&
		    strcmp(norm, image) == 0)
			c++;
	return c;
}

/* Adopt one squashfs mount under the base. Returns 1 adopted, 0 skipped, <0 full. */
static int adopt(struct uenv_mgr *m, const struct mi_line *mi, const char *const *active, size_t n)
{
	if (uenv__name_taken(m, mi->mount_point))
		return 0;
	char backing[UENV_IMAGE_MAX + 16], image[UENV_IMAGE_MAX];
	int r = loopdev_backing_file(m->sys_dir, mi->major, mi->minor, backing, sizeof backing);
	if (r < 0) {
		log_warn("uenv: %s: squashfs not on a bound loop device (%u:%u): left alone",
			 mi->mount_point, mi->major, mi->minor);
		return 0;
	}
	char *del = strstr(backing, " (deleted)");
	if (del && del[10] == '\0')
		*del = '\0';
	if (uenv_path_normalize(backing, image, UENV_IMAGE_MAX) < 0) {
		log_warn("uenv: %s: backing file %s is not a usable path: left alone",
			 mi->mount_point, backing);
		return 0;
	}
	if (uenv__find(m, image)) {
		log_warn("uenv: %s: %s is already mounted elsewhere under %s: left alone",
			 mi->mount_point, image, m->base);
		return 0;
	}
	struct uenv_entry *e = uenv__free_slot(m);
	if (!e) {
		log_err("uenv: reconstruct: table full (max %d); %s not adopted", UENV_MAX_ENTRIES,
			mi->mount_point);
		return -ENOSPC;
	}
	memset(e, 0, sizeof *e);
	e->used = 1;
	e->mgr = m;
	e->result_fd = -1;
	e->gen = ++m->next_gen;
	e->major = mi->major;
	e->minor = mi->minor;
	if (loopdev_name(m->sys_dir, mi->major, mi->minor, e->loopname, sizeof e->loopname) < 0)
		snprintf(e->loopname, sizeof e->loopname, "?");
	memcpy(e->image, image, sizeof e->image);
	snprintf(e->mount_point, sizeof e->mount_point, "%s", mi->mount_point);
	e->refcount = count_users(image, active, n);
	if (e->refcount == 0)
		timer_arm(&e->hold, m->cfg.hold_ms, uenv__hold_expired, e); /* WI6: orphan */
	log_info("uenv: adopted %s on %s (%s), %u reference(s)", image, e->mount_point, e->loopname,
		 e->refcount);
	return 1;
}

int uenv_reconstruct(struct uenv_mgr *m, const char *const *active_images, size_t n)
{
	static struct linebuf lb PAGE_ALIGNED; /* 8 KiB: keep it off the stack; one loop thread */
	int r = linebuf_open(&lb, m->mountinfo);
	if (r < 0)
		return uenv__fail(m, -r, "reconstruct: %s: %s", m->mountinfo, strerror(-r));
	size_t blen = strlen(m->base);
	int adopted = 0;
	char *line;
	for (;;) {
		r = linebuf_next(&lb, &line);
		if (r == -E2BIG)
			continue;
		if (r < 0)
			break;
		struct mi_line mi;
		if (parse_mountinfo(line, &mi) < 0 || strcmp(mi.fstype, "squashfs") != 0)
			continue;
		/* directly under the base: <base>/<name> */
		if (strncmp(mi.mount_point, m->base, blen) != 0 || mi.mount_point[blen] != '/' ||
		    !mi.mount_point[blen + 1] || strchr(mi.mount_point + blen + 1, '/'))
			continue;
		int a = adopt(m, &mi, active_images, n);
		if (a < 0)
			break;
		adopted += a;
	}
	linebuf_close(&lb);
	if (r < 0 && r != -ENODATA && r != -ENOSPC)
		return uenv__fail(m, -r, "reconstruct: reading %s: %s", m->mountinfo, strerror(-r));
	/* an allocation whose image is not mounted cannot get its reference back */
	char norm[UENV_IMAGE_MAX];
	for (size_t i = 0; i < n; i++)
		if (!active_images[i] ||
		    uenv_path_normalize(active_images[i], norm, UENV_IMAGE_MAX) < 0 ||
		    !uenv__find(m, norm))
			log_warn("uenv: reconstruct: %s (in use by an allocation) is not mounted "
				 "under %s; not restored",
				 active_images[i] ? active_images[i] : "(null)", m->base);
	return adopted;
}
