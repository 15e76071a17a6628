/*
 * Unit tests of drivers by device: modules.alias matching (wildcards, the
 * literal head looked up among many devices, repeated aliases) and the
 * coldplug walk over a fake sysfs tree, with finit_module replaced: what
 * is loaded, in which pass, what is blacklisted or missing.
 */
#include "tap.h"
#include "tmptree.h"
#include "os/coldplug.h"
#include "os/modalias.h"
#include "os/modprobe.h"

#include <errno.h>
#include <sys/stat.h>

static char matched[2048];

static void on_match(void *ctx, int i, const char *module)
{
	const struct modalias_dev *d = ctx;
	size_t n = strlen(matched);
	snprintf(matched + n, sizeof matched - n, " %s=%s", d[i].devpath, module);
}

static char loads[1024];

/* Fake finit_module: records the module; virtio_pci's "probe" adds a
 * device, as the real one makes virtio devices appear. */
static int fake_loader(void *ctx, int fd, const char *path, const char *params, int flags)
{
	(void)ctx, (void)fd, (void)flags;
	const char *b = strrchr(path, '/') + 1;
	size_t n = strlen(loads);
	snprintf(loads + n, sizeof loads - n, " %.*s%s%s", (int)strcspn(b, "."), b,
		 *params ? ":" : "", params);
	if (!strncmp(b, "virtio_pci", 10)) {
		tree_put("sys/devices/pci0/virtio1/modalias", "virtio:d00000001v00001AF4\n");
		tree_link("../../../devices/pci0/virtio1", "sys/bus/virtio/devices/virtio1");
	}
	if (!strncmp(b, "broken", 6))
		return -ENOEXEC;
	char m[128];
	snprintf(m, sizeof m, "sys/module/%.*s/refcnt", (int)strcspn(b, "."), b);
	tree_put(m, "0\n");
	return 0;
}

static void device(const char *bus, const char *name, const char *alias)
{
	char rel[256], target[256], text[256];
	snprintf(rel, sizeof rel, "sys/devices/%s/%s/modalias", bus, name);
	snprintf(text, sizeof text, "%s\n", alias);
	tree_put(rel, text);
	snprintf(rel, sizeof rel, "sys/bus/%s/devices/%s", bus, name);
	snprintf(target, sizeof target, "../../../devices/%s/%s", bus, name);
	tree_link(target, rel);
}

int main(void)
{
	tree_init("test-modalias");
	tree_put("mods/modules.alias",
		 "# Aliases extracted from modules themselves.\n"
		 "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n"
		 "alias virtio:d00000001v* virtio_net\n"
		 "alias virtio:d00000004v* virtio_rng\n"
		 "alias virtio:d00000005v* virtio_balloon\n"
		 "alias virtio:d00000012v* virtio_input\n"
		 "alias pci:v*d*sv*sd*bc01sc01i* ata_generic\n"
		 "alias pci:v00008086d00007010sv*sd*bc*sc*i* ata_piix\n"
		 "alias cpu:type:x86,ven*fam*mod*:feature:*0099* crc32c_intel\n"
		 "alias acpi*:PNP0C0C:* button\n"
		 "alias fs-nfs4 nfs\n"
		 "alias symbol:foo ignored_no_match\n"
		 "garbage line\n"
		 "alias incomplete\n");
	struct modalias_dev d[] = {
	    {"virtio:d00000004v00001AF4", "virtio0"},
	    {"pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80", "0000:00:01.1"},
	    {"cpu:type:x86,ven0000fam0006mod003F:feature:,0000,0099", "cpu0"},
	    {"cpu:type:x86,ven0000fam0006mod003F:feature:,0000,0099", "cpu1"},
	    {"acpi:PNP0C0C:", "PNP0C0C:00"},
	    {"virtio:d00000099v00001AF4", "virtio9"},
	    {"fs-nfs4", "nfs4"},
	};
	int n = modalias_sort(d, 7);
	is_int(n, 6, "a repeated alias (two CPUs) is kept once");
	is_int(modalias_match(tree_path("mods/modules.alias"), d, n, on_match, d), 6,
	       "six matches in one pass over the file");
	is_str(
	    matched,
	    " virtio0=virtio_rng 0000:00:01.1=ata_generic 0000:00:01.1=ata_piix cpu0=crc32c_intel "
	    "PNP0C0C:00=button nfs4=nfs",
	    "each device gets every module whose pattern matches (class and id patterns)");
	is_int(modalias_match(tree_path("mods/none"), d, n, on_match, d), -ENOENT,
	       "no modules.alias: -ENOENT");

	/* many devices of one bus: every one is still found */
	static struct modalias_dev many[600];
	static char names[600][64];
	for (int i = 0; i < 600; i++) {
		snprintf(names[i], sizeof names[i], "virtio:d%08Xv00001AF4", i % 2 ? 1 : 4 + i);
		many[i] = (struct modalias_dev){names[i], names[i]};
	}
	int m = modalias_sort(many, 600);
	matched[0] = '\0';
	int hits = modalias_match(tree_path("mods/modules.alias"), many, m, on_match, many);
	is_int(m, 301, "600 devices, 301 distinct aliases");
	is_int(hits, 3, "the three that have drivers are found (net, balloon, input)");

	/* coldplug over a fake sysfs */
	tree_put("mods/modules.dep", "kernel/virtio_pci.ko: kernel/virtio.ko\n"
				     "kernel/virtio.ko:\n"
				     "kernel/virtio_net.ko: kernel/virtio.ko\n"
				     "kernel/virtio_rng.ko: kernel/virtio.ko\n"
				     "kernel/virtio_balloon.ko: kernel/virtio.ko\n"
				     "kernel/ata_piix.ko:\n");
	tree_put("mods/modules.builtin", "kernel/ata_generic.ko\n");
	const char *kos[] = {"virtio_pci", "virtio",	     "virtio_net",
			     "virtio_rng", "virtio_balloon", "ata_piix"};
	for (int i = 0; i < 6; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "mods/kernel/%s.ko", kos[i]);
		tree_put(rel, "\x7f"
			      "ELF");
	}
	tree_put("sys/module/ata_generic/uevent", ""); /* built in */
	device("pci", "0000:00:03.0", "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00");
	device("pci", "0000:00:01.1", "pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80");
	device("pci", "0000:00:04.0", "pci:v00001AF4d00001005sv00001AF4sd00000004bc00scFFi00");
	device("virtio", "virtio0", "virtio:d00000004v00001AF4");
	device("virtio", "virtio2", "virtio:d00000005v00001AF4");
	device("virtio", "virtio3", "virtio:d00000012v00001AF4");
	tree_put("sys/bus/platform/devices/.keep", "");
	static struct modprobe_conf conf;
	char err[128];
	char line[] = "blacklist virtio-balloon";
	is_int(modprobe_parse_line(&conf, line, err, sizeof err), 0, "blacklist virtio-balloon");
	char line2[] = "options virtio_rng current_quality=1000";
	is_int(modprobe_parse_line(&conf, line2, err, sizeof err), 0, "options virtio_rng ...");
	char sysfs[300], mods[300];
	snprintf(sysfs, sizeof sysfs, "%s", tree_path("sys"));
	snprintf(mods, sizeof mods, "%s", tree_path("mods"));
	struct coldplug c = {
	    .sysfs = sysfs, .modules_dir = mods, .conf = &conf, .loader = fake_loader};
	is_int(coldplug_run(&c), 4, "coldplug: four modules loaded");
	is_str(loads, " virtio virtio_pci virtio_rng:current_quality=1000 ata_piix virtio_net",
	       "dependencies first and once, options passed, built-in ata_generic skipped, and a "
	       "second pass for the device that virtio_pci brought");
	is_int(c.devices, 7, "seven devices seen in all");
	is_int(c.blacklisted, 1, "virtio_balloon blacklisted");
	is_int(c.missing, 1, "virtio_input missing (in modules.alias, not in modules.dep)");
	is_int(c.failed, 0, "nothing failed");
	loads[0] = '\0';
	struct coldplug again = c;
	again.loaded = again.devices = again.missing = again.blacklisted = 0;
	is_int(coldplug_run(&again), 0, "a second run loads nothing (all in sys/module)");
	is_str(loads, "", "... and calls no finit_module");

	/* hotplug path: a batch of (alias, device) pairs */
	struct modalias_dev hot[] = {{"virtio:d00000005v00001AF4", "virtio7"},
				     {"virtio:d00000004v00001AF4", "virtio8"}};
	conf.n_black = 0;
	is_int(coldplug_load(&again, hot, 2), 1, "hotplug: the balloon, no longer blacklisted");
	is_str(loads, " virtio_balloon", "... is loaded; virtio_rng is in already");

	struct coldplug nodir = c;
	char nowhere[300];
	snprintf(nowhere, sizeof nowhere, "%s", tree_path("nowhere"));
	nodir.modules_dir = nowhere;
	is_int(coldplug_run(&nodir), -ENOENT, "no modules.alias: the error is returned");
	tree_done();
	return done_testing();
}
