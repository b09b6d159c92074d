#!/bin/sh
# roster apply with the scim connector keeping several requests in flight
# (curl multi): the example organisation (300 persons, accounts and
# department/project groups) into a real SCIM 2.0 provider (scimmy,
# scim-lib.sh). The provider counts the requests it answers at once
# (/_admin/stats; it answers each 5 ms late, as over a network), so the
# test sees them overlap; each story below runs on a
# fresh provider and vault, in one batch of apply:
#  - everything in flight: every user and membership right, one PATCH per
#    group, and a rerun has nothing to do;
#  - 429 with Retry-After and then 500 in the middle of the batch: retried,
#    nothing else starts during the wait asked, and the apply converges;
#  - the provider paused (SIGSTOP) mid-batch: failures recorded; resumed,
#    the rerun finishes, no user twice;
#  - a user made by hand with a new hire's userName: the pipelined create
#    meets 409 and adopts it, with its groups.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/scim-lib.sh"

ENT=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
AT=2026-01-05
scim_setup
export APP_TOKEN=$SCIM_TOKEN

# fresh NAME [SERVER ENV...]: a provider of its own (SCIM_NAME) and an organisation in folder NAME with a scim
# target on it, imported.
fresh() {
	SCIM_NAME=$1 &&
	shift &&
	scim_start "$@" &&
	set -- "$SCIM_NAME" &&
	roster init "$1" >/dev/null &&
	awk -v url="$SCIM_URL" -v ent="$ENT" '
	/^targets:/ {
		print
		print "  - name: directory"
		print "    connector: scim"
		print "    url: " url
		print "    auth: {bearer: \"${env:APP_TOKEN}\"}"
		print "    timeout: 2"
		print "    groups: {create_missing: true}"
		print "    correlate: {attribute: \"" ent ":employeeNumber\", field: employee_id}"
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
		intarget = 1
		next
	}
	/^rules:/ { intarget = 0 }
	intarget { next }
	{ print }
	' <"$1/roster.yaml" >"$1/roster.new" &&
	mv "$1/roster.new" "$1/roster.yaml" &&
	R() { roster -c "$1/roster.yaml" "$@"; } &&
	roster -c "$1/roster.yaml" import --at $AT >/dev/null 2>&1 &&
	roster -c "$1/roster.yaml" plan --at $AT --json >"$1/plan.json" &&
	# what the plan wants: "EMPLOYEE GROUP" a line, sorted
	jq -r ".actions[] | select(.op == \"grant\") | .employee_id + \" \" + .permission" "$1/plan.json" |
		sort >"$1/want.members" &&
	jq "[.actions[] | select(.op == \"create\")] | length" "$1/plan.json" >"$1/creates" &&
	test "$(cat "$1/creates")" -gt 200 &&
	test "$(wc -l <"$1/want.members")" -gt 200
}

# apply NAME: roster apply of NAME's organisation (JSON in NAME/apply.json); its exit code.
apply() {
	roster -c "$1/roster.yaml" apply --at $AT --yes --json >"$1/apply.json" 2>"$1/apply.err"
}

stats() {
	curl -s -f "$SCIM_ADMIN/stats"
}

# arm JSON: /_admin/fail (status, count, retry_after, after).
arm() {
	curl -s -f -H 'Content-Type: application/json' -d "$1" "$SCIM_ADMIN/fail" >/dev/null
}

# right NAME: every user once, every membership as the plan wants it, and the plan for the day empty.
right() {
	scim_get "/Users?count=1000" >"$1/users.json" &&
	test "$(jq .totalResults "$1/users.json")" = "$(cat "$1/creates")" &&
	jq -r ".Resources[] | .[\"$ENT\"].employeeNumber" "$1/users.json" | sort >"$1/numbers" &&
	sort -u "$1/numbers" >"$1/numbers.u" &&
	test_cmp "$1/numbers.u" "$1/numbers" &&
	test "$(wc -l <"$1/numbers")" = "$(cat "$1/creates")" &&
	scim_get "/Groups?count=1000" >"$1/groups.json" &&
	jq -r --slurpfile u "$1/users.json" --arg ent "$ENT" "
		(\$u[0].Resources | map({key: .id, value: .[\$ent].employeeNumber}) | from_entries) as \$num |
		.Resources[] | .displayName as \$g | (.members // [])[] | \$num[.value] + \" \" + \$g" \
		"$1/groups.json" | sort >"$1/have.members" &&
	test_cmp "$1/want.members" "$1/have.members" &&
	roster -c "$1/roster.yaml" plan --at $AT --json >"$1/after.json" &&
	test "$(jq ".actions | length" "$1/after.json")" = 0
}

test_expect_success 'an apply keeps several requests in flight; every user and membership right; a rerun has nothing to do' '
	fresh all SCIM_DELAY_MS=5 &&
	apply all &&
	test "$(jq .failed all/apply.json)" = 0 &&
	stats >stats.json &&
	echo "most requests answered at once: $(jq .inflight_max stats.json)" >>measured &&
	test "$(jq ".inflight_max > 1" stats.json)" = true &&
	right all &&
	# the grants went one change per group (the example has fewer groups than grants): a group that is
	# missing is made with its first member (POST), the others are added by one PATCH
	scim_log >log.json &&
	jq -c "select(.[0] == \"PATCH\" and (.[1] | startswith(\"/scim/v2/Groups/\")))" log.json >patches &&
	jq -c "select(.[0] == \"POST\" and .[1] == \"/scim/v2/Groups\")" log.json >made &&
	ngroups=$(cut -d" " -f2- all/want.members | sort -u | wc -l) &&
	test "$(wc -l <made)" = "$ngroups" &&
	test "$(wc -l <patches)" -le "$ngroups" &&
	test "$(wc -l <patches)" -gt 0 &&
	# the lookups before the creates: a few searches of many values, not one per user
	jq -c "select(.[0] == \"GET\" and (.[1] | startswith(\"/scim/v2/Users?filter=\")))" log.json >searches &&
	test "$(wc -l <searches)" -le 10 &&
	apply all &&
	test "$(jq .done all/apply.json)" = 0
'

test_expect_success '429 with Retry-After and 500 in the middle of a pipelined batch: retried, and the apply converges' '
	fresh busy &&
	arm "{\"status\":429,\"count\":8,\"retry_after\":\"1\",\"after\":100}" &&
	{ apply busy & } &&
	apid=$! &&
	i=0 &&
	while test "$(stats | jq .requests)" -lt 180 && test $i -lt 400
	do
		sleep 0.05
		i=$((i + 1))
	done &&
	arm "{\"status\":500,\"count\":2}" &&
	wait $apid &&
	test "$(jq .failed busy/apply.json)" = 0 &&
	scim_log >log.json &&
	test "$(jq -s "[.[] | select(.[5] == 429)] | length" log.json)" = 8 &&
	test "$(jq -s "[.[] | select(.[5] == 500)] | length" log.json)" = 2 &&
	# the wait the provider asked for: nothing new arrives from shortly after the first 429 until 1 s after it
	t=$(jq -s "[.[] | select(.[5] == 429)][0][2]" log.json) &&
	test "$(jq -s --argjson t "$t" "[.[] | select(.[2] > \$t + 300 and .[2] < \$t + 900)] | length" log.json)" = 0 &&
	right busy
'

test_expect_success 'the provider paused mid-batch: failures recorded; resumed, the rerun finishes, no user twice' '
	fresh paused &&
	{ apply paused & } &&
	apid=$! &&
	i=0 &&
	while test "$(stats | jq .requests)" -lt 150 && test $i -lt 400
	do
		sleep 0.05
		i=$((i + 1))
	done &&
	scim_pause &&
	wait $apid
	rc=$? &&
	scim_resume &&
	test $rc = 1 &&
	test "$(jq .failed paused/apply.json)" -gt 0 &&
	test "$(jq .done paused/apply.json)" -gt 0 &&
	jq -r ".failures[].error" paused/apply.json >errors &&
	test_must_contain errors "no answer in 2 s (timeout)" &&
	apply paused &&
	test "$(jq .failed paused/apply.json)" = 0 &&
	right paused
'

test_expect_success 'a user made by hand with a new hire'"'"'s userName: the pipelined create meets 409 and adopts it' '
	fresh taken SCIM_DELAY_MS=5 &&
	jq -r ".actions[] | select(.op == \"create\") | .employee_id + \" \" + .attributes.userName" taken/plan.json |
		sed -n 150p >someone &&
	read emp uname <someone &&
	curl -s -f -H "Authorization: Bearer $SCIM_TOKEN" -H "Content-Type: application/scim+json" \
		-d "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"$uname\",\"nickName\":\"by hand\"}" \
		"$SCIM_URL/Users" | jq -r .id >hand.id &&
	apply taken &&
	test "$(jq .failed taken/apply.json)" = 0 &&
	scim_log >log.json &&
	jq -c "select(.[0] == \"POST\" and .[4].userName == \"$uname\") | .[5]" log.json >posts &&
	grep -x 409 posts &&
	test "$(stats | jq ".inflight_max > 1")" = true &&
	scim_user "$ENT:employeeNumber eq \"$emp\"" >adopted.json &&
	test "$(jq -r .id adopted.json)" = "$(cat hand.id)" &&
	test "$(jq -r .nickName adopted.json)" = "by hand" &&
	right taken
'

test_done
