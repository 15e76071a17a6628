/*
 * Host tier: pact-init under another supervisor. With NOTIFY_SOCKET set
 * (a filesystem path or an abstract '@name', as systemd and systemd-nspawn
 * give it), pact-init sends READY=1 there once the node is ready, and not
 * before: the ready file exists by the time the datagram arrives.
 */
#include "daemon.h"
#include "tap.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Bind a datagram socket at name ('@' = abstract); returns the fd or -errno. */
static int bind_notify(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	memcpy(sa.sun_path, name, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(sizeof sa.sun_family + n)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static void one_run(const char *sockname, const char *what)
{
	char env_var[200], msg[256] = "";
	snprintf(env_var, sizeof env_var, "NOTIFY_SOCKET=%s", sockname);
	int fd = bind_notify(sockname);
	ok(fd >= 0, "%s: notify socket %s bound (%s)", what, sockname,
	   fd < 0 ? strerror(-fd) : "ok");
	if (fd < 0)
		return;
	struct daemon d;
	char *env[] = {env_var, NULL};
	is_int(daemon_start_env(&d, "node_id = notify-node\n", "quiet", env), 0,
	       "%s: pact-init started with %s", what, env_var);
	/* bounded wait for the datagram: boot takes well under a second here */
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, 20000);
	ssize_t n = r > 0 ? recv(fd, msg, sizeof msg - 1, MSG_DONTWAIT) : -1;
	msg[n > 0 ? n : 0] = '\0';
	is_str(msg, "READY=1", "%s: READY=1 arrived on NOTIFY_SOCKET", what);
	char ready[300];
	snprintf(ready, sizeof ready, "%s/ready", d.run_dir);
	ok(access(ready, F_OK) == 0, "%s: the ready file existed before READY=1 was sent", what);
	/* only once: nothing more arrives while the node stays up */
	r = poll(&p, 1, 300);
	ok(r == 0, "%s: READY=1 sent once", what);
	if (tap_failed)
		printf("# log:\n%s", daemon_log(&d));
	daemon_cleanup(&d);
	close(fd);
	if (sockname[0] != '@')
		unlink(sockname);
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	char path[108], abstract[108];
	snprintf(path, sizeof path, "/tmp/pact-notify-%d.sock", getpid());
	snprintf(abstract, sizeof abstract, "@pact-notify-%d", getpid());
	unlink(path);
	one_run(path, "path socket");
	one_run(abstract, "abstract socket");
	return done_testing();
}
