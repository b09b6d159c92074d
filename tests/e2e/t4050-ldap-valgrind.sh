#!/bin/sh
# roster apply and reconcile against a real slapd under valgrind: no invalid
# reads or writes, no use of uninitialised memory, no definite leaks — with
# the ldap connector's pipelined adds and gathered memberships, the vault
# writer thread, a second apply with nothing to do, a day of disables,
# moves and revokes, and slapd stopped in the middle (adds lost on a
# dropped connection, failures recorded).
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/valgrind-lib.sh"
. "$TEST_DIR/slapd-lib.sh"

export LDAP_PASSWORD=$SLAPD_BIND_PW
BASE=dc=example,dc=org

slapd_example_depts >depts.ldif
slapd_setup "$TRASH/depts.ldif" || exit 1
if ! slapd_start
then
	echo "Bail out! slapd does not start"
	exit 1
fi

persons() {
	slapd_search -b "$BASE" "(objectClass=inetOrgPerson)" 1.1 | grep -c '^dn: '
}

test_expect_success 'setup: the example organisation with an ldap target, imported' '
	roster init org >out &&
	slapd_example_target <org/roster.yaml >roster.new &&
	mv roster.new org/roster.yaml &&
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>err
'

test_expect_success 'the first apply is clean: every create, every membership' '
	vg vg.apply -c org/roster.yaml apply --at 2026-01-05 --yes --json >apply.json 2>err &&
	vg_clean vg.apply &&
	test "$(jq .failed apply.json)" = 0 &&
	test "$(jq .done apply.json)" -gt 500 &&
	test "$(persons)" -gt 200
'

test_expect_success 'a second apply (nothing to do) and reconcile are clean' '
	vg vg.again -c org/roster.yaml apply --at 2026-01-05 --yes --json >again.json 2>err &&
	vg_clean vg.again &&
	test "$(jq .done again.json)" = 0 &&
	vg vg.reconcile -c org/roster.yaml reconcile directory --json >reconcile.json 2>err &&
	vg_clean vg.reconcile &&
	test "$(jq ".linked | length" reconcile.json)" = "$(persons)"
'

test_expect_success 'a day of disables and revokes is clean' '
	vg vg.feb -c org/roster.yaml apply --at 2026-02-01 --yes --json >feb.json 2>err &&
	vg_clean vg.feb &&
	test "$(jq .failed feb.json)" = 0 &&
	test "$(jq .done feb.json)" -gt 0
'

test_expect_success 'slapd stopped during an apply: failures, and clean' '
	roster -c org/roster.yaml plan --at 2026-06-01 --json >june.json &&
	test "$(jq ".actions | length" june.json)" -gt 0 &&
	slapd_stop &&
	test_expect_code 1 vg vg.down -c org/roster.yaml apply --at 2026-06-01 --yes --json >down.json 2>err &&
	vg_clean vg.down &&
	test "$(jq .failed down.json)" -gt 0 &&
	slapd_start &&
	vg vg.up -c org/roster.yaml apply --at 2026-06-01 --yes --json >up.json 2>err &&
	vg_clean vg.up &&
	test "$(jq .failed up.json)" = 0
'

test_done
