/*
 * Unit tests of tmpfiles.d: what a line may say (types, modifiers, mode,
 * user, group, age, argument, specifiers) with the reason when it says
 * too much, and each type applied in a scratch tree: made, adjusted,
 * written, linked, removed, recursively, and not across a symlink.
 */
#include "tap.h"
#include "tmptree.h"
#include "os/tmpfiles.h"

#include <errno.h>
#include <sys/stat.h>

static struct tmpfile_item it;
static char err[300], root[300];

static int parse(const char *text)
{
	static char buf[1024];
	snprintf(buf, sizeof buf, "%s", text);
	err[0] = '\0';
	return tmpfiles_parse_line(root, buf, &it, err, sizeof err);
}

/* parse and apply: 0 or the first error */
static int line(const char *text)
{
	int r = parse(text);
	return r < 0 ? r : tmpfiles_apply_item(root, &it, err, sizeof err);
}

static const char *get(const char *rel)
{
	static char text[256];
	text[0] = '\0';
	read_file(tree_path(rel), text, sizeof text);
	return text;
}

static unsigned mode_of(const char *rel)
{
	struct stat st;
	return lstat(tree_path(rel), &st) < 0 ? 0 : st.st_mode & 07777;
}

static int exists(const char *rel)
{
	struct stat st;
	return lstat(tree_path(rel), &st) == 0;
}

int main(void)
{
	tree_init("test-tmpfiles");
	snprintf(root, sizeof root, "%s", tree_root);
	tree_put("etc/passwd", "root:x:0:0::/root:/bin/sh\nsvc:x:990:991::/:/bin/false\n");
	tree_put("etc/group", "root:x:0:\nsvc:x:991:\n");
	tree_put("etc/machine-id", "0123456789abcdef0123456789abcdef\n");

	is_int(parse("d /run/x 0750 svc svc 10d"), 0, "d with mode, user, group, age");
	ok(it.type == 'd' && it.has_mode && it.mode == 0750 && it.uid == 990 && it.gid == 991,
	   "... parsed");
	is_int(parse("f+! /run/y :0600 - - - a\\tb"), 0, "f+ with !, :mode, escaped argument");
	ok(it.type == 'f' && it.plus && it.mode_on_create && !it.has_uid && !it.has_gid,
	   "... plus, mode on create only, no owner");
	is_str(it.arg, "a\tb", "... the argument unescaped");
	is_int(parse("F /run/y"), 0, "F is f+");
	ok(it.type == 'f' && it.plus, "... so");
	is_int(parse("Q /var/lib/machines 0700"), 0, "Q: a subvolume, made a directory");
	ok(it.type == 'd', "... type d");
	is_int(parse("d /run/%m/%%"), 0, "specifiers");
	is_str(it.path, "/run/0123456789abcdef0123456789abcdef/%", "%%m and %%%%");
	is_int(parse("L /run/link"), 0, "L without a target");
	is_str(it.arg, "/usr/share/factory/run/link", "... links to the factory copy");
	is_int(parse("d \"/run/with space\" 0755"), 0, "a quoted path");
	is_str(it.path, "/run/with space", "... with its blank");
	is_int(parse("c /dev/x 0600 - - - 1:3"), -ENOTSUP, "c (a device node) is not supported");
	is_str(err, "type 'c' is not supported", "... said so");
	is_int(parse("d~ /run/x"), -ENOTSUP, "the ~ modifier is not supported");
	is_int(parse("d /run/%Z"), -EINVAL, "an unknown specifier");
	is_int(parse("d run/x"), -EINVAL, "a relative path");
	is_int(parse("d /run/../etc"), -EINVAL, "a path with ..");
	is_int(parse("R /run/.."), -EINVAL, "... or ending in it");
	is_int(parse("d /run/x 999"), -EINVAL, "a mode that is not octal");
	is_int(parse("d /run/x ~0755"), -EINVAL, "a ~mode");
	is_int(parse("d /run/x - nosuchuser"), -ENOENT, "an unknown user");
	is_int(parse("d /run/x - - - ten"), -EINVAL, "an age that is no time span");
	is_int(parse("d /run/x - - - ~1w2d"), 0, "an age with ~ and two units");

	/* applied */
	is_int(line("d /a/dir 0750 svc svc -"), 0, "d");
	is_int(mode_of("a/dir"), 0750, "... mode");
	is_int(line("d /a/dir 0700"), 0, "d again on the same directory");
	is_int(mode_of("a/dir"), 0700, "... adjusts its mode");
	tree_put("a/file-in-dir", "");
	is_int(line("d /a/file-in-dir"), -ENOTDIR, "d where a file is");
	is_int(line("d- /a/file-in-dir"), 0, "... with '-': no error");
	tree_put("a/clean/x/y", "1");
	tree_put("a/clean/z", "1");
	is_int(line("D /a/clean 0755"), 0, "D");
	ok(exists("a/clean") && !exists("a/clean/z") && !exists("a/clean/x"), "... emptied");
	is_int(line("f /a/new 0640 - svc - hello\\nworld"), 0, "f");
	is_str(get("a/new"), "hello\nworld", "... written");
	is_int(mode_of("a/new"), 0640, "... mode");
	is_int(line("f /a/new 0600 - - - other"), 0, "f on an existing file");
	is_str(get("a/new"), "hello\nworld", "... keeps the content");
	is_int(mode_of("a/new"), 0600, "... gets the mode");
	is_int(line("f /a/new :0644"), 0, "f :mode on an existing file");
	is_int(mode_of("a/new"), 0600, "... leaves the mode");
	is_int(line("f+ /a/new - - - - replaced"), 0, "f+");
	is_str(get("a/new"), "replaced", "... truncates and writes");
	is_int(line("f /a/deep/er/file"), 0, "f makes the parents");
	ok(exists("a/deep/er/file"), "... file there");
	is_int(line("w /a/new - - - - over"), 0, "w");
	is_str(get("a/new"), "overaced", "... writes over the start, no truncation (as systemd)");
	is_int(line("w+ /a/new - - - - \\x21"), 0, "w+ with \\x21");
	is_str(get("a/new"), "overaced!", "... appends");
	is_int(line("w /a/nosuch - - - - x"), 0, "w on nothing: nothing");
	ok(!exists("a/nosuch"), "... nothing made");
	is_int(line("L /a/link - - - - /a/new"), 0, "L");
	char l[200];
	ssize_t n = readlink(tree_path("a/link"), l, sizeof l - 1);
	l[n > 0 ? n : 0] = '\0';
	is_str(l, "/a/new", "... links (the target as written)");
	is_int(line("L /a/link - - - - /elsewhere"), 0, "L where something is");
	n = readlink(tree_path("a/link"), l, sizeof l - 1);
	l[n > 0 ? n : 0] = '\0';
	is_str(l, "/a/new", "... leaves it");
	tree_put("a/ldir/content", "");
	is_int(line("L+ /a/ldir - - - - /elsewhere"), 0, "L+ over a directory");
	n = readlink(tree_path("a/ldir"), l, sizeof l - 1);
	l[n > 0 ? n : 0] = '\0';
	is_str(l, "/elsewhere", "... replaced by the link");
	tree_put("a/z/f1", "");
	tree_put("a/z/sub/f2", "");
	tree_put("outside/secret", "");
	chmod(tree_path("outside/secret"), 0600);
	tree_link("../../outside", "a/z/sub/escape");
	is_int(line("Z /a/z 0700 svc -"), 0, "Z");
	ok(mode_of("a/z/sub/f2") == 0700 && mode_of("a/z/f1") == 0700, "... recursively");
	is_int(mode_of("outside/secret"), 0600, "... not through a link");
	is_int(line("z /a/z/f* 0640"), 0, "z with a glob");
	is_int(mode_of("a/z/f1"), 0640, "... the match changed");
	is_int(line("e /a/z 0711 - - 1d"), 0, "e");
	is_int(mode_of("a/z"), 0711, "... mode of an existing directory");
	is_int(line("e /a/nosuchdir 0711"), 0, "e on nothing: nothing");
	ok(!exists("a/nosuchdir"), "... nothing made");
	tree_put("a/r/gone1", "");
	tree_put("a/r/gone2", "");
	tree_put("a/r/kept", "");
	tree_put("a/r/full/x", "");
	is_int(line("r /a/r/gone*"), 0, "r with a glob");
	ok(!exists("a/r/gone1") && !exists("a/r/gone2") && exists("a/r/kept"), "... removed those");
	is_int(line("r /a/r/full"), 0, "r on a full directory");
	ok(exists("a/r/full/x"), "... leaves it (R is for that)");
	is_int(line("R /a/r"), 0, "R");
	ok(!exists("a/r") && exists("outside/secret"), "... the tree is gone, nothing else");
	is_int(line("x /a/keep"), 0, "x: nothing to do");

	tree_put("etc/tmpfiles.d/a.conf", "d /b/one\nbad line\nf /b/two - - - - 2\n");
	tree_put("usr/lib/tmpfiles.d/a.conf", "d /b/hidden\n");
	tree_put("usr/lib/tmpfiles.d/z.conf", "d /b/three\n");
	is_int(tmpfiles_apply(root), 1, "the directories: one line refused");
	ok(exists("b/one") && exists("b/two") && exists("b/three") && !exists("b/hidden"),
	   "the rest applied; /etc hides /usr/lib's file of one name");
	tree_done();
	return done_testing();
}
