/*
 * Unit tests of the handoff allocation table's pure helpers: the workload
 * cgroup path from handoff.cgroup_template, and how a request's uenv_image
 * becomes an image path (bare names under the first image root).
 */
#include "handoff/alloc.h"
#include "tap.h"

#include <errno.h>
#include <string.h>

int main(void)
{
	char out[256];
	const char *why = NULL;

	is_int(alloc_cgroup_path(HANDOFF_DEFAULT_CGROUP_TEMPLATE, "alloc-42", out, sizeof out), 0,
	       "default template");
	is_str(out, "workload.slice/alloc-alloc-42.scope", "workload.slice/alloc-<id>.scope");
	is_int(alloc_cgroup_path("lattice.slice/{allocation_id}/job-{allocation_id}", "a1", out,
				 sizeof out),
	       0, "a template naming the id twice");
	is_str(out, "lattice.slice/a1/job-a1", "both replaced");
	is_int(alloc_cgroup_path("w/{allocation_id", "x", out, sizeof out), 0,
	       "an unclosed placeholder is text");
	is_str(out, "w/{allocation_id", "kept as is");
	is_int(alloc_cgroup_path("{allocation_id}", "abcdefgh", out, 8), -ENAMETOOLONG,
	       "too long for the buffer");
	is_int(alloc_cgroup_path("", "x", out, sizeof out), -EINVAL, "empty template");

	is_int(alloc_resolve_image("pytorch-2.5.sqfs", "/images", out, sizeof out, &why), 0,
	       "the contract's bare name");
	is_str(out, "/images/pytorch-2.5.sqfs", "resolves under the first image root");
	is_int(alloc_resolve_image("/scratch/img/x.sqfs", "/images", out, sizeof out, &why), 0,
	       "an absolute path");
	is_str(out, "/scratch/img/x.sqfs", "is kept (the mount manager checks the roots)");
	is_int(alloc_resolve_image("sub/x.sqfs", "/images", out, sizeof out, &why), -EINVAL,
	       "a relative path with '/' is refused");
	ok(why && strstr(why, "file name"), "with a reason: %s", why ? why : "(none)");
	is_int(alloc_resolve_image("../x.sqfs", "/images", out, sizeof out, &why), -EINVAL,
	       "../ is refused");
	is_int(alloc_resolve_image("..", "/images", out, sizeof out, &why), -EINVAL,
	       ".. is refused");
	is_int(alloc_resolve_image(".", "/images", out, sizeof out, &why), -EINVAL, ". is refused");
	is_int(alloc_resolve_image("", "/images", out, sizeof out, &why), -EINVAL,
	       "empty is refused");
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	is_int(alloc_resolve_image(longname, "/images", out, sizeof out, &why), -EINVAL,
	       "too long for the path is refused");
	return done_testing();
}
