#!/bin/sh
# The domain controller stopped in the middle of an apply of a few hundred
# accounts with passwords (about 25 a second here, so the apply is well
# under way): the actions from then on fail and the apply exits 1; the DC
# started again, the next apply completes them — every account once, every
# password delivered, every planned action recorded once, the audit chain
# whole.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/samba-lib.sh"

export AD_PASSWORD=$SAMBA_BIND_PW
samba_setup || exit 1
if ! samba_start
then
	echo "Bail out! samba does not start"
	exit 1
fi

R() {
	$SAMBA_EXEC "$ROSTER" -c org/roster.yaml "$@"
}

# employee_ids: the employeeID of every user under OU=Users, one a line, sorted.
employee_ids() {
	samba_search -b "$SAMBA_USERS" "(&(objectClass=user)(employeeID=*))" employeeID |
		sed -n 's/^employeeID: //p' | sort
}

test_expect_success 'setup: the example with an ad target, planned' '
	roster init org >init.out &&
	cat >notify.sh <<-\EOF &&
	#!/bin/sh
	cat >>"$(dirname "$0")/notified.jsonl"
	EOF
	chmod +x notify.sh &&
	samba_example_ous "$EXAMPLES/hr/contracts.csv" &&
	samba_example_target <org/roster.yaml >roster.new &&
	mv roster.new org/roster.yaml &&
	R import --at 2026-01-05 >import.out 2>&1 &&
	R plan --at 2026-01-05 --json >plan.json &&
	jq -r ".actions[] | select(.op == \"create\") | .employee_id" plan.json | sort >expect.ids &&
	test "$(wc -l <expect.ids)" -gt 200 &&
	jq -r ".actions[] | .employee_id + \" \" + .op + (if .permission then \" \" + .permission else \"\" end)" \
		plan.json | sort >expect.actions
'

test_expect_success 'the DC stopped while the apply runs: failures, exit 1' '
	$SAMBA_EXEC "$ROSTER" -c org/roster.yaml apply --at 2026-01-05 --yes --json >apply.json 2>apply.err &
	apply_pid=$! &&
	# until some accounts are there, then away with the DC (samba_stop sets pid: apply_pid here)
	n=0 &&
	while test "$(employee_ids | wc -l)" -lt 20 && test $n -lt 600
	do
		sleep 0.1
		n=$((n + 1))
	done &&
	samba_stop &&
	{ wait $apply_pid; rc=$?; } &&
	say "apply: exit $rc, $(jq .done apply.json) done, $(jq .failed apply.json) failed" &&
	test "$rc" = 1 &&
	test "$(jq .done apply.json)" -gt 0 &&
	test "$(jq .failed apply.json)" -gt 0
'

test_expect_success 'the DC back: the next apply completes it, every account once' '
	samba_start &&
	R apply --at 2026-01-05 --yes --json >again.json &&
	test "$(jq .failed again.json)" = 0 &&
	R plan --at 2026-01-05 --json >after.json &&
	test "$(jq ".actions | length" after.json)" = 0 &&
	employee_ids >actual.ids &&
	test_cmp expect.ids actual.ids
'

test_expect_success 'every password delivered, every planned action recorded once, the chain whole' '
	jq -r .employee_id notified.jsonl | sort -u >notified.ids &&
	test_cmp expect.ids notified.ids &&
	R audit verify >verify.out &&
	sqlite3 org/var/roster.db "SELECT employee_id || '\'' '\'' || action FROM audit
		WHERE kind = '\''action'\'' AND outcome IN ('\''ok'\'', '\''adopted'\'')" | sort >actual.actions &&
	test_cmp expect.actions actual.actions
'

test_expect_success 'an account made before the DC went away, its answer lost: taken over with a new password that works' '
	sqlite3 org/var/roster.db "SELECT employee_id FROM audit WHERE action = '\''create'\''
		AND outcome = '\''adopted'\''" >adopted &&
	say "$(wc -l <adopted) creates adopted by the rerun" &&
	while read -r id
	do
		upn=$(jq -r --arg id "$id" "select(.employee_id == \$id) | .account.userPrincipalName" notified.jsonl | tail -n 1) &&
		pw=$(jq -r --arg id "$id" "select(.employee_id == \$id) | .password" notified.jsonl | tail -n 1) &&
		# the right password of an account that must change it: data 773 (a wrong one: 52e)
		{ LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapsearch -x -H "$SAMBA_URL" -D "$upn" -w "$pw" \
			-b "" -s base dn >bind.out 2>&1; true; } &&
		test_must_contain bind.out "data 773" || return 1
	done <adopted
'

test_done
