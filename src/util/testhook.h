/*
 * Crash points for the end-to-end tests (git's GIT_TEST_* idea): when
 * ROSTER_TEST_KILL_AT names this point, the process kills itself with
 * SIGKILL right there, as a power cut or an OOM kill would. Costs one getenv.
 */
#ifndef ROSTER_TESTHOOK_H
#define ROSTER_TESTHOOK_H

void testhook_kill(const char *point);

#endif
