#!/bin/sh
# kill -9 in the middle of an apply of 2,000 creates (each with its
# department group) into a real slapd, then apply again: every account once
# in the directory, every membership there, nothing left to do, every
# planned action recorded once in the audit log and the chain whole. The
# apply pipelines its adds and gathers its memberships (connector_ldap.c),
# so a kill leaves adds slapd did that roster never heard the answer of:
# the rerun adopts them instead of making them twice.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/slapd-lib.sh"

ROSTER_GEN=${ROSTER_GEN:-$(dirname "$ROSTER")/../../tools/roster-gen}
LC_ALL=C
export LC_ALL
export LDAP_PASSWORD=$SLAPD_BIND_PW
BASE=dc=example,dc=org

slapd_setup || exit 1
if ! slapd_start
then
	echo "Bail out! slapd does not start"
	exit 1
fi

# ldap_config URL: the example's rules with one ldap target (flat under
# ou=people, a group per department, joiners ahead of their first day made
# in ou=disabled).
ldap_config() {
	sed -n '1,/^# Where accounts live/p' org/roster.yaml | sed '$d'
	cat <<-EOF
	targets:
	  - name: directory
	    connector: ldap
	    url: $1
	    bind_dn: $SLAPD_BIND_DN
	    bind_password: \${env:LDAP_PASSWORD}
	    timeout: 5
	    dn: "uid={account.uid},ou=people,dc=example,dc=org"
	    object_classes: [inetOrgPerson]
	    groups: {base: "ou=groups,dc=example,dc=org", object_class: groupOfNames, member_attribute: member, create_missing: true}
	    disable: {move_to: "ou=disabled,dc=example,dc=org"}
	    correlate: {attribute: employeeNumber, field: employee_id}
	    attributes:
	      employeeNumber: "{employee_id}"
	      uid:
	        unique: ["{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}"]
	        iterate: "{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}{n}"
	        update: false
	      cn: "{display_name}"
	      sn: "{family_name_full}"
	      displayName: "{display_name}"
	      departmentNumber: "{contract.department.code}"
	rules:
	  - name: everyone employed gets an account
	    when: 'contract.type != "external"'
	    grant: [{target: directory, account: true}]
	  - name: department group
	    grant: [{target: directory, group: "dept-{contract.department.code|lower}"}]
	EOF
}

# entries: the employeeNumber of every inetOrgPerson entry (enabled or not), one a line, sorted.
entries() {
	slapd_search -b "$BASE" "(objectClass=inetOrgPerson)" employeeNumber |
		sed -n 's/^employeeNumber: //p' | sort
}

# memberships: "GROUP employeeNumber" for every member of every group, sorted.
memberships() {
	slapd_search -b "$BASE" "(objectClass=inetOrgPerson)" employeeNumber |
		awk '/^dn: / { dn = substr($0, 5) } /^employeeNumber: / { print dn "\t" substr($0, 17) }' |
		sort >dn-ids &&
	slapd_search -b "ou=groups,$BASE" "(objectClass=groupOfNames)" member |
		awk '/^dn: cn=/ { split(substr($0, 8), a, ","); g = a[1] } /^member: / { print substr($0, 9) "\t" g }' |
		sort >member-groups &&
	join -t "$(printf '\t')" dn-ids member-groups | awk -F'\t' '{ print $3 " " $2 }' | sort
}

# wipe: ou=people and ou=groups emptied (a fresh directory for the next try).
wipe() {
	for ou in people groups disabled
	do
		ldapdelete -x -H "$SLAPD_URL" -D "$SLAPD_ROOT_DN" -w "$SLAPD_ROOT_PW" -r "ou=$ou,$BASE" || return 1
		printf "dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n" "$ou" "$BASE" "$ou" |
			ldapadd -x -H "$SLAPD_URL" -D "$SLAPD_ROOT_DN" -w "$SLAPD_ROOT_PW" >/dev/null || return 1
	done
	test "$(entries | wc -l)" = 0
}

# sql QUERY: one answer from the vault.
sql() {
	sqlite3 crash/var/roster.db "$1"
}

test_expect_success 'setup: 2,300 persons, imported, planned (more than 2,000 creates)' '
	roster init org >init.out &&
	mkdir crash0 &&
	ldap_config "$SLAPD_URL" >crash0/roster.yaml &&
	sed -i "s|^vault: .*|vault: var/roster.db|" crash0/roster.yaml &&
	"$ROSTER_GEN" --persons 2300 crash0/hr >/dev/null &&
	roster -c crash0/roster.yaml check >out &&
	roster -c crash0/roster.yaml import --at 2026-01-05 >out 2>err &&
	roster -c crash0/roster.yaml plan --at 2026-01-05 -o plan.json >out &&
	creates=$(jq "[.actions[] | select(.op == \"create\")] | length" plan.json) &&
	say "$creates creates, $(jq "[.actions[] | select(.op == \"grant\")] | length" plan.json) grants" &&
	test "$creates" -ge 2000 &&
	jq -r ".actions[] | select(.op == \"create\") | .employee_id" plan.json | sort >expect.entries &&
	jq -r ".actions[] | select(.op == \"grant\") | .permission + \" \" + .employee_id" plan.json |
		sort >expect.memberships &&
	jq -r ".actions[] | .employee_id + \" \" + .op + (if .permission then \" \" + .permission else \"\" end)" \
		plan.json | sort >expect.actions &&
	test "$(entries | wc -l)" = 0
'

test_expect_success 'kill -9 in the middle of the apply: some entries made, not all recorded' '
	hit= &&
	total=$(jq ".actions | length" plan.json) &&
	for wait in 0.4 0.6 0.3 0.8 0.2 1.0 0.1 1.5
	do
		rm -rf crash && cp -R crash0 crash && wipe || return 1
		# the binary itself in the background (the roster function runs in a subshell)
		"$ROSTER" -c crash/roster.yaml apply --at 2026-01-05 --yes >out.1 2>err.1 &
		pid=$!
		sleep $wait
		kill -9 $pid 2>/dev/null
		wait $pid
		rc=$?
		recorded=$(sql "SELECT count(*) FROM audit WHERE kind = '\''action'\''") &&
		made=$(entries | wc -l) &&
		say "kill after $wait s: exit $rc, $recorded of $total actions recorded, $made entries" &&
		if test "$rc" = 137 && test "$made" -gt 0 && test "$recorded" -lt "$total"
		then
			hit=$wait
			break
		fi
	done &&
	test -n "$hit" &&
	test_must_not_contain out.1 "applied:"
'

test_expect_success 'apply again: every account once, every membership, nothing left to do' '
	roster -c crash/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out "0 failed" &&
	say "$(grep applied: out)" &&
	entries >actual.entries &&
	test_cmp expect.entries actual.entries &&
	memberships >actual.memberships &&
	test_cmp expect.memberships actual.memberships &&
	roster -c crash/roster.yaml plan --at 2026-01-05 --json >after.json &&
	test "$(jq ".actions | length" after.json)" = 0 &&
	test "$(sql "SELECT count(*) FROM accounts WHERE status != '\''deleted'\''")" = "$(wc -l <expect.entries)"
'

test_expect_success 'the audit log: every planned action recorded once, the chain whole' '
	roster -c crash/roster.yaml audit verify >verify.out &&
	test "$(sql "SELECT count(*) FROM audit WHERE kind = '\''action'\'' AND outcome NOT IN ('\''ok'\'', '\''adopted'\'')")" = 0 &&
	sql "SELECT employee_id || '\'' '\'' || action FROM audit WHERE kind = '\''action'\''" | sort >actual.actions &&
	test_cmp expect.actions actual.actions &&
	adopted=$(sql "SELECT count(*) FROM audit WHERE outcome = '\''adopted'\''") &&
	say "$adopted creates adopted by the rerun (made before the kill, not recorded)"
'

test_expect_success 'several kills in a row, then a finished apply: the same end' '
	rm -rf crash && cp -R crash0 crash && wipe &&
	kills=0 &&
	for wait in 0.2 0.25 0.3 0.2 0.35 0.3
	do
		"$ROSTER" -c crash/roster.yaml apply --at 2026-01-05 --yes >out.1 2>err.1 &
		pid=$!
		sleep $wait
		kill -9 $pid 2>/dev/null
		wait $pid
		if test $? = 137
		then
			kills=$((kills + 1))
		fi
	done &&
	say "$kills of 6 runs killed, $(entries | wc -l) entries" &&
	test "$kills" -gt 0 &&
	roster -c crash/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out "0 failed" &&
	entries >actual.entries &&
	test_cmp expect.entries actual.entries &&
	memberships >actual.memberships &&
	test_cmp expect.memberships actual.memberships &&
	roster -c crash/roster.yaml audit verify >verify.out &&
	sql "SELECT employee_id || '\'' '\'' || action FROM audit WHERE kind = '\''action'\'' AND outcome IN ('\''ok'\'', '\''adopted'\'')" |
		sort >actual.actions &&
	test_cmp expect.actions actual.actions
'

test_done
