#!/bin/sh
# roster reconcile TARGET over the example's csv target: what the target
# holds against the persons and roster's accounts — linked, unlinked (and
# --adopt), orphans, and drift that the next plan puts back.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: the example organisation, applied' '
	roster init org >/dev/null &&
	roster -c org/roster.yaml import --at 2026-01-05 >/dev/null 2>&1 &&
	roster -c org/roster.yaml apply --at 2026-01-05 --yes >out &&
	test_must_contain out "866 done, 0 failed"
'

test_expect_success 'right after apply everything is linked' '
	roster -c org/roster.yaml reconcile directory --json >r.json &&
	test "$(jq ".linked | length" r.json)" = 266 &&
	test "$(jq ".unlinked | length" r.json)" = 0 &&
	test "$(jq ".orphans | length" r.json)" = 0 &&
	test "$(jq ".drift | length" r.json)" = 0
'

test_expect_success 'drift: a value changed on the target is reported, and the next plan puts it back' '
	# (the groups cell spans lines: the name stands on the row'"'"'s last line)
	test "$(grep -c ",Rob Meijer,100001," org/var/directory.csv)" = 1 &&
	sed -i "s/,Rob Meijer,100001,/,Robert Meijer,100001,/" org/var/directory.csv &&
	grep -q "Robert Meijer" org/var/directory.csv &&
	roster -c org/roster.yaml reconcile directory >out &&
	test_must_contain out "1 with drift" &&
	test_must_contain out "drift    100001 (100001)" &&
	test_must_contain out "Robert Meijer" &&
	roster -c org/roster.yaml plan --at 2026-01-05 --json >plan.json &&
	test "$(jq -r ".actions[0].changes.displayName.old" plan.json)" = "Robert Meijer" &&
	test "$(jq -r ".actions[0].changes.displayName.new" plan.json)" = "Rob Meijer" &&
	roster -c org/roster.yaml apply --at 2026-01-05 --yes >out &&
	test "$(grep -c ",Rob Meijer,100001," org/var/directory.csv)" = 1 &&
	roster -c org/roster.yaml reconcile directory --json >r.json &&
	test "$(jq ".drift | length" r.json)" = 0
'

test_expect_success 'drift: an account enabled by hand, or a group swapped, is put back by the next plan' '
	# 100243 was created disabled ahead of the first day (2026-01-08)
	grep -q "^100243,false," org/var/directory.csv &&
	sed -i "s/^100243,false,/100243,true,/" org/var/directory.csv &&
	roster -c org/roster.yaml reconcile directory --json >r.json &&
	test "$(jq -c ".drift[] | select(.employee_id == \"100243\") | .differs.enabled" r.json)" = "{\"applied\":false,\"target\":true}" &&
	roster -c org/roster.yaml plan --at 2026-01-05 --person 100243 --json >plan.json &&
	test "$(jq -r ".actions[0].op" plan.json)" = disable &&
	roster -c org/roster.yaml apply --at 2026-01-05 --yes >out &&
	grep -q "^100243,false," org/var/directory.csv &&
	# a group swapped for another of the same count: dept-dir for dept-xxx
	test "$(grep -c "^dept-dir\$" org/var/directory.csv)" -ge 1 &&
	sed -i "0,/^dept-dir\$/s//dept-xxx/" org/var/directory.csv &&
	roster -c org/roster.yaml reconcile directory --json >r.json &&
	test "$(jq "[.drift[] | select(.differs.groups)] | length" r.json)" = 1 &&
	roster -c org/roster.yaml plan --at 2026-01-05 --json >plan.json &&
	jq -e "[.actions[] | select(.op == \"grant\" and .permission == \"dept-dir\")] | length == 1" plan.json &&
	jq -e "[.actions[] | select(.op == \"revoke\" and .permission == \"dept-xxx\")] | length == 1" plan.json &&
	roster -c org/roster.yaml apply --at 2026-01-05 --yes >out &&
	test "$(grep -c "^dept-xxx\$" org/var/directory.csv)" = 0
'

test_expect_success 'unlinked: an account of a person roster does not know as its own; --adopt links it' '
	sqlite3 org/var/roster.db "DELETE FROM accounts WHERE employee_id = '"'"'100002'"'"'; DELETE FROM memberships WHERE employee_id = '"'"'100002'"'"'" &&
	roster -c org/roster.yaml reconcile directory >out &&
	test_must_contain out "1 unlinked" &&
	test_must_contain out "unlinked 100002 -> 100002" &&
	test_must_contain out "run again with --adopt" &&
	test "$(sqlite3 org/var/roster.db "SELECT count(*) FROM accounts WHERE employee_id = '"'"'100002'"'"'")" = 0 &&
	roster -c org/roster.yaml reconcile directory --adopt >out &&
	test_must_contain out "(adopted)" &&
	test "$(sqlite3 org/var/roster.db "SELECT ref FROM accounts WHERE employee_id = '"'"'100002'"'"'")" = 100002 &&
	test "$(sqlite3 org/var/roster.db "SELECT count(*) FROM memberships WHERE employee_id = '"'"'100002'"'"'")" -gt 0 &&
	roster -c org/roster.yaml plan --at 2026-01-05 --person 100002 --json >plan.json &&
	test "$(jq ".actions | length" plan.json)" = 0 &&
	roster -c org/roster.yaml audit --json >audit.json &&
	test "$(jq "[.events[] | select(.kind == \"reconcile\" and .action == \"adopt\")] | length" audit.json)" = 1 &&
	roster -c org/roster.yaml audit verify
'

test_expect_success 'conflicts: a second account of a person who has one is never adopted over it' '
	echo "100003b,true,,,,,100003,,,," >>org/var/directory.csv &&
	roster -c org/roster.yaml reconcile directory --adopt --json >r.json &&
	test "$(jq -r ".conflicts[0].employee_id" r.json)" = 100003 &&
	test "$(jq ".unlinked | length" r.json)" = 0 &&
	test "$(sqlite3 org/var/roster.db "SELECT ref FROM accounts WHERE employee_id = '"'"'100003'"'"'")" = 100003 &&
	sed -i "/^100003b,/d" org/var/directory.csv
'

test_expect_success 'orphans: an account that matches no person is reported and left alone' '
	echo "999999,true,,,,,999999,,,," >>org/var/directory.csv &&
	cp org/var/directory.csv before.csv &&
	roster -c org/roster.yaml reconcile directory --json >r.json &&
	test "$(jq -r ".orphans[0].ref" r.json)" = 999999 &&
	roster -c org/roster.yaml apply --at 2026-01-05 --yes >out &&
	test_cmp before.csv org/var/directory.csv
'

test_expect_success 'an unknown target is a usage error' '
	test_expect_code 2 roster -c org/roster.yaml reconcile nosuch 2>err &&
	test_must_contain err "no target named \"nosuch\""
'

test_done
