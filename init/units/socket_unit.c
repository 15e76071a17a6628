/*
 * The [Socket] keys of a .socket unit (unit_socket.h): what to listen on
 * and how. Accept=yes (a service instance per connection) is refused: no
 * daemon of a compute node needs it, and its services are templates.
 * Keys that only tune a socket are accepted and ignored with a note.
 */
#include "units/unit_keys.h"
#include "units/unit_sections.h"
#include "units/unit_spec.h"
#include "lib/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tuning that changes nothing about whether the daemon works */
static const char *const tuning_keys[] = {"Backlog",
					  "KeepAlive",
					  "NoDelay",
					  "ReusePort",
					  "FreeBind",
					  "Transparent",
					  "Broadcast",
					  "PassCredentials",
					  "PassSecurity",
					  "PassPacketInfo",
					  "ReceiveBuffer",
					  "SendBuffer",
					  "Priority",
					  "Mark",
					  "IPTOS",
					  "IPTTL",
					  "Timestamping",
					  "TriggerLimitIntervalSec",
					  "TriggerLimitBurst",
					  "PollLimitIntervalSec",
					  "PollLimitBurst",
					  "SELinuxContextFromNet",
					  "SmackLabel",
					  "SmackLabelIPIn",
					  "SmackLabelIPOut",
					  "PipeSize",
					  "MessageQueueMaxMessages",
					  "MessageQueueMessageSize",
					  "DeferAcceptSec",
					  "KeepAliveTimeSec",
					  "KeepAliveIntervalSec",
					  "KeepAliveProbes",
					  "FlushPending",
					  "Writable"};

static int add_listen(struct parser *p, enum socket_listen_type t, const char *key, const char *v)
{
	struct unit_socket *s = &p->u->sock;
	if (!*v) {
		s->n_listen = 0;
		return 0;
	}
	if (s->n_listen >= SOCKET_LISTEN_MAX) {
		unit_perr(p, "more than %d Listen*= entries", SOCKET_LISTEN_MAX);
		return -1;
	}
	char val[UNIT_LINE_MAX];
	if (unit_spec_expand(p, v, val, sizeof val) < 0)
		return -1;
	if (t == SOCKET_LISTEN_FIFO && val[0] != '/') {
		unit_perr(p, "%s=%s: a FIFO needs an absolute path", key, val);
		return -1;
	}
	s->listen[s->n_listen].type = t;
	if (!(s->listen[s->n_listen].addr = unit_arena_dup(p, val)))
		return -1;
	s->n_listen++;
	return 0;
}

/* Symlinks=: absolute paths, blank-separated; empty resets */
static int add_symlinks(struct parser *p, const char *v)
{
	struct unit_socket *s = &p->u->sock;
	char val[UNIT_LINE_MAX];
	if (!*v) {
		s->n_symlinks = 0;
		return 0;
	}
	if (unit_spec_expand(p, v, val, sizeof val) < 0)
		return -1;
	for (char *save = NULL, *w = strtok_r(val, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (w[0] != '/') {
			unit_perr(p, "Symlinks=%s: not an absolute path", w);
			return -1;
		}
		if (s->n_symlinks >= SOCKET_SYMLINKS_MAX) {
			unit_perr(p, "Symlinks=: more than %d paths", SOCKET_SYMLINKS_MAX);
			return -1;
		}
		if (!(s->symlinks[s->n_symlinks] = unit_arena_dup(p, w)))
			return -1;
		s->n_symlinks++;
	}
	return 0;
}

static int parse_mode(struct parser *p, const char *key, const char *v, unsigned *out)
{
	char *end;
	unsigned long m = strtoul(v, &end, 8);
	if (!*v || *end || m > 07777) {
		unit_perr(p, "%s=%s: not an octal mode", key, v);
		return -1;
	}
	*out = (unsigned)m;
	return 0;
}

static int set_name_key(struct parser *p, const char **dst, const char *v)
{
	char val[UNIT_LINE_MAX];
	if (!*v) {
		*dst = NULL;
		return 0;
	}
	if (unit_spec_expand(p, v, val, sizeof val) < 0)
		return -1;
	*dst = unit_arena_dup(p, val);
	return *dst ? 0 : -1;
}

int socket_keys_assign(struct parser *p, const char *key, const char *v)
{
	struct unit_socket *s = &p->u->sock;
	if (streq(key, "ListenStream"))
		add_listen(p, SOCKET_LISTEN_STREAM, key, v);
	else if (streq(key, "ListenDatagram"))
		add_listen(p, SOCKET_LISTEN_DGRAM, key, v);
	else if (streq(key, "ListenSequentialPacket"))
		add_listen(p, SOCKET_LISTEN_SEQPACKET, key, v);
	else if (streq(key, "ListenFIFO"))
		add_listen(p, SOCKET_LISTEN_FIFO, key, v);
	else if (streq(key, "ListenNetlink") || streq(key, "ListenSpecial") ||
		 streq(key, "ListenMessageQueue") || streq(key, "ListenUSBFunction"))
		unit_pwarn(p,
			   "%s= is not supported: this socket is not opened, and a service "
			   "that needs it gets no fd for it",
			   key);
	else if (streq(key, "SocketMode"))
		parse_mode(p, key, v, &s->mode);
	else if (streq(key, "DirectoryMode"))
		parse_mode(p, key, v, &s->dir_mode);
	else if (streq(key, "SocketUser"))
		set_name_key(p, &s->user, v);
	else if (streq(key, "SocketGroup"))
		set_name_key(p, &s->group, v);
	else if (streq(key, "Service"))
		set_name_key(p, &s->service, v);
	else if (streq(key, "FileDescriptorName"))
		set_name_key(p, &s->fdname, v);
	else if (streq(key, "Accept")) {
		if (streq(v, "yes") || streq(v, "true") || streq(v, "1") || streq(v, "on"))
			unit_perr(p, "Accept=yes is not supported (a service instance per "
				     "connection): let the daemon accept (Accept=no)");
	} else if (streq(key, "BindIPv6Only"))
		s->ipv6_only = streq(v, "ipv6-only");
	else if (streq(key, "RemoveOnStop"))
		s->remove_on_stop = streq(v, "yes") || streq(v, "true") || streq(v, "1");
	else if (streq(key, "ExecStartPre") || streq(key, "ExecStartPost"))
		unit_keys_assign(p, key, v); /* command lists, as a service's (unit_keys.c) */
	else if (streq(key, "ExecStopPre") || streq(key, "ExecStopPost"))
		unit_pwarn(p, "%s= in [Socket] is not run (the socket is opened without it)", key);
	else if (streq(key, "Symlinks"))
		add_symlinks(p, v);
	else {
		for (size_t i = 0; i < sizeof tuning_keys / sizeof tuning_keys[0]; i++)
			if (streq(key, tuning_keys[i]))
				return 1; /* accepted without effect (docs/units.md) */
		return 0;
	}
	return 1;
}

void socket_finish(struct parser *p)
{
	if (!p->u->sock.n_listen && !p->failed)
		unit_pwarn(p, "no Listen*= this pact-init can open: the socket unit does nothing");
}
