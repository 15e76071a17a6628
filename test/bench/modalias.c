/*
 * Bench: matching devices to modules the way the coldplug does, at the
 * scale of a distribution kernel. The test kernel's modules.alias (the
 * cloud kernel's: 100 KiB) is grown to about 1.4 MiB, what a generic
 * kernel has, by copies with other PCI ids and module names; 600 device
 * aliases are made from its PCI patterns (and 64 identical CPUs).
 *   modalias_match_ms: sort the devices and stream the file once,
 *     modalias_match (median of 7).
 *   floor: the same file streamed line by line, nothing matched (the read
 *     any approach pays); ratio = floor/value, bigger is better.
 * Prints JSON lines for test/bench/run.
 */
#include "bench.h"
#include "lib/linebuf.h"
#include "os/modalias.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define COPIES	14
#define DEVICES 600
#define CPUS	64
#define ROUNDS	7

static char path[256], devs[DEVICES + CPUS][160];
static struct modalias_dev d[DEVICES + CPUS];
static int hits;

static void on_match(void *ctx, int i, const char *module)
{
	(void)ctx, (void)i, (void)module;
	hits++;
}

/* the copies: pci vendor ids changed, module names suffixed */
static int grow(const char *src, const char *dst, int *lines)
{
	FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
	char l[1024];
	if (!in || !out)
		return -1;
	int n = 0, np = 0;
	while (fgets(l, sizeof l, in)) {
		char pat[900], mod[100];
		if (sscanf(l, "alias %899s %99s", pat, mod) != 2)
			continue;
		for (int k = 0; k < COPIES; k++) {
			char *v = strstr(pat, "pci:v0000");
			if (v && k && v[9] != '*')
				snprintf(v + 9, 5, "%04X", (unsigned)(0x1000 + k * 0x111)),
				    v[13] = 'd';
			fprintf(out, "alias %s %s%s%.0d\n", pat, mod, k ? "_" : "", k);
			n++;
		}
		/* a device from every 3rd PCI pattern: its wildcards filled in */
		if (!strncmp(pat, "pci:v0000", 9) && pat[9] != '*' && np < DEVICES && n % 3 == 0) {
			char *o = devs[np];
			for (const char *p = pat; *p && o < devs[np] + 150; p++)
				o += *p == '*' ? snprintf(o, 9, "%s", "00000001") : (*o = *p, 1);
			*o = '\0';
			np++;
		}
	}
	fclose(in);
	fclose(out);
	*lines = n;
	return np;
}

static double stream_only(void)
{
	static struct linebuf lb;
	char *line;
	int n, count = 0;
	uint64_t t = now_ns();
	if (linebuf_open(&lb, path) < 0)
		return -1;
	while ((n = linebuf_next(&lb, &line)) != -ENODATA)
		count += n > 0;
	linebuf_close(&lb);
	return count ? (double)(now_ns() - t) / 1e6 : -1;
}

int main(void)
{
	char src[256];
	const char *build = getenv("BUILD");
	snprintf(src, sizeof src, "%s/kernel/current/modules/modules.alias",
		 build ? build : "build");
	snprintf(path, sizeof path, "/tmp/bench-modalias-%d", (int)getpid());
	int lines, np = grow(src, path, &lines);
	if (np <= 0) {
		fprintf(stderr, "modalias: cannot read %s\n", src);
		return 1;
	}
	for (int i = 0; i < CPUS; i++)
		snprintf(
		    devs[np + i], sizeof devs[0], "%s",
		    "cpu:type:x86,ven0000fam0006mod003F:feature:,0000,0001,0002,0003,0004,0005,"
		    "0006,0007,0008,0009,000B,000C,000D,000E,000F,0010,0011,0013,0017,0018,0019");
	uint64_t match[ROUNDS], floor[ROUNDS];
	int found = 0;
	for (int r = 0; r < ROUNDS; r++) {
		floor[r] = (uint64_t)(stream_only() * 1000);
		for (int i = 0; i < np + CPUS; i++)
			d[i] = (struct modalias_dev){devs[i], devs[i]};
		hits = 0;
		uint64_t t = now_ns();
		int n = modalias_sort(d, np + CPUS);
		found = modalias_match(path, d, n, on_match, NULL);
		match[r] = (now_ns() - t) / 1000;
	}
	long size = 0;
	FILE *f = fopen(path, "r");
	if (f && fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (f)
		fclose(f);
	unlink(path);
	double m = median(match, ROUNDS) / 1000, fl = median(floor, ROUNDS) / 1000;
	printf("{\"name\":\"modalias_match_ms\",\"value\":%.2f,\"unit\":\"ms\",\"floor\":%.2f,"
	       "\"ratio\":%.3f,\"note\":\"%d devices (%d PCI, %d identical CPUs) against a %ld KiB "
	       "modules.alias of %d lines (the test kernel's grown %dx), %d matches; floor = the "
	       "file streamed line by line with nothing matched, same run; ratio = floor/value, "
	       "bigger is better\"}\n",
	       m, fl, fl / m, np + CPUS, np, CPUS, size / 1024, lines, COPIES, found);
	return 0;
}
