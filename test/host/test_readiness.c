/*
 * Host tier: the ReadinessGate while a boot phase is still running. The
 * network phase waits (in a child, off the event loop) for a device that
 * never appears, so the node stays not-ready: ready.sock clients wait,
 * `pactctl wait-ready --timeout 1` exits 2, the control socket still
 * answers (status shows ConfigureNetwork running). A poweroff then answers
 * the waiting client `FAILED the node is shutting down` and pact-init ends
 * without retrying the phase or opening the emergency shell.
 * The network phase runs in the host's network namespace here: it only
 * brings lo up (already up) and looks for a device that does not exist.
 */
#include "daemon.h"
#include "tap.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int connect_ready(struct daemon *d)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%.90s/ready.sock", d->run_dir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

int main(void)
{
	if (getuid() != 0) {
		printf("1..0 # SKIP needs root for namespaces\n");
		return 0;
	}
	char dev[16];
	snprintf(dev, sizeof dev, "nosuch%d", getpid() % 100000);
	char conf[512];
	snprintf(conf, sizeof conf,
		 "node_id = gate-node\nnet.%s.address = 192.0.2.1/24\n"
		 "net.carrier_timeout_ms = 30000\nboot_retries = 0\n"
		 "shutdown_grace_ms = 1000\nshutdown_kill_wait_ms = 1000\n",
		 dev);
	struct daemon d;
	is_int(daemon_start(&d, conf, "quiet"), 0, "pact-init started in namespaces");
	is_int(daemon_wait_file(&d, "ready.sock", 10000), 0, "ready.sock appears");
	int fd = connect_ready(&d);
	ok(fd >= 0, "a client connects to ready.sock before readiness");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	/* bounded look for an answer that must not come while the phase runs */
	ok(fd >= 0 && poll(&p, 1, 500) == 0, "it gets no answer while boot is still running");
	/* a client that closes its sending side at once (socat, nc at the end
	 * of their input) still waits for its answer */
	int half = connect_ready(&d);
	ok(half >= 0 && shutdown(half, SHUT_WR) == 0,
	   "a second client shuts down its writing side");

	char out[4096];
	int rc = daemon_pactctl(&d, "wait-ready --timeout 1", out, sizeof out);
	is_int(rc, 2, "pactctl wait-ready --timeout 1 exits 2 (timeout)");
	ok(strstr(out, "timeout") != NULL, "and says timeout");
	rc = daemon_pactctl(&d, "--json status", out, sizeof out);
	is_int(rc, 1, "the control socket answers during the network phase (exit 1: not ready)");
	ok(strstr(out, "\"name\":\"ConfigureNetwork\",\"state\":\"running\"") != NULL,
	   "status shows ConfigureNetwork running");
	ok(strstr(out, "\"ready\":false") != NULL, "status: not ready");

	is_int(kill(d.pid, SIGUSR2), 0, "SIGUSR2 sent (poweroff) while the phase runs");
	char line[256] = "";
	ssize_t n = 0;
	if (fd >= 0 && poll(&p, 1, 10000) > 0)
		n = read(fd, line, sizeof line - 1);
	line[n > 0 ? n : 0] = '\0';
	is_str(line, "FAILED the node is shutting down\n",
	       "the waiting client is told the node is shutting down");
	struct pollfd ph = {.fd = half, .events = POLLIN};
	line[0] = '\0';
	n = 0;
	if (half >= 0 && poll(&ph, 1, 10000) > 0)
		n = read(half, line, sizeof line - 1);
	line[n > 0 ? n : 0] = '\0';
	is_str(line, "FAILED the node is shutting down\n",
	       "the half-closed client is answered too");
	if (half >= 0)
		close(half);
	int st = daemon_wait_exit(&d, 15000);
	ok(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "pact-init ended cleanly (status %d)",
	   st);
	const char *log = daemon_log(&d);
	ok(strstr(log, "boot: retry") == NULL, "no boot retry during shutdown");
	ok(strstr(log, "emergency:") == NULL, "no emergency shell during shutdown");
	if (tap_failed)
		printf("# log:\n%s", log);
	if (fd >= 0)
		close(fd);
	daemon_cleanup(&d);
	return done_testing();
}
