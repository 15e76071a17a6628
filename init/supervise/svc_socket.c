/*
 * Socket units at run time (svc_kinds.h): PID 1 opens each Listen*= of a
 * .socket (a path, an @abstract name, a port, ADDRESS:PORT, [IPv6]:PORT,
 * a FIFO), keeps the fds for the life of the node, hands them to the
 * service on 3, 4, ... with LISTEN_FDS/LISTEN_FDNAMES/LISTEN_PID (set by
 * svc_exec.c and the spawner), and, while the service is not running,
 * watches them: the first connection or datagram starts it.
 */
#include "supervise/svc_kinds_int.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/table.h"
#include "node/reexec.h"
#include "os/userdb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_UNITS_MAX 32

static struct open_socket {
	const struct unit *u;
	char service[UNIT_NAME_MAX];
	int fds[SOCKET_LISTEN_MAX];
	int n_fds;
	int watched;
} socks[SOCKET_UNITS_MAX] PAGE_ALIGNED;
static int n_socks;

static struct open_socket *find_socket(const struct unit *u)
{
	for (int i = 0; i < n_socks; i++)
		if (socks[i].u == u)
			return &socks[i];
	return NULL;
}

static int sock_type(enum socket_listen_type t)
{
	return t == SOCKET_LISTEN_DGRAM	      ? SOCK_DGRAM
	       : t == SOCKET_LISTEN_SEQPACKET ? SOCK_SEQPACKET
					      : SOCK_STREAM;
}

/* "/path", "@name": AF_UNIX; the length to bind with */
static socklen_t unix_addr(const char *a, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	size_t l = strlen(a);
	if (l >= sizeof sa->sun_path)
		return 0;
	memcpy(sa->sun_path, a, l);
	if (a[0] == '@')
		sa->sun_path[0] = '\0'; /* abstract: no NUL at the end */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + l + (a[0] == '/'));
}

/* "111", "0.0.0.0:111", "[::]:111": 0 with the address, or -EINVAL */
static int inet_addr_of(const char *a, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *port;
	memset(ss, 0, sizeof *ss);
	if (a[0] == '[') {
		const char *end = strchr(a, ']');
		if (!end || end[1] != ':' || (size_t)(end - a - 1) >= sizeof host)
			return -EINVAL;
		snprintf(host, sizeof host, "%.*s", (int)(end - a - 1), a + 1);
		port = end + 2;
	} else if (strchr(a, ':')) {
		const char *c = strrchr(a, ':');
		if ((size_t)(c - a) >= sizeof host)
			return -EINVAL;
		snprintf(host, sizeof host, "%.*s", (int)(c - a), a);
		port = c + 1;
	} else {
		snprintf(host, sizeof host, "::"); /* a port alone: every address, both families */
		port = a;
	}
	char *e;
	unsigned long p = strtoul(port, &e, 10);
	if (!*port || *e || p == 0 || p > 65535)
		return -EINVAL;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof *s6;
		return 0;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof *s4;
		return 0;
	}
	return -EINVAL;
}

static void own_path(const struct unit *u, const char *path)
{
	if (chmod(path, u->sock.mode) < 0)
		log_warn("socket %s: chmod %s: %s", u->name, path, strerror(errno));
	if (!u->sock.user && !u->sock.group)
		return;
	struct userdb_cred cred;
	char err[160];
	if (userdb_resolve(NULL, u->sock.user, u->sock.group, &cred, err, sizeof err) < 0) {
		log_warn("socket %s: %s: %s; left to root", u->name, path, err);
		return;
	}
	if (chown(path, u->sock.user ? cred.uid : 0, cred.gid) < 0)
		log_warn("socket %s: chown %s: %s", u->name, path, strerror(errno));
}

/* the directory a socket or FIFO goes in, with DirectoryMode= */
static void make_parent(const struct unit *u, const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir_p(dir, u->sock.dir_mode);
	}
}

static int open_fifo(const struct unit *u, const char *path)
{
	make_parent(u, path);
	if (mkfifo(path, u->sock.mode) < 0 && errno != EEXIST)
		return -errno;
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	own_path(u, path);
	return fd;
}

/* One Listen*= entry: the fd, or -errno. */
static int open_listen(const struct unit *u, const struct unit_listen *l)
{
	if (l->type == SOCKET_LISTEN_FIFO)
		return open_fifo(u, l->addr);
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int unix_path = l->addr[0] == '/';
	if (unix_path || l->addr[0] == '@')
		len = unix_addr(l->addr, (struct sockaddr_un *)&ss);
	else if (inet_addr_of(l->addr, &ss, &len) < 0)
		return -EINVAL;
	if (!len)
		return -ENAMETOOLONG;
	int fd = socket(ss.ss_family, sock_type(l->type) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1, v6only = u->sock.ipv6_only;
	if (ss.ss_family != AF_UNIX)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
	if (unix_path) {
		make_parent(u, l->addr);
		(void)unlink(l->addr); /* a stale socket of an earlier boot or run */
	}
	int r = bind(fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
	if (r == 0 && l->type != SOCKET_LISTEN_DGRAM && listen(fd, u->sock.backlog) < 0)
		r = -errno;
	if (r < 0) {
		close_fd(fd);
		return r;
	}
	if (unix_path)
		own_path(u, l->addr);
	return fd;
}

/* Symlinks=: each a link to the first path the socket listens on */
static void make_symlinks(const struct unit *u)
{
	const char *target = NULL;
	for (int i = 0; i < u->sock.n_listen && !target; i++)
		if (u->sock.listen[i].addr[0] == '/')
			target = u->sock.listen[i].addr;
	for (int i = 0; target && i < u->sock.n_symlinks; i++) {
		const char *link = u->sock.symlinks[i];
		make_parent(u, link);
		(void)unlink(link);
		if (symlink(target, link) < 0)
			log_warn("socket %s: Symlinks=%s: %s", u->name, link, strerror(errno));
	}
}

static void on_activity(void *ctx, int fd, uint32_t events);

static void watch(struct open_socket *o, int on)
{
	if (o->watched == on)
		return;
	for (int i = 0; i < o->n_fds; i++) {
		if (on)
			loop_add_fd(o->fds[i], EPOLLIN, on_activity, o);
		else
			loop_del_fd(o->fds[i]);
	}
	o->watched = on;
}

/* A connection or a datagram while the service is not running: start it
 * (and stop watching: the service takes what is pending). */
static void on_activity(void *ctx, int fd, uint32_t events)
{
	struct open_socket *o = ctx;
	(void)fd;
	(void)events;
	watch(o, 0);
	log_info("socket %s: activity, starting %s", o->u->name, o->service);
	svc_kind_ops->activate(o->service, o->u->name);
}

/* A live re-exec carries the listening fds: the service keeps the socket
 * it holds, and connections queued meanwhile are not lost. */
static void carried_name(const struct unit *u, int k, char *out, size_t cap)
{
	snprintf(out, cap, "sock:%s:%d", u->name, k);
}

static void save_sockets(struct reexec_out *o)
{
	char name[UNIT_NAME_MAX + 24];
	for (int i = 0; i < n_socks; i++)
		for (int k = 0; k < socks[i].n_fds; k++) {
			carried_name(socks[i].u, k, name, sizeof name);
			reexec_save_fd(o, name, socks[i].fds[k]);
		}
}

int svc_socket_open(const struct unit *u, char *why, size_t cap)
{
	static int saver;
	if (!saver)
		saver = reexec_register_saver(save_sockets) == 0;
	struct open_socket *o = find_socket(u);
	if (o) { /* started again: its fds stayed open */
		watch(o, 1);
		return 0;
	}
	if (n_socks == SOCKET_UNITS_MAX) {
		snprintf(why, cap, "more than %d socket units", SOCKET_UNITS_MAX);
		return -ENOSPC;
	}
	o = &socks[n_socks];
	memset(o, 0, sizeof *o);
	o->u = u;
	svc_kind_service_name(u, o->service, sizeof o->service);
	for (int i = 0; i < u->sock.n_listen; i++) {
		char carried[UNIT_NAME_MAX + 24];
		carried_name(u, i, carried, sizeof carried);
		int fd = reexec_take_fd(carried);
		if (fd < 0)
			fd = open_listen(u, &u->sock.listen[i]);
		if (fd < 0) {
			snprintf(why, cap, "cannot listen on %s: %s", u->sock.listen[i].addr,
				 strerror(-fd));
			for (int k = 0; k < o->n_fds; k++)
				close_fd(o->fds[k]);
			return fd;
		}
		o->fds[o->n_fds++] = fd;
	}
	make_symlinks(u);
	n_socks++;
	log_info("socket %s: listening on %d fds for %s", u->name, o->n_fds, o->service);
	watch(o, 1);
	return 0;
}

void svc_socket_service_state(const struct unit *service, int running)
{
	for (int i = 0; i < n_socks; i++)
		if (strcmp(socks[i].service, service->name) == 0)
			watch(&socks[i], !running);
}

int svc_socket_fds(const struct unit *service, int *fds, int max, char *names, size_t cap)
{
	int n = 0;
	size_t used = 0;
	if (cap)
		names[0] = '\0';
	for (int i = 0; i < n_socks; i++) {
		const struct open_socket *o = &socks[i];
		if (strcmp(o->service, service->name) != 0)
			continue;
		const char *nm = o->u->sock.fdname ? o->u->sock.fdname : o->u->name;
		for (int k = 0; k < o->n_fds && n < max; k++) {
			fds[n++] = o->fds[k];
			int w = snprintf(names + used, cap - used, "%s%s", used ? ":" : "", nm);
			if (w > 0 && (size_t)w < cap - used)
				used += (size_t)w;
		}
	}
	return n;
}

const struct unit *svc_socket_at(int i, char *text, size_t cap)
{
	if (i < 0 || i >= n_socks)
		return NULL;
	const struct open_socket *o = &socks[i];
	size_t used = 0;
	text[0] = '\0';
	for (int k = 0; k < o->u->sock.n_listen && used < cap; k++) {
		int w = snprintf(text + used, cap - used, "%s%s", k ? " " : "",
				 o->u->sock.listen[k].addr);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return o->u;
}
