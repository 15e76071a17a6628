/*
 * What an allocation's names become (see alloc.h): its workload cgroup
 * from handoff.cgroup_template, which the table owns, and the image path
 * of its uenv_image. Pure, apart from the template and the wait for the
 * workload cgroup (handoff.cgroup_wait_s) kept here.
 */
#include "handoff/alloc_int.h"
#include "lib/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static char cgroup_template[ALLOC_TEMPLATE_MAX] = HANDOFF_DEFAULT_CGROUP_TEMPLATE;
static unsigned cgroup_wait_s = ALLOC_CGROUP_WAIT_S;

int alloc_cgroup_path(const char *tmpl, const char *id, char *out, size_t cap)
{
	static const char key[] = "{allocation_id}";
	size_t o = 0, klen = sizeof key - 1, idlen = strlen(id);
	if (!*tmpl || cap == 0)
		return -EINVAL;
	for (const char *p = tmpl; *p;) {
		const char *s = p;
		size_t n = 1;
		if (strncmp(p, key, klen) == 0)
			s = id, n = idlen, p += klen;
		else
			p++;
		if (o + n >= cap)
			return -ENAMETOOLONG;
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

int alloc_resolve_image(const char *req, const char *root, char *out, size_t cap, const char **why)
{
	*why = NULL;
	if (!*req)
		*why = "uenv_image is empty";
	else if (req[0] != '/' && strchr(req, '/'))
		*why = "uenv_image must be a file name or an absolute path";
	else if (strcmp(req, ".") == 0 || strcmp(req, "..") == 0)
		*why = "uenv_image must name a file";
	if (*why)
		return -EINVAL;
	int r =
	    req[0] == '/' ? path_fmt(out, cap, "%s", req) : path_fmt(out, cap, "%s/%s", root, req);
	if (r < 0)
		*why = "uenv_image is too long";
	return r < 0 ? -EINVAL : 0;
}

int alloc_set_cgroup_template(const char *tmpl, char *err, size_t errlen)
{
	char probe[512];
	if (strlen(tmpl) >= sizeof cgroup_template || !strstr(tmpl, "{allocation_id}") ||
	    tmpl[0] == '/' || strstr(tmpl, "..") ||
	    alloc_cgroup_path(tmpl, "x", probe, sizeof probe) < 0)
		return snprintf(err, errlen,
				"want a relative cgroup path containing {allocation_id}"),
		       -EINVAL;
	snprintf(cgroup_template, sizeof cgroup_template, "%s", tmpl);
	return 0;
}

const char *alloc_cgroup_template(void)
{
	return cgroup_template;
}

int alloc_set_cgroup_wait(const char *value, char *err, size_t errlen)
{
	unsigned long long v;
	if (parse_u64(value, &v) < 0 || v < 1 || v > 86400)
		return snprintf(err, errlen, "want seconds (1..86400)"), -EINVAL;
	cgroup_wait_s = (unsigned)v;
	return 0;
}

unsigned alloc__cgroup_wait_s(void)
{
	return cgroup_wait_s;
}
