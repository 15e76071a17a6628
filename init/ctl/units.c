/*
 * The verbs of the units that are not services: list-timers (each armed
 * .timer, its service and when it is next due) and list-sockets (each
 * .socket, what it listens on, its service).
 */
#include "ctl/control.h"
#include "ctl/verbs.h"
#include "lib/loop.h"
#include "supervise/supervise.h"
#include "supervise/svc_kinds.h"

#include <stdio.h>
#include <string.h>

static void service_state(struct json_writer *w, const char *name)
{
	const struct svc *s = svc_find(name);
	json_w_key(w, "service_state");
	json_w_string(w, s ? svc_state_name(s->state) : "not-loaded");
}

static int cmd_list_timers(struct ctl_req *req)
{
	char service[UNIT_NAME_MAX];
	uint64_t next, now = now_ms();
	const struct unit *u;
	json_w_arr_begin(req->w);
	for (int i = 0; (u = svc_timer_at(i, service, sizeof service, &next)); i++) {
		json_w_obj_begin(req->w);
		json_w_key(req->w, "timer");
		json_w_string(req->w, u->name);
		json_w_key(req->w, "service");
		json_w_string(req->w, service);
		json_w_key(req->w, "next_in_s"); /* null: nothing is due any more */
		if (next)
			json_w_u64(req->w, (elapsed(now, next) + 999) / 1000);
		else
			json_w_null(req->w);
		service_state(req->w, service);
		json_w_obj_end(req->w);
	}
	json_w_arr_end(req->w);
	return 0;
}

static int cmd_list_sockets(struct ctl_req *req)
{
	char listen[512], service[UNIT_NAME_MAX];
	const struct unit *u;
	json_w_arr_begin(req->w);
	for (int i = 0; (u = svc_socket_at(i, listen, sizeof listen)); i++) {
		snprintf(service, sizeof service, "%s", u->sock.service ? u->sock.service : "");
		if (!service[0])
			snprintf(service, sizeof service, "%.*s.service",
				 (int)(strlen(u->name) - strlen(".socket")), u->name);
		json_w_obj_begin(req->w);
		json_w_key(req->w, "socket");
		json_w_string(req->w, u->name);
		json_w_key(req->w, "listen");
		json_w_string(req->w, listen);
		json_w_key(req->w, "service");
		json_w_string(req->w, service);
		service_state(req->w, service);
		json_w_obj_end(req->w);
	}
	json_w_arr_end(req->w);
	return 0;
}

int ctl_units_init(void)
{
	ctl_register("list-timers", cmd_list_timers,
		     "list-timers: timers, their service, next due");
	ctl_register("list-sockets", cmd_list_sockets,
		     "list-sockets: sockets, what they listen on");
	return 0;
}
