/*
 * A FUSE filesystem for tests that need a server which stops answering:
 * it speaks the kernel's protocol on /dev/fuse directly (no libfuse) and
 * serves two files, "f" and "g" (4 KiB each at most, empty at first).
 *   fusestub [--hang-flush] [--writeback] [--deadlock] MOUNTPOINT
 *   fusestub --write FILE TEXT
 * It mounts, prints "ready <pid>" on stdout once the mount answers, and
 * serves until it is killed (which aborts the connection: every waiter
 * gets an error).
 *   --hang-flush  never answers FLUSH: a close() of one of its files blocks
 *                 in the kernel until the server dies (it is a forced request)
 *   --writeback   asks for the writeback cache: writes stay dirty in the
 *                 page cache until sync or writeback sends them
 *   --deadlock    on SIGUSR1 the server closes a file of its own mount: its
 *                 FLUSH can never be answered, so the server is stuck in the
 *                 kernel (D state) for good and nothing can kill it. The
 *                 mount is then as dead as one whose server is gone.
 * --write writes TEXT to FILE, prints "written" and waits forever with the
 * file open: with the writeback cache its data stays dirty (any close of a
 * file of that inode, a shell's redirection juggling included, would write
 * it back first). The server's own file for --deadlock is "f": write to
 * "g" for dirty data that a sync() must wait for.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILE_MAX 4096
#define ROOT_ID	 FUSE_ROOT_ID
#define NFILES	 2 /* "f" is node 2, "g" node 3 */

static int hang_flush, writeback, deadlock;
static pid_t helper; /* its FLUSH is always answered */
static volatile sig_atomic_t want_deadlock;
static struct {
	char data[FILE_MAX];
	uint64_t size;
} files[NFILES];
static int fuse_fd = -1;

static void reply(uint64_t unique, int err, const void *body, size_t len)
{
	struct fuse_out_header h = {
	    .len = (uint32_t)(sizeof h + (err ? 0 : len)), .error = -err, .unique = unique};
	struct iovec iov[2] = {{&h, sizeof h}, {(void *)body, err ? 0 : len}};
	(void)!writev(fuse_fd, iov, 2);
}

/* The file of node ino, or NULL (the root, or no such node). */
static int file_of(uint64_t ino)
{
	return ino >= 2 && ino < 2 + NFILES ? (int)(ino - 2) : -1;
}

static void fill_attr(uint64_t ino, struct fuse_attr *a)
{
	int f = file_of(ino);
	memset(a, 0, sizeof *a);
	a->ino = ino;
	a->nlink = f < 0 ? 2 : 1;
	a->mode = f < 0 ? S_IFDIR | 0755 : S_IFREG | 0666;
	a->size = f < 0 ? 0 : files[f].size;
	a->blocks = (a->size + 511) / 512;
	a->blksize = 4096;
}

static void reply_attr(uint64_t unique, uint64_t ino)
{
	struct fuse_attr_out out;
	memset(&out, 0, sizeof out);
	out.attr_valid = 3600;
	fill_attr(ino, &out.attr);
	reply(unique, 0, &out, sizeof out);
}

static void do_init(uint64_t unique, const struct fuse_init_in *in)
{
	struct fuse_init_out out;
	memset(&out, 0, sizeof out);
	out.major = FUSE_KERNEL_VERSION;
	out.minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor : FUSE_KERNEL_MINOR_VERSION;
	out.max_readahead = in->max_readahead;
	out.flags = writeback ? FUSE_WRITEBACK_CACHE : 0;
	out.max_write = FILE_MAX;
	out.max_background = 16;
	out.congestion_threshold = 12;
	reply(unique, 0, &out, sizeof out);
}

static void do_lookup(uint64_t unique, uint64_t parent, const char *name)
{
	if (parent != ROOT_ID || (strcmp(name, "f") != 0 && strcmp(name, "g") != 0)) {
		reply(unique, ENOENT, NULL, 0);
		return;
	}
	struct fuse_entry_out out;
	memset(&out, 0, sizeof out);
	out.nodeid = name[0] == 'f' ? 2 : 3;
	out.entry_valid = out.attr_valid = 3600;
	fill_attr(out.nodeid, &out.attr);
	reply(unique, 0, &out, sizeof out);
}

static void do_read(uint64_t unique, uint64_t ino, const struct fuse_read_in *in)
{
	int f = file_of(ino);
	uint64_t size = f < 0 ? 0 : files[f].size;
	uint64_t off = in->offset < size ? in->offset : size;
	uint64_t n = size - off < in->size ? size - off : in->size;
	reply(unique, 0, f < 0 ? "" : files[f].data + off, (size_t)n);
}

static void do_write(uint64_t unique, uint64_t ino, const struct fuse_write_in *in, const char *buf)
{
	int f = file_of(ino);
	uint64_t n = in->size;
	if (f < 0 || in->offset >= FILE_MAX)
		n = 0;
	else if (in->offset + n > FILE_MAX)
		n = FILE_MAX - in->offset;
	if (n) {
		memcpy(files[f].data + in->offset, buf, (size_t)n);
		if (in->offset + n > files[f].size)
			files[f].size = in->offset + n;
	}
	struct fuse_write_out out = {.size = in->size};
	reply(unique, 0, &out, sizeof out);
}

static void do_setattr(uint64_t unique, uint64_t ino, const struct fuse_setattr_in *in)
{
	int f = file_of(ino);
	if ((in->valid & FATTR_SIZE) && f >= 0)
		files[f].size = in->size < FILE_MAX ? in->size : FILE_MAX;
	reply_attr(unique, ino);
}

/* One request; returns 0, or -1 when the connection is gone. */
static int serve_one(void)
{
	static char buf[FILE_MAX + 65536];
	ssize_t n = read(fuse_fd, buf, sizeof buf);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN || errno == ENOENT ? 0 : -1;
	if ((size_t)n < sizeof(struct fuse_in_header))
		return 0;
	const struct fuse_in_header *h = (const void *)buf;
	const char *arg = buf + sizeof *h;
	switch (h->opcode) {
	case FUSE_INIT:
		do_init(h->unique, (const void *)arg);
		break;
	case FUSE_LOOKUP:
		do_lookup(h->unique, h->nodeid, arg);
		break;
	case FUSE_GETATTR:
		reply_attr(h->unique, h->nodeid);
		break;
	case FUSE_SETATTR:
		do_setattr(h->unique, h->nodeid, (const void *)arg);
		break;
	case FUSE_OPEN: {
		struct fuse_open_out out = {.fh = 1};
		reply(h->unique, 0, &out, sizeof out);
		break;
	}
	case FUSE_READ:
		do_read(h->unique, h->nodeid, (const void *)arg);
		break;
	case FUSE_WRITE:
		do_write(h->unique, h->nodeid, (const void *)arg,
			 arg + sizeof(struct fuse_write_in));
		break;
	case FUSE_FLUSH:
		if (!hang_flush || (pid_t)h->pid == helper)
			reply(h->unique, 0, NULL, 0);
		break;
	case FUSE_RELEASE:
	case FUSE_FSYNC:
		reply(h->unique, 0, NULL, 0);
		break;
	case FUSE_STATFS: {
		struct fuse_statfs_out out;
		memset(&out, 0, sizeof out);
		out.st.bsize = out.st.frsize = 4096;
		out.st.namelen = 255;
		reply(h->unique, 0, &out, sizeof out);
		break;
	}
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break; /* no answer is expected */
	default:
		reply(h->unique, ENOSYS, NULL, 0);
	}
	return 0;
}

/*
 * A forked helper opens our file (we answer it) and reports over sp: with
 * --deadlock it passes the fd back (the one file we may hold of our own
 * mount: closing it is the deadlock), else one byte, then closes its copy.
 * Never otherwise hold a file of our own mount: the close at exit would
 * wait for us.
 */
static int start_helper(const char *mnt, int sp)
{
	helper = fork();
	if (helper == 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/f", mnt);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		char cbuf[CMSG_SPACE(sizeof(int))], one = 'f';
		struct iovec iov = {&one, 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		if (deadlock) {
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof cbuf;
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof fd);
		}
		_exit(fd >= 0 && sendmsg(sp, &mh, 0) == 1 ? 0 : 1);
	}
	return helper < 0 ? -1 : 0;
}

/* The helper's report: 0 (no fd), an fd (--deadlock), or -1. */
static int helper_report(int sp)
{
	char b, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {&b, 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	if (recvmsg(sp, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int fd = 0;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static void on_usr1(int sig)
{
	(void)sig;
	want_deadlock = 1;
}

static int hold_written(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		fprintf(stderr, "fusestub: %s: %s\n", file, strerror(errno));
		return 1;
	}
	printf("written\n");
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--write") == 0)
		return hold_written(argv[2], argv[3]);
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--hang-flush") == 0)
			hang_flush = 1;
		else if (strcmp(argv[i], "--writeback") == 0)
			writeback = 1;
		else if (strcmp(argv[i], "--deadlock") == 0)
			deadlock = 1;
		else
			break;
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: fusestub [--hang-flush] [--writeback] [--deadlock] DIR\n");
		return 2;
	}
	const char *mnt = argv[i];
	fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse_fd < 0) {
		fprintf(stderr, "fusestub: /dev/fuse: %s\n", strerror(errno));
		return 1;
	}
	char opts[128];
	snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other",
		 fuse_fd);
	if (mount("fusestub", mnt, "fuse", MS_NOSUID | MS_NODEV, opts) < 0) {
		fprintf(stderr, "fusestub: mount on %s: %s\n", mnt, strerror(errno));
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART: read() returns */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGCHLD, SIG_IGN); /* the helper reaps itself */
	int sp[2] = {-1, -1};
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0 ||
	    start_helper(mnt, sp[1]) < 0)
		return 1;
	int own = -1, announced = 0;
	for (;;) {
		struct pollfd p[2] = {{fuse_fd, POLLIN, 0}, {sp[0], POLLIN, 0}};
		if (poll(p, announced ? 1 : 2, -1) < 0 && errno != EINTR)
			return 1;
		if (!announced && (p[1].revents & POLLIN)) {
			own = helper_report(sp[0]);
			if (own < 0)
				return 1;
			/* the helper's open was answered: the mount works */
			printf("ready %d\n", (int)getpid());
			fflush(stdout);
			announced = 1;
		}
		if (want_deadlock && deadlock && own > 0) {
			close(own); /* its FLUSH waits for us: never returns */
			return 3;
		}
		if ((p[0].revents & (POLLIN | POLLERR)) && serve_one() < 0)
			return 0;
	}
}
