#!/bin/sh
# roster plan and person --explain under valgrind: no invalid reads or
# writes, no use of uninitialised memory, no definite leaks — on the example
# organisation (one thread), on a generated one large enough for the plan's
# two threads (with the second Lua sandbox), and on the ways out (an unknown
# target, a person that is not there).
. "$(dirname "$0")/lib.sh"

ROSTER_GEN=${ROSTER_GEN:-$(dirname "$ROSTER")/../../tools/roster-gen}

. "$TEST_DIR/valgrind-lib.sh"

test_expect_success 'setup: the example organisation, imported' '
	roster init org >out &&
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>err
'

test_expect_success 'a plan is clean, as text, as JSON and into a file' '
	vg vg.text -c org/roster.yaml plan --at 2026-01-05 >out 2>err &&
	vg_clean vg.text &&
	test_must_contain out "directory: " &&
	vg vg.json -c org/roster.yaml plan --at 2026-01-05 --json >plan.json 2>err &&
	vg_clean vg.json &&
	vg vg.file -c org/roster.yaml plan --at 2026-01-05 -o plan2.json >out 2>err &&
	vg_clean vg.file &&
	test_cmp plan.json plan2.json &&
	test "$(jq "[.actions[] | select(.op == \"create\")] | length" plan.json)" -gt 200
'

test_expect_success 'plan --person and person --explain are clean' '
	vg vg.one -c org/roster.yaml plan --at 2026-01-05 --person 100283 --json >one.json 2>err &&
	vg_clean vg.one &&
	jq -e ".actions | length > 0" one.json >/dev/null &&
	vg vg.explain -c org/roster.yaml person 100283 --explain --at 2026-01-05 >out 2>err &&
	vg_clean vg.explain &&
	test_must_contain out "inherited through rule \"temporary replacement\"" &&
	vg vg.explain.json -c org/roster.yaml person 100283 --explain --json --at 2026-01-05 >out 2>err &&
	vg_clean vg.explain.json
'

test_expect_success 'the ways out are clean' '
	test_expect_code 2 vg vg.target -c org/roster.yaml plan --at 2026-01-05 --target nosuch >out 2>err &&
	vg_clean vg.target &&
	test_must_contain err "nosuch" &&
	test_expect_code 2 vg vg.person -c org/roster.yaml plan --at 2026-01-05 --person 999999 >out 2>err &&
	vg_clean vg.person &&
	test_expect_code 2 vg vg.explain.none -c org/roster.yaml person 999999 --explain >out 2>err &&
	vg_clean vg.explain.none
'

test_expect_success 'a plan large enough for two threads is clean' '
	mkdir big &&
	sed "s|^vault: .*|vault: var/roster.db|" org/roster.yaml >big/roster.yaml &&
	"$ROSTER_GEN" --persons 2500 big/hr >/dev/null &&
	roster -c big/roster.yaml import --at 2026-01-05 >out 2>err &&
	vg vg.big -c big/roster.yaml plan --at 2026-01-05 -o big.json >out 2>err &&
	vg_clean vg.big &&
	test "$(jq "[.actions[] | select(.op == \"create\")] | length" big.json)" -gt 2000 &&
	roster -c big/roster.yaml plan --at 2026-01-05 -o big2.json >out 2>err &&
	test_cmp big.json big2.json
'

test_done
