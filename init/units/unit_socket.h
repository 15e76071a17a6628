/*
 * What a .socket unit says ([Socket]): the sockets PID 1 listens on for a
 * service and hands it by the sd_listen_fds protocol. The data only; the
 * keys are read by socket_unit.c, the sockets opened by
 * supervise/svc_socket.c. See docs/units.md, "Socket activation".
 */
#ifndef PACT_SOCKET_UNIT_H
#define PACT_SOCKET_UNIT_H

#include <sys/types.h>

#define SOCKET_LISTEN_MAX   8 /* Listen*= entries of one .socket */
#define SOCKET_SYMLINKS_MAX 4 /* Symlinks= paths of one .socket */

enum socket_listen_type {
	SOCKET_LISTEN_STREAM = 0, /* ListenStream= */
	SOCKET_LISTEN_DGRAM,	  /* ListenDatagram= */
	SOCKET_LISTEN_SEQPACKET,  /* ListenSequentialPacket= */
	SOCKET_LISTEN_FIFO,	  /* ListenFIFO= */
};

struct unit_listen {
	enum socket_listen_type type;
	const char *addr; /* "/run/x.sock", "@abstract", "111", "0.0.0.0:111", "[::]:111" */
};

struct unit_socket {
	struct unit_listen listen[SOCKET_LISTEN_MAX];
	int n_listen;
	unsigned mode;		  /* SocketMode= (0666) */
	unsigned dir_mode;	  /* DirectoryMode= (0755) */
	const char *user, *group; /* SocketUser=, SocketGroup= (NULL: root) */
	const char *service;	  /* Service= (NULL: the .socket's own name) */
	const char *fdname;	  /* FileDescriptorName= (NULL: the unit's name) */
	int backlog;		  /* Backlog= (SOMAXCONN) */
	int ipv6_only;		  /* BindIPv6Only=ipv6-only */
	int remove_on_stop;	  /* RemoveOnStop= */
	/* Symlinks=: links made to the socket's (first) path */
	const char *symlinks[SOCKET_SYMLINKS_MAX];
	int n_symlinks;
};

#endif
