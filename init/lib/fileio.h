/*
 * Small syscall wrappers used everywhere: EINTR retried, errors returned as
 * -errno, every fd opened O_CLOEXEC, every buffer bounded by its caller.
 */
#ifndef PACT_FILEIO_H
#define PACT_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Read at most cap-1 bytes of path into buf, NUL-terminate. Returns bytes or -errno. */
ssize_t read_file(const char *path, char *buf, size_t cap);
/* Read at most cap-1 bytes of dirfd/name. Returns bytes or -errno. */
ssize_t read_file_at(int dirfd, const char *name, char *buf, size_t cap);
/*
 * read_file for configuration (init.conf, unit files, EnvironmentFile=,
 * passwd): opened O_NONBLOCK and read only when it is a regular file, so a
 * FIFO or a device put in its place cannot make PID 1 wait; -ENODEV for
 * anything else (file_error() says "not a regular file").
 */
ssize_t read_config_file(const char *path, char *buf, size_t cap);
/* The same checks for a caller that reads the fd itself: an fd or -errno. */
int open_config_file(const char *path);
/* strerror, but for read_config_file's -ENODEV. */
const char *file_error(int err);
/* Write the whole string to path (O_WRONLY, no create, no truncate: sysfs/cgroupfs style). */
int write_file(const char *path, const char *s);
int write_file_at(int dirfd, const char *name, const char *s);
/* Create or replace path atomically: write path.tmp, fsync-free, rename. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
/* Write all of buf to fd, retrying EINTR and short writes. Returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* read(2) retrying EINTR. */
ssize_t read_retry(int fd, void *buf, size_t len);
/* close(2) without retry (retrying close is a bug on Linux); keeps errno. */
void close_fd(int fd);
/* In a forked child: close every fd from 3 up except the n in keep (a child
 * that outlives its purpose must not pin PID 1's sockets and files). */
void close_fds_except(const int *keep, size_t n);
/* mkdir -p with mode for each created component. Returns 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);
/* Parse a decimal unsigned 64-bit number, whole string. Returns 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, unsigned long long *out);
/* Value of a hex digit (either case), or -1. */
int hex_digit(char c);
struct inotify_event;
/* Read what an inotify fd has queued (16 reads at most: bounded work per
 * wakeup) and call fn for each event. */
void inotify_each(int fd, void (*fn)(void *ctx, const struct inotify_event *ev), void *ctx);
/* snprintf that reports truncation as -ENAMETOOLONG, else the length. */
int path_fmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
