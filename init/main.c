/* pact-init entry point (placeholder until the boot sequence lands). */
#include "log.h"
#include "loop.h"

int main(void)
{
	log_open(0);
	return loop_init() < 0;
}
