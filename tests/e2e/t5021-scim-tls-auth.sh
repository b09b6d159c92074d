#!/bin/sh
# The scim connector's ways in: https with ca_file (a CA of the test's own,
# a certificate for IP 127.0.0.1), a certificate from another CA or from no
# CA it knows refused unless insecure: true says so by name; HTTP Basic;
# OAuth 2.0 client credentials against a token endpoint on the test server
# (a token taken when needed, taken again when it runs out or the provider
# forgets it); wrong credentials refused with a message that shows none of
# them.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/scim-lib.sh"

LDAP_DRIVER=${LDAP_DRIVER:-${ROSTER%/src/cli/roster}/tests/ldap-driver}
ENT=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
scim_setup
if ! scim_certificates
then
	echo "Bail out! openssl cannot make the certificates"
	exit 1
fi
export APP_TOKEN=$SCIM_TOKEN APP_PASSWORD='p@ss:w0rd "x"' APP_SECRET='s3cret/+=&?'
for name in tls basic oauth oauthlong
do
	SCIM_NAME=$name
	case $name in
	tls) scim_start "SCIM_TLS_CERT=$SCIM_CERTS/server.pem" "SCIM_TLS_KEY=$SCIM_CERTS/server.key" &&
		TLS_URL=$SCIM_URL TLS_ADMIN=$SCIM_ADMIN ;;
	basic) scim_start "SCIM_BASIC=roster:$APP_PASSWORD" && BASIC_URL=$SCIM_URL && BASIC_ADMIN=$SCIM_ADMIN ;;
	oauth) scim_start "SCIM_OAUTH=roster-client:$APP_SECRET" SCIM_OAUTH_TTL=2 &&
		OAUTH_URL=$SCIM_URL OAUTH_ADMIN=$SCIM_ADMIN ;;
	oauthlong) scim_start "SCIM_OAUTH=roster-client:$APP_SECRET" &&
		LONG_URL=$SCIM_URL LONG_ADMIN=$SCIM_ADMIN LONG_DIR=$SCIM_DIR ;;
	esac || {
		echo "Bail out! the SCIM server does not start"
		exit 1
	}
done

# restart-oauth.sh: the OAuth server whose tokens live an hour stopped and started again (it forgets its tokens and users).
cat >restart-oauth.sh <<EOF
ROSTER_SRC='$ROSTER_SRC'
TRASH='$TRASH'
SCIM_NAME=oauthlong
. '$TEST_DIR/scim-lib.sh'
SCIM_DIR='$LONG_DIR'
scim_stop && scim_start
EOF

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

# target NAME URL AUTH [more yaml]
target() {
	cat >>roster.yaml <<-EOF
	  - name: $1
	    connector: scim
	    url: $2
	    auth: $3
	    timeout: 5
	    correlate: {attribute: "$ENT:employeeNumber", field: employee_id}
	    attributes:
	      userName: "{given_name}@example.org"
	      $ENT:employeeNumber: "{employee_id}"
	EOF
	shift 3
	for more
	do
		echo "    $more" >>roster.yaml
	done
}

CREATE='{"op":"create","employee_id":"1","correlate":"E1","attrs":{"userName":"jan@example.org","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"E1"}}'
LOOKUP='{"op":"lookup","value":"E1"}'

# log URL_OF_ADMIN: the requests a server saw, "METHOD PATH STATUS" a line.
log_of() {
	curl -s -f -k "$1/log" | jq -r '.[] | .[0] + " " + (.[1] | sub("/[-0-9a-f]{36}"; "/ID")) + " " + (.[5] | tostring)'
}

test_expect_success 'setup: targets for each way in' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
		-subj "/CN=another CA" >openssl.log 2>&1 &&
	write_config &&
	echo "targets:" >>roster.yaml &&
	target tls "$TLS_URL" "{bearer: \"\${env:APP_TOKEN}\"}" "ca_file: certs/ca.pem" &&
	target untrusted "$TLS_URL" "{bearer: \"\${env:APP_TOKEN}\"}" &&
	target otherca "$TLS_URL" "{bearer: \"\${env:APP_TOKEN}\"}" "ca_file: other.pem" &&
	target insecure "$TLS_URL" "{bearer: \"\${env:APP_TOKEN}\"}" "insecure: true" &&
	target basic "$BASIC_URL" "{basic: {user: roster, password: \"\${env:APP_PASSWORD}\"}}" &&
	target basicwrong "$BASIC_URL" "{basic: {user: roster, password: not-it-4711}}" &&
	target oauth "$OAUTH_URL" \
		"{oauth2: {token_url: \"${OAUTH_ADMIN%/_admin}/oauth/token\", client_id: roster-client, client_secret: \"\${env:APP_SECRET}\", scope: \"scim.write\"}}" &&
	target oauthlong "$LONG_URL" \
		"{oauth2: {token_url: \"${LONG_ADMIN%/_admin}/oauth/token\", client_id: roster-client, client_secret: \"\${env:APP_SECRET}\"}}" &&
	target oauthwrong "$OAUTH_URL" \
		"{oauth2: {token_url: \"${OAUTH_ADMIN%/_admin}/oauth/token\", client_id: roster-client, client_secret: wrong-secret-4711}}" &&
	echo "{\"op\":\"check\"}" | drive oauth &&
	all_ok
'

test_expect_success 'https with ca_file: the certificate is checked against it, and works' '
	{
		echo "$CREATE" &&
		echo "$LOOKUP"
	} | drive tls &&
	all_ok &&
	answer 2 .object.attrs.userName jan@example.org &&
	log_of "$TLS_ADMIN" | grep "^POST /scim/v2/Users 201$"
'

test_expect_success 'https: a certificate from no CA roster knows, or from another CA, is refused' '
	echo "$LOOKUP" | drive untrusted &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "$TLS_URL: GET /Users?filter=" &&
	test_must_contain msg "(TLS: the server'"'"'s certificate must be from a CA of ca_file" &&
	echo "$LOOKUP" | drive otherca &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "SSL certificate problem" &&
	test_must_contain msg "insecure: true turns the check off"
'

test_expect_success 'https with insecure: true: not checked, works' '
	echo "$LOOKUP" | drive insecure &&
	all_ok &&
	answer 1 .found true &&
	sed "s/insecure: true/insecure: yes/" roster.yaml >bad.yaml &&
	echo "$LOOKUP" | test_expect_code 1 "$LDAP_DRIVER" bad.yaml insecure >out.jsonl &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "target \"insecure\": insecure: \"yes\" is not a boolean (expected true or false)"
'

test_expect_success 'HTTP Basic: works; a wrong password is refused without showing it' '
	{
		echo "$CREATE" &&
		echo "$LOOKUP"
	} | drive basic &&
	all_ok &&
	answer 2 .found true &&
	echo "$LOOKUP" | drive basicwrong &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "401 Unauthorized" &&
	test_must_contain msg "the provider refused roster'"'"'s credentials (auth:)" &&
	test_must_not_contain msg "not-it-4711" &&
	test_must_not_contain msg "p@ss"
'

test_expect_success 'OAuth 2.0 client credentials: a token when needed, a new one when it ran out' '
	curl -s -f "$OAUTH_ADMIN/log?clear=1" >/dev/null &&
	{
		echo "$CREATE" &&
		echo "$LOOKUP" &&
		echo "{\"op\":\"sh\",\"command\":\"sleep 2\"}" &&
		echo "$LOOKUP"
	} | drive oauth &&
	all_ok &&
	answer 2 .found true &&
	answer 4 .found true &&
	log_of "$OAUTH_ADMIN" >log &&
	cat >expect <<-EOF &&
	POST /oauth/token 200
	GET /scim/v2/ServiceProviderConfig 200
	POST /scim/v2/Users 201
	GET /scim/v2/Users?filter=$ENT:employeeNumber eq "E1"&startIndex=1&count=2 200
	POST /oauth/token 200
	GET /scim/v2/Users?filter=$ENT:employeeNumber eq "E1"&startIndex=1&count=2 200
	EOF
	test_cmp expect log
'

test_expect_success 'OAuth 2.0: a provider that forgets the token (restarted) gets a new one at once' '
	{
		echo "$CREATE" &&
		echo "{\"op\":\"sh\",\"command\":\"sh restart-oauth.sh\"}" &&
		echo "$LOOKUP"
	} | drive oauthlong &&
	all_ok &&
	answer 2 .status 0 &&
	answer 3 .found false &&
	log_of "$LONG_ADMIN" >log &&
	cat >expect <<-EOF &&
	GET /scim/v2/Users?filter=$ENT:employeeNumber eq "E1"&startIndex=1&count=2 401
	POST /oauth/token 200
	GET /scim/v2/Users?filter=$ENT:employeeNumber eq "E1"&startIndex=1&count=2 200
	EOF
	test_cmp expect log
'

test_expect_success 'OAuth 2.0: a wrong client secret is refused by the token endpoint, without showing it' '
	echo "$LOOKUP" | drive oauthwrong &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "/oauth/token: oauth2 token: 401 Unauthorized: invalid_client" &&
	test_must_contain msg "the token endpoint refused roster'"'"'s client_id and client_secret" &&
	test_must_not_contain msg "wrong-secret-4711" &&
	test_must_not_contain msg "s3cret"
'

test_done
