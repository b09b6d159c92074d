#!/bin/sh
# roster import under valgrind: no invalid reads or writes, no use of
# uninitialised memory and no definite leaks, in a first import of the
# example organisation, in a second one with changes, and on the ways out
# (refused by the guard, bad data). roster person too.
. "$(dirname "$0")/lib.sh"

ROSTER_GEN=${ROSTER_GEN:-$(dirname "$ROSTER")/../../tools/roster-gen}

. "$TEST_DIR/valgrind-lib.sh"

test_expect_success 'setup: the example organisation' '
	roster init org >out &&
	test -f org/hr/persons.csv
'

test_expect_success 'the first import is clean under valgrind' '
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		--log-file=vg.first "$ROSTER" -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	test_must_contain out "source hr: 300 persons" &&
	test_must_contain out "stored as snapshot 1" &&
	grep "ERROR SUMMARY: 0 errors" vg.first &&
	grep "definitely lost: 0 bytes\|no leaks are possible" vg.first
'

test_expect_success 'a second import with changes is clean under valgrind' '
	"$ROSTER_GEN" --mutate 3 org/hr &&
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
		--log-file=vg.second "$ROSTER" -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	test_must_contain out "stored as snapshot 2" &&
	grep "^  joiners  *[1-9]" out &&
	grep "^  movers  *[1-9]" out &&
	grep "^  name changes  *[1-9]" out &&
	grep "^  contracts changed  *[1-9]" out &&
	grep "ERROR SUMMARY: 0 errors" vg.second
'

test_expect_success 'the same import in --json is clean' '
	vg vg.json -c org/roster.yaml import --at 2026-01-06 --json >out.json 2>err &&
	vg_clean vg.json &&
	test "$(jq .imports[0].stored out.json)" = true
'

test_expect_success 'roster person is clean' '
	vg vg.person -c org/roster.yaml person 100002 --at 2026-01-05 >out 2>err &&
	vg_clean vg.person &&
	test_must_contain out "100002  " &&
	vg vg.person.json -c org/roster.yaml person 100002 --json >out 2>err &&
	vg_clean vg.person.json &&
	test_expect_code 1 vg vg.person.none -c org/roster.yaml person 999999 2>err &&
	vg_clean vg.person.none
'

test_expect_success 'an import refused by the guard is clean' '
	head -n 100 org/hr/persons.csv >p.new &&
	cp org/hr/persons.csv persons.keep &&
	cp org/hr/contracts.csv contracts.keep &&
	cp org/hr/assignments.csv assignments.keep &&
	mv p.new org/hr/persons.csv &&
	awk -F";" "NR == FNR { keep[\$1] = 1; next } FNR == 1 || keep[\$2]" org/hr/persons.csv contracts.keep >org/hr/contracts.csv &&
	awk -F";" "NR == FNR { keep[\$1] = 1; next } FNR == 1 || keep[\$1]" org/hr/persons.csv assignments.keep >org/hr/assignments.csv &&
	test_expect_code 3 vg vg.guard -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	vg_clean vg.guard &&
	test_must_contain err "refused by the guard" &&
	test_expect_code 3 vg vg.guard.json -c org/roster.yaml import --at 2026-01-05 --json >out 2>err &&
	vg_clean vg.guard.json
'

test_expect_success 'an import of bad data is clean, with and without --skip-invalid' '
	cp persons.keep org/hr/persons.csv &&
	cp contracts.keep org/hr/contracts.csv &&
	cp assignments.keep org/hr/assignments.csv &&
	sed "3s/;\([0-9][0-9]\)-\([0-9][0-9]\)-\([0-9]\{4\}\);/;\1-13-\3;/" contracts.keep >org/hr/contracts.csv &&
	! test_cmp contracts.keep org/hr/contracts.csv >/dev/null &&
	test_expect_code 2 vg vg.bad -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	vg_clean vg.bad &&
	test_must_contain err "nothing was stored" &&
	vg vg.skip -c org/roster.yaml import --at 2026-01-05 --skip-invalid >out 2>err &&
	vg_clean vg.skip &&
	test_must_contain out "left-out record"
'

test_done
