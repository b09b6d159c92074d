#!/bin/sh
# The story of the example organisation against a real slapd (slapd-lib.sh),
# day by day with --at: `roster init`'s example with its csv target replaced
# by an ldap target (dn under ou=<department>, groups under ou=groups,
# disable by moving to ou=disabled), imported once on 2026-01-05, applied,
# and after each step the directory checked with ldapsearch: the first
# apply, a joiner created disabled ahead of the first day and enabled on it,
# a project group granted while the project runs and revoked the day after,
# a temporary replacement's inherited "managers" group, a leaver disabled and
# deleted 90 days later, a mover (modrdn to the new department), a marriage,
# a guard that refuses a plan after a forced import, slapd stopped during
# an apply, and a rehire of the leaver after the deletion. After every apply
# the plan for that day is empty and the audit chain verifies.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/slapd-lib.sh"

export LDAP_PASSWORD=$SLAPD_BIND_PW
BASE=dc=example,dc=org
PEOPLE=ou=people,$BASE
DISABLED=ou=disabled,$BASE
GROUPS=ou=groups,$BASE

slapd_example_depts >depts.ldif
slapd_setup "$TRASH/depts.ldif" || exit 1
if ! slapd_start
then
	echo "Bail out! slapd does not start"
	exit 1
fi

# --- helpers ---

R() {
	roster -c org/roster.yaml "$@"
}

# dn_of ID: the DN of the entry with employeeNumber ID (empty when there is none).
dn_of() {
	slapd_search -b "$BASE" "(employeeNumber=$1)" 1.1 | sed -n 's/^dn: //p'
}

# members GROUP: the member values of cn=GROUP,ou=groups, one a line, sorted.
members() {
	slapd_search -s base -b "cn=$1,$GROUPS" member >group.ldif 2>/dev/null
	sed -n 's/^member: //p' group.ldif | sort
}

# is_member GROUP ID: the entry of ID is a member of GROUP.
is_member() {
	d=$(dn_of "$2") && test -n "$d" && members "$1" | grep -Fx -- "$d" >/dev/null
}

# persons: the number of inetOrgPerson entries in the directory.
persons() {
	slapd_search -b "$BASE" "(objectClass=inetOrgPerson)" 1.1 | grep -c '^dn: '
}

# dump: the whole directory as LDIF, entries sorted, values sorted.
dump() {
	slapd_search -b "$BASE" "(objectClass=*)" '*' | awk -v RS= '{print}' |
		while IFS= read -r line; do echo "$line"; done | sort
}

# An account created ahead of its first day under disable: move_to is
# enabled by moving it to its department (it once failed with the message
# below: the plan's enable carried no dn). Nothing is tolerated unless
# STRICT is set empty on purpose.
STRICT=${STRICT-1}
ENABLE_BUG="enabling needs its dn outside the disabled base"

# apply_ok DATE: apply for DATE, nothing failed (but the known enable bug),
# then the plan for DATE is empty and the audit chain verifies.
apply_ok() {
	R apply --at "$1" --yes --json >apply.json
	rc=$?
	bad=$(jq --arg bug "$ENABLE_BUG" --arg strict "${STRICT:-}" \
		'[.failures[] | select($strict != "" or .op != "enable" or (.error | contains($bug) | not))] | length' \
		apply.json) || return 1
	if test "$bad" != 0 || { test $rc != 0 && test "$(jq .failed apply.json)" = 0; }
	then
		echo "apply --at $1: exit $rc" >&2
		cat apply.json >&2
		return 1
	fi
	converged "$1"
}

# converged DATE: nothing left to do on DATE (but the known enable bug), and
# the audit chain is whole.
converged() {
	R plan --at "$1" --json >after.json &&
	n=$(jq --arg strict "${STRICT:-}" \
		'[.actions[] | select($strict != "" or .op != "enable")] | length' after.json) &&
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

# test_expect_failure DESC BODY: a known breakage (TAP TODO): reported, not counted.
test_expect_failure() {
	test_count=$((test_count + 1))
	(
		set +u
		eval "$2"
	) >"$TRASH/.test-out" 2>&1
	if test $? = 0
	then
		echo "ok $test_count - $1 # TODO known breakage vanished"
	else
		echo "not ok $test_count - $1 # TODO known breakage"
	fi
}

# plan_ops DATE ID: the ops of ID's actions in the plan for DATE, one a line.
plan_ops() {
	R plan --at "$1" --person "$2" --json | jq -r '.actions[] | .op + " " + (.permission // "")'
}

# The people of the story (the example's HR export, examples/hr/).
JOINER=100075     # Koen Schäfer, ZORG, first day 2026-01-20
PROJECT=100048    # Lucas Rossi, project Nieuwbouw-Zwolle until 2026-01-31
SUBST=100283      # Noor Vermeulen, replaces 100010 (Manager zorg) 2025-11-06..2026-03-26
REPLACED=100010
LEAVER=100043     # Ilse Prins, last day 2026-01-31
MOVER=100030      # Fenna de Vries (partner name), CTRL
MARRIED=100040    # Stijn de Groot, ZORG, convention B

test_expect_success 'setup: the example with an ldap target on our slapd' '
	roster init org >init.out &&
	slapd_example_target <org/roster.yaml >roster.new &&
	mv roster.new org/roster.yaml &&
	test_must_contain org/roster.yaml "connector: ldap" &&
	test_must_not_contain org/roster.yaml "connector: csv" &&
	test_must_contain org/roster.yaml "name: temporary replacement" &&
	R check &&
	R import --at 2026-01-05 >import.out 2>&1 &&
	test_must_contain import.out "300 persons"
'

test_expect_success '2026-01-05: the first apply creates the plan'"'"'s accounts and groups' '
	R plan --at 2026-01-05 --json >plan0105.json &&
	creates=$(jq "[.actions[] | select(.op == \"create\")] | length" plan0105.json) &&
	staff=$(jq "[.actions[] | select(.op == \"grant\" and .permission == \"all-staff\")] | length" plan0105.json) &&
	test "$creates" -gt 200 &&
	apply_ok 2026-01-05 &&
	test "$(jq .done apply.json)" = "$(jq ".actions | length" plan0105.json)" &&
	test "$(persons)" = "$creates" &&
	test "$(members all-staff | wc -l)" = "$staff" &&
	cat >expect <<-EOF &&
	dn: uid=martijn.koster,ou=ICT,$PEOPLE
	objectClass: inetOrgPerson
	employeeNumber: 100002
	uid: martijn.koster
	displayName: Martijn Koster
	mail: martijn.koster@example.org
	departmentNumber: ICT
	title: Manager ICT
	manager: uid=rob.meijer,ou=DIR,$PEOPLE
	cn: Martijn Koster
	sn: Koster
	description: Martijn (Manager ICT)

	EOF
	slapd_search -b "$BASE" "(employeeNumber=100002)" >actual &&
	sort expect >expect.sorted && sort actual >actual.sorted &&
	test_cmp expect.sorted actual.sorted &&
	is_member dept-ict 100002 &&
	is_member managers 100002
'

test_expect_success '2026-01-05: the replacement has the replaced manager'"'"'s group' '
	is_member managers $SUBST &&
	is_member managers $REPLACED &&
	is_member prj-nieuwbouw-zwolle $PROJECT &&
	dn_of $LEAVER >dn && grep "^uid=ilse.prins,ou=ZORG,$PEOPLE\$" dn &&
	test -z "$(dn_of $JOINER)"
'

test_expect_success '2026-01-06: a joiner is created disabled, in ou=disabled' '
	plan_ops 2026-01-06 $JOINER >ops &&
	grep "^create" ops &&
	apply_ok 2026-01-06 &&
	test "$(dn_of $JOINER)" = "uid=koen.schafer,$DISABLED"
'

test_expect_success '2026-01-20: on the first day the plan enables the joiner' '
	plan_ops 2026-01-20 $JOINER >ops &&
	grep "^enable" ops &&
	apply_ok 2026-01-20
'

test_expect_success '2026-01-20: the joiner is enabled: moved to its department' '
	R apply --at 2026-01-20 --yes --json >apply.json &&
	STRICT=1 converged 2026-01-20 &&
	test "$(dn_of $JOINER)" = "uid=koen.schafer,ou=ZORG,$PEOPLE" &&
	is_member dept-zorg $JOINER
'

test_expect_success '2026-01-31: the project and the leaver still run' '
	apply_ok 2026-01-31 &&
	is_member prj-nieuwbouw-zwolle $PROJECT &&
	test "$(dn_of $LEAVER)" = "uid=ilse.prins,ou=ZORG,$PEOPLE"
'

test_expect_success '2026-02-01: the project group is revoked, the leaver disabled' '
	plan_ops 2026-02-01 $PROJECT >ops &&
	grep "^revoke prj-nieuwbouw-zwolle" ops &&
	plan_ops 2026-02-01 $LEAVER >ops &&
	grep "^disable" ops &&
	apply_ok 2026-02-01 &&
	! is_member prj-nieuwbouw-zwolle $PROJECT &&
	test -n "$(dn_of $PROJECT)" &&
	test "$(dn_of $LEAVER)" = "uid=ilse.prins,$DISABLED"
'

test_expect_success '2026-02-10: a mover is moved to the new department' '

	old=$(dn_of $MOVER) &&
	test "$old" = "uid=fenna.devries,ou=CTRL,$PEOPLE" &&
	is_member dept-ctrl $MOVER &&
	sed "/;$MOVER;/s/;CTRL;Control;/;FIN;Financi\xc3\xabn;/" org/hr/contracts.csv >c.new &&
	! cmp -s c.new org/hr/contracts.csv &&
	mv c.new org/hr/contracts.csv &&
	R import --at 2026-02-10 >import.out 2>&1 &&
	plan_ops 2026-02-10 $MOVER >ops &&
	grep "^move" ops &&
	grep "^grant dept-fin" ops &&
	grep "^revoke dept-ctrl" ops &&
	apply_ok 2026-02-10 &&
	test "$(dn_of $MOVER)" = "uid=fenna.devries,ou=FIN,$PEOPLE" &&
	is_member dept-fin $MOVER &&
	! is_member dept-ctrl $MOVER &&
	! members dept-ctrl | grep -F "uid=fenna.devries," &&
	slapd_search -b "$BASE" "(employeeNumber=$MOVER)" departmentNumber >e &&
	test_must_contain e "departmentNumber: FIN"
'

test_expect_success '2026-02-11: a marriage changes the names and the mail, not the uid' '
	dn=$(dn_of $MARRIED) &&
	test "$dn" = "uid=stijn.degroot,ou=ZORG,$PEOPLE" &&
	slapd_search -b "$BASE" "(employeeNumber=$MARRIED)" mail >before &&
	test_must_contain before "mail: stijn.degroot@example.org" &&
	awk -F";" -v OFS=";" -v id=$MARRIED "\$1 == id { \$7 = \"Jansen\"; \$8 = \"BP\" } { print }" \
		org/hr/persons.csv >p.new &&
	mv p.new org/hr/persons.csv &&
	R import --at 2026-02-11 >import.out 2>&1 &&
	R plan --at 2026-02-11 --person $MARRIED --json >married.json &&
	jq -e "[.actions[] | select(.op == \"update\")] | length == 1" married.json &&
	apply_ok 2026-02-11 &&
	test "$(dn_of $MARRIED)" = "$dn" &&
	slapd_search -b "$BASE" "(employeeNumber=$MARRIED)" displayName cn uid mail >after &&
	test_must_contain after "displayName: Stijn de Groot-Jansen" &&
	test_must_contain after "cn: Stijn de Groot-Jansen" &&
	test_must_contain after "uid: stijn.degroot" &&
	test_must_contain after "mail: stijn.degrootjansen@example.org" &&
	test "$(grep -c "^mail:" after)" = 1
'

test_expect_success '2026-03-26: the replacement still has "managers"' '
	apply_ok 2026-03-26 &&
	is_member managers $SUBST
'

test_expect_success '2026-03-27: slapd stopped during the apply: failures, exit 1' '
	plan_ops 2026-03-27 $SUBST >ops &&
	grep "^revoke managers" ops &&
	R plan --at 2026-03-27 --json >plan0327.json &&
	slapd_stop &&
	test_expect_code 1 R apply --at 2026-03-27 --yes --json >apply.json &&
	test "$(jq .failed apply.json)" -gt 0 &&
	test "$(jq .done apply.json)" = 0
'

test_expect_success '2026-03-27: slapd back, the next apply finishes it all' '
	slapd_start &&
	R plan --at 2026-03-27 --json >again.json &&
	jq -c "[.actions[] | [.op, .employee_id, .permission]]" plan0327.json >a &&
	jq -c "[.actions[] | [.op, .employee_id, .permission]]" again.json >b &&
	test_cmp a b &&
	apply_ok 2026-03-27 &&
	! is_member managers $SUBST &&
	is_member managers $REPLACED
'

test_expect_success '90 days after the leaver'"'"'s disable the entry is deleted' '
	plan_ops 2026-05-01 $LEAVER >ops &&
	! grep "^delete" ops &&
	apply_ok 2026-05-01 &&
	test "$(dn_of $LEAVER)" = "uid=ilse.prins,$DISABLED" &&
	plan_ops 2026-05-02 $LEAVER >ops &&
	grep "^delete" ops &&
	apply_ok 2026-05-02 &&
	test -z "$(dn_of $LEAVER)" &&
	! members all-staff | grep -F "uid=ilse.prins,"
'

test_expect_success 'guard: half the persons gone, forced through the import; apply refuses' '
	for f in persons contracts assignments
	do
		cp org/hr/$f.csv $f.full || return 1
	done &&
	# the persons with an odd employee_id stay, with their contracts and assignments
	awk -F";" "NR == 1 || \$1 % 2 == 1" persons.full >org/hr/persons.csv &&
	awk -F";" "NR == 1 || \$2 % 2 == 1" contracts.full >org/hr/contracts.csv &&
	awk -F";" "NR == 1 || \$1 % 2 == 1" assignments.full >org/hr/assignments.csv &&
	test_expect_code 3 R import --at 2026-05-02 >import.out 2>&1 &&
	R import --at 2026-05-02 --force --skip-invalid >import.out 2>&1 &&
	dump >dump.before &&
	test_expect_code 3 R apply --at 2026-05-02 --yes >refused.out 2>&1 &&
	dump >dump.after &&
	test_cmp dump.before dump.after &&
	test_must_contain refused.out "--force"
'

test_expect_success 'guard: --force applies the plan' '
	R apply --at 2026-05-02 --yes --force --json >apply.json
	test "$(jq --arg bug "$ENABLE_BUG" "[.failures[] | select(.op != \"enable\" or (.error | contains(\$bug) | not))] | length" apply.json)" = 0 &&
	test "$(jq .done apply.json)" -gt 0 &&
	converged 2026-05-02 &&
	dump >dump.forced &&
	! test_cmp dump.before dump.forced >/dev/null
'

# (after the guard: the HR files are the halved ones, the leaver among them)
test_expect_success 'a rehire after the deletion: a new entry, created ahead in ou=disabled' '
	test -z "$(dn_of $LEAVER)" &&
	printf "C900043;$LEAVER;18-05-2026;;ICT;ICT;F018;Ontwikkelaar;4100;Utrecht;1,0;employee;100002\n" \
		>>org/hr/contracts.csv &&
	R import --at 2026-05-04 >import.out 2>&1 &&
	plan_ops 2026-05-04 $LEAVER >ops &&
	grep "^create" ops &&
	apply_ok 2026-05-04 &&
	# the deleted entry'"'"'s uid stays taken (unique against deleted accounts
	# too): the second way of making one
	test "$(dn_of $LEAVER)" = "uid=iprins,$DISABLED"
'

test_expect_success 'the rehire'"'"'s first day: enabled in the new department, with its groups' '
	plan_ops 2026-05-18 $LEAVER >ops &&
	grep "^enable" ops &&
	apply_ok 2026-05-18 &&
	test "$(dn_of $LEAVER)" = "uid=iprins,ou=ICT,$PEOPLE" &&
	is_member dept-ict $LEAVER &&
	is_member all-staff $LEAVER &&
	! is_member dept-zorg $LEAVER &&
	R audit --person $LEAVER --json >audit.json &&
	jq -e "[.events[] | select(.action == \"create\")] | length == 2" audit.json
'

test_done
