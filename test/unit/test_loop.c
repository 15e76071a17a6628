/* Unit tests: timers, fd callbacks and child watches of the event loop. */
#include "lib/loop.h"
#include "tap.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/epoll.h>
#include <unistd.h>

static int order[8], n_order;
static void mark(void *ctx)
{
	order[n_order++] = (int)(long)ctx;
}

static int child_status = -1;
static pid_t child_pid;
static void on_child(void *ctx, pid_t pid, int status)
{
	(void)ctx;
	child_pid = pid;
	child_status = status;
}

static int fd_hits;
static void on_fd(void *ctx, int fd, uint32_t ev)
{
	(void)ctx;
	char c;
	if (ev & EPOLLIN)
		fd_hits += read(fd, &c, 1) == 1;
}

int main(void)
{
	is_int(loop_init(), 0, "loop_init");
	struct timer a = {0}, b = {0}, c = {0};
	timer_arm(&a, 30, mark, (void *)3);
	timer_arm(&b, 10, mark, (void *)1);
	timer_arm(&c, 20, mark, (void *)2);
	timer_cancel(&c);
	ok(!timer_armed(&c) && timer_armed(&a), "cancel disarms only its timer");
	timer_arm(&c, 20, mark, (void *)2);
	timer_arm(&c, 20, mark, (void *)2); /* re-arming moves, never duplicates */
	uint64_t t0 = now_ms();
	while (n_order < 3 && now_ms() - t0 < 2000)
		loop_run_once(100);
	is_int(n_order, 3, "three timers fired once each");
	ok(order[0] == 1 && order[1] == 2 && order[2] == 3, "in deadline order");
	ok(now_ms() - t0 >= 30, "not before their deadline");

	int p[2];
	ok(pipe2(p, O_CLOEXEC) == 0, "pipe");
	is_int(loop_add_fd(p[0], EPOLLIN, on_fd, NULL), 0, "fd registered");
	is_int(loop_fd_count(), 1, "one fd counted");
	(void)!write(p[1], "x", 1);
	loop_run_once(1000);
	is_int(fd_hits, 1, "fd callback ran on input");
	loop_del_fd(p[0]);
	is_int(loop_fd_count(), 0, "fd removed");

	pid_t pid = fork();
	if (pid == 0)
		_exit(7); /* child */
	is_int(loop_watch_child(pid, on_child, NULL), 0, "child watched");
	t0 = now_ms();
	while (child_status < 0 && now_ms() - t0 < 5000)
		loop_run_once(100);
	is_int(child_pid, pid, "the watcher got its pid");
	ok(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 7, "and its exit status");

	pid_t orphan = fork();
	if (orphan == 0)
		_exit(0); /* child */
	t0 = now_ms();
	int gone = 0;
	while (!gone && now_ms() - t0 < 5000) {
		loop_run_once(100);
		gone = kill(orphan, 0) < 0;
	}
	ok(gone, "an unwatched child is reaped too");
	return done_testing();
}
