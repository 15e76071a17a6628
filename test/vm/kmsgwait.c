/*
 * Wait, with a bound, until the kernel log holds COUNT records whose text
 * matches an extended regex: the event the VM cases wait on instead of
 * sleeping (pact-init logs every service event to /dev/kmsg). Records are
 * read from the start of the buffer, so a line logged before the call
 * counts too (unless -e); matching records are printed, one per line.
 *   kmsgwait [-t SECONDS] [-n COUNT] [-e] ERE
 *     -t  give up after this long (default 10): exit 1
 *     -n  how many matching records to wait for (default 1)
 *     -e  only records logged after the call
 * Exit: 0 found, 1 timed out, 2 usage or error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	int timeout_s = 10, want = 1, from_end = 0, o;
	while ((o = getopt(argc, argv, "t:n:e")) != -1) {
		switch (o) {
		case 't':
			timeout_s = atoi(optarg);
			break;
		case 'n':
			want = atoi(optarg);
			break;
		case 'e':
			from_end = 1;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: kmsgwait [-t SECONDS] [-n COUNT] [-e] ERE\n");
		return 2;
	}
	regex_t re;
	if (regcomp(&re, argv[optind], REG_EXTENDED | REG_NOSUB) != 0) {
		fprintf(stderr, "kmsgwait: bad regex '%s'\n", argv[optind]);
		return 2;
	}
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		perror("kmsgwait: /dev/kmsg");
		return 2;
	}
	if (from_end)
		lseek(fd, 0, SEEK_END);
	long long deadline = now_ms() + timeout_s * 1000LL;
	int got = 0;
	while (got < want) {
		char rec[8192];
		ssize_t n = read(fd, rec, sizeof rec - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten under us: go on with the next */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			long long left = deadline - now_ms();
			if (left <= 0)
				break;
			struct pollfd p = {.fd = fd, .events = POLLIN};
			poll(&p, 1, (int)left);
			continue;
		}
		if (n <= 0) {
			perror("kmsgwait: read");
			return 2;
		}
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n" then " KEY=value" lines */
		char *text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		text[strcspn(text, "\n")] = '\0';
		if (regexec(&re, text, 0, NULL, 0) == 0) {
			printf("%s\n", text);
			got++;
		}
	}
	fflush(stdout);
	if (got < want) {
		fprintf(stderr, "kmsgwait: %d of %d records matching /%s/ within %d s\n", got, want,
			argv[optind], timeout_s);
		return 1;
	}
	return 0;
}
