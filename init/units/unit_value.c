/*
 * Value parsers shared by the unit loader and the configuration: systemd
 * time spans, sizes with base-1024 suffixes, and signal names.
 */
#include "units/unit.h"
#include "lib/fileio.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#define WS " \t\r\n"

static int streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static const struct {
	const char *name;
	uint64_t us;
} time_units[] = {
    {"usec", 1ULL},
    {"us", 1ULL},
    {"msec", 1000ULL},
    {"ms", 1000ULL},
    {"seconds", 1000000ULL},
    {"second", 1000000ULL},
    {"sec", 1000000ULL},
    {"s", 1000000ULL},
    {"minutes", 60000000ULL},
    {"minute", 60000000ULL},
    {"min", 60000000ULL},
    {"months", 2629800000000ULL},
    {"month", 2629800000000ULL},
    {"M", 2629800000000ULL},
    {"m", 60000000ULL},
    {"hours", 3600000000ULL},
    {"hour", 3600000000ULL},
    {"hr", 3600000000ULL},
    {"h", 3600000000ULL},
    {"days", 86400000000ULL},
    {"day", 86400000000ULL},
    {"d", 86400000000ULL},
    {"weeks", 604800000000ULL},
    {"week", 604800000000ULL},
    {"w", 604800000000ULL},
    {"years", 31557600000000ULL},
    {"year", 31557600000000ULL},
    {"y", 31557600000000ULL},
};

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int unit_parse_timespan_ms(const char *s, uint64_t *ms)
{
	s += strspn(s, WS);
	if (streq(s, "infinity")) {
		*ms = UNIT_INFINITY;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	uint64_t total_us = 0;
	while (*s) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		uint64_t v = 0, frac = 0, frac_div = 1;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.') {
			for (s++; *s >= '0' && *s <= '9'; s++)
				if (frac_div < 1000000000ULL) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					frac_div *= 10;
				}
		}
		s += strspn(s, " \t");
		uint64_t mult = 1000000ULL; /* a bare number is seconds */
		if (is_alpha(*s)) {
			size_t len = 0;
			while (is_alpha(s[len]))
				len++;
			size_t i;
			for (i = 0; i < sizeof time_units / sizeof time_units[0]; i++)
				if (strlen(time_units[i].name) == len &&
				    memcmp(time_units[i].name, s, len) == 0)
					break;
			if (i == sizeof time_units / sizeof time_units[0])
				return -EINVAL;
			mult = time_units[i].us;
			s += len;
		}
		if (v > UINT64_MAX / mult)
			return -ERANGE;
		uint64_t add =
		    v * mult + frac * (mult / frac_div) + (frac * (mult % frac_div)) / frac_div;
		if (add < v * mult || total_us > UINT64_MAX - add)
			return -ERANGE;
		total_us += add;
		s += strspn(s, " \t");
	}
	uint64_t r = total_us / 1000 + (total_us % 1000 ? 1 : 0);
	*ms = r == UNIT_INFINITY ? UNIT_INFINITY - 1 : r;
	return 0;
}

int unit_parse_size(const char *s, uint64_t *bytes)
{
	if (streq(s, "infinity")) {
		*bytes = UNIT_INFINITY;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	static const char suffixes[] = "KMGTPE";
	unsigned shift = 0;
	if (*s) {
		const char *k = strchr(suffixes, *s);
		if (*s == 'B' && !s[1]) {
			s++;
		} else if (k) {
			shift = 10 * (unsigned)(k - suffixes + 1);
			s++;
		}
	}
	if (*s)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	v <<= shift;
	if (v == UNIT_INFINITY)
		return -ERANGE;
	*bytes = v;
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT}, {"BUS", SIGBUS},	   {"FPE", SIGFPE},
    {"KILL", SIGKILL},	   {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE},	   {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
    {"CONT", SIGCONT},	   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},	   {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR},	   {"SYS", SIGSYS},
};

int unit_parse_signal(const char *s)
{
	unsigned long long n;
	if (parse_u64(s, &n) == 0)
		return n >= 1 && n < 65 ? (int)n : -EINVAL;
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		if (streq(s, signals[i].name))
			return signals[i].sig;
	return -EINVAL;
}

int unit_exit_set_has(const struct unit_exit_set *set, int status)
{
	if (WIFEXITED(status)) {
		int c = WEXITSTATUS(status);
		return set->code[c / 8] >> (c % 8) & 1;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		return sig > 0 && sig < 64 && (set->sig >> sig & 1);
	}
	return 0;
}
