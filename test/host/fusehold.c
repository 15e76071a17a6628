/* The FUSE file system that holds a lookup (see fusehold.h). */
#include "fusehold.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELD_MAX 16

static void answer(int fd, uint64_t unique, int error, const void *body, size_t len)
{
	char buf[sizeof(struct fuse_out_header) + 256];
	struct fuse_out_header oh = {(uint32_t)(sizeof oh + len), error, unique};
	memcpy(buf, &oh, sizeof oh);
	if (len)
		memcpy(buf + sizeof oh, body, len);
	(void)!write(fd, buf, sizeof oh + len);
}

static void answer_init(int fd, const struct fuse_in_header *ih, const void *arg)
{
	const struct fuse_init_in *in = arg;
	struct fuse_init_out out;
	memset(&out, 0, sizeof out);
	out.major = FUSE_KERNEL_VERSION;
	out.minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor : FUSE_KERNEL_MINOR_VERSION;
	out.max_readahead = in->max_readahead;
	out.max_write = 4096;
	out.max_background = 16;
	out.congestion_threshold = 12;
	answer(fd, ih->unique, 0, &out, sizeof out);
}

static void answer_root_attr(int fd, const struct fuse_in_header *ih)
{
	struct fuse_attr_out out;
	memset(&out, 0, sizeof out);
	out.attr.ino = FUSE_ROOT_ID;
	out.attr.mode = S_IFDIR | 0755;
	out.attr.nlink = 2;
	answer(fd, ih->unique, 0, &out, sizeof out);
}

/* The server: one request at a time from /dev/fuse, and the release pipe. */
static void serve(int fd, int held_w, int release_r)
{
	static char buf[1 << 17]; /* at least FUSE_MIN_READ_BUFFER and max_write */
	uint64_t held[HELD_MAX];
	int n_held = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = release_r, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			_exit(1);
		if (p[1].revents) {
			char c;
			if (read(release_r, &c, 1) <= 0)
				_exit(0); /* the test is gone */
			for (int i = 0; i < n_held; i++)
				answer(fd, held[i], -ENOENT, NULL, 0);
			n_held = 0;
		}
		if (!p[0].revents)
			continue;
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue; /* ENOENT: a request interrupted before we read it */
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			_exit(0); /* unmounted */
		const struct fuse_in_header *ih = (const void *)buf;
		const char *arg = buf + sizeof *ih;
		switch (ih->opcode) {
		case FUSE_INIT:
			answer_init(fd, ih, arg);
			break;
		case FUSE_GETATTR:
			if (ih->nodeid == FUSE_ROOT_ID)
				answer_root_attr(fd, ih);
			else
				answer(fd, ih->unique, -ENOENT, NULL, 0);
			break;
		case FUSE_LOOKUP:
			if (strcmp(arg, "hold") == 0 && n_held < HELD_MAX) {
				held[n_held++] = ih->unique; /* read, not answered */
				(void)!write(held_w, "L", 1);
			} else {
				answer(fd, ih->unique, -ENOENT, NULL, 0);
			}
			break;
		case FUSE_INTERRUPT: /* the holder was killed: still no answer */
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
			break;
		case FUSE_DESTROY:
			_exit(0);
		default:
			answer(fd, ih->unique, -ENOSYS, NULL, 0);
		}
	}
}

int fusehold_mount(struct fusehold *h, const char *dir)
{
	memset(h, 0, sizeof *h);
	h->held = h->release = -1;
	snprintf(h->dir, sizeof h->dir, "%s", dir);
	mkdir(dir, 0755);
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	char opts[128];
	snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	if (mount("pact-fusehold", dir, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	int held[2], release[2];
	if (pipe2(held, O_CLOEXEC) < 0 || pipe2(release, O_CLOEXEC) < 0)
		return -errno;
	h->server = fork();
	if (h->server == 0) {
		close(held[0]);
		close(release[1]);
		serve(fd, held[1], release[0]);
	}
	close(fd);
	close(held[1]);
	close(release[0]);
	h->held = held[0];
	h->release = release[1];
	return h->server > 0 ? 0 : -ECHILD;
}

int fusehold_wait_held(struct fusehold *h, int timeout_ms)
{
	struct pollfd p = {.fd = h->held, .events = POLLIN};
	char c;
	if (poll(&p, 1, timeout_ms) <= 0 || read(h->held, &c, 1) != 1)
		return -ETIMEDOUT;
	return 0;
}

int fusehold_release(struct fusehold *h)
{
	return write(h->release, "R", 1) == 1 ? 0 : -errno;
}

void fusehold_end(struct fusehold *h)
{
	(void)umount2(h->dir, MNT_DETACH);
	if (h->release >= 0)
		close(h->release); /* the server sees EOF and ends */
	if (h->held >= 0)
		close(h->held);
	if (h->server > 0) {
		kill(h->server, SIGKILL);
		waitpid(h->server, NULL, 0);
	}
	rmdir(h->dir);
}
