/*
 * init.conf's log.* keys, and forwarding to a remote syslog server
 * (logs.h). pact-init's own lines come through lib/log.c's forward hook
 * (facility daemon, APP-NAME pact-init, PROCID the logging process: 1, or
 * a worker's pid); a service's lines come from supervise/svclog.c (APP-NAME
 * the service, PROCID "-", severity info unless the line starts with a
 * "<N>" priority, as sd-daemon(3) has services write it).
 */
#include "node/logs.h"
#include "lib/config.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "os/syslog_fwd.h"
#include "units/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FACILITY_DAEMON (3 << 3)

static struct {
	size_t max_bytes;
	unsigned rotations;
	size_t queue_bytes;
	struct syslog_dest dest;
	int remote;
	gid_t readers; /* the group of the services' log files (control.group) */
} conf = {.max_bytes = LOGS_FILE_MAX_DEFAULT, .rotations = 1, .queue_bytes = 256 * 1024};

size_t logs_file_max_bytes(void)
{
	return conf.max_bytes;
}

unsigned logs_file_rotations(void)
{
	return conf.rotations;
}

void logs_set_readers(gid_t gid)
{
	conf.readers = gid;
}

gid_t logs_readers(void)
{
	return conf.readers;
}

static int size_in(const char *v, uint64_t lo, uint64_t hi, uint64_t *out, char *err, size_t errlen)
{
	if (unit_parse_size(v, out) < 0 || *out < lo || *out > hi) {
		snprintf(err, errlen, "'%s': want a size from %lluK to %lluM (e.g. 4M)", v,
			 (unsigned long long)lo >> 10, (unsigned long long)hi >> 20);
		return -EINVAL;
	}
	return 0;
}

static int conf_log(const char *key, const char *value, char *err, size_t errlen)
{
	uint64_t n;
	if (!strcmp(key, "log.max_bytes")) {
		if (size_in(value, 4096, 1ull << 30, &n, err, errlen) < 0)
			return -EINVAL;
		conf.max_bytes = (size_t)n;
	} else if (!strcmp(key, "log.rotations")) {
		unsigned long long r;
		if (parse_u64(value, &r) < 0 || r > 99) {
			snprintf(err, errlen, "'%s': want a number from 0 to 99", value);
			return -EINVAL;
		}
		conf.rotations = (unsigned)r;
	} else if (!strcmp(key, "log.remote")) {
		conf.remote = 0;
		if (!value[0] || !strcmp(value, "none"))
			return 0;
		if (syslog_dest_parse(value, &conf.dest, err, errlen) < 0)
			return -EINVAL;
		conf.remote = 1;
	} else if (!strcmp(key, "log.remote_queue")) {
		if (size_in(value, 4096, 16u << 20, &n, err, errlen) < 0)
			return -EINVAL;
		conf.queue_bytes = (size_t)n;
	} else {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -ENOENT;
	}
	return 0;
}

void logs_register_config(void)
{
	config_register_keys("log.", conf_log);
}

static void submit(int pri, const char *app, const char *procid, const char *text, size_t len)
{
	char host[65] = "";
	gethostname(host, sizeof host - 1);
	if (!strcmp(host, "(none)")) /* before LoadIdentity named the node */
		host[0] = '\0';
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	char msg[SYSLOG_MSG_MAX];
	size_t n = syslog_format(msg, sizeof msg, pri, &t, host, app, procid, text, len);
	syslog_fwd_submit(msg, n);
}

static void forward_own(int prio, const char *text, size_t len)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	submit(FACILITY_DAEMON | prio, "pact-init", pid, text, len);
}

void logs_init(void)
{
	if (!conf.remote)
		return;
	int r = syslog_fwd_start(&conf.dest, conf.queue_bytes);
	if (r < 0) {
		log_err("log.remote %s: %s; logs are not forwarded", conf.dest.text, strerror(-r));
		return;
	}
	log_set_forward(forward_own);
	log_info("log.remote: forwarding pact-init's log and the services' to %s (RFC 5424)",
		 conf.dest.text);
}

/* One whole line of a service ("<N>" at its start: its severity). */
static void service_line(const char *app, const char *line, size_t len)
{
	int sev = LOG_INFO;
	if (len >= 3 && line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>') {
		sev = line[1] - '0';
		line += 3;
		len -= 3;
	}
	submit(FACILITY_DAEMON | sev, app, NULL, line, len);
}

void logs_service_flush(struct logs_carry *c, const char *app)
{
	if (c->len)
		service_line(app, c->buf, c->len);
	c->len = 0;
}

void logs_service_output(struct logs_carry *c, const char *app, const char *buf, size_t n)
{
	if (!conf.remote)
		return;
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) : n;
		if (c->len + k <= sizeof c->buf) { /* joined to what waited */
			memcpy(c->buf + c->len, buf, k);
			c->len += k;
		} else { /* too long to hold: its parts go as they are */
			logs_service_flush(c, app);
			service_line(app, buf, k);
		}
		if (!nl)
			return; /* the line goes on in the next read */
		logs_service_flush(c, app);
		buf += k + 1;
		n -= k + 1;
	}
}
