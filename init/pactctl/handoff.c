/*
 * pactctl handoff: the handoff protocol from the command line, through the
 * client library (include/pact/handoff.h), so an admin can see it work.
 *
 *   pactctl handoff request ALLOC [--pid] [--net] [--mnt] [--uenv IMAGE]
 *                                 [--timeout S] [-- COMMAND...]
 *   pactctl handoff end ALLOC [--timeout S]
 *
 * `request` prints the NamespaceResponse (with --json: its wire body) and,
 * given a command, runs it inside the received namespaces: setns into each
 * in a forked child, which forks the command (a pid namespace applies to
 * children only) and passes on its exit status.
 */
#include "lib/fileio.h"
#include "proto/handoff_msg.h"
#include "pact/handoff.h"
#include "pactctl/pactctl.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct pact_handoff_conn conn; /* large: keep it off the stack */

static int handoff_usage(void)
{
	fprintf(stderr, "usage: pactctl handoff request ALLOC [--pid] [--net] [--mnt] "
			"[--uenv IMAGE] [--timeout S] [-- COMMAND...]\n"
			"       pactctl handoff end ALLOC [--timeout S]\n");
	return 2;
}

static int open_conn(const char *run_dir)
{
	char path[512];
	if (path_fmt(path, sizeof path, "%s/handoff.sock", run_dir) < 0)
		return -ENAMETOOLONG;
	int r = pact_handoff_connect(&conn, path);
	if (r < 0)
		fprintf(stderr, "pactctl: %s: %s\n", path, strerror(-r));
	return r;
}

static int print_msg(const struct pact_handoff_msg *m, int json)
{
	char body[4096];
	if (json) {
		if (handoff_msg_encode(m, body, sizeof body) < 0)
			return -EINVAL;
		printf("%s\n", body);
		return 0;
	}
	if (m->type == PACT_MSG_ERROR) {
		fprintf(stderr, "pactctl: %s%s%s: %s\n", pact_handoff_err_name(m->kind),
			m->has_allocation_id ? " " : "",
			m->has_allocation_id ? m->allocation_id : "", m->reason);
		return 0;
	}
	if (m->type == PACT_MSG_ALLOCATION_ENDED) {
		printf("ended %s\n", m->allocation_id);
		return 0;
	}
	return 0;
}

static void print_response(const struct pact_handoff_msg *m, const int *fds, int json)
{
	if (json) {
		print_msg(m, 1);
		return;
	}
	printf("allocation  %s\n", m->allocation_id);
	for (unsigned i = 0; i < m->n_ns; i++) {
		struct stat st;
		unsigned long long ino =
		    fstat(fds[i], &st) == 0 ? (unsigned long long)st.st_ino : 0;
		printf("%-11s inode %llu\n", pact_ns_type_name(m->ns[i]), ino);
	}
	printf("uenv        %s\n", m->has_uenv ? m->uenv : "-");
}

/* In a child: enter the namespaces, fork the command, pass on its status. */
static int run_inside(const struct pact_handoff_msg *m, const int *fds, char **cmd)
{
	static const int flag[PACT_NS_COUNT] = {CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS};
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* the mount namespace last: the others need nothing from the filesystem */
		for (int pass = 0; pass < 2; pass++)
			for (unsigned i = 0; i < m->n_ns; i++) {
				if ((m->ns[i] == PACT_NS_MOUNT) != (pass == 1))
					continue;
				if (setns(fds[i], flag[m->ns[i]]) < 0) {
					fprintf(stderr, "pactctl: setns %s: %s\n",
						pact_ns_type_name(m->ns[i]), strerror(errno));
					_exit(127);
				}
			}
		if (chdir("/") < 0)
			_exit(127);
		pid_t c = fork();
		if (c == 0) {
			for (unsigned i = 0; i < m->n_ns; i++)
				close(fds[i]);
			execvp(cmd[0], cmd);
			fprintf(stderr, "pactctl: %s: %s\n", cmd[0], strerror(errno));
			_exit(127);
		}
		int st = 0;
		if (c < 0 || waitpid(c, &st, 0) < 0)
			_exit(127);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int cmd_request(const char *run_dir, int json, int argc, char **argv)
{
	enum pact_ns_type ns[PACT_NS_COUNT];
	unsigned n = 0;
	const char *uenv = NULL;
	long timeout_s = 60;
	char **cmd = NULL;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		enum pact_ns_type t = PACT_NS_COUNT;
		if (strcmp(a, "--") == 0) {
			cmd = i + 1 < argc ? argv + i + 1 : NULL;
			break;
		} else if (strcmp(a, "--pid") == 0) {
			t = PACT_NS_PID;
		} else if (strcmp(a, "--net") == 0) {
			t = PACT_NS_NET;
		} else if (strcmp(a, "--mnt") == 0 || strcmp(a, "--mount") == 0) {
			t = PACT_NS_MOUNT;
		} else if (strcmp(a, "--uenv") == 0 && i + 1 < argc) {
			uenv = argv[++i];
		} else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
			timeout_s = strtol(argv[++i], NULL, 10);
		} else {
			return handoff_usage();
		}
		if (t == PACT_NS_COUNT)
			continue;
		for (unsigned j = 0; j < n; j++)
			if (ns[j] == t)
				return handoff_usage();
		ns[n++] = t;
	}
	if (n == 0) {
		ns[0] = PACT_NS_PID, ns[1] = PACT_NS_NET, ns[2] = PACT_NS_MOUNT;
		n = 3;
	}
	if (open_conn(run_dir) < 0)
		return 1;
	struct pact_handoff_msg resp;
	int fds[PACT_NS_COUNT];
	int r = pact_handoff_request_ns(&conn, argv[0], ns, n, uenv, &resp, fds,
					(int)(timeout_s * 1000));
	if (r == PACT_HANDOFF_GOT_ERROR) {
		print_msg(&resp, json);
		pact_handoff_close(&conn);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "pactctl: handoff request %s: %s\n", argv[0], strerror(-r));
		pact_handoff_close(&conn);
		return 1;
	}
	print_response(&resp, fds, json);
	int rc = 0;
	if (cmd) {
		rc = run_inside(&resp, fds, cmd);
		if (rc < 0) {
			fprintf(stderr, "pactctl: fork: %s\n", strerror(-rc));
			rc = 1;
		}
	}
	for (unsigned j = 0; j < resp.n_ns; j++)
		close_fd(fds[j]);
	pact_handoff_close(&conn);
	return rc;
}

static int cmd_end(const char *run_dir, int json, int argc, char **argv)
{
	long timeout_s = 30;
	if (argc == 3 && strcmp(argv[1], "--timeout") == 0)
		timeout_s = strtol(argv[2], NULL, 10);
	else if (argc != 1)
		return handoff_usage();
	if (open_conn(run_dir) < 0)
		return 1;
	struct pact_handoff_msg resp;
	int r = pact_handoff_end(&conn, argv[0], &resp, (int)(timeout_s * 1000));
	if (r == PACT_HANDOFF_OK) {
		struct pact_handoff_msg e;
		handoff_msg_ended(&e, argv[0]);
		print_msg(&e, json);
	} else if (r == PACT_HANDOFF_GOT_ERROR) {
		print_msg(&resp, json);
	} else {
		fprintf(stderr, "pactctl: handoff end %s: %s\n", argv[0], strerror(-r));
	}
	pact_handoff_close(&conn);
	return r == PACT_HANDOFF_OK ? 0 : 1;
}

int pactctl_handoff(const char *run_dir, int json, int argc, char **argv)
{
	if (argc < 2)
		return handoff_usage();
	if (strcmp(argv[0], "request") == 0)
		return cmd_request(run_dir, json, argc - 1, argv + 1);
	if (strcmp(argv[0], "end") == 0)
		return cmd_end(run_dir, json, argc - 1, argv + 1);
	return handoff_usage();
}
