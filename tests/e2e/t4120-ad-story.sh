#!/bin/sh
# The story of the example organisation against a real Samba AD DC
# (samba-lib.sh), day by day with --at: `roster init`'s example with its csv
# target made an ad target (the issue's configuration: objectGUID refs,
# generated passwords handed to a notify program, accountExpires, global
# security groups, manager DNs), checked with ldapsearch after each step:
# the first apply, a joiner created disabled ahead of the first day and
# enabled on it (and binding with the delivered password: must change it),
# a leaver disabled the day after the last day, a mover moved to the new
# OU with its GUID, a marriage, a rehire that clears accountExpires and
# enables the account again, the DC stopped during an apply (failures that
# the next apply completes), and the leaver deleted. After every apply the
# plan for that day is empty and the audit chain verifies.
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

# values NAME: the values of NAME in the LDIF on stdin, one a line (base64 ones decoded).
values() {
	while IFS= read -r line
	do
		case $line in
		"$1:: "*) printf '%s\n' "${line#"$1":: }" | base64 -d && echo ;;
		"$1: "*) printf '%s\n' "${line#"$1": }" ;;
		esac
	done
}

# dn_of ID: the DN of the object with employeeID ID (empty when there is none).
dn_of() {
	samba_search -b "$SAMBA_BASE" "(employeeID=$1)" dn | values dn
}

# attr_of ID ATTR: the first value of ATTR of the object with employeeID ID.
attr_of() {
	samba_search -b "$SAMBA_BASE" "(employeeID=$1)" "$2" | values "$2" | head -n 1
}

# guid_of ID: the account's ref as roster keeps it in the vault.
guid_of() {
	sqlite3 org/var/roster.db "SELECT ref FROM accounts WHERE target = 'directory' AND employee_id = '$1'"
}

# is_member GROUP ID: the object of ID is a member of CN=GROUP.
is_member() {
	d=$(dn_of "$2") && test -n "$d" &&
	samba_search -b "CN=$1,$SAMBA_GROUPS" -s base member | values member | grep -Fx -- "$d" >/dev/null
}

# users: the number of user objects under OU=Users.
users() {
	samba_search -b "$SAMBA_USERS" "(objectClass=user)" dn | grep -c '^dn:'
}

# password_of ID: the last password the notify program received for ID.
password_of() {
	jq -r --arg id "$1" 'select(.employee_id == $id) | .password' notified.jsonl | tail -n 1
}

# bind_as UPN PASSWORD: a simple bind; output in bind.out.
bind_as() {
	LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapsearch -x -H "$SAMBA_URL" -D "$1" -w "$2" \
		-b "" -s base dn >bind.out 2>&1
}

# apply_ok DATE: apply for DATE, nothing failed, then nothing left to do and the audit chain verifies.
apply_ok() {
	R apply --at "$1" --yes --json >apply.json
	rc=$?
	if test $rc != 0 || test "$(jq .failed apply.json)" != 0
	then
		echo "apply --at $1: exit $rc" >&2
		jq -c '.failures[]' apply.json | head -20 >&2
		return 1
	fi
	converged "$1"
}

converged() {
	R plan --at "$1" --json >after.json &&
	n=$(jq '.actions | length' after.json) &&
	if test "$n" != 0
	then
		echo "plan for $1 after apply: $n actions" >&2
		jq -c '.actions[]' after.json | head -20 >&2
		return 1
	fi &&
	R audit verify >verify.out 2>&1 || {
		cat verify.out >&2
		return 1
	}
}

plan_ops() {
	R plan --at "$1" --person "$2" --json | jq -r '.actions[] | .op + " " + (.permission // "")'
}

# The accountExpires of the end of DAY (a last active day) in Amsterdam, as AD holds it.
expires_of() {
	s=$(TZ=Europe/Amsterdam date -d "$1 + 1 day 00:00" +%s) &&
	echo "$(((s + 11644473600) * 10000000))"
}

NEVER=9223372036854775807
JOINER=100075     # Koen Schäfer, ZORG, first day 2026-01-20
LEAVER=100043     # Ilse Prins, last day 2026-01-31
MOVER=100030      # Fenna de Vries (partner name), CTRL
MARRIED=100040    # Stijn de Groot, ZORG, convention B

test_expect_success 'setup: the example with an ad target on our DC' '
	roster init org >init.out &&
	cat >notify.sh <<-\EOF &&
	#!/bin/sh
	cat >>"$(dirname "$0")/notified.jsonl"
	EOF
	chmod +x notify.sh &&
	samba_example_ous "$EXAMPLES/hr/contracts.csv" &&
	samba_example_target <org/roster.yaml >roster.new &&
	mv roster.new org/roster.yaml &&
	test_must_contain org/roster.yaml "connector: ad" &&
	R check &&
	R import --at 2026-01-05 >import.out 2>&1 &&
	test_must_contain import.out "300 persons"
'

test_expect_success '2026-01-05: the first apply creates the accounts, each password delivered once' '
	R plan --at 2026-01-05 --json >plan0105.json &&
	creates=$(jq "[.actions[] | select(.op == \"create\")] | length" plan0105.json) &&
	test "$creates" -gt 200 &&
	apply_ok 2026-01-05 &&
	test "$(users)" = "$creates" &&
	test "$(wc -l <notified.jsonl)" = "$creates" &&
	test "$(jq -r .employee_id notified.jsonl | sort -u | wc -l)" = "$creates" &&
	test "$(attr_of 100002 userAccountControl)" = 512 &&
	test "$(attr_of 100002 pwdLastSet)" = 0 &&
	test "$(dn_of 100002)" = "CN=Martijn Koster,OU=ICT,$SAMBA_USERS" &&
	test "$(attr_of 100002 manager)" = "$(dn_of 100001)" &&
	test "$(attr_of 100002 sAMAccountName)" = mkoster &&
	test "$(attr_of 100002 accountExpires)" = $NEVER &&
	is_member dept-ict 100002 &&
	is_member managers 100002 &&
	test "$(samba_search -b "CN=managers,$SAMBA_GROUPS" -s base groupType | values groupType)" = -2147483646 &&
	# roster keeps the objectGUID as the ref
	guid_of 100002 | grep -Eq "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
'

test_expect_success '2026-01-05: a known last day is in accountExpires already' '
	test "$(attr_of $LEAVER accountExpires)" = "$(expires_of 2026-01-31)"
'

test_expect_success '2026-01-06: a joiner is created disabled (514) in its department' '
	plan_ops 2026-01-06 $JOINER >ops &&
	grep "^create" ops &&
	apply_ok 2026-01-06 &&
	test "$(dn_of $JOINER)" = "CN=Koen Schäfer,OU=ZORG,$SAMBA_USERS" &&
	test "$(attr_of $JOINER userAccountControl)" = 514 &&
	test -n "$(password_of $JOINER)" &&
	test_expect_code 49 bind_as kschafer@example.org "$(password_of $JOINER)" &&
	test_must_contain bind.out "data 533"
'

test_expect_success '2026-01-20: the joiner is enabled and binds with the delivered password (data 773)' '
	plan_ops 2026-01-20 $JOINER >ops &&
	grep "^enable" ops &&
	apply_ok 2026-01-20 &&
	test "$(attr_of $JOINER userAccountControl)" = 512 &&
	is_member dept-zorg $JOINER &&
	test_expect_code 49 bind_as kschafer@example.org "$(password_of $JOINER)" &&
	test_must_contain bind.out "data 773"
'

test_expect_success '2026-02-01: the leaver is disabled (only ACCOUNTDISABLE)' '
	apply_ok 2026-01-31 &&
	test "$(attr_of $LEAVER userAccountControl)" = 512 &&
	plan_ops 2026-02-01 $LEAVER >ops &&
	grep "^disable" ops &&
	apply_ok 2026-02-01 &&
	test "$(attr_of $LEAVER userAccountControl)" = 514 &&
	test "$(dn_of $LEAVER)" = "CN=Ilse Prins,OU=ZORG,$SAMBA_USERS"
'

test_expect_success '2026-02-10: a mover is moved to OU=FIN; the GUID and the ref stay' '
	guid=$(guid_of $MOVER) &&
	test "$(dn_of $MOVER)" = "CN=Fenna de Vries,OU=CTRL,$SAMBA_USERS" &&
	sed "/;$MOVER;/s/;CTRL;Control;/;FIN;Financi\xc3\xabn;/" org/hr/contracts.csv >c.new &&
	mv c.new org/hr/contracts.csv &&
	R import --at 2026-02-10 >import.out 2>&1 &&
	plan_ops 2026-02-10 $MOVER >ops &&
	grep "^move" ops &&
	apply_ok 2026-02-10 &&
	test "$(dn_of $MOVER)" = "CN=Fenna de Vries,OU=FIN,$SAMBA_USERS" &&
	test "$(guid_of $MOVER)" = "$guid" &&
	is_member dept-fin $MOVER &&
	! is_member dept-ctrl $MOVER &&
	test "$(attr_of $MOVER department)" = "Financiën"
'

test_expect_success '2026-02-11: a marriage renames the object (cn follows), not the sAMAccountName' '
	sam=$(attr_of $MARRIED sAMAccountName) && test -n "$sam" &&
	guid=$(guid_of $MARRIED) &&
	awk -F";" -v OFS=";" -v id=$MARRIED "\$1 == id { \$7 = \"Jansen\"; \$8 = \"BP\" } { print }" \
		org/hr/persons.csv >p.new &&
	mv p.new org/hr/persons.csv &&
	R import --at 2026-02-11 >import.out 2>&1 &&
	apply_ok 2026-02-11 &&
	test "$(attr_of $MARRIED displayName)" = "Stijn de Groot-Jansen" &&
	test "$(attr_of $MARRIED sAMAccountName)" = "$sam" &&
	test "$(dn_of $MARRIED)" = "CN=Stijn de Groot-Jansen,OU=ZORG,$SAMBA_USERS" &&
	test "$(guid_of $MARRIED)" = "$guid" &&
	test "$(attr_of $MARRIED mail)" = stijn.degrootjansen@example.org
'

test_expect_success '2026-03-02: a rehire of the leaver enables the account and clears accountExpires' '
	printf "C900043;$LEAVER;02-03-2026;;ICT;ICT;F018;Ontwikkelaar;4100;Utrecht;1,0;employee;100002\n" \
		>>org/hr/contracts.csv &&
	R import --at 2026-03-02 >import.out 2>&1 &&
	plan_ops 2026-03-02 $LEAVER >ops &&
	grep "^enable" ops &&
	apply_ok 2026-03-02 &&
	test "$(attr_of $LEAVER userAccountControl)" = 512 &&
	test "$(attr_of $LEAVER accountExpires)" = $NEVER &&
	test "$(dn_of $LEAVER)" = "CN=Ilse Prins,OU=ICT,$SAMBA_USERS" &&
	test "$(attr_of $LEAVER manager)" = "$(dn_of 100002)"
'

test_expect_success '2026-03-27: the DC stopped during the apply: failures, exit 1; back, the next apply completes' '
	R plan --at 2026-03-27 --json >plan0327.json &&
	test "$(jq ".actions | length" plan0327.json)" -gt 0 &&
	samba_stop &&
	test_expect_code 1 R apply --at 2026-03-27 --yes --json >apply.json &&
	test "$(jq .failed apply.json)" -gt 0 &&
	samba_start &&
	R plan --at 2026-03-27 --json >again.json &&
	jq -c "[.actions[] | [.op, .employee_id, .permission]]" plan0327.json >a &&
	jq -c "[.actions[] | [.op, .employee_id, .permission]]" again.json >b &&
	test_cmp a b &&
	apply_ok 2026-03-27
'

test_done
