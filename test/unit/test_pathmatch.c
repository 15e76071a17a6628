/*
 * Unit tests of the shell-style matcher (modalias patterns, devices.rules
 * patterns) and of the path expander (sysctl.d and tmpfiles.d globs).
 */
#include "tap.h"
#include "tmptree.h"
#include "lib/pathmatch.h"

#include <errno.h>

static char got[1024];

static int collect(void *ctx, const char *path)
{
	(void)ctx;
	tree_note(got, sizeof got, path + strlen(tree_root));
	return 0;
}

/* the expander's order is the directory's: sort the words for comparing */
static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *sorted(void)
{
	static char out[1024];
	char *w[64], *save = NULL;
	int n = 0;
	for (char *t = strtok_r(got, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	qsort(w, (size_t)n, sizeof w[0], cmpstr);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		strcat(out, " ");
		strcat(out, w[i]);
	}
	return out;
}

static int stop_at_second(void *ctx, const char *path)
{
	(void)path;
	return ++*(int *)ctx == 2 ? 42 : 0;
}

int main(void)
{
	static const struct {
		const char *pat, *s;
		int want;
	} cases[] = {
	    {"virtio:d00000001v*", "virtio:d00000001v00001AF4", 1},
	    {"virtio:d00000001v*", "virtio:d00000002v00001AF4", 0},
	    {"pci:v00001AF4d00001000sv*sd*bc*sc*i*",
	     "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00", 1},
	    {"pci:v*d*sv*sd*bc02sc00i*", "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
	     1},
	    {"pci:v*d*sv*sd*bc02sc80i*", "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
	     0},
	    {"cpu:type:x86,ven*fam*mod*:feature:*0099*",
	     "cpu:type:x86,ven0000fam0006mod003F:feature:,0000,0099,00E1", 1},
	    {"cpu:type:x86,ven*fam*mod*:feature:*0099*",
	     "cpu:type:x86,ven0000fam0006mod003F:feature:,0000,0098", 0},
	    {"ttyS[0-9]", "ttyS3", 1},
	    {"ttyS[0-9]", "ttyS", 0},
	    {"ttyS[!0-3]", "ttyS3", 0},
	    {"ttyS[^0-3]", "ttyS7", 1},
	    {"[]x]", "]", 1},
	    {"a?c", "abc", 1},
	    {"a?c", "ac", 0},
	    {"a\\*c", "a*c", 1},
	    {"a\\*c", "abc", 0},
	    {"[unclosed", "[unclosed", 1},
	    {"*", "", 1},
	    {"", "", 1},
	    {"", "x", 0},
	    {"**a", "bbba", 1},
	    {"*a*b*c*", "xaxbxcx", 1},
	    {"*a*b*c*", "xaxcxbx", 0},
	    {"of:N*T*Cfoo,bar", "of:NnodeTtypeCfoo,bar", 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_int(pathmatch(cases[i].pat, cases[i].s), cases[i].want, "'%s' %s '%s'",
		       cases[i].pat, cases[i].want ? "matches" : "does not match", cases[i].s);
	ok(pathmatch_magic("a*") && pathmatch_magic("a[b]") && !pathmatch_magic("/proc/sys/a"),
	   "magic: only * ? [ make a pattern");

	ok(pathmatch_plain("/") && pathmatch_plain("/a/b") && pathmatch_plain("/a/..b/.c"),
	   "plain paths");
	ok(!pathmatch_plain("a/b") && !pathmatch_plain("/a/../b") && !pathmatch_plain("/a/..") &&
	       !pathmatch_plain("/./a") && !pathmatch_plain("/a/."),
	   "relative, or with . or .. components: not plain");

	tree_init("test-pathmatch");
	tree_put("sys/net/ipv4/conf/all/rp_filter", "1\n");
	tree_put("sys/net/ipv4/conf/eth0/rp_filter", "1\n");
	tree_put("sys/net/ipv4/conf/eth1/rp_filter", "1\n");
	tree_put("sys/net/ipv4/conf/.hidden/rp_filter", "1\n");
	tree_put("sys/net/ipv4/conf/eth1/forwarding", "0\n");
	tree_put("tmp/.X0-lock", "");
	tree_put("tmp/.X11-lock", "");
	tree_put("tmp/X2-lock", "");
	char pat[512];
	snprintf(pat, sizeof pat, "%s/sys/net/ipv4/conf/*/rp_filter", tree_root);
	got[0] = '\0';
	is_int(pathmatch_each(pat, collect, NULL), 0, "expand conf/*/rp_filter");
	is_str(sorted(),
	       " /sys/net/ipv4/conf/all/rp_filter /sys/net/ipv4/conf/eth0/rp_filter "
	       "/sys/net/ipv4/conf/eth1/rp_filter",
	       "each directory, hidden ones left out");
	snprintf(pat, sizeof pat, "%s/tmp/.X[0-9]*-lock", tree_root);
	got[0] = '\0';
	pathmatch_each(pat, collect, NULL);
	is_str(sorted(), " /tmp/.X0-lock /tmp/.X11-lock",
	       "a pattern starting with . finds hidden names");
	snprintf(pat, sizeof pat, "%s/sys/net/ipv4/conf/eth1/forwarding", tree_root);
	got[0] = '\0';
	pathmatch_each(pat, collect, NULL);
	is_str(got, " /sys/net/ipv4/conf/eth1/forwarding", "a plain path that exists is passed on");
	snprintf(pat, sizeof pat, "%s/sys/net/ipv4/conf/eth9/forwarding", tree_root);
	got[0] = '\0';
	is_int(pathmatch_each(pat, collect, NULL), 0, "a plain path that does not exist: nothing");
	is_str(got, "", "... and no call");
	snprintf(pat, sizeof pat, "%s/sys/*/ipv4/conf/e*/*", tree_root);
	got[0] = '\0';
	pathmatch_each(pat, collect, NULL);
	is_str(sorted(),
	       " /sys/net/ipv4/conf/eth0/rp_filter /sys/net/ipv4/conf/eth1/forwarding "
	       "/sys/net/ipv4/conf/eth1/rp_filter",
	       "several pattern components");
	int calls = 0;
	snprintf(pat, sizeof pat, "%s/sys/net/ipv4/conf/*/rp_filter", tree_root);
	is_int(pathmatch_each(pat, stop_at_second, &calls), 42,
	       "fn's non-zero return stops the walk");
	is_int(calls, 2, "... at once");
	is_int(pathmatch_each("relative/*", collect, NULL), -EINVAL,
	       "a relative pattern is refused");
	tree_done();
	return done_testing();
}
