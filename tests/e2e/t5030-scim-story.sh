#!/bin/sh
# The story of the example organisation against a real SCIM 2.0 service
# provider (scimmy, scim-lib.sh), day by day with --at, as t4030 tells it
# against slapd: `roster init`'s example with its csv target replaced by a
# scim target (the issue's mapping: userName and the work email from a
# unique mail, name, displayName, the enterprise extension's
# employeeNumber, department and manager), imported once on 2026-01-05 and
# applied; after each step the provider is read with plain HTTP (curl, jq).
#
# The first apply is stopped halfway (the provider paused with SIGSTOP:
# failures), and a rerun finishes it; a user made by hand with the same
# userName is adopted (409 on create); the provider answers 429 with
# Retry-After during an apply, and apply waits. Then a joiner created
# disabled and enabled on the first day, a project group revoked, a
# leaver disabled and deleted 90 days later, a mover, a marriage, a name
# with quotes, a backslash and non-ASCII from the HR export, and a
# rehire of the leaver (a new user: the old userName is never handed out
# again). After every apply the plan for that day is empty and the audit
# chain verifies.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/scim-lib.sh"

ENT=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
scim_setup
if ! scim_start
then
	echo "Bail out! the SCIM server does not start"
	exit 1
fi
export APP_TOKEN=$SCIM_TOKEN

# --- helpers ---

R() {
	roster -c org/roster.yaml "$@"
}

# user ID: the user whose employeeNumber is ID, as JSON (empty when there is none).
user() {
	scim_user "$ENT:employeeNumber eq \"$1\""
}

# id_of ID: the SCIM id of ID's user (empty when there is none).
id_of() {
	user "$1" | jq -r '.id // empty'
}

# members GROUP: the ids of the group's members, one a line, sorted.
members() {
	scim_get /Groups -G --data-urlencode "filter=displayName eq \"$1\"" |
		jq -r '.Resources[0].members // [] | .[].value' | sort
}

# is_member GROUP ID: ID's user is a member of GROUP.
is_member() {
	i=$(id_of "$2") && test -n "$i" && members "$1" | grep -Fx -- "$i" >/dev/null
}

# users: how many users the provider has.
users() {
	scim_get "/Users?count=1" | jq .totalResults
}

# apply_ok DATE: apply for DATE, nothing failed; then the plan for DATE is empty and the audit chain verifies.
apply_ok() {
	R apply --at "$1" --yes --json >apply.json
	rc=$?
	if test $rc != 0 || test "$(jq .failed apply.json)" != 0
	then
		echo "apply --at $1: exit $rc" >&2
		cat apply.json >&2
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

# scim_target: roster.yaml on stdin with its csv target "directory" made a scim target on our server.
scim_target() {
	awk -v url="$SCIM_URL" -v ent="$ENT" '
	/^targets:/ {
		print
		print "  - name: directory"
		print "    connector: scim"
		print "    url: " url
		print "    auth: {bearer: \"${env:APP_TOKEN}\"}"
		print "    timeout: 2"
		print "    rate_limit: 2000/s"
		print "    groups: {create_missing: true}"
		print "    correlate: {attribute: \"" ent ":employeeNumber\", field: employee_id}"
		print "    lifecycle: {create_before: 14, enable_before: 0, disable_after: 0, delete_after: 90, bridge_gap: 7}"
		print "    attributes:"
		print "      mail: {unique: [\"{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}@example.org\"],"
		print "             iterate: \"{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}{n}@example.org\","
		print "             update: false, send: false}"
		print "      userName: \"{account.mail}\""
		print "      name.givenName: \"{given_name}\""
		print "      name.familyName: \"{family_name_full}\""
		print "      displayName: \"{display_name}\""
		print "      emails[type eq \"work\"].value: \"{account.mail}\""
		print "      " ent ":employeeNumber: \"{employee_id}\""
		print "      " ent ":department: \"{contract.department.name}\""
		print "      " ent ":manager.value: {ref: manager, attribute: id}"
		intarget = 1
		next
	}
	/^rules:/ { intarget = 0 }
	intarget { next }
	{ print }
	'
}

# The people of the story (the example's HR export, examples/hr/; as in t4030).
MARTIJN=100002    # Martijn Koster, ICT, manager 100001
JOINER=100075     # Koen Schäfer, ZORG, first day 2026-01-20
PROJECT=100048    # Lucas Rossi, project Nieuwbouw-Zwolle until 2026-01-31
LEAVER=100043     # Ilse Prins, last day 2026-01-31
MOVER=100030      # Fenna de Vries (partner name), CTRL
MARRIED=100040    # Stijn de Groot, ZORG, convention B

test_expect_success 'setup: the example with a scim target on our server' '
	roster init org >init.out &&
	scim_target <org/roster.yaml >roster.new &&
	mv roster.new org/roster.yaml &&
	test_must_contain org/roster.yaml "connector: scim" &&
	test_must_not_contain org/roster.yaml "connector: csv" &&
	R check &&
	R import --at 2026-01-05 >import.out 2>&1 &&
	test_must_contain import.out "300 persons"
'

test_expect_success '2026-01-05: a user made by hand with Martijn'"'"'s userName is there already' '
	curl -s -f -H "Authorization: Bearer $SCIM_TOKEN" -H "Content-Type: application/scim+json" \
		-d "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"martijn.koster@example.org\",\"nickName\":\"made by hand\"}" \
		"$SCIM_URL/Users" | jq -r .id >martijn.id &&
	test -n "$(cat martijn.id)"
'

test_expect_success '2026-01-05: the provider stops answering halfway through the first apply: failures' '
	R plan --at 2026-01-05 --json >plan0105.json &&
	creates=$(jq "[.actions[] | select(.op == \"create\")] | length" plan0105.json) &&
	test "$creates" -gt 200 &&
	echo "$creates" >creates &&
	scim_log clear >/dev/null &&
	{ R apply --at 2026-01-05 --yes --json >apply.json 2>apply.err & } &&
	apid=$! &&
	# paused once 150 requests are in
	i=0 &&
	while test "$(scim_log | wc -l)" -lt 150 && test $i -lt 300
	do
		sleep 0.05
		i=$((i + 1))
	done &&
	scim_pause &&
	wait $apid
	rc=$? &&
	scim_resume &&
	test $rc = 1 &&
	test "$(jq .failed apply.json)" -gt 0 &&
	test "$(jq .done apply.json)" -gt 0 &&
	jq -r ".failures[].error" apply.json >errors &&
	test_must_contain errors "no answer in 2 s (timeout)" &&
	test_must_contain errors "not tried: the target did not answer its last actions"
'

test_expect_success '2026-01-05: the rerun finishes it; Martijn'"'"'s user made by hand is adopted (409)' '
	R apply --at 2026-01-05 --yes --json >apply.json &&
	test "$(jq .failed apply.json)" = 0 &&
	scim_log | jq -c "select(.[0] == \"POST\" and .[4].userName == \"martijn.koster@example.org\") | .[5]" >posts &&
	grep -x 409 posts &&
	test "$(users)" = "$(cat creates)" &&
	test "$(id_of $MARTIJN)" = "$(cat martijn.id)" &&
	test "$(scim_get /Users -G --data-urlencode "filter=userName eq \"martijn.koster@example.org\"" | jq .totalResults)" = 1
'

test_expect_success '2026-01-05: a manager made in the same apply is referred to by the next one' '
	# what is left for the day: at most the manager of accounts whose manager was made after them
	R plan --at 2026-01-05 --json >again.json &&
	jq -r ".actions[] | .op + \" \" + (.changes // {} | keys | join(\",\"))" again.json | sort -u >left &&
	if test -s left
	then
		echo "update $ENT:manager.value" >expect &&
		test_cmp expect left
	fi &&
	apply_ok 2026-01-05 &&
	user $MARTIJN >martijn.json &&
	boss=$(id_of 100001) &&
	test -n "$boss" &&
	jq -e --arg boss "$boss" --arg ent "$ENT" ".[\$ent] == {\"employeeNumber\":\"$MARTIJN\",\"department\":\"ICT\",\"manager\":{\"value\":\$boss}}" martijn.json &&
	jq -e ".userName == \"martijn.koster@example.org\" and .name == {\"givenName\":\"Martijn\",\"familyName\":\"Koster\"}" martijn.json &&
	jq -e ".displayName == \"Martijn Koster\" and .active != false and .nickName == \"made by hand\"" martijn.json &&
	jq -e ".emails == [{\"value\":\"martijn.koster@example.org\",\"type\":\"work\"}]" martijn.json &&
	is_member dept-ict $MARTIJN &&
	is_member managers $MARTIJN &&
	is_member prj-nieuwbouw-zwolle $PROJECT &&
	test "$(members all-staff | wc -l)" = "$(jq "[.actions[] | select(.op == \"grant\" and .permission == \"all-staff\")] | length" plan0105.json)" &&
	test -z "$(id_of $JOINER)"
'

test_expect_success '2026-01-06: a joiner is created disabled; apply waits out a 429 with Retry-After' '
	plan_ops 2026-01-06 $JOINER >ops &&
	grep "^create" ops &&
	scim_log clear >/dev/null &&
	scim_fail_next 2 429 1 &&
	start=$(date +%s) &&
	apply_ok 2026-01-06 &&
	test $(($(date +%s) - start)) -ge 2 &&
	scim_log >log &&
	test "$(head -n 3 log | jq -r ".[0] + \" \" + .[1]" | uniq | wc -l)" = 1 &&
	test "$(user $JOINER | jq .active)" = false &&
	test "$(user $JOINER | jq -r .userName)" = koen.schafer@example.org
'

test_expect_success '2026-01-20: on the first day the joiner is enabled' '
	plan_ops 2026-01-20 $JOINER >ops &&
	grep "^enable" ops &&
	apply_ok 2026-01-20 &&
	test "$(user $JOINER | jq .active)" = true &&
	is_member dept-zorg $JOINER
'

test_expect_success '2026-02-01: the project group is revoked, the leaver disabled' '
	apply_ok 2026-01-31 &&
	is_member prj-nieuwbouw-zwolle $PROJECT &&
	test "$(user $LEAVER | jq .active)" = true &&
	plan_ops 2026-02-01 $PROJECT >ops &&
	grep "^revoke prj-nieuwbouw-zwolle" ops &&
	plan_ops 2026-02-01 $LEAVER >ops &&
	grep "^disable" ops &&
	apply_ok 2026-02-01 &&
	! is_member prj-nieuwbouw-zwolle $PROJECT &&
	test -n "$(id_of $PROJECT)" &&
	test "$(user $LEAVER | jq .active)" = false
'

test_expect_success '2026-02-10: a mover gets the new department and its group' '
	is_member dept-ctrl $MOVER &&
	sed "/;$MOVER;/s/;CTRL;Control;/;FIN;Financi\xc3\xabn;/" org/hr/contracts.csv >c.new &&
	! cmp -s c.new org/hr/contracts.csv &&
	mv c.new org/hr/contracts.csv &&
	R import --at 2026-02-10 >import.out 2>&1 &&
	id=$(id_of $MOVER) &&
	plan_ops 2026-02-10 $MOVER >ops &&
	grep "^update" ops &&
	grep "^grant dept-fin" ops &&
	grep "^revoke dept-ctrl" ops &&
	apply_ok 2026-02-10 &&
	test "$(id_of $MOVER)" = "$id" &&
	test "$(user $MOVER | jq -r ".[\"$ENT\"].department")" = "Financiën" &&
	is_member dept-fin $MOVER &&
	! is_member dept-ctrl $MOVER
'

test_expect_success '2026-02-11: a marriage changes the names, not the userName' '
	user $MARRIED >before.json &&
	jq -e ".userName == \"stijn.degroot@example.org\" and .name.familyName == \"de Groot\"" before.json &&
	awk -F";" -v OFS=";" -v id=$MARRIED "\$1 == id { \$7 = \"Jansen\"; \$8 = \"BP\" } { print }" \
		org/hr/persons.csv >p.new &&
	mv p.new org/hr/persons.csv &&
	R import --at 2026-02-11 >import.out 2>&1 &&
	R plan --at 2026-02-11 --person $MARRIED --json >married.json &&
	jq -e "[.actions[] | select(.op == \"update\")] | length == 1" married.json &&
	apply_ok 2026-02-11 &&
	user $MARRIED >after.json &&
	jq -e ".id == \"$(jq -r .id before.json)\"" after.json &&
	jq -e ".name.familyName == \"de Groot-Jansen\" and .displayName == \"Stijn de Groot-Jansen\"" after.json &&
	jq -e ".userName == \"stijn.degroot@example.org\" and .emails[0].value == \"stijn.degroot@example.org\"" after.json
'

test_expect_success '2026-02-12: a name with quotes, a backslash and non-ASCII arrives as it is' '
	awk -F";" -v OFS=";" -v id=$PROJECT "\$1 == id { \$2 = \"\\\"Lucas \\\"\\\"Luuk\\\"\\\" \\\\ Ærø\\\"\" } { print }" \
		org/hr/persons.csv >p.new &&
	grep "^$PROJECT;" p.new >row &&
	test_must_contain row ";\"Lucas \"\"Luuk\"\" \\ Ærø\";" &&
	mv p.new org/hr/persons.csv &&
	R import --at 2026-02-12 >import.out 2>&1 &&
	apply_ok 2026-02-12 &&
	user $PROJECT >lucas.json &&
	jq -e ".name.givenName == \"Lucas \\\"Luuk\\\" \\\\ Ærø\"" lucas.json &&
	jq -e ".displayName | startswith(\"Lucas \\\"Luuk\\\" \\\\ Ærø \")" lucas.json &&
	test "$(jq -r .userName lucas.json)" = lucas.rossi@example.org
'

test_expect_success '90 days after the leaver'"'"'s disable the user is deleted' '
	id=$(id_of $LEAVER) &&
	plan_ops 2026-05-01 $LEAVER >ops &&
	! grep "^delete" ops &&
	apply_ok 2026-05-01 &&
	test -n "$(id_of $LEAVER)" &&
	plan_ops 2026-05-02 $LEAVER >ops &&
	grep "^delete" ops &&
	apply_ok 2026-05-02 &&
	test -z "$(id_of $LEAVER)" &&
	! scim_get "/Users/$id" >/dev/null 2>&1 &&
	! members all-staff | grep -Fx "$id"
'

test_expect_success 'a rehire of the leaver: a new user, a userName never handed out before' '
	awk -F";" -v OFS=";" -v id=$LEAVER "NR > 1 && \$2 == id && !done { print \"C9043\", id, \"01-06-2026\", \"\", \$5, \$6, \$7, \$8, \$9, \$10, \$11, \$12, \$13; done = 1 } { print }" \
		org/hr/contracts.csv >c.new &&
	test "$(grep -c ";$LEAVER;" c.new)" = "$(($(grep -c ";$LEAVER;" org/hr/contracts.csv) + 1))" &&
	mv c.new org/hr/contracts.csv &&
	R import --at 2026-06-01 >import.out 2>&1 &&
	plan_ops 2026-06-01 $LEAVER >ops &&
	grep "^create" ops &&
	apply_ok 2026-06-01 &&
	user $LEAVER >rehired.json &&
	jq -e ".active == true and .userName == \"ilse.prins2@example.org\"" rehired.json &&
	is_member all-staff $LEAVER
'

if test -f measured
then
	sed "s/^/# measured: /" measured
fi
test_done
