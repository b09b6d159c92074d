#!/bin/sh
# check_target: a unique attribute's candidates are also checked against the
# directory itself, so an entry roster did not make (an unmanaged account,
# a service account elsewhere in the tree) is never collided with: the plan
# takes the next candidate. Against a real slapd; the directory down while
# planning is a problem for the persons it concerns, not a guess.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/slapd-lib.sh"

export LDAP_PASSWORD=$SLAPD_BIND_PW
BASE=dc=example,dc=org

slapd_example_depts >depts.ldif
# an account of someone else, outside ou=people, holding the name the
# example's first candidate gives Martijn Koster (100002)
cat >>depts.ldif <<EOF
dn: ou=system,$BASE
objectClass: organizationalUnit
ou: system

dn: uid=martijn.koster,ou=system,$BASE
objectClass: inetOrgPerson
uid: martijn.koster
cn: Martijn Koster (service)
sn: Koster
employeeNumber: S-1

EOF
slapd_setup "$TRASH/depts.ldif" || exit 1
if ! slapd_start
then
	echo "Bail out! slapd does not start"
	exit 1
fi

uid_of() {
	jq -r --arg id "$2" '.actions[] | select(.op == "create" and .employee_id == $id) | .attributes.uid' "$1"
}

test_expect_success 'setup: the example with an ldap target' '
	roster init org >out &&
	slapd_example_target <org/roster.yaml >roster.new &&
	mv roster.new org/roster.yaml &&
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>&1
'

test_expect_success 'without check_target the plan does not know the directory holds the name' '
	roster -c org/roster.yaml plan --at 2026-01-05 --json >plan.json &&
	test "$(uid_of plan.json 100002)" = martijn.koster
'

test_expect_success 'with check_target the next candidate is taken' '
	awk "{ print } /^        update: false/ && !done { print \"        check_target: true\"; done = 1 }" \
		org/roster.yaml >roster.new &&
	test_must_contain roster.new "check_target: true" &&
	mv roster.new org/roster.yaml &&
	roster -c org/roster.yaml check >out &&
	roster -c org/roster.yaml plan --at 2026-01-05 --json >plan.json &&
	test "$(uid_of plan.json 100002)" = mkoster &&
	# the others keep their first candidate: only a taken value moves on
	test "$(uid_of plan.json 100043)" = ilse.prins &&
	roster -c org/roster.yaml person 100002 --explain --at 2026-01-05 >explain.out &&
	grep -A1 "^  uid  *mkoster\$" explain.out >uid.explain &&
	test_must_contain uid.explain "unique, candidate 2 of 2"
'

test_expect_success 'apply makes mkoster and leaves the other entry alone' '
	roster -c org/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out "0 failed" &&
	slapd_search -b "$BASE" "(employeeNumber=100002)" uid >e &&
	test_must_contain e "uid: mkoster" &&
	slapd_search -b "uid=martijn.koster,ou=system,$BASE" -s base cn employeeNumber >s &&
	test_must_contain s "cn: Martijn Koster (service)" &&
	test_must_contain s "employeeNumber: S-1"
'

test_expect_success 'known accounts are not asked about: a second plan has nothing to do' '
	roster -c org/roster.yaml plan --at 2026-01-05 --json >again.json &&
	test "$(jq ".actions | length" again.json)" = 0
'

test_expect_success 'the person'"'"'s own entry, made but not known (a create whose answer was lost), is not another'"'"'s' '
	printf "100998;Nieuwe;N.;;Persoon;;;B;np@example.net;06-2;100002\n" >>org/hr/persons.csv &&
	printf "C100998;100998;01-01-2026;;ICT;ICT;F018;Ontwikkelaar;4100;Utrecht;1,0;employee;100002\n" \
		>>org/hr/contracts.csv &&
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>&1 &&
	printf "dn: uid=nieuwe.persoon,ou=ICT,ou=people,%s\nobjectClass: inetOrgPerson\nuid: nieuwe.persoon\ncn: Nieuwe Persoon\nsn: Persoon\nemployeeNumber: 100998\n" \
		"$BASE" | slapd_add &&
	roster -c org/roster.yaml plan --at 2026-01-05 --json >own.json &&
	test "$(uid_of own.json 100998)" = nieuwe.persoon &&
	roster -c org/roster.yaml apply --at 2026-01-05 --yes --json >own-apply.json &&
	test "$(jq .adopted own-apply.json)" = 1 &&
	test "$(slapd_search -b "$BASE" "(employeeNumber=100998)" 1.1 | grep -c "^dn: ")" = 1
'

test_expect_success 'the directory down while a new person is planned: a problem, exit 1' '
	printf "100999;Martijn;M.;;Koster;;;B;mk@example.net;06-1;100002\n" >>org/hr/persons.csv &&
	printf "C100999;100999;01-01-2026;;ICT;ICT;F018;Ontwikkelaar;4100;Utrecht;1,0;employee;100002\n" \
		>>org/hr/contracts.csv &&
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>&1 &&
	slapd_stop &&
	test_expect_code 1 roster -c org/roster.yaml plan --at 2026-01-05 --json >down.json 2>err &&
	jq -r ".problems[] | .message // ." down.json >problems &&
	test_must_contain problems "cannot ask the target whether a value is free (check_target)" &&
	test "$(jq "[.actions[] | select(.employee_id == \"100999\" and .op == \"create\")] | length" down.json)" = 0 &&
	slapd_start &&
	roster -c org/roster.yaml plan --at 2026-01-05 --json >up.json &&
	test "$(uid_of up.json 100999)" = martijn.koster2
'

test_done
