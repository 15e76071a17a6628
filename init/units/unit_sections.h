/*
 * Internal to the unit loader: the sections and keys that are not
 * [Service]'s: the unit set's relations in [Unit] (Conflicts=, BindsTo=,
 * PartOf=, Requisite=, DefaultDependencies=), [Install] (unit_install.c),
 * [Socket] (socket_unit.c) and [Timer] (timer_unit.c).
 */
#ifndef PACT_UNIT_SECTIONS_H
#define PACT_UNIT_SECTIONS_H

#include "units/unit_parser.h"

/* A [Unit] key of the unit set: 1 when key is one (handled), else 0. */
int unit_relation_assign(struct parser *p, const char *key, const char *v);
/* KEY=VALUE in [Install], [Socket] or [Timer] (p->sec says which). */
void unit_section_assign(struct parser *p, const char *key, const char *v);
/* After the whole file of a unit that is not a service: what it must have. */
void unit_section_finish(struct parser *p);

/* Add the blank-separated unit names of v to list, which holds *n of at
 * most max (empty v: clears it): an invalid name is skipped with a warning,
 * a repeated one silently; -1 after an error (the list is full). Every
 * unit-name list: [Unit]'s After=, Wants=, ..., Conflicts=, ..., and
 * [Install]'s. */
int unit_name_list_add(struct parser *p, const char **list, int *n, int max, const char *key,
		       const char *v);

/* The same for the [Socket] and [Timer] handlers (socket_unit.c, timer_unit.c):
 * 1 when key is theirs. */
int socket_keys_assign(struct parser *p, const char *key, const char *v);
void socket_finish(struct parser *p);
int timer_keys_assign(struct parser *p, const char *key, const char *v);
void timer_finish(struct parser *p);

#endif
