/*
 * Unit tests of the cgroup manager's pure logic: ownership by whole path
 * components (RI1), scope name and limit validation, io.max syntax, and the
 * parsers of cgroup.events, cpu.stat, memory.events and memory.max.
 */
#include "os/cgroup.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>

static void test_owner(void)
{
	const char *root = "/sys/fs/cgroup";
	is_int(cg_slice_owner(root, "pact.slice"), PACT_OWNER_PACT, "pact.slice is Pact");
	is_int(cg_slice_owner(root, PACT_SLICE_INFRA), PACT_OWNER_PACT, "infra.slice is Pact");
	is_int(cg_slice_owner(root, PACT_SLICE_GPU), PACT_OWNER_PACT, "gpu.slice is Pact");
	is_int(cg_slice_owner(root, PACT_SLICE_NETWORK), PACT_OWNER_PACT, "network is Pact");
	is_int(cg_slice_owner(root, PACT_SLICE_AUDIT), PACT_OWNER_PACT, "audit is Pact");
	is_int(cg_slice_owner(root, "pact.slice/infra.slice/chronyd.scope"), PACT_OWNER_PACT,
	       "nested pact scope is Pact");
	is_int(cg_slice_owner(root, "workload.slice"), PACT_OWNER_WORKLOAD,
	       "workload.slice is Workload");
	is_int(cg_slice_owner(root, "workload.slice/alloc-42/task-1.scope"), PACT_OWNER_WORKLOAD,
	       "nested workload path is Workload");
	is_int(cg_slice_owner(root, "workload.slice/"), PACT_OWNER_WORKLOAD,
	       "trailing slash is Workload");
	is_int(cg_slice_owner(root, "workload.slice-extra"), PACT_OWNER_NONE,
	       "workload.slice-extra has no owner (whole components)");
	is_int(cg_slice_owner(root, "workload.slicex/a"), PACT_OWNER_NONE,
	       "workload.slicex/a has no owner");
	is_int(cg_slice_owner(root, "not-pact.slice/foo"), PACT_OWNER_NONE,
	       "not-pact.slice/foo has no owner");
	is_int(cg_slice_owner(root, "pact.slicefoo"), PACT_OWNER_NONE, "pact.slicefoo none");
	is_int(cg_slice_owner(root, "system.slice"), PACT_OWNER_NONE, "system.slice none");
	is_int(cg_slice_owner(root, ""), PACT_OWNER_NONE, "empty path none");
	is_int(cg_slice_owner(root, NULL), PACT_OWNER_NONE, "NULL path none");
	is_int(cg_slice_owner(root, "/sys/fs/cgroup"), PACT_OWNER_NONE, "the root itself none");
	is_int(cg_slice_owner(root, "/sys/fs/cgroup/"), PACT_OWNER_NONE, "root with slash none");
	is_int(cg_slice_owner(root, "/sys/fs/cgroup/workload.slice/a.scope"), PACT_OWNER_WORKLOAD,
	       "absolute workload path is Workload");
	is_int(cg_slice_owner(root, "/sys/fs/cgroup//pact.slice"), PACT_OWNER_PACT,
	       "absolute pact path with // is Pact");
	is_int(cg_slice_owner("/sys/fs/cgroup/", "/sys/fs/cgroup/workload.slice"),
	       PACT_OWNER_WORKLOAD, "root given with a trailing slash");
	is_int(cg_slice_owner(root, "/sys/fs/cgroupX/workload.slice"), PACT_OWNER_NONE,
	       "absolute path outside the root (prefix only) none");
	is_int(cg_slice_owner(root, "/other/workload.slice"), PACT_OWNER_NONE,
	       "absolute path elsewhere none");
	is_int(cg_slice_owner(NULL, "/sys/fs/cgroup/workload.slice"), PACT_OWNER_NONE,
	       "absolute path without a root none");
	is_int(cg_slice_owner(root, "./workload.slice/x"), PACT_OWNER_WORKLOAD,
	       "./workload.slice/x is Workload");
	is_int(cg_slice_owner(root, "/workload.slice"), PACT_OWNER_NONE,
	       "/workload.slice is absolute, not under the root");
	is_int(cg_slice_owner("/", "/workload.slice"), PACT_OWNER_WORKLOAD,
	       "root \"/\": /workload.slice is Workload");
	is_str(cg_owner_name(PACT_OWNER_WORKLOAD), "Workload", "owner spelled Workload");
	is_str(cg_owner_name(PACT_OWNER_PACT), "Pact", "owner spelled Pact");
}

static void test_check_write(void)
{
	struct cg_ctx cg;
	is_int(cg_ctx_init(&cg, "/sys/fs/cgroup/"), 0, "ctx init");
	is_str(cg.root, "/sys/fs/cgroup", "trailing slash stripped from the root");
	is_int(cg_ctx_init(&cg, "relative"), -EINVAL, "relative root refused");
	cg_ctx_init(&cg, NULL);
	is_str(cg.root, CG_DEFAULT_ROOT, "default root");
	is_int(cg_check_write(&cg, "workload.slice/a", "test"), -EPERM, "workload write refused");
	is_int(cg_check_write(&cg, "/sys/fs/cgroup/workload.slice", "test"), -EPERM,
	       "absolute workload write refused");
	is_int(cg_check_write(&cg, "workload.slice-extra/a", "test"), 0,
	       "workload.slice-extra write allowed");
	is_int(cg_check_write(&cg, "pact.slice/infra.slice", "test"), 0, "pact write allowed");
	is_int(cg_check_write(&cg, "pact.slice/../workload.slice/x", "test"), -EINVAL,
	       "'..' escaping pact.slice refused");
	cg_set_emergency(&cg, 1, "unit test");
	ok(cg.emergency, "emergency declared");
	is_int(cg_check_write(&cg, "workload.slice/a", "test"), 0,
	       "workload write allowed in emergency");
	cg_set_emergency(&cg, 0, NULL);
	is_int(cg_check_write(&cg, "workload.slice/a", "test"), -EPERM,
	       "refused again after the emergency");
}

static void test_names(void)
{
	const char *why = NULL;
	is_int(cg_validate_name("chronyd", &why), 0, "plain name valid");
	is_int(cg_validate_name("cxi_rh@0", &why), 0, "template instance valid");
	is_int(cg_validate_name("a-b.c:d_E9", &why), 0, "all safe characters valid");
	is_int(cg_validate_name("", &why), -EINVAL, "empty refused");
	is_str(why, "empty", "reason: empty");
	is_int(cg_validate_name(NULL, &why), -EINVAL, "NULL refused");
	is_int(cg_validate_name(".", &why), -EINVAL, "'.' refused");
	is_int(cg_validate_name("..", &why), -EINVAL, "'..' refused");
	is_int(cg_validate_name(".hidden", &why), -EINVAL, "leading '.' refused");
	is_int(cg_validate_name("a/b", &why), -EINVAL, "'/' refused");
	is_str(why, "contains '/'", "reason names '/'");
	is_int(cg_validate_name("a b", &why), -EINVAL, "space refused");
	is_int(cg_validate_name("a\nb", &why), -EINVAL, "newline refused");
	is_int(cg_validate_name("x$y", &why), -EINVAL, "'$' refused");
	char longname[CG_NAME_MAX + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[CG_NAME_MAX + 1] = '\0';
	is_int(cg_validate_name(longname, &why), -EINVAL, "name over the bound refused");
	longname[CG_NAME_MAX] = '\0';
	is_int(cg_validate_name(longname, &why), 0, "name at the bound valid");

	char buf[64];
	is_int(cg_scope_name(buf, sizeof buf, "chronyd", 0), 7, "generation 0 length");
	is_str(buf, "chronyd", "generation 0 is the base");
	cg_scope_name(buf, sizeof buf, "chronyd", 3);
	is_str(buf, "chronyd-3", "generation 3");
	is_int(cg_scope_name(buf, 4, "chronyd", 3), -ENAMETOOLONG, "truncation reported");
}

static void test_limits(void)
{
	is_int(cg_validate_cpu_weight(0), -EINVAL, "cpu weight 0 refused");
	is_int(cg_validate_cpu_weight(1), 0, "cpu weight 1 valid");
	is_int(cg_validate_cpu_weight(10000), 0, "cpu weight 10000 valid");
	is_int(cg_validate_cpu_weight(10001), -EINVAL, "cpu weight 10001 refused");
	is_int(cg_validate_cpu_weight(65535), -EINVAL, "cpu weight 65535 refused");

	struct cg_limits l;
	memset(&l, 0, sizeof l);
	const char *why;
	is_int(cg_validate_limits(&l, &why), 0, "no limits valid");
	l.cpu_weight = 20000;
	is_int(cg_validate_limits(&l, &why), -EINVAL, "bad cpu weight in limits refused");
	l.cpu_weight = 100;
	l.n_io = CG_IO_MAX_DEVS + 1;
	is_int(cg_validate_limits(&l, &why), -EINVAL, "too many io devices refused");

	char buf[96];
	struct cg_io_limit io = {8, 0, 1048576, 0};
	ok(cg_format_io_line(buf, sizeof buf, &io) > 0, "io line formatted");
	is_str(buf, "8:0 rbps=1048576 wbps=max", "io line: read limit, write max");
	io = (struct cg_io_limit){259, 3, 0, 100000000};
	cg_format_io_line(buf, sizeof buf, &io);
	is_str(buf, "259:3 rbps=max wbps=100000000", "io line: write limit");
	io = (struct cg_io_limit){253, 16, UINT64_MAX, 1};
	cg_format_io_line(buf, sizeof buf, &io);
	is_str(buf, "253:16 rbps=18446744073709551615 wbps=1", "io line: extremes");
	is_int(cg_format_io_line(buf, 8, &io), -ENAMETOOLONG, "io line truncation reported");
	unsigned maj, min;
	is_int(cg_dev_of_path("/dev/null", &maj, &min), -ENOTBLK, "char device is not a block dev");
	is_int(cg_dev_of_path("/nonexistent-pact", &maj, &min), -ENOENT, "missing device");
}

static void test_parsers(void)
{
	uint64_t v = 99;
	const char *events = "populated 1\nfrozen 0\n";
	is_int(cg_parse_keyed(events, "populated", &v), 0, "populated found");
	is_int(v, 1, "populated 1");
	is_int(cg_parse_keyed(events, "frozen", &v), 0, "frozen found");
	is_int(v, 0, "frozen 0");
	is_int(cg_parse_keyed(events, "pop", &v), -ENOENT, "key prefix not matched");
	is_int(cg_parse_keyed("", "populated", &v), -ENOENT, "empty text");
	is_int(cg_parse_keyed("populated x\n", "populated", &v), -EINVAL, "bad value");
	is_int(cg_parse_keyed("populated \n", "populated", &v), -EINVAL, "empty value");
	const char *cpu = "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\n"
			  "nr_periods 0\n";
	is_int(cg_parse_keyed(cpu, "usage_usec", &v), 0, "usage_usec found");
	is_int(v, 123456, "usage_usec value");
	is_int(cg_parse_keyed(cpu, "system_usec", &v), 0, "system_usec found");
	is_int(v, 23456, "system_usec value");
	const char *mev = "low 0\nhigh 0\nmax 5\noom 2\noom_kill 1\noom_group_kill 0";
	is_int(cg_parse_keyed(mev, "oom_kill", &v), 0, "oom_kill found (no final newline)");
	is_int(v, 1, "oom_kill value, not oom's");
	is_int(cg_parse_keyed(mev, "oom_group_kill", &v), 0, "last line without newline");
	is_int(v, 0, "oom_group_kill value");
	is_int(cg_parse_keyed(mev, "oom", &v), 0, "oom found");
	is_int(v, 2, "oom value");

	is_int(cg_parse_max("max\n", &v), 0, "memory.max max -> none");
	is_int(cg_parse_max("536870912\n", &v), 1, "memory.max number");
	is_int(v, 536870912, "memory.max value");
	is_int(cg_parse_max("", &v), -EINVAL, "empty memory.max");
	is_int(cg_parse_max("12k\n", &v), -EINVAL, "garbage memory.max");

	is_int(cg_count_lines(""), 0, "no lines");
	is_int(cg_count_lines("1\n"), 1, "one line");
	is_int(cg_count_lines("1\n2\n3\n"), 3, "three lines");
	is_int(cg_count_lines("1\n2"), 2, "last line without newline");
}

static void test_abs(void)
{
	struct cg_ctx cg;
	cg_ctx_init(&cg, "/r");
	char buf[64];
	cg_abs_path(&cg, "pact.slice", buf, sizeof buf);
	is_str(buf, "/r/pact.slice", "relative path made absolute");
	cg_abs_path(&cg, "", buf, sizeof buf);
	is_str(buf, "/r", "empty path is the root");
	cg_abs_path(&cg, "/x/y", buf, sizeof buf);
	is_str(buf, "/x/y", "absolute path kept");
	is_int(cg_abs_path(&cg, "a/../b", buf, sizeof buf), -EINVAL, "'..' refused");
	is_int(cg_abs_path(&cg, "a..b", buf, sizeof buf), 7, "'..' inside a name is fine");
}

int main(void)
{
	test_owner();
	test_check_write();
	test_names();
	test_limits();
	test_parsers();
	test_abs();
	return done_testing();
}
