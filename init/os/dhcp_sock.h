/*
 * dhcp_sock: the DHCP client's UDP socket on one interface: port 68,
 * bound to the device (SO_BINDTODEVICE), broadcasts allowed, non-blocking
 * and close-on-exec. One socket serves every state: before the interface
 * has an address the client asks for broadcast replies (the BROADCAST
 * flag), which the kernel delivers to it; afterwards replies are unicast
 * to that address.
 */
#ifndef PACT_DHCP_SOCK_H
#define PACT_DHCP_SOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The socket, or -errno. */
int dhcp_sock_open(const char *ifname);
/* To port 67 of `to`, or of 255.255.255.255 when to is NULL. 0 or -errno. */
int dhcp_sock_send(int fd, const uint8_t *msg, size_t len, const uint8_t *to);
/* One datagram from port 67 into buf: its length; 0 for one to skip
 * (another port, cut short); -EAGAIN when none is left; -errno. */
ssize_t dhcp_sock_recv(int fd, uint8_t *buf, size_t cap);

#endif
