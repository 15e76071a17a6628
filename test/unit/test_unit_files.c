/*
 * Unit parser tests on files: the directory loader (sorting, templates and
 * instances, masks, broken units keeping their slot), vendor units as
 * shipped, and every file under services/.
 */
#include "units/unit.h"
#include "units/depgraph.h"
#include "lib/fileio.h"
#include "tap.h"
#include "unit_fixture.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_dir(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	snprintf(dir, sizeof dir, "%s/services", tmpdir);
	mkdir_p(dir, 0755);
	static const struct {
		const char *name, *text;
	} files[] = {
	    {"b.service", "[Unit]\nAfter=a.service\n" SVC},
	    {"a.service", SVC},
	    {"broken.service", "[Service]\nExecStart=/bin/x\nType=fork\n"},
	    {"cxi_rh@.service", "[Service]\nSlice=network.slice\nExecStart=/usr/bin/cxi_rh "
				"--device=cxi%i\n"},
	    {"notes.txt", "not a unit"},
	    {"other.socket", "[Socket]\n"},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
		write_text(path, files[i].text);
	}
	snprintf(path, sizeof path, "%s/masked.service", dir);
	ok(symlink("/dev/null", path) == 0, "masked unit symlink");

	static struct unit table[8];
	const char *inst[] = {"cxi_rh@0", "cxi_rh@1.service", "cxi_rh@0",  "nope@1",
			      "bad",	  "../x@1",	      "cxi_rh@1@2"};
	struct unit_opts opts = {.quiet = 1, .no_userdb = 1};
	unit_diag_clear(&D);
	int n = units_load_dir(dir, inst, 7, &opts, table, 8, &D);
	is_int(n, 6, "3 plain units + 2 instances + 1 missing template");
	is_str(table[0].name, "a.service", "sorted: a");
	is_str(table[1].name, "b.service", "sorted: b");
	is_str(table[2].name, "broken.service", "broken unit keeps its slot");
	is_int(table[2].load_state, UNIT_LOAD_ERROR, "broken unit marked");
	ok(strstr(table[2].load_error, "broken.service:3: Type=fork") != NULL,
	   "broken unit error names file:line");
	is_str(table[3].name, "cxi_rh@0.service", "instance 0");
	is_str(table[3].exec[UNIT_CMD_START][0].argv[1], "--device=cxi0", "instance 0 argv");
	is_int(table[3].slice, UNIT_SLICE_NETWORK, "instance slice");
	is_str(table[4].name, "cxi_rh@1.service", "instance 1 (given with suffix)");
	is_str(table[4].exec[UNIT_CMD_START][0].argv[1], "--device=cxi1", "instance 1 argv");
	is_str(table[5].name, "nope@1.service", "missing template gets a failed slot");
	is_int(table[5].load_state, UNIT_LOAD_ERROR, "missing template: failed");
	ok(strstr(table[5].load_error, "no template nope@.service") != NULL,
	   "missing template text");
	ok(diag_has("requested twice"), "duplicate instance warned");
	ok(diag_has("instance \"bad\": expected name@instance"), "bad instance request");
	ok(diag_has("instance \"../x@1\": not a valid unit name"),
	   "no path in an instance request");
	ok(diag_has("instance \"cxi_rh@1@2\": not a valid unit name"),
	   "one @ per instance request");
	is_int(unit_find(table, n, "b"), 1, "unit_find without suffix");
	is_int(unit_find(table, n, "cxi_rh@1.service"), 4, "unit_find instance");
	is_int(unit_find(table, n, "zzz.service"), -1, "unit_find miss");

	char conf[] = "  cxi_rh@0 cxi_rh@1,cxi_rh@2\t cxi_rh@3 \n";
	const char *list[8];
	is_int(unit_split_list(conf, list, 8), 4, "instances list split");
	ok(strcmp(list[0], "cxi_rh@0") == 0 && strcmp(list[3], "cxi_rh@3") == 0, "list words");
	char conf2[] = "a b c";
	is_int(unit_split_list(conf2, list, 2), 2, "list split bounded");

	unit_diag_clear(&D);
	n = units_load_dir(dir, NULL, 0, &opts, table, 2, &D);
	ok(n == 2 && diag_has("unit table full"), "table bound respected");

	snprintf(path, sizeof path, "%s/nonexistent", tmpdir);
	ok(units_load_dir(path, NULL, 0, &opts, table, 8, NULL) == -ENOENT, "missing dir: -ENOENT");

	unit_diag_clear(&D);
	snprintf(path, sizeof path, "%s/nope.service", dir);
	int r = unit_load_file(path, NULL, &opts, &U, &D);
	ok(r == -ENOENT && U.load_state == UNIT_LOAD_ERROR && diag_has("cannot read"),
	   "unit_load_file of a missing file");
}

/* Vendor units as the packages ship them: they load, with warnings for
 * what pact-init ignores, or fail with a message saying what to change. */
static void test_vendor(void)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/etc/sysconfig", tmpdir);
	mkdir_p(path, 0755);
	snprintf(path, sizeof path, "%s/etc/sysconfig/rasdaemon", tmpdir);
	write_text(path, "# no options\n");
	struct unit_opts opts = {.root = tmpdir, .quiet = 1, .no_userdb = 1};

	const char *dcgm = "[Unit]\n"
			   "Description=NVIDIA DCGM service\n"
			   "Conflicts=dcgm.service\n"
			   "After=nvidia-gpu-reset.target\n"
			   "Wants=nvidia-gpu-reset.target\n"
			   "\n"
			   "[Service]\n"
			   "User=root\n"
			   "PrivateTmp=false\n"
			   "Environment=\"DCGM_HOME_DIR=/var/log/nvidia-dcgm\"\n"
			   "ExecStart=/usr/bin/nv-hostengine -n --service-account nvidia-dcgm\n"
			   "Restart=on-abort\n"
			   "\n"
			   "[Install]\n"
			   "WantedBy=multi-user.target\n";
	unit_diag_clear(&D);
	int r = unit_load_buffer("nvidia-dcgm.service", NULL, dcgm, strlen(dcgm), &opts, &U, &D);
	is_int(r, 0, "vendor nvidia-dcgm.service loads as shipped");
	ok(D.nerr == 0 && D.nwarn == 0, "with no warning (Conflicts=, PrivateTmp=, on-abort)");
	ok(U.conflicts.n == 1 && strcmp(U.conflicts.name[0], "dcgm.service") == 0,
	   "Conflicts= read");
	is_str(U.envp[0], "DCGM_HOME_DIR=/var/log/nvidia-dcgm", "its environment");

	const char *ras = "[Unit]\n"
			  "Description=RAS daemon to log the RAS events\n"
			  "After=syslog.target\n"
			  "\n"
			  "[Service]\n"
			  "EnvironmentFile=/etc/sysconfig/rasdaemon\n"
			  "ExecStart=/usr/sbin/rasdaemon -f -r\n"
			  "ExecStartPost=/usr/sbin/rasdaemon --enable\n"
			  "ExecStop=/usr/sbin/rasdaemon --disable\n"
			  "Restart=on-abort\n"
			  "\n"
			  "[Install]\n"
			  "WantedBy=multi-user.target\n";
	unit_diag_clear(&D);
	r = unit_load_buffer("rasdaemon.service", NULL, ras, strlen(ras), &opts, &U, &D);
	is_int(r, 0, "vendor rasdaemon.service loads as shipped");
	ok(U.n_exec[UNIT_CMD_POST] == 1 && U.n_exec[UNIT_CMD_STOP] == 1 &&
	       U.restart == UNIT_RESTART_ON_ABORT,
	   "its ExecStartPost=, ExecStop=, Restart=on-abort");

	const char *chrony = "[Unit]\n"
			     "Description=NTP client/server\n"
			     "After=ntpdate.service sntp.service ntpd.service\n"
			     "Conflicts=ntpd.service systemd-timesyncd.service\n"
			     "ConditionCapability=CAP_SYS_TIME\n"
			     "\n"
			     "[Service]\n"
			     "Type=forking\n"
			     "PIDFile=/run/chrony/chronyd.pid\n"
			     "EnvironmentFile=-/etc/sysconfig/chronyd\n"
			     "ExecStart=/usr/sbin/chronyd $OPTIONS\n"
			     "PrivateTmp=yes\n"
			     "ProtectHome=yes\n"
			     "ProtectSystem=full\n"
			     "\n"
			     "[Install]\n"
			     "WantedBy=multi-user.target\n";
	unit_diag_clear(&D);
	r = unit_load_buffer("chronyd.service", NULL, chrony, strlen(chrony), &opts, &U, &D);
	ok(r == 0 && U.type == UNIT_TYPE_FORKING &&
	       strcmp(U.pid_file, "/run/chrony/chronyd.pid") == 0,
	   "vendor chronyd.service (forking, PIDFile=) loads");
	ok(U.private_tmp && U.protect_home == 1 && U.protect_system == 2 && U.n_cond == 1,
	   "its hardening and condition are read");
}

/* The source tree: the cwd, or three levels above build/test/unit/<exe>. */
static const char *source_tree(void)
{
	static char dir[PATH_MAX];
	struct stat st;
	if (stat("services", &st) == 0)
		return ".";
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n <= 0)
		return ".";
	dir[n] = '\0';
	for (int up = 0; up < 4; up++) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return ".";
		*slash = '\0';
	}
	return dir;
}

/* Every unit shipped under services/ loads without errors or warnings. */
static void test_shipped(void)
{
	static const char *const sub[] = {"services/node", "services/demo"};
	static struct unit table[UNITS_MAX];
	const char *top = source_tree();
	for (size_t k = 0; k < 2; k++) {
		char dirbuf[PATH_MAX + 32];
		snprintf(dirbuf, sizeof dirbuf, "%s/%s", top, sub[k]);
		const char *dirs[2] = {dirbuf, dirbuf};
		DIR *dp = opendir(dirs[k]);
		if (!dp) {
			ok(0, "%s present (run from the source tree or its build/)", dirs[k]);
			continue;
		}
		int files = 0;
		char inst[UNITS_MAX][UNIT_NAME_MAX];
		const char *instp[UNITS_MAX];
		int ni = 0;
		struct dirent *e;
		while ((e = readdir(dp))) {
			size_t l = strlen(e->d_name);
			if (l > 8 && strcmp(e->d_name + l - 8, ".service") == 0) {
				files++;
				const char *at = strstr(e->d_name, "@.service");
				if (at && ni < UNITS_MAX) {
					snprintf(inst[ni], UNIT_NAME_MAX, "%.*s@0",
						 (int)(at - e->d_name), e->d_name);
					instp[ni] = inst[ni];
					ni++;
				}
			}
		}
		closedir(dp);
		struct unit_opts opts = {.no_userdb = 1};
		unit_diag_clear(&D);
		int n = units_load_dir(dirs[k], instp, ni, &opts, table, UNITS_MAX, &D);
		ok(n == files && n > 0, "%s: %d units loaded (%d files)", dirs[k], n, files);
		ok(D.nerr == 0 && D.nwarn == 0, "%s: no errors or warnings", dirs[k]);
		if (D.n)
			dump_diag();
		for (int i = 0; i < n; i++)
			ok(table[i].load_state == UNIT_LOADED, "%s/%s loaded", dirs[k],
			   table[i].name);
		static struct depgraph g;
		ok(depgraph_build(&g, table, n) == 0 && g.n_cycles == 0 && g.n_order == n,
		   "%s: no cycles, every unit ordered", dirs[k]);
		if (k == 1) {
			int agent = unit_find(table, n, "node-agent"),
			    bus = unit_find(table, n, "bus");
			int rules = unit_find(table, n, "audit-rules"),
			    log = unit_find(table, n, "audit-log");
			ok(agent >= 0 && bus >= 0 && g.level[agent] > g.level[bus],
			   "demo: node-agent starts after bus");
			ok(rules >= 0 && log >= 0 && g.level[log] > g.level[rules],
			   "demo: audit-log after audit-rules");
			ok(bus >= 0 && table[bus].type == UNIT_TYPE_NOTIFY &&
			       strstr(table[bus].exec[UNIT_CMD_START][0].argv[2],
				      "pactctl notify --ready"),
			   "demo: bus is a notify unit using pactctl notify");
			int slices = 0;
			for (int i = 0; i < n; i++)
				slices |= 1 << table[i].slice;
			is_int(slices, 0xf, "demo: one unit or more in each of the four slices");
		}
	}
}

int main(void)
{
	fixture_begin("pact-test-unit-files");

	test_dir();
	test_vendor();
	test_shipped();

	fixture_end();
	return done_testing();
}
