/*
 * tmpfiles.d (see tmpfiles.h). Lines are applied as they are read, files
 * in name order (systemd sorts by path instead; for lines on different
 * paths that comes to the same, and parents are made as needed). Nothing
 * recursive crosses into another filesystem or follows a link, and every
 * walk is bounded in depth.
 */
#include "os/tmpfiles.h"
#include "lib/confdir.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/pathmatch.h"
#include "lib/table.h"
#include "os/userdb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define DEPTH_MAX 32

/* %X of a path or argument; 0 or -EINVAL for one we do not know */
static int specifier(const char *root, char c, char *out, size_t cap)
{
	static const char *const dirs[][2] = {
	    {"t", "/run"}, {"S", "/var/lib"}, {"C", "/var/cache"}, {"L", "/var/log"},
	    {"T", "/tmp"}, {"V", "/var/tmp"}, {"h", "/root"},	   {"u", "root"},
	    {"U", "0"},	   {"g", "root"},     {"G", "0"},	   {"%", "%"}};
	char p[320];
	struct utsname u;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (dirs[i][0][0] == c)
			return snprintf(out, cap, "%s", dirs[i][1]), 0;
	out[0] = '\0';
	if (c == 'm' || c == 'b') {
		path_fmt(p, sizeof p, "%s%s", root,
			 c == 'm' ? "/etc/machine-id" : "/proc/sys/kernel/random/boot_id");
		read_file(p, out, cap);
		if (c == 'b') { /* the boot id without its dashes, as systemd prints it */
			char *o = out;
			for (char *s = out; *s; s++)
				if (*s != '-')
					*o++ = *s;
			*o = '\0';
		}
		out[strcspn(out, "\n")] = '\0';
		return 0;
	}
	if (c == 'H' || c == 'l') {
		gethostname(out, cap - 1);
		out[cap - 1] = '\0';
		if (c == 'l')
			out[strcspn(out, ".")] = '\0';
		return 0;
	}
	if (c == 'v' && uname(&u) == 0)
		return snprintf(out, cap, "%s", u.release), 0;
	return -EINVAL;
}

static int expand(const char *root, const char *in, char *out, size_t cap, char *err, size_t errlen)
{
	size_t o = 0;
	for (; *in; in++) {
		char v[256];
		if (*in == '%') {
			if (specifier(root, in[1], v, sizeof v) < 0)
				return snprintf(err, errlen, "unknown specifier %%%c", in[1]),
				       -EINVAL;
			in++;
		} else {
			v[0] = *in, v[1] = '\0';
		}
		size_t l = strlen(v);
		if (o + l >= cap)
			return snprintf(err, errlen, "too long after expansion"), -ENAMETOOLONG;
		memcpy(out + o, v, l);
		o += l;
	}
	out[o] = '\0';
	return 0;
}

/* \n \t \r \\ \" \xHH, in place */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		s++;
		if (*s == 'x' && hex_digit(s[1]) >= 0 && hex_digit(s[2]) >= 0) {
			*o++ = (char)(hex_digit(s[1]) << 4 | hex_digit(s[2]));
			s += 2;
		} else {
			*o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s;
		}
	}
	*o = '\0';
}

/* the next blank-separated field ("-" when the line ends); quotes allowed */
static const char *field(char **pp)
{
	char *p = *pp + strspn(*pp, " \t"), *start = p;
	if (!*p)
		return "-";
	if (*p == '"' && strchr(p + 1, '"')) {
		start = ++p;
		p = strchr(p, '"');
	} else {
		p += strcspn(p, " \t");
	}
	if (*p)
		*p++ = '\0';
	*pp = p;
	return start;
}

static int valid_age(const char *a)
{
	if (!strcmp(a, "-"))
		return 1;
	a += *a == '~';
	if (!*a)
		return 0;
	while (*a) {
		size_t d = strspn(a, "0123456789");
		if (!d)
			return 0;
		a += d;
		a += strspn(a, "abcdefghijklmnopqrstuvwxyz");
	}
	return 1;
}

int tmpfiles_parse_line(const char *root, char *line, struct tmpfile_item *it, char *err,
			size_t errlen)
{
	char *p = line;
	const char *type = field(&p), *path = field(&p), *mode = field(&p), *user = field(&p),
		   *group = field(&p), *age = field(&p);
	char *arg = p + strspn(p, " \t");
	memset(it, 0, sizeof *it);
	it->type = type[0];
	if (!strchr("dDefFLwzZrRxXvqQ", it->type))
		return snprintf(err, errlen, "type '%s' is not supported", type), -ENOTSUP;
	if (strchr("vqQ", it->type))
		it->type = 'd'; /* subvolumes are plain directories here */
	for (const char *m = type + 1; *m; m++) {
		if (*m == '+')
			it->plus = 1;
		else if (*m == '-')
			it->ignore = 1;
		else if (*m != '!') /* boot only: this is the boot */
			return snprintf(err, errlen, "modifier '%c' is not supported", *m),
			       -ENOTSUP;
	}
	if (it->type == 'F')
		it->type = 'f', it->plus = 1;
	int r = expand(root, path, it->path, sizeof it->path, err, errlen);
	if (r < 0)
		return r;
	if (!pathmatch_plain(it->path))
		return snprintf(err, errlen, "'%s' is not an absolute, plain path", it->path),
		       -EINVAL;
	if (strcmp(mode, "-")) {
		char *end;
		it->mode_on_create = *mode == ':';
		unsigned long m = strtoul(mode + it->mode_on_create, &end, 8);
		if (*end || m > 07777 || !mode[it->mode_on_create])
			return snprintf(err, errlen, "mode '%s': want octal, or :octal", mode),
			       -EINVAL;
		it->mode = (mode_t)m;
		it->has_mode = 1;
	}
	struct userdb_cred c;
	char why[128];
	if (strcmp(user, "-") || strcmp(group, "-")) {
		r = userdb_resolve(root, strcmp(user, "-") ? user : "root",
				   strcmp(group, "-") ? group : NULL, &c, why, sizeof why);
		if (r < 0)
			return snprintf(err, errlen, "%s", why), r;
		it->has_uid = strcmp(user, "-") != 0;
		it->has_gid = strcmp(group, "-") != 0;
		it->uid = c.uid;
		it->gid = c.gid;
	}
	if (!valid_age(age))
		return snprintf(err, errlen, "age '%s' is not a time span", age), -EINVAL;
	if (*arg) {
		r = expand(root, arg, it->arg, sizeof it->arg, err, errlen);
		if (r < 0)
			return r;
		if (strchr("fw", it->type))
			unescape(it->arg);
		it->has_arg = 1;
	} else if (it->type == 'L') { /* systemd's default: the factory copy */
		it->has_arg = 1;
		if (path_fmt(it->arg, sizeof it->arg, "/usr/share/factory%s", it->path) < 0)
			return snprintf(err, errlen, "path too long"), -ENAMETOOLONG;
	}
	return 0;
}

/* mode, owner, group of what is at dfd/name (not through a link) */
static int perms_at(int dfd, const char *name, const struct stat *st, const struct tmpfile_item *it,
		    int created)
{
	if (it->has_mode && (created || !it->mode_on_create) && !S_ISLNK(st->st_mode) &&
	    (st->st_mode & 07777) != it->mode && fchmodat(dfd, name, it->mode, 0) < 0)
		return -errno;
	if ((it->has_uid || it->has_gid) &&
	    fchownat(dfd, name, it->has_uid ? it->uid : (uid_t)-1,
		     it->has_gid ? it->gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int perms(const char *path, const struct tmpfile_item *it, int created)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return -errno;
	return perms_at(AT_FDCWD, path, &st, it, created);
}

/* Below the directory open at dfd (closed here): remove everything, or
 * set permissions on everything; one filesystem, links not followed. */
static int recurse(int dfd, dev_t dev, int depth, const struct tmpfile_item *it, int remove)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close_fd(dfd);
		return -errno;
	}
	int first = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		int r = 0;
		if (S_ISDIR(st.st_mode) && depth < DEPTH_MAX) {
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = sub < 0 ? -errno : recurse(sub, dev, depth + 1, it, remove);
		}
		if (remove && unlinkat(dirfd(d), e->d_name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0))
			r = -errno;
		else if (!remove)
			r = perms_at(dirfd(d), e->d_name, &st, it, 0);
		first = first ? first : r;
	}
	closedir(d);
	return first;
}

/* remove: not below a mount point (a disk mounted there keeps its files) */
static int below(const char *path, const struct tmpfile_item *it, int remove)
{
	struct stat st, up;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		close_fd(fd);
		return errno == ENOTDIR || errno == ELOOP ? 0 : -errno;
	}
	if (remove && fstatat(fd, "..", &up, 0) == 0 && up.st_dev != st.st_dev) {
		close_fd(fd);
		return 0;
	}
	return recurse(fd, st.st_dev, 0, it, remove);
}

static int parents(const char *path)
{
	char dir[PATH_MAX + 128];
	if (path_fmt(dir, sizeof dir, "%s", path) < 0)
		return -ENAMETOOLONG;
	*strrchr(dir, '/') = '\0';
	return dir[0] ? mkdir_p(dir, 0755) : 0;
}

static int write_arg(const char *path, const struct tmpfile_item *it, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | flags, 0644);
	if (fd < 0)
		return -errno;
	int r = it->has_arg ? write_all(fd, it->arg, strlen(it->arg)) : 0;
	close_fd(fd);
	return r;
}

/* an existing path a glob line names (e w z Z r R) */
static int on_match(void *ctx, const char *path)
{
	const struct tmpfile_item *it = ctx;
	switch (it->type) {
	case 'w':
		return write_arg(path, it, it->plus ? O_APPEND : 0);
	case 'e':
	case 'z':
		return perms(path, it, 0);
	case 'Z': {
		int r = perms(path, it, 0);
		int s = below(path, it, 0);
		return r ? r : s;
	}
	case 'r':
	case 'R':
		if (it->type == 'R')
			(void)below(path, it, 1);
		if (unlink(path) < 0 && (errno != EISDIR || rmdir(path) < 0) &&
		    errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT)
			return -errno;
		return 0;
	default:
		return 0;
	}
}

static int create(const char *p, const struct tmpfile_item *it)
{
	struct stat st;
	int r, created = 0;
	switch (it->type) {
	case 'd':
	case 'D':
		if (mkdir(p, it->has_mode ? it->mode : 0755) == 0)
			created = 1;
		else if (errno != EEXIST)
			return -errno;
		else if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			return -ENOTDIR;
		if (it->type == 'D' && !created && (r = below(p, it, 1)) < 0)
			return r;
		return perms(p, it, 1);
	case 'f':
		r = write_arg(p, it, O_CREAT | (it->plus ? O_TRUNC : O_EXCL));
		if (r == -EEXIST)
			return perms(p, it, 0);
		return r < 0 ? r : perms(p, it, 1);
	case 'L':
		if (lstat(p, &st) == 0) {
			if (!it->plus)
				return 0; /* there is something there: leave it */
			if (S_ISDIR(st.st_mode))
				(void)below(p, it, 1);
			if (remove(p) < 0)
				return -errno;
		}
		if (symlink(it->arg, p) < 0)
			return -errno;
		return (it->has_uid || it->has_gid) ? perms(p, it, 1) : 0;
	default:
		return 0;
	}
}

int tmpfiles_apply_item(const char *root, const struct tmpfile_item *it, char *err, size_t errlen)
{
	char p[PATH_MAX + 128];
	int r = path_fmt(p, sizeof p, "%s%s", root, it->path);
	if (r < 0) {
		/* said below */
	} else if (strchr("dDfL", it->type)) {
		r = parents(p);
		r = r < 0 ? r : create(p, it);
		if (r < 0 && it->ignore)
			r = 0;
	} else {
		r = strchr("xX", it->type) ? 0 : pathmatch_each(p, on_match, (void *)it);
	}
	if (r < 0)
		snprintf(err, errlen, "%c %s: %s", it->type, it->path, strerror(-r));
	return r;
}

static const char *cur_root;

static int line_cb(void *ctx, char *line, int no, char *err, size_t errlen)
{
	(void)ctx, (void)no;
	static struct tmpfile_item it PAGE_ALIGNED;
	int r = tmpfiles_parse_line(cur_root, line, &it, err, errlen);
	return r < 0 ? r : tmpfiles_apply_item(cur_root, &it, err, errlen);
}

static int errors;

static int file_cb(void *ctx, const char *path)
{
	(void)ctx;
	int bad = confdir_lines(path, "#", line_cb, NULL);
	errors += bad > 0 ? bad : 0;
	return 0;
}

int tmpfiles_apply(const char *root)
{
	cur_root = root;
	errors = 0;
	int n = confdir_each(root, "tmpfiles.d", ".conf", file_cb, NULL);
	if (n > 0)
		log_info("tmpfiles: %d files applied%s", n, errors ? ", with errors" : "");
	return errors;
}
