/*
 * What fuzz_csv and fuzz_json share: a struct source_cfg built in code, as
 * config_load would build it, and one run of source_read over it with the
 * checks of what a snapshot promises (source.h, snapshot.h).
 */
#ifndef ROSTER_FUZZ_SOURCE_HARNESS_H
#define ROSTER_FUZZ_SOURCE_HARNESS_H

#include "config/config.h"

/* The shape of the config: canonical column names, or the example's mapped ones. */
#define HS_MAPPED 1 /* a fields: map (the Dutch labels of examples/roster.yaml) */
#define HS_EXTRAS 2 /* extra: badge = "Pasnummer", room = "Kamer" */

/*
 * Fills cfg for format and flags (an OR of HS_*), with no files; the caller
 * sets persons, persons_path and the others. Everything points into static
 * tables made on the first call: nothing to release.
 */
void hs_cfg(struct source_cfg *cfg, enum source_format format, int flags);

/*
 * Runs source_read on cfg, checks the snapshot and the problems, formats each
 * problem, and releases everything. Aborts with a message when a check fails.
 */
void hs_read_and_check(const struct source_cfg *cfg);

#endif
