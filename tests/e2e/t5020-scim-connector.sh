#!/bin/sh
# The scim connector against a real SCIM 2.0 service provider (scimmy and
# scimmy-routers, scim-lib.sh), driven operation by operation by
# ldap-driver and checked with plain HTTP (curl, jq): attribute paths
# (sub-attributes, a filtered multi-valued value, an extension's), values
# with quotes, backslashes and non-ASCII, the filter on the wire, PATCH of
# exactly what changed, enable and disable, groups made when missing and
# idempotent grants and revokes, delete, 409 on create adopting the user
# that is there, paged listing, a provider without PATCH (PUT), ETags.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/scim-lib.sh"

LDAP_DRIVER=${LDAP_DRIVER:-${ROSTER%/src/cli/roster}/tests/ldap-driver}
ENT=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
scim_setup
# three providers: one as scimmy-routers makes it, one without PATCH, one with ETags
for name in nopatch etag scim
do
	SCIM_NAME=$name
	case $name in
	nopatch) scim_start SCIM_PATCH=0 && NOPATCH_URL=$SCIM_URL && NOPATCH_ADMIN=$SCIM_ADMIN ;;
	etag) scim_start SCIM_ETAG=1 && ETAG_URL=$SCIM_URL && ETAG_ADMIN=$SCIM_ADMIN ;;
	*) scim_start ;;
	esac || {
		echo "Bail out! the SCIM server does not start"
		exit 1
	}
done
export APP_TOKEN=$SCIM_TOKEN

# server.sh FUNCTION ARGS: a scim-lib.sh function on the main server, from another shell (ldap-driver's sh op).
cat >server.sh <<SERVER
ROSTER_SRC='$ROSTER_SRC'
TRASH='$TRASH'
. '$TEST_DIR/scim-lib.sh'
SCIM_DIR='$SCIM_DIR'
SCIM_ADMIN='$SCIM_ADMIN'
"\$@"
SERVER

# --- helpers (as in t4020) ---

drive() {
	"$LDAP_DRIVER" roster.yaml "$1" >out.jsonl
}

answer() {
	got=$(sed -n "$1p" out.jsonl | jq -r "$2") || return 1
	if test "$got" != "$3"
	then
		echo "answer $1: $2 gave \"$got\", expected \"$3\"; the answers (their start):" >&2
		cut -c 1-600 out.jsonl | head -n 40 >&2
		return 1
	fi
}

all_ok() {
	if grep -v '"ok":true' out.jsonl >&2
	then
		echo "(not ok above)" >&2
		return 1
	fi
}

# line OP [KEY VALUE]...: one JSON line for ldap-driver; attrs.NAME and changed.NAME fill those objects.
line() {
	op_name=$1
	shift
	i=0
	prog='{op: $op}'
	while test $# -gt 1
	do
		i=$((i + 1))
		case $1 in
		attrs.* | changed.*) prog="$prog | .${1%%.*}[\$k$i] = \$v$i" ;;
		enabled) prog="$prog | .enabled = (\$v$i == \"true\")" ;;
		*) prog="$prog | .[\$k$i] = \$v$i" ;;
		esac
		eval "k$i=\${1#*.}"
		eval "v$i=\$2"
		shift 2
	done
	set --
	j=1
	while test $j -le $i
	do
		eval "set -- \"\$@\" --arg k$j \"\$k$j\" --arg v$j \"\$v$j\""
		j=$((j + 1))
	done
	jq -cn --arg op "$op_name" "$@" "$prog"
}

# user ID: the user with that id, as the provider has it (empty when there is none).
user() {
	scim_get "/Users/$1" 2>/dev/null
}

# The attributes the tests map, and the hostile values they send.
GN=name.givenName
FN=name.familyName
WORK='emails[type eq "work"].value'
EMP=$ENT:employeeNumber
DEPT=$ENT:department
MGR=$ENT:manager.value
# (jq: the work email's value among what a lookup reads back)
WORK_VALUE='.object.attrs | with_entries(select(.key | startswith("emails["))) | .[]'
HOSTILE_GN='Zoë "Q" \ {x} Çelik-Łukasik'
HOSTILE_FN="O'Brien, \"Pat\" \\\\ ; \\u0000 %2F"

# target NAME URL [more yaml]: a scim target on roster.yaml's end.
target() {
	cat >>roster.yaml <<-EOF
	  - name: $1
	    connector: scim
	    url: $2
	    auth: {bearer: "\${env:APP_TOKEN}"}
	    timeout: 2
	    correlate: {attribute: "$EMP", field: employee_id}
	    attributes:
	      userName: "{given_name}@example.org"
	      $GN: "{given_name}"
	      $FN: "{family_name}"
	      displayName: "{display_name}"
	      '$WORK': "{given_name}@example.org"
	      $EMP: "{employee_id}"
	      $DEPT: "{contract.department.name}"
	      $MGR: {ref: manager, attribute: id}
	EOF
	shift 2
	for more
	do
		echo "    $more" >>roster.yaml
	done
}

test_expect_success 'setup: targets on our SCIM server' '
	write_config &&
	echo "targets:" >>roster.yaml &&
	target app "$SCIM_URL" "groups: {create_missing: true}" "rate_limit: 1000/s" &&
	target nocreate "$SCIM_URL" &&
	echo "{\"op\":\"check\"}" | drive app &&
	all_ok &&
	scim_get /ServiceProviderConfig | jq -e ".patch.supported == true and .etag.supported == false"
'

# check_error YAML-EDIT EXPECTED: roster.yaml changed by the sed script refuses to open, naming the place.
check_error() {
	sed "$1" roster.yaml >bad.yaml &&
	test_expect_code 1 "$LDAP_DRIVER" bad.yaml app </dev/null >bad.out &&
	jq -r .message bad.out >msg &&
	test_must_contain msg "bad.yaml:" &&
	test_must_contain msg "$2"
}

test_expect_success 'check names what is wrong at its place in roster.yaml' '
	check_error "s/^      displayName:/      emails[type = 1].value:/" \
		"attribute \"emails[type = 1].value\": expected \"eq\"" &&
	check_error "s/^      displayName:/      id:/" "attribute \"id\" cannot be mapped: the account'"'"'s ref" &&
	check_error "s/^      displayName:/      dn:/" "attribute \"dn\" cannot be mapped: scim has no entry names" &&
	check_error "s/^      displayName:/      emails.value:/" \
		"attribute \"emails.value\" is multi-valued: say which value with a filter" &&
	check_error "s|url: http://127.0.0.1:|url: http://192.0.2.1:|" "http:// sends the credentials in the clear" &&
	check_error "s/rate_limit: 1000.s/rate_limit: fast/" "rate_limit: \"fast\" is not a rate" &&
	check_error "s/auth: {bearer: .*}/auth: {token: x}/" "auth: unknown key \"token\"" &&
	check_error "s/timeout: 2/insecure: yes/" "insecure: \"yes\" is not a boolean" &&
	check_error "/correlate:/d" "missing key \"correlate\""
'

test_expect_success 'create: quotes, backslashes, braces and non-ASCII arrive as they were sent' '
	line create employee_id 1 correlate E1 enabled false attrs.userName "zoe@example.org" \
		attrs.$GN "$HOSTILE_GN" attrs.$FN "$HOSTILE_FN" attrs.displayName "" \
		"attrs.$WORK" "zoe@example.org" attrs.$EMP E1 attrs.$DEPT "Zorg & Welzijn" attrs.$MGR "" |
	drive app &&
	all_ok &&
	id=$(sed -n 1p out.jsonl | jq -r .ref) &&
	echo "$id" >zoe.id &&
	user "$id" >zoe.json &&
	jq -e --arg gn "$HOSTILE_GN" --arg fn "$HOSTILE_FN" \
		".name.givenName == \$gn and .name.familyName == \$fn and .userName == \"zoe@example.org\"" zoe.json &&
	jq -e ".active == false and (.displayName == null) and .emails == [{\"type\":\"work\",\"value\":\"zoe@example.org\"}]" zoe.json &&
	jq -e ".[\"$ENT\"] == {\"employeeNumber\":\"E1\",\"department\":\"Zorg & Welzijn\"}" zoe.json &&
	jq -e ".schemas | index(\"$ENT\") != null" zoe.json
'

test_expect_success 'lookup: by the correlate filter; what it reads back is what was sent' '
	{
		line lookup value E1 &&
		line lookup value E2
	} | drive app &&
	all_ok &&
	answer 1 .object.ref "$(cat zoe.id)" &&
	answer 1 ".object.attrs[\"$GN\"]" "$HOSTILE_GN" &&
	answer 1 ".object.attrs[\"$FN\"]" "$HOSTILE_FN" &&
	answer 1 "$WORK_VALUE" zoe@example.org &&
	answer 1 ".object.attrs[\"$DEPT\"]" "Zorg & Welzijn" &&
	answer 1 ".object.attrs.displayName" null &&
	answer 1 .object.enabled false &&
	answer 2 .found false &&
	scim_log | jq -r ".[1]" | grep -Fx "/scim/v2/Users?filter=$EMP eq \"E1\"&startIndex=1&count=2"
'

test_expect_success 'lookup: quotes and backslashes in a correlate value are escaped on the wire' '
	scim_log clear >/dev/null &&
	line lookup value "E\"1\\x" | drive app &&
	scim_log >log &&
	jq -r ".[1]" log >paths &&
	printf "%s\n" "/scim/v2/Users?filter=$EMP eq \"E\\\"1\\\\x\"&startIndex=1&count=2" >expect &&
	test_cmp expect paths &&
	# scimmy 1.3 reads no escaped quote in a filter: it refuses the filter, and roster says so
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "400 Bad Request" &&
	test_must_contain msg "(scimType invalidFilter)"
'

test_expect_success 'update: one PATCH of what changed; a value that goes is removed' '
	id=$(cat zoe.id) &&
	scim_log clear >/dev/null &&
	line update ref "$id" changed.$GN "Zoé" changed.$DEPT "" changed.$MGR "m-1" changed.displayName "Zoé \"Z\"" |
	drive app &&
	all_ok &&
	scim_log | grep -v ServiceProviderConfig >log &&
	test "$(wc -l <log)" = 1 &&
	jq -e ".[0] == \"PATCH\" and .[1] == \"/scim/v2/Users/$id\"" log &&
	jq -c ".[4].Operations" log >ops &&
	cat >expect <<-EOF &&
	[{"op":"replace","value":{"displayName":"Zoé \"Z\"","name":{"givenName":"Zoé"},"$ENT":{"manager":{"value":"m-1"}}}},{"op":"remove","path":"$DEPT"}]
	EOF
	jq -c . expect >expect.c &&
	test_cmp expect.c ops &&
	user "$id" >zoe.json &&
	jq -e --arg fn "$HOSTILE_FN" ".name == {\"givenName\":\"Zoé\",\"familyName\":\$fn}" zoe.json &&
	jq -e ".[\"$ENT\"] == {\"employeeNumber\":\"E1\",\"manager\":{\"value\":\"m-1\"}}" zoe.json &&
	jq -e ".displayName == \"Zoé \\\"Z\\\"\"" zoe.json
'

test_expect_success 'update: the work email replaced, removed, and added again' '
	id=$(cat zoe.id) &&
	curl -s -f -H "Authorization: Bearer $SCIM_TOKEN" -H "Content-Type: application/scim+json" -X PATCH \
		-d "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"add\",\"path\":\"emails\",\"value\":[{\"type\":\"home\",\"value\":\"home@example.net\"}]}]}" \
		"$SCIM_URL/Users/$id" >/dev/null &&
	{
		line update ref "$id" "changed.$WORK" "zoe2@example.org" &&
		line update ref "$id" "changed.$WORK" "" &&
		line update ref "$id" "changed.$WORK" "" &&
		line update ref "$id" "changed.$WORK" "zoe3@example.org" &&
		line lookup value E1
	} | drive app &&
	all_ok &&
	answer 5 "$WORK_VALUE" zoe3@example.org &&
	user "$id" | jq -cS ".emails | sort_by(.type)" >actual &&
	echo "[{\"value\":\"home@example.net\",\"type\":\"home\"},{\"type\":\"work\",\"value\":\"zoe3@example.org\"}]" >expect &&
	jq -cS "sort_by(.type)" expect >expect.c &&
	test_cmp expect.c actual
'

test_expect_success 'disable and enable: active false and true; twice is once' '
	id=$(cat zoe.id) &&
	{
		line enable ref "$id" &&
		line enable ref "$id" &&
		line lookup value E1 &&
		line disable ref "$id" &&
		line lookup value E1
	} | drive app &&
	all_ok &&
	answer 3 .object.enabled true &&
	answer 5 .object.enabled false &&
	test "$(user "$id" | jq .active)" = false &&
	line enable ref "$id" | drive app &&
	test "$(user "$id" | jq .active)" = true
'

test_expect_success 'grant: a missing group is made with its first member; twice is once' '
	id=$(cat zoe.id) &&
	line create employee_id 2 correlate E2 attrs.userName "jan@example.org" attrs.$EMP E2 attrs.$GN Jan |
	drive app &&
	jan=$(sed -n 1p out.jsonl | jq -r .ref) &&
	echo "$jan" >jan.id &&
	{
		line grant ref "$id" group "staff Zörg" &&
		line grant ref "$id" group "staff Zörg" &&
		line grant ref "$jan" group "staff Zörg" &&
		line grant ref "$jan" group "managers" &&
		line lookup value E1
	} | drive app &&
	all_ok &&
	scim_get "/Groups" --get --data-urlencode "filter=displayName eq \"staff Zörg\"" >g.json &&
	jq -r ".Resources[0].members[].value" g.json | sort >actual &&
	printf "%s\n" "$id" "$jan" | sort >expect &&
	test_cmp expect actual &&
	answer 5 ".object.permissions | join(\"|\")" "staff Zörg" &&
	test "$(scim_get /Groups | jq .totalResults)" = 2
'

test_expect_success 'revoke: a member that is not there, or a group that is not, is no error' '
	id=$(cat zoe.id) &&
	{
		line revoke ref "$id" group "managers" &&
		line revoke ref "$id" group "no such group" &&
		line revoke ref "$id" group "staff Zörg" &&
		line revoke ref "$id" group "staff Zörg"
	} | drive app &&
	all_ok &&
	scim_get "/Groups" --get --data-urlencode "filter=displayName eq \"staff Zörg\"" |
		jq -r ".Resources[0].members[].value" >actual &&
	cat jan.id >expect &&
	test_cmp expect actual
'

test_expect_success 'a group that is missing is an error when create_missing is not set' '
	line grant ref "$(cat zoe.id)" group nowhere | drive nocreate &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "group \"nowhere\" does not exist (groups: {create_missing: true} makes it)"
'

test_expect_success 'create that meets 409: the user that is there (no employeeNumber yet) is adopted' '
	curl -s -f -H "Authorization: Bearer $SCIM_TOKEN" -H "Content-Type: application/scim+json" \
		-d "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"kim@example.org\",\"title\":\"made by hand\",\"active\":false}" \
		"$SCIM_URL/Users" >kim.json &&
	kim=$(jq -r .id kim.json) &&
	scim_log clear >/dev/null &&
	line create employee_id 3 correlate E3 attrs.userName "kim@example.org" attrs.$EMP E3 attrs.$GN Kim |
	drive app &&
	all_ok &&
	scim_log | jq -r ".[0]" | paste -sd " " >methods &&
	answer 1 .ref "$kim" &&
	user "$kim" >kim.json &&
	jq -e ".[\"$ENT\"].employeeNumber == \"E3\" and .name.givenName == \"Kim\" and .active == true" kim.json &&
	jq -e ".title == \"made by hand\"" kim.json &&
	test "$(scim_get /Users | jq "[.Resources[] | select(.userName == \"kim@example.org\")] | length")" = 1 &&
	test "$(cat methods)" = "GET POST GET GET PATCH"
'

test_expect_success 'create that meets 409 from another person'"'"'s user: a conflict, nothing adopted' '
	line create employee_id 4 correlate E4 attrs.userName "kim@example.org" attrs.$EMP E4 attrs.$GN Kim2 |
	drive app &&
	answer 1 .class conflict &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "the user with userName \"kim@example.org\" is another person'"'"'s ($EMP \"E3\"): not adopted" &&
	test "$(user "$(jq -r .id kim.json)" | jq -r ".[\"$ENT\"].employeeNumber")" = E3
'

test_expect_success 'remove: the user goes; again, or an update of it, is not found' '
	id=$(cat zoe.id) &&
	{
		line remove ref "$id" &&
		line remove ref "$id" &&
		line update ref "$id" changed.displayName x &&
		line lookup value E1
	} | drive app &&
	answer 1 .ok true &&
	answer 2 .class notfound &&
	answer 3 .class notfound &&
	answer 4 .found false &&
	test -z "$(user "$id")" &&
	# and it is no member of its groups any more
	! scim_get /Groups | grep -F "$id"
'

test_expect_success '429 with Retry-After: waited for as asked, then done' '
	scim_log clear >/dev/null &&
	scim_fail_next 2 429 1 &&
	line lookup value E2 | drive app &&
	answer 1 .found true &&
	ms=$(sed -n 1p out.jsonl | jq ".ms | floor") &&
	echo "a lookup after two 429s with Retry-After: 1: $ms ms" >>measured &&
	test "$ms" -ge 2000 && test "$ms" -lt 5000 &&
	test "$(scim_log | wc -l)" = 3
'

test_expect_success '429 that asks too long a wait, 503 without Retry-After, 500 three times (a create is sent 3 times): transient with the detail' '
	{
		line create employee_id 6 correlate E6 attrs.userName "e6@example.org" attrs.$EMP E6 &&
		line sh command "sh server.sh scim_fail_next 1 429 3600" &&
		line lookup value E2 &&
		line sh command "sh server.sh scim_fail_next 1 503" &&
		line lookup value E2 &&
		line sh command "sh server.sh scim_fail_next 3 500" &&
		line create employee_id 5 correlate E5 attrs.userName "e5@example.org" attrs.$EMP E5
	} | drive app &&
	answer 3 .class transient &&
	answer 3 .message "$SCIM_URL: GET /Users?filter=$EMP eq \"E2\": 429 Too Many Requests: too many requests, slow down; its Retry-After is longer than roster waits (120 s)" &&
	test "$(sed -n 3p out.jsonl | jq ".ms < 1000")" = true &&
	answer 5 .class transient &&
	answer 5 .message "$SCIM_URL: GET /Users?filter=$EMP eq \"E2\": 503 Service Unavailable: the service is failing on purpose; no Retry-After" &&
	answer 7 .class transient &&
	answer 7 .message "$SCIM_URL: POST /Users: 500 Internal Server Error: the service is failing on purpose"
'

test_expect_success 'a wrong token: permanent, says so, and never shows a token' '
	sed "s/auth: {bearer: .*}/auth: {bearer: not-the-token-4711}/" roster.yaml >wrong.yaml &&
	line lookup value E2 | "$LDAP_DRIVER" wrong.yaml app >out.jsonl &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "401 Unauthorized: wrong bearer token; the provider refused roster" &&
	test_must_not_contain msg "not-the-token-4711" &&
	test_must_not_contain msg "$SCIM_TOKEN"
'

test_expect_success 'list: every user, a page of 100 at a time, with its groups' '
	n=100 &&
	while test $n -lt 330
	do
		line create employee_id $n correlate E$n attrs.userName "u$n@example.org" attrs.$EMP E$n || return 1
		n=$((n + 1))
	done >bulk.jsonl &&
	drive app <bulk.jsonl &&
	all_ok &&
	echo "230 creates one by one: $(jq -s "map(.ms) | add | floor" out.jsonl) ms in all" >>measured &&
	scim_log clear >/dev/null &&
	echo "{\"op\":\"list\",\"show\":true}" | drive app &&
	all_ok &&
	answer 1 .count 233 &&
	sed -n 1p out.jsonl | jq -r ".objects[].ref" | sort -u >refs &&
	test "$(wc -l <refs)" = 233 &&
	sed -n 1p out.jsonl | jq -r ".objects[] | select(.attrs[\"$EMP\"] == \"E2\") | .permissions | sort | join(\"|\")" >perms &&
	echo "managers|staff Zörg" >expect &&
	test_cmp expect perms &&
	scim_log | jq -r "select(.[1] | startswith(\"/scim/v2/Users?\")) | .[1]" >pages &&
	printf "/scim/v2/Users?startIndex=%s&count=100\n" 1 101 201 >expect &&
	test_cmp expect pages
'

test_expect_success 'the server does not answer (stopped with SIGSTOP): transient after the timeout (2 s), then works' '
	{
		line lookup value E2 &&
		line sh command "sh server.sh scim_pause" &&
		line lookup value E2 &&
		line sh command "sh server.sh scim_resume" &&
		line lookup value E2
	} | drive app &&
	answer 1 .found true &&
	answer 3 .class transient &&
	answer 3 .message "$SCIM_URL: GET /Users?filter=$EMP eq \"E2\": no answer in 2 s (timeout)" &&
	ms=$(sed -n 3p out.jsonl | jq ".ms | floor") &&
	echo "a request to a server that does not answer: transient after $ms ms" >>measured &&
	test "$ms" -ge 1900 && test "$ms" -lt 6000 &&
	answer 5 .found true
'

test_expect_success 'the server stopped: transient; started again (an empty store): works again' '
	{
		line sh command "sh server.sh scim_stop" &&
		line lookup value E2 &&
		line sh command "sh server.sh scim_start" &&
		line lookup value E2 &&
		line create employee_id 9 correlate E9 attrs.userName "e9@example.org" attrs.$EMP E9 &&
		line lookup value E9
	} | drive app &&
	answer 2 .class transient &&
	sed -n 2p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "Failed to connect to 127.0.0.1 port $SCIM_PORT" &&
	answer 3 .status 0 &&
	answer 4 .found false &&
	answer 6 .found true
'

# A provider without PATCH: every change is a GET and a PUT of the whole user.
test_expect_success 'a provider without PATCH: PUT of the whole user, what roster does not map kept' '
	SCIM_URL=$NOPATCH_URL SCIM_ADMIN=$NOPATCH_ADMIN &&
	target put "$SCIM_URL" "groups: {create_missing: true}" &&
	scim_get /ServiceProviderConfig | jq -e ".patch.supported == false" &&
	{
		line create employee_id 1 correlate E1 attrs.userName "zoe@example.org" attrs.$EMP E1 attrs.$GN Zoë \
			attrs.$FN Smit "attrs.$WORK" zoe@example.org &&
		line lookup value E1
	} | drive put &&
	all_ok &&
	id=$(sed -n 1p out.jsonl | jq -r .ref) &&
	curl -s -f -H "Authorization: Bearer $SCIM_TOKEN" -H "Content-Type: application/scim+json" -X PUT \
		-d "$(user "$id" | jq -c ". + {title: \"set by hand\"} | del(.meta)")" "$SCIM_URL/Users/$id" >/dev/null &&
	scim_log clear >/dev/null &&
	{
		line update ref "$id" changed.$GN "Zoé" changed.$FN "" "changed.$WORK" "z@example.org" &&
		line disable ref "$id" &&
		line grant ref "$id" group staff &&
		line grant ref "$id" group staff &&
		line revoke ref "$id" group staff
	} | drive put &&
	all_ok &&
	scim_log | jq -r ".[0] + \" \" + (.[1] | sub(\"/scim/v2/\"; \"\") | sub(\"/[-0-9a-f]+$\"; \"/ID\") | sub(\"\\\\?.*\"; \"?…\"))" >actual &&
	cat >expect <<-\EOF &&
	GET ServiceProviderConfig
	GET Users/ID
	PUT Users/ID
	GET Users/ID
	PUT Users/ID
	GET Groups?…
	POST Groups
	GET Groups/ID
	GET Groups/ID
	PUT Groups/ID
	EOF
	test_cmp expect actual &&
	! scim_log | grep "\"PATCH\"" &&
	user "$id" >zoe.json &&
	jq -e ".name == {\"givenName\":\"Zoé\"} and .title == \"set by hand\" and .active == false" zoe.json &&
	jq -e ".emails == [{\"type\":\"work\",\"value\":\"z@example.org\"}]" zoe.json &&
	test "$(scim_get /Groups | jq ".Resources[0].members // [] | length")" = 0
'

test_expect_success 'a provider with ETags: If-Match with the version seen; 412 after a change by hand, then done' '
	SCIM_URL=$ETAG_URL SCIM_ADMIN=$ETAG_ADMIN &&
	target etag "$SCIM_URL" &&
	line create employee_id 1 correlate E1 attrs.userName "zoe@example.org" attrs.$EMP E1 attrs.$GN Zoë | drive etag &&
	answer 1 .ok true &&
	id=$(sed -n 1p out.jsonl | jq -r .ref) &&
	{
		printf "%s\\n" "curl -s -f -H \"Authorization: Bearer $SCIM_TOKEN\" -H \"Content-Type: application/scim+json\" -X PATCH --data-binary @patch.json \"$SCIM_URL/Users/$id\" >/dev/null" &&
		printf "%s\\n" "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"title\",\"value\":\"by hand\"}]}" >patch.json
	} >byhand.sh &&
	scim_log clear >/dev/null &&
	{
		line lookup value E1 &&
		line update ref "$id" changed.$GN "Zoé" &&
		line sh command "sh byhand.sh" &&
		line update ref "$id" changed.$GN "Zoey"
	} | drive etag &&
	all_ok &&
	scim_log >log &&
	v1=$(jq -r "select(.[0] == \"PATCH\") | .[3]" log | head -n 1) &&
	test -n "$v1" && test "$v1" != null &&
	user "$id" >zoe.json &&
	jq -e ".name.givenName == \"Zoey\" and .title == \"by hand\"" zoe.json &&
	# lookup gave the version; the first update used it; the change by hand made the next one stale (412),
	# so roster read the user again and sent the update with the version it read
	jq -r "[.[0], (.[3] // \"-\")] | join(\" \")" log | sed "s/W\/\"[0-9]*\"/V/" >actual &&
	cat >expect <<-\EOF &&
	GET -
	GET -
	PATCH V
	PATCH -
	PATCH V
	GET -
	PATCH V
	EOF
	test_cmp expect actual &&
	test "$(jq -r "select(.[0] == \"PATCH\") | .[3] // empty" log | sort -u | wc -l)" = 3
'

if test -f measured
then
	sed "s/^/# measured: /" measured
fi
test_done
