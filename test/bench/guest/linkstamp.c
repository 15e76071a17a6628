/*
 * One link of a service start chain (the in-guest side of
 * service_start_link_ratio, test/bench/peers): takes CLOCK_MONOTONIC as the
 * first thing main does, stores it in slot IDX of FILE, takes the clock
 * again and exits at once. The gap between one process's second stamp and
 * the next process's first is the start link its manager costs: the exit,
 * the manager noticing it, and the spawn of the next one up to its first
 * instruction.
 *   linkstamp FILE IDX
 * FILE holds LINK_SLOTS slots of two native u64 (start ns, end ns); the
 * stores go through a shared mapping, so nothing but the exit follows the
 * second stamp.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINK_SLOTS 256
#define FILE_BYTES (LINK_SLOTS * 2 * sizeof(uint64_t))

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t start = now_ns();
	if (argc != 3)
		return 2;
	long idx = strtol(argv[2], NULL, 10);
	if (idx < 0 || idx >= LINK_SLOTS)
		return 2;
	int fd = open(argv[1], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return 1;
	if ((size_t)st.st_size < FILE_BYTES && ftruncate(fd, FILE_BYTES) < 0)
		return 1;
	uint64_t *slot = mmap(NULL, FILE_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (slot == MAP_FAILED)
		return 1;
	slot[2 * idx] = start; /* touches (faults in) the page before the second stamp */
	slot[2 * idx + 1] = now_ns();
	_exit(0);
}
