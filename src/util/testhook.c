#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "util/testhook.h"
#include "util/banned.h"

void
testhook_kill(const char *point)
{
	const char *want = getenv("ROSTER_TEST_KILL_AT");

	if (want && !strcmp(want, point))
		raise(SIGKILL);
}
