/*
 * userdb tests against fixture /etc/passwd and /etc/group in a temp root:
 * names, numbers, primary and explicit groups, supplementary groups,
 * unknown names, malformed lines, missing files.
 */
#include "os/userdb.h"
#include "lib/fileio.h"
#include "tap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char root[256];

static void put(const char *name, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/etc/%s", root, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	struct userdb_cred c;
	char err[256];
	snprintf(root, sizeof root, "/tmp/pact-test-userdb.%d", (int)getpid());
	char etc[PATH_MAX];
	snprintf(etc, sizeof etc, "%s/etc", root);
	ok(mkdir_p(etc, 0755) == 0, "fixture root");

	put("passwd", "root:x:0:0:root:/root:/bin/bash\n"
		      "# a comment\n"
		      "broken line without colons\n"
		      "bad:x:notanumber:1::/:/bin/sh\n"
		      "chrony:x:101:102:chrony daemon:/var/lib/chrony:/usr/sbin/nologin\n"
		      "nvidia-persistenced:x:120:130::/:\n"
		      "\n"
		      "alice:x:1000:1000::/home/alice:/bin/sh\n");
	put("group", "root:x:0:\n"
		     "adm:x:4:chrony,alice\n"
		     "chrony:x:102:\n"
		     "video:x:44:nvidia-persistenced,alice\n"
		     "render:x:105:alice\n"
		     "alice:x:1000:alice\n"
		     "garbage\n"
		     "nvidia-persistenced:x:130:\n");

	is_int(userdb_resolve(root, "chrony", NULL, &c, err, sizeof err), 0, "user by name");
	is_int(c.uid, 101, "uid");
	is_int(c.gid, 102, "primary gid");
	is_int(c.ngroups, 1, "one supplementary group");
	is_int(c.groups[0], 4, "adm");
	is_str(c.home, "/var/lib/chrony", "home");
	is_str(c.shell, "/usr/sbin/nologin", "shell");

	is_int(userdb_resolve(root, "alice", "video", &c, err, sizeof err), 0, "user + Group=");
	is_int(c.gid, 44, "Group= overrides the primary group");
	is_int(c.ngroups, 3, "adm, render, alice (the primary-by-Group video excluded)");
	ok(c.groups[0] == 4 && c.groups[1] == 105 && c.groups[2] == 1000, "groups in file order");

	is_int(userdb_resolve(root, "nvidia-persistenced", NULL, &c, err, sizeof err), 0,
	       "dashed name");
	ok(c.uid == 120 && c.gid == 130 && c.ngroups == 1 && c.groups[0] == 44,
	   "its ids and video");
	is_str(c.home, "/", "home");
	is_str(c.shell, "/bin/sh", "empty shell defaults to /bin/sh");

	is_int(userdb_resolve(root, "101", NULL, &c, err, sizeof err), 0, "numeric uid in passwd");
	ok(c.uid == 101 && c.gid == 102 && c.ngroups == 1, "numeric uid gets the entry's groups");
	is_int(userdb_resolve(root, "4242", NULL, &c, err, sizeof err), 0,
	       "numeric uid not in passwd");
	ok(c.uid == 4242 && c.gid == 4242 && c.ngroups == 0, "gid = uid, no groups");
	is_int(userdb_resolve(root, "4242", "44", &c, err, sizeof err), 0, "numeric uid and gid");
	ok(c.uid == 4242 && c.gid == 44, "numeric group");
	is_int(userdb_resolve(root, NULL, "video", &c, err, sizeof err), 0, "Group= only");
	ok(c.uid == 0 && c.gid == 44, "root with group video");
	is_int(userdb_resolve(root, NULL, NULL, &c, err, sizeof err), 0, "neither");
	ok(c.uid == 0 && c.gid == 0 && c.ngroups == 0, "root");
	is_str(c.home, "/root", "root's home");

	is_int(userdb_resolve(root, "mallory", NULL, &c, err, sizeof err), -ENOENT, "unknown user");
	ok(strstr(err, "unknown user \"mallory\"") != NULL, "err: %s", err);
	is_int(userdb_resolve(root, "alice", "wheel", &c, err, sizeof err), -ENOENT,
	       "unknown group");
	ok(strstr(err, "unknown group \"wheel\"") != NULL, "err: %s", err);
	is_int(userdb_resolve(root, "bad", NULL, &c, err, sizeof err), -ENOENT,
	       "malformed entry never matches");
	is_int(userdb_resolve(root, "99999999999", NULL, &c, err, sizeof err), -EINVAL,
	       "uid out of range");
	is_int(userdb_resolve(root, "4294967295", NULL, &c, err, sizeof err), -EINVAL,
	       "(uid_t)-1 refused");

	/* a user in more groups than we keep: bounded */
	char big[8192] = "";
	for (int i = 0; i < USERDB_GROUPS_MAX + 10; i++) {
		size_t o = strlen(big);
		snprintf(big + o, sizeof big - o, "g%d:x:%d:alice\n", i, 2000 + i);
	}
	put("group", big);
	is_int(userdb_resolve(root, "alice", NULL, &c, err, sizeof err), 0, "many groups");
	is_int(c.ngroups, USERDB_GROUPS_MAX, "bounded at USERDB_GROUPS_MAX");

	/* a long group line (many members) still counts; an overlong one is skipped */
	static char lines[3 * USERDB_LINE_MAX];
	size_t o = (size_t)snprintf(lines, sizeof lines, "many:x:3000:");
	while (o < USERDB_LINE_MAX - 100)
		o += (size_t)snprintf(lines + o, sizeof lines - o, "user%zu,", o);
	o += (size_t)snprintf(lines + o, sizeof lines - o, "alice\ntoolong:x:3001:");
	while (o < 2 * USERDB_LINE_MAX + 500)
		o += (size_t)snprintf(lines + o, sizeof lines - o, "user%zu,", o);
	snprintf(lines + o, sizeof lines - o, "alice\nlast:x:3002:alice");
	put("group", lines);
	is_int(userdb_resolve(root, "alice", NULL, &c, err, sizeof err), 0, "long group lines");
	ok(c.ngroups == 2 && c.groups[0] == 3000 && c.groups[1] == 3002,
	   "long line read, overlong skipped, last line without newline read (%d groups)",
	   c.ngroups);

	/* a large passwd (more than any fixed buffer) is streamed */
	FILE *f;
	char pwpath[PATH_MAX];
	snprintf(pwpath, sizeof pwpath, "%s/etc/passwd", root);
	if ((f = fopen(pwpath, "w"))) {
		for (int i = 0; i < 20000; i++)
			fprintf(f, "user%d:x:%d:%d::/home/user%d:/bin/sh\n", i, 10000 + i, 100, i);
		fclose(f);
	}
	is_int(userdb_resolve(root, "user19999", NULL, &c, err, sizeof err), 0,
	       "last user of a 20000-line passwd");
	is_int(c.uid, 29999, "its uid");

	char gone[PATH_MAX];
	snprintf(gone, sizeof gone, "%s/nowhere", root);
	is_int(userdb_resolve(gone, "alice", NULL, &c, err, sizeof err), -ENOENT, "no passwd file");
	ok(strstr(err, "/etc/passwd") != NULL, "err names the file: %s", err);
	is_int(userdb_resolve(gone, "12", "34", &c, err, sizeof err), 0,
	       "numeric ids need no files");
	ok(c.uid == 12 && c.gid == 34, "ids");

	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	if (system(cmd) != 0)
		printf("# cleanup failed\n");
	return done_testing();
}
