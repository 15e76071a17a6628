/*
 * Prometheus text exposition (version 0.0.4) of the node's state, for
 * `pactctl metrics` and an optional textfile-collector file written
 * periodically (init.conf metrics.textfile, metrics.interval_s).
 * Other verb groups (ctl/services.c) add their families with
 * metrics_register.
 */
#ifndef PACT_METRICS_H
#define PACT_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metrics_out {
	char *buf;
	size_t cap, len;
	int overflow;
};

typedef void (*metrics_fn)(struct metrics_out *m);

#define METRICS_MAX_FAMILIES 12	     /* producers, each writing one or more families */
int metrics_register(metrics_fn fn); /* 0, or -ENOSPC */
/* "# HELP name help\n# TYPE name type\n" */
void metrics_family(struct metrics_out *m, const char *name, const char *type, const char *help);
/* name{k1="v1",k2="v2"} value — labels as NULL-terminated pairs; values escaped. */
void metrics_sample(struct metrics_out *m, const char *name, const char *const *labels,
		    double value);
void metrics_sample_u64(struct metrics_out *m, const char *name, const char *const *labels,
			uint64_t value);
/* Render everything into buf; returns the length or -ENOSPC. */
int metrics_render(char *buf, size_t cap);
void metrics_register_config(void);
int metrics_init(void);

#endif
