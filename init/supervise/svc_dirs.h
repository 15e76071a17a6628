/*
 * The directories systemd makes for a service: RuntimeDirectory= below
 * /run, StateDirectory= /var/lib, CacheDirectory= /var/cache,
 * LogsDirectory= /var/log, ConfigurationDirectory= /etc; made before its
 * first command with their *Mode= and owned by its User=/Group= (all but
 * the configuration ones), and the runtime ones removed when it stops
 * (RuntimeDirectoryPreserve=).
 */
#ifndef PACT_SVC_DIRS_H
#define PACT_SVC_DIRS_H

#include "units/unit.h"

#include <stddef.h>

/* Make u's directories: 0, or -errno with why set. */
int svc_dirs_make(const struct unit *u, char *why, size_t cap);
/* Remove u's runtime directories (and what is in them); restarting: the
 * service starts again at once (RuntimeDirectoryPreserve=restart keeps them). */
void svc_dirs_remove_runtime(const struct unit *u, int restarting);
/* "RUNTIME_DIRECTORY=/run/a:/run/b" for kind into buf: its length, 0 when
 * the unit has none. */
int svc_dirs_env(const struct unit *u, enum unit_dir_kind kind, char *buf, size_t cap);

#endif
