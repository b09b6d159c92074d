#!/bin/sh
# The committed example organisation is exactly what tools/roster-gen makes,
# the generator is deterministic, and the example imports without errors.
. "$(dirname "$0")/lib.sh"

ROSTER_GEN=${ROSTER_GEN:-$ROSTER_SRC/build/tools/roster-gen}

test_expect_success 'examples/hr is what roster-gen makes by default' '
	"$ROSTER_GEN" gen >/dev/null &&
	cmp gen/persons.csv "$EXAMPLES/hr/persons.csv" &&
	cmp gen/contracts.csv "$EXAMPLES/hr/contracts.csv" &&
	cmp gen/assignments.csv "$EXAMPLES/hr/assignments.csv"
'

test_expect_success 'the generator gives the same bytes twice, also with --mutate' '
	"$ROSTER_GEN" --persons 2000 --mutate 2 a >/dev/null &&
	"$ROSTER_GEN" --persons 2000 --mutate 2 b >/dev/null &&
	cmp a/persons.csv b/persons.csv &&
	cmp a/contracts.csv b/contracts.csv &&
	cmp a/assignments.csv b/assignments.csv
'

test_expect_success 'roster init writes the committed example files' '
	roster init org >/dev/null &&
	cmp org/roster.yaml "$EXAMPLES/roster.yaml" &&
	cmp org/hr/persons.csv "$EXAMPLES/hr/persons.csv"
'

test_expect_success 'the example imports with warnings only, and finds 300 joiners' '
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	test_must_contain out "source hr: 300 persons, 356 contracts, 53 assignments" &&
	grep "^  joiners  *300 " out &&
	test_must_not_contain err "error"
'

test_expect_success 'a mutated month is an ordinary second import' '
	"$ROSTER_GEN" --mutate 3 org/hr >/dev/null &&
	roster -c org/roster.yaml import --at 2026-02-02 >out &&
	grep "^  leavers  *[1-9]" out &&
	grep "^  movers  *[1-9]" out &&
	grep "^  name changes  *[1-9]" out
'

test_done
