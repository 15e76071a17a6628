/*
 * The node's uenv mount manager: one instance, configured from init.conf
 * (uenv.*), gated by emergency mode, listed by `pactctl mounts` and
 * unmounted early by `pactctl force-unmount` (emergency only; ctl/mounts.c).
 */
#ifndef PACT_UENV_NODE_H
#define PACT_UENV_NODE_H

#include "os/uenv.h"

extern struct uenv_mgr node_uenv;

void uenv_node_register_config(void);
/* Set the manager up; call after init.conf. */
void uenv_node_init(void);

#endif
