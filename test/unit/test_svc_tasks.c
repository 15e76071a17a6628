/*
 * The default task limit of services (supervise/svc_tasks.c): systemd's
 * DefaultTasksMax, 15% of the smaller of kernel.pid_max - 1 and
 * kernel.threads-max, or what init.conf's services_tasks_max says.
 */
#include "supervise/svc_tasks.h"
#include "tap.h"

#include <stdint.h>

static uint64_t lim(const char *spec, uint64_t pid_max, uint64_t threads)
{
	uint64_t l = 12345;
	return svc_tasks_compute(spec, pid_max, threads, &l) < 0 ? UINT64_MAX : l;
}

int main(void)
{
	is_int((int)lim("15%", 32768, 3680), 552,
	       "15%% of threads-max when it is the smaller (3680)");
	is_int((int)lim("15%", 4096, 100000), 614, "15%% of pid_max - 1 when it is the smaller");
	is_int((int)lim("100%", 32768, 192731), 32767, "100%%: the kernel's whole limit");
	is_int((int)lim("1%", 50, 50), 1, "never 0: at least one task");
	is_int((int)lim("300", 32768, 3680), 300, "a number is taken as it is");
	is_int((int)lim("infinity", 32768, 3680), 0, "infinity: no limit");
	ok(lim("0", 32768, 3680) == UINT64_MAX, "0 refused");
	ok(lim("0%", 32768, 3680) == UINT64_MAX, "0%% refused");
	ok(lim("101%", 32768, 3680) == UINT64_MAX, "101%% refused");
	ok(lim("15 %", 32768, 3680) == UINT64_MAX, "junk refused");
	char err[128] = "";
	is_int(svc_tasks_conf("lots", err, sizeof err), -22, "services_tasks_max = lots refused");
	ok(err[0] != '\0', "with a reason: %s", err);
	is_int(svc_tasks_conf("20%", err, sizeof err), 0, "services_tasks_max = 20%% taken");
	return done_testing();
}
