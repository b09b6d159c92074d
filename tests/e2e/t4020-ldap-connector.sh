#!/bin/sh
# The ldap connector against a real slapd of the test's own (slapd-lib.sh),
# driven operation by operation by ldap-driver, and checked with ldapsearch:
# names with * ( ) \ , + " < > ; = # and non-ASCII in attributes, DNs and
# lookups; update, move, disable and enable both ways, groups made when
# missing and idempotent grants and revokes, delete, paged listing of 1,200
# entries, a server that stops, restarts or stops answering, TLS; then
# roster plan and roster apply with the same kind of names.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/slapd-lib.sh"

LDAP_DRIVER=${LDAP_DRIVER:-${ROSTER%/src/cli/roster}/tests/ldap-driver}
export LDAP_PASSWORD=$SLAPD_BIND_PW
PEOPLE=ou=people,dc=example,dc=org

cat >depts.ldif <<-EOF
dn: ou=ICT,$PEOPLE
objectClass: organizationalUnit
ou: ICT

dn: ou=FIN,$PEOPLE
objectClass: organizationalUnit
ou: FIN

dn: ou=F\+N,$PEOPLE
objectClass: organizationalUnit
ou: F+N
EOF
slapd_setup "$TRASH/depts.ldif" || exit 1
if ! slapd_start
then
	echo "Bail out! slapd does not start"
	exit 1
fi

# --- helpers ---

# drive TARGET: the JSON lines on stdin through ldap-driver, its answers in out.jsonl.
drive() {
	"$LDAP_DRIVER" roster.yaml "$1" >out.jsonl
}

# answer N FILTER EXPECTED: jq -r FILTER on answer N (1-based) gives EXPECTED.
answer() {
	got=$(sed -n "$1p" out.jsonl | jq -r "$2") || return 1
	if test "$got" != "$3"
	then
		echo "answer $1: $2 gave \"$got\", expected \"$3\"; all answers:" >&2
		cat out.jsonl >&2
		return 1
	fi
}

# all_ok: every answer in out.jsonl is ok.
all_ok() {
	if grep -v '"ok":true' out.jsonl >&2
	then
		echo "(not ok above)" >&2
		return 1
	fi
}

# line OP [KEY VALUE]...: like req, with op as the first key.
line() {
	op_name=$1
	shift
	i=0
	prog='{op: $op}'
	while test $# -gt 1
	do
		i=$((i + 1))
		case $1 in
		attrs.* | changed.*) prog="$prog | .${1%%.*}[\"${1#*.}\"] = \$v$i" ;;
		enabled) prog="$prog | .enabled = (\$v$i == \"true\")" ;;
		*) prog="$prog | .[\"$1\"] = \$v$i" ;;
		esac
		eval "v$i=\$2"
		shift 2
	done
	set --
	j=1
	while test $j -le $i
	do
		eval "set -- \"\$@\" --arg v$j \"\$v$j\""
		j=$((j + 1))
	done
	jq -cn --arg op "$op_name" "$@" "$prog"
}

# value DN ATTR: the first value of ATTR of the entry DN, as ldapsearch shows it (base64 decoded).
value() {
	slapd_search -s base -b "$1" "$2" >entry.ldif || return 1
	sed -n "s/^$2: //p; s/^$2:: \\(.*\\)/\\1/p" entry.ldif >value.raw
	if grep -q "^$2:: " entry.ldif
	then
		base64 -d <value.raw
	else
		head -n 1 value.raw | tr -d '\n'
	fi
}

# exists DN: the entry is there; absent DN: it is not.
exists() {
	slapd_search -s base -b "$1" 1.1 >/dev/null 2>&1
}

absent() {
	slapd_search -s base -b "$1" 1.1 >/dev/null 2>&1
	test $? = 32
}

# members GROUP: the member values of cn=GROUP,ou=groups, one a line, sorted, in slapd's form.
members() {
	slapd_search -s base -b "cn=$1,ou=groups,dc=example,dc=org" member >group.ldif 2>/dev/null || return 1
	sed -n 's/^member: //p; s/^member:: \(.*\)/\1/p' group.ldif | sort
}

# The DNs the tests use, as roster renders them (RFC 4514: the dn filter).
DN_JAN="uid=Jan (Admin)*,ou=ICT,$PEOPLE"
DN_OBRIEN="uid=O'Brien\\, Pat,ou=ICT,$PEOPLE"
DN_OBRIEN_FIN="uid=O'Brien\\, Pat,ou=FIN,$PEOPLE"
DN_SPECIAL="uid=\\+\\\"\\<\\>\\;\\=#,ou=F\\+N,$PEOPLE"
DN_ZOE="uid=Zoë Çelik-Łukasik,ou=ICT,$PEOPLE"
DN_HASH="uid=\\#hash\\ ,ou=ICT,$PEOPLE"

test_expect_success 'setup: targets on our slapd' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
		-subj "/CN=another CA" >openssl.log 2>&1 &&
	write_config &&
	cat >>roster.yaml <<-EOF &&
	targets:
	  - name: ldap
	    connector: ldap
	    url: $SLAPD_URL
	    bind_dn: $SLAPD_BIND_DN
	    bind_password: \${env:LDAP_PASSWORD}
	    correlate: {attribute: employeeNumber, field: employee_id}
	    dn: "uid={account.uid},ou={contract.department.code},$PEOPLE"
	    object_classes: [inetOrgPerson]
	    groups: {base: "ou=groups,dc=example,dc=org", object_class: groupOfNames, member_attribute: member, create_missing: true}
	    disable: {move_to: "ou=disabled,dc=example,dc=org"}
	    timeout: 2
	    page_size: 500
	    attributes:
	      employeeNumber: "{employee_id}"
	      uid: "{given_name}"
	      cn: "{display_name}"
	      sn: "{family_name}"
	      mail: "{given_name}@example.org"
	      title: "{contract.title.name}"
	  - name: attr
	    connector: ldap
	    url: $SLAPD_URL
	    bind_dn: $SLAPD_BIND_DN
	    bind_password: \${env:LDAP_PASSWORD}
	    correlate: {attribute: employeeNumber, field: employee_id}
	    dn: "uid={account.uid},ou=ICT,$PEOPLE"
	    groups: {base: "ou=groups,dc=example,dc=org"}
	    disable: {attribute: employeeType, value: disabled}
	    attributes:
	      employeeNumber: "{employee_id}"
	      uid: "{given_name}"
	      sn: "{family_name}"
	      cn: "{display_name}"
	  - name: ldaps
	    connector: ldap
	    url: $SLAPD_LDAPS_URL
	    ca_file: slapd/ca.pem
	    bind_dn: $SLAPD_BIND_DN
	    bind_password: \${env:LDAP_PASSWORD}
	    correlate: {attribute: employeeNumber, field: employee_id}
	    dn: "uid={account.uid},$PEOPLE"
	  - name: starttls
	    connector: ldap
	    url: $SLAPD_URL
	    starttls: true
	    ca_file: slapd/ca.pem
	    bind_dn: $SLAPD_BIND_DN
	    bind_password: \${env:LDAP_PASSWORD}
	    correlate: {attribute: employeeNumber, field: employee_id}
	    dn: "uid={account.uid},$PEOPLE"
	  - name: otherca
	    connector: ldap
	    url: $SLAPD_LDAPS_URL
	    ca_file: other.pem
	    correlate: {attribute: employeeNumber, field: employee_id}
	    dn: "uid={account.uid},$PEOPLE"
	  - name: wrongpw
	    connector: ldap
	    url: $SLAPD_URL
	    bind_dn: $SLAPD_BIND_DN
	    bind_password: not-the-password
	    correlate: {attribute: employeeNumber, field: employee_id}
	    dn: "uid={account.uid},$PEOPLE"
	EOF
	echo "{\"op\":\"check\"}" | drive ldap &&
	all_ok
'

test_expect_success 'check names a wrong key at its place in roster.yaml' '
	sed "s/disable: {move_to: \"ou=disabled,dc=example,dc=org\"}/disable: {move_to: x, attribute: y}/" \
		roster.yaml >bad.yaml &&
	test_expect_code 1 "$LDAP_DRIVER" bad.yaml ldap </dev/null >bad.out &&
	jq -r .message bad.out >msg &&
	test_must_contain msg "bad.yaml:" &&
	test_must_contain msg "target \"ldap\": disable: expected move_to, or attribute and value, not both" &&
	sed "s/page_size: 500/page_size: lots/" roster.yaml >bad.yaml &&
	test_expect_code 1 "$LDAP_DRIVER" bad.yaml ldap </dev/null >bad.out &&
	jq -r .message bad.out >msg &&
	test_must_contain msg "page_size: \"lots\" is not a whole number from 1 to 1000000" &&
	# an empty value has no place of its own: the message names its key'"'"'s
	awk "/^    url: / && !done { print \"    url:\"; done = 1; next } { print }" roster.yaml >bad.yaml &&
	line=$(grep -n "^    url:\$" bad.yaml | cut -d: -f1) &&
	test -n "$line" &&
	test_expect_code 1 "$LDAP_DRIVER" bad.yaml ldap </dev/null >bad.out &&
	jq -r .message bad.out >msg &&
	test_must_contain msg "bad.yaml:$line:5: target \"ldap\": url: \"\" is not an LDAP URL"
'

test_expect_success 'create: hostile names in attributes and in the DN' '
	{
		line create employee_id 1 correlate "E*" attrs.dn "$DN_JAN" attrs.employeeNumber "E*" \
			attrs.uid "Jan (Admin)*" attrs.cn "Jan (Admin)*" attrs.sn "Admin" attrs.mail "" &&
		line create employee_id 2 correlate "E*1" attrs.dn "$DN_OBRIEN" attrs.employeeNumber "E*1" \
			attrs.uid "O'"'"'Brien, Pat" attrs.cn "Pat O'"'"'Brien" attrs.sn "O'"'"'Brien, Pat" &&
		line create employee_id 3 correlate "E(1)" attrs.dn "$DN_SPECIAL" attrs.employeeNumber "E(1)" \
			attrs.uid "+\"<>;=#" attrs.cn "+\"<>;=# \\ \\\\" attrs.sn "x" &&
		line create employee_id 4 correlate "E\\4" attrs.dn "$DN_ZOE" attrs.employeeNumber "E\\4" \
			attrs.uid "Zoë Çelik-Łukasik" attrs.cn "Zoë Çelik-Łukasik" attrs.sn "Çelik-Łukasik" &&
		line create employee_id 5 correlate "E5" attrs.dn "$DN_HASH" attrs.employeeNumber "E5" \
			attrs.uid "#hash " attrs.cn "#hash " attrs.sn "h"
	} | drive ldap &&
	all_ok &&
	answer 1 .ref "$DN_JAN" &&
	answer 2 .ref "$DN_OBRIEN" &&
	answer 3 .ref "$DN_SPECIAL" &&
	answer 4 .ref "$DN_ZOE" &&
	test "$(value "$DN_JAN" uid)" = "Jan (Admin)*" &&
	test "$(value "$DN_OBRIEN" uid)" = "O'"'"'Brien, Pat" &&
	test "$(value "$DN_OBRIEN" sn)" = "O'"'"'Brien, Pat" &&
	test "$(value "$DN_SPECIAL" uid)" = "+\"<>;=#" &&
	test "$(value "$DN_SPECIAL" cn)" = "+\"<>;=# \\ \\\\" &&
	test "$(value "$DN_ZOE" uid)" = "Zoë Çelik-Łukasik" &&
	test "$(value "$DN_HASH" uid)" = "#hash " &&
	# an empty value is left out, and the entry has the object class asked for
	test "$(value "$DN_JAN" mail)" = "" &&
	test "$(value "$DN_JAN" objectClass)" = inetOrgPerson &&
	# five entries, no more: nothing was split into another name
	slapd_search -b "$PEOPLE" "(objectClass=inetOrgPerson)" 1.1 >people.ldif &&
	test "$(grep -c "^dn" people.ldif)" = 5
'

test_expect_success 'lookup: a value with * and ( finds exactly its own entry' '
	{
		line lookup value "E*" &&
		line lookup value "E*1" &&
		line lookup value "E(1)" &&
		line lookup value "E\\4" &&
		line lookup value "*" &&
		line lookup value "E" &&
		line lookup value "E*)(uid=*"
	} | drive ldap &&
	all_ok &&
	answer 1 .object.ref "$DN_JAN" &&
	answer 1 .object.attrs.uid "Jan (Admin)*" &&
	answer 1 .object.attrs.dn "$DN_JAN" &&
	answer 1 .object.enabled true &&
	answer 2 .object.ref "$DN_OBRIEN" &&
	answer 2 .object.attrs.dn "$DN_OBRIEN" &&
	answer 3 .object.attrs.uid "+\"<>;=#" &&
	answer 3 .object.attrs.dn "$DN_SPECIAL" &&
	answer 4 .object.attrs.cn "Zoë Çelik-Łukasik" &&
	answer 5 .found false &&
	answer 6 .found false &&
	answer 7 .found false
'

test_expect_success 'lookup: two entries with one correlate value is a conflict' '
	printf "dn: uid=twin1,ou=FIN,$PEOPLE\nobjectClass: inetOrgPerson\nuid: twin1\ncn: t\nsn: t\nemployeeNumber: twin\n\ndn: uid=twin2,ou=FIN,$PEOPLE\nobjectClass: inetOrgPerson\nuid: twin2\ncn: t\nsn: t\nemployeeNumber: twin\n" |
	slapd_add &&
	line lookup value twin | drive ldap &&
	answer 1 .class conflict &&
	answer 1 .message "$SLAPD_URL: more than one entry has (employeeNumber=twin) (expected one account per person)" &&
	ldapdelete -x -H "$SLAPD_URL" -D "$SLAPD_ROOT_DN" -w "$SLAPD_ROOT_PW" \
		"uid=twin1,ou=FIN,$PEOPLE" "uid=twin2,ou=FIN,$PEOPLE"
'

test_expect_success 'create of an entry that is there is a conflict' '
	line create employee_id 1 correlate "E*" attrs.dn "$DN_JAN" attrs.employeeNumber "E*" \
		attrs.uid "Jan (Admin)*" attrs.cn "Jan (Admin)*" attrs.sn "Admin" | drive ldap &&
	answer 1 .class conflict &&
	answer 1 .message "$SLAPD_URL: add \"$DN_JAN\": Already exists (68)"
'

test_expect_success 'update: replace what changed, delete what became empty; a rerun does the same' '
	{
		line update ref "$DN_OBRIEN" correlate "E*1" attrs.dn "$DN_OBRIEN" \
			changed.mail "pat@example.org" changed.title "Boss, (acting)" &&
		line update ref "$DN_OBRIEN" correlate "E*1" attrs.dn "$DN_OBRIEN" \
			changed.mail "o.brien@example.org" changed.title "" &&
		line update ref "$DN_OBRIEN" correlate "E*1" attrs.dn "$DN_OBRIEN" \
			changed.mail "o.brien@example.org" changed.title ""
	} | drive ldap &&
	all_ok &&
	test "$(value "$DN_OBRIEN" mail)" = o.brien@example.org &&
	slapd_search -s base -b "$DN_OBRIEN" title >entry.ldif &&
	test_must_not_contain entry.ldif "title" &&
	test "$(value "$DN_OBRIEN" cn)" = "Pat O'"'"'Brien"
'

test_expect_success 'grant: a missing group is made with its first member; twice is once' '
	{
		line grant ref "$DN_OBRIEN" attrs.dn "$DN_OBRIEN" group "Jan (Admin)*" &&
		line grant ref "$DN_OBRIEN" attrs.dn "$DN_OBRIEN" group "Jan (Admin)*" &&
		line grant ref "$DN_JAN" attrs.dn "$DN_JAN" group "Jan (Admin)*" &&
		line grant ref "$DN_ZOE" attrs.dn "$DN_ZOE" group "O'"'"'Brien, Pat +\"<>;=#" &&
		line lookup value "E*1"
	} | drive ldap &&
	all_ok &&
	members "Jan (Admin)*" >actual &&
	printf "%s\n" "uid=Jan (Admin)*,ou=ICT,$PEOPLE" "uid=O'"'"'Brien\\2C Pat,ou=ICT,$PEOPLE" >expect &&
	test_cmp expect actual &&
	test "$(value "cn=O'"'"'Brien\\, Pat \\+\\\"\\<\\>\\;\\=#,ou=groups,dc=example,dc=org" cn)" = \
		"O'"'"'Brien, Pat +\"<>;=#" &&
	answer 5 ".object.permissions | join(\"|\")" "Jan (Admin)*"
'

test_expect_success 'revoke: a member that is not there, or a group that is not, is no error' '
	{
		line revoke ref "$DN_SPECIAL" attrs.dn "$DN_SPECIAL" group "Jan (Admin)*" &&
		line revoke ref "$DN_SPECIAL" attrs.dn "$DN_SPECIAL" group "no such group" &&
		line revoke ref "$DN_JAN" attrs.dn "$DN_JAN" group "Jan (Admin)*" &&
		line revoke ref "$DN_JAN" attrs.dn "$DN_JAN" group "Jan (Admin)*"
	} | drive ldap &&
	all_ok &&
	members "Jan (Admin)*" >actual &&
	printf "%s\n" "uid=O'"'"'Brien\\2C Pat,ou=ICT,$PEOPLE" >expect &&
	test_cmp expect actual
'

test_expect_success 'revoke of the last member removes a group roster makes (groupOfNames needs one)' '
	line revoke ref "$DN_ZOE" attrs.dn "$DN_ZOE" group "O'"'"'Brien, Pat +\"<>;=#" | drive ldap &&
	all_ok &&
	absent "cn=O'"'"'Brien\\, Pat \\+\\\"\\<\\>\\;\\=#,ou=groups,dc=example,dc=org"
'

test_expect_success 'move: to another ou, with its group memberships; a second move is no change' '
	{
		line move ref "$DN_OBRIEN" correlate "E*1" attrs.dn "$DN_OBRIEN_FIN" &&
		line move ref "$DN_OBRIEN" correlate "E*1" attrs.dn "$DN_OBRIEN_FIN" &&
		line lookup value "E*1"
	} | drive ldap &&
	all_ok &&
	answer 1 .ref "$DN_OBRIEN_FIN" &&
	answer 2 .ref "$DN_OBRIEN_FIN" &&
	answer 3 .object.ref "$DN_OBRIEN_FIN" &&
	absent "$DN_OBRIEN" &&
	test "$(value "$DN_OBRIEN_FIN" uid)" = "O'"'"'Brien, Pat" &&
	members "Jan (Admin)*" >actual &&
	printf "%s\n" "uid=O'"'"'Brien\\2C Pat,ou=FIN,$PEOPLE" >expect &&
	test_cmp expect actual
'

test_expect_success 'move: to an ou that does not exist is a permanent error' '
	line move ref "$DN_JAN" correlate "E*" attrs.dn "uid=Jan (Admin)*,ou=NOPE,$PEOPLE" | drive ldap &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "the new parent \"ou=NOPE,$PEOPLE\" may not exist" &&
	exists "$DN_JAN"
'

test_expect_success 'disable by move_to: under ou=disabled, memberships along; enable: back to its dn' '
	DIS="uid=O'"'"'Brien\\, Pat,ou=disabled,dc=example,dc=org" &&
	{
		line disable ref "$DN_OBRIEN_FIN" correlate "E*1" attrs.dn "$DN_OBRIEN_FIN" &&
		line disable ref "$DN_OBRIEN_FIN" correlate "E*1" attrs.dn "$DN_OBRIEN_FIN" &&
		line lookup value "E*1" &&
		line update ref "$DN_OBRIEN_FIN" correlate "E*1" attrs.dn "$DN_OBRIEN_FIN" changed.title "gone"
	} | drive ldap &&
	all_ok &&
	answer 3 .object.enabled false &&
	answer 3 .object.ref "$DIS" &&
	absent "$DN_OBRIEN_FIN" &&
	test "$(value "$DIS" title)" = gone &&
	members "Jan (Admin)*" >actual &&
	printf "%s\n" "uid=O'"'"'Brien\\2C Pat,ou=disabled,dc=example,dc=org" >expect &&
	test_cmp expect actual &&
	# enabled again, in another department: where its dn says now
	{
		line enable ref "$DN_OBRIEN_FIN" correlate "E*1" attrs.dn "$DN_OBRIEN" &&
		line enable ref "$DN_OBRIEN_FIN" correlate "E*1" attrs.dn "$DN_OBRIEN" &&
		line lookup value "E*1"
	} | drive ldap &&
	all_ok &&
	answer 3 .object.enabled true &&
	answer 3 .object.ref "$DN_OBRIEN" &&
	absent "$DIS" &&
	members "Jan (Admin)*" >actual &&
	printf "%s\n" "uid=O'"'"'Brien\\2C Pat,ou=ICT,$PEOPLE" >expect &&
	test_cmp expect actual
'

test_expect_success 'create disabled (ahead of the first day): under ou=disabled, enabled at its dn' '
	DN6="uid=new\\, hire,ou=FIN,$PEOPLE" &&
	{
		line create employee_id 6 correlate E6 enabled false attrs.dn "$DN6" attrs.employeeNumber E6 \
			attrs.uid "new, hire" attrs.cn "New Hire" attrs.sn "Hire" &&
		line lookup value E6 &&
		line enable ref "uid=new\\, hire,ou=disabled,dc=example,dc=org" correlate E6 attrs.dn "$DN6" &&
		line lookup value E6
	} | drive ldap &&
	all_ok &&
	answer 1 .ref "uid=new\\, hire,ou=disabled,dc=example,dc=org" &&
	answer 2 .object.enabled false &&
	answer 4 .object.enabled true &&
	answer 4 .object.ref "$DN6" &&
	exists "$DN6"
'

test_expect_success 'no disable: key: an account ahead of its first day is not made (it would work at once)' '
	DN7="uid=early,ou=FIN,$PEOPLE" &&
	line create employee_id 7 correlate E7 enabled false attrs.dn "$DN7" attrs.employeeNumber E7 \
		attrs.uid early attrs.cn Early attrs.sn Early | drive ldaps &&
	answer 1 .ok false &&
	answer 1 .class permanent &&
	jq -r .message out.jsonl >msg &&
	test_must_contain msg "target \"ldaps\" has no disable: key, so an account made ahead of its first day would be usable at once: not created" &&
	! exists "$DN7"
'

test_expect_success 'disable by attribute: sets it, enable removes it; created disabled has it' '
	DN7="uid=attr\\=user,ou=ICT,$PEOPLE" &&
	{
		line create employee_id 7 correlate E7 attrs.dn "$DN7" attrs.employeeNumber E7 \
			attrs.uid "attr=user" attrs.cn "A" attrs.sn "A" &&
		line disable ref "$DN7" correlate E7 attrs.dn "$DN7" &&
		line disable ref "$DN7" correlate E7 attrs.dn "$DN7" &&
		line lookup value E7
	} | drive attr &&
	all_ok &&
	answer 4 .object.enabled false &&
	test "$(value "$DN7" employeeType)" = disabled &&
	{
		line enable ref "$DN7" correlate E7 attrs.dn "$DN7" &&
		line enable ref "$DN7" correlate E7 attrs.dn "$DN7" &&
		line lookup value E7 &&
		line create employee_id 8 correlate E8 enabled false attrs.dn "uid=e8,ou=ICT,$PEOPLE" \
			attrs.employeeNumber E8 attrs.uid e8 attrs.cn e8 attrs.sn e8 &&
		line lookup value E8
	} | drive attr &&
	all_ok &&
	answer 3 .object.enabled true &&
	answer 5 .object.enabled false &&
	slapd_search -s base -b "$DN7" employeeType >entry.ldif &&
	test_must_not_contain entry.ldif employeeType &&
	test "$(value "uid=e8,ou=ICT,$PEOPLE" employeeType)" = disabled
'

test_expect_success 'a group that is missing is an error when create_missing is not set' '
	line grant ref "uid=e8,ou=ICT,$PEOPLE" attrs.dn "uid=e8,ou=ICT,$PEOPLE" group nowhere | drive attr &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "group \"nowhere\" does not exist (groups: create_missing: true makes it)"
'

test_expect_success 'remove: the entry goes; a second remove is not found' '
	{
		line remove ref "$DN_SPECIAL" correlate "E(1)" attrs.dn "$DN_SPECIAL" &&
		line remove ref "$DN_SPECIAL" correlate "E(1)" attrs.dn "$DN_SPECIAL" &&
		line lookup value "E(1)"
	} | drive ldap &&
	answer 1 .ok true &&
	answer 2 .class notfound &&
	answer 3 .found false &&
	absent "$DN_SPECIAL"
'

test_expect_success 'list: 1,200 more entries, in pages (the bind account gets 1,000 at most without)' '
	i=1000 &&
	while test $i -lt 2200
	do
		echo "{\"op\":\"create\",\"employee_id\":\"$i\",\"correlate\":\"$i\",\"attrs\":{\"dn\":\"uid=u$i,ou=FIN,$PEOPLE\",\"employeeNumber\":\"$i\",\"uid\":\"u$i\",\"cn\":\"User $i\",\"sn\":\"U\"}}" ||
			return 1
		i=$((i + 1))
	done >bulk.jsonl &&
	echo "{\"op\":\"list\",\"show\":true}" >>bulk.jsonl &&
	drive ldap <bulk.jsonl &&
	all_ok &&
	echo "1,200 creates one by one: $(head -n 1200 out.jsonl | jq -s "map(.ms) | add | floor") ms in all" >>measured &&
	answer 1201 .count 1207 &&
	echo "list of 1,207 in pages of 500: $(sed -n 1201p out.jsonl | jq ".ms | floor") ms" >>measured &&
	sed -n 1201p out.jsonl | jq -r ".objects[].ref" | sort -u >refs &&
	test "$(wc -l <refs)" = 1207 &&
	test_must_contain refs "uid=u2199,ou=FIN,$PEOPLE" &&
	test_must_contain refs "uid=O'"'"'Brien\\, Pat,ou=ICT,$PEOPLE" &&
	test_must_contain refs "uid=new\\, hire,ou=FIN,$PEOPLE" &&
	sed -n 1201p out.jsonl | jq -r ".objects[] | select(.attrs.employeeNumber == \"E*1\") | .permissions | join(\"|\")" >perms &&
	echo "Jan (Admin)*" >expect &&
	test_cmp expect perms &&
	# without pages the server stops at 1,000 for roster s account
	test_expect_code 4 ldapsearch -x -H "$SLAPD_URL" -D "$SLAPD_BIND_DN" -w "$SLAPD_BIND_PW" \
		-b "$PEOPLE" "(objectClass=inetOrgPerson)" 1.1 >/dev/null &&
	# and pages of more than 500 it refuses: the connector really asked for 500
	sed "s/page_size: 500/page_size: 600/" roster.yaml >big.yaml &&
	echo "{\"op\":\"list\"}" | "$LDAP_DRIVER" big.yaml ldap >out.jsonl &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "Administrative limit exceeded"
'

sh_line() {
	line sh command ". \"$TEST_DIR/slapd-lib.sh\" && SLAPD_DIR=\"$SLAPD_DIR\" && $1"
}

test_expect_success 'slapd stopped: transient; started again: the same connection works again' '
	{
		line lookup value "E*" &&
		sh_line slapd_stop &&
		line lookup value "E*" &&
		line create employee_id 9 correlate E9 attrs.dn "uid=e9,ou=ICT,$PEOPLE" attrs.employeeNumber E9 \
			attrs.uid e9 attrs.cn e9 attrs.sn e9 &&
		sh_line slapd_start &&
		line create employee_id 9 correlate E9 attrs.dn "uid=e9,ou=ICT,$PEOPLE" attrs.employeeNumber E9 \
			attrs.uid e9 attrs.cn e9 attrs.sn e9 &&
		sh_line "slapd_stop && slapd_start" &&
		line lookup value E9
	} | drive ldap &&
	answer 1 .found true &&
	answer 2 .status 0 &&
	answer 3 .class transient &&
	answer 3 .message "$SLAPD_URL: search \"(employeeNumber=E\\2a)\": Can'"'"'t contact LDAP server (-1)" &&
	answer 4 .class transient &&
	echo "a stopped server: transient in $(sed -n 3p out.jsonl | jq ".ms * 10 | floor / 10") ms" >>measured &&
	answer 5 .status 0 &&
	answer 6 .ok true &&
	answer 7 .status 0 &&
	answer 8 .object.ref "uid=e9,ou=ICT,$PEOPLE" &&
	slapd_urls &&
	exists "uid=e9,ou=ICT,$PEOPLE"
'

test_expect_success 'slapd does not answer: transient after the timeout (2 s), then works' '
	{
		line lookup value "E*" &&
		sh_line slapd_pause &&
		line lookup value "E*" &&
		line lookup value "E*" &&
		sh_line slapd_resume &&
		line lookup value "E*"
	} | drive ldap &&
	answer 1 .found true &&
	answer 3 .class transient &&
	answer 3 .message "$SLAPD_URL: search \"(employeeNumber=E\\2a)\": Timed out (-5)" &&
	ms=$(sed -n 3p out.jsonl | jq ".ms | floor") &&
	echo "an operation on a server that does not answer: transient after $ms ms" >>measured &&
	test "$ms" -ge 1900 && test "$ms" -lt 6000 &&
	answer 4 .class transient &&
	ms=$(sed -n 4p out.jsonl | jq ".ms | floor") &&
	echo "connecting to a server that does not answer: transient after $ms ms" >>measured &&
	test "$ms" -ge 1900 && test "$ms" -lt 6000 &&
	answer 6 .found true
'

test_expect_success 'TLS: ldaps:// and StartTLS with ca_file work; another CA is refused' '
	line lookup value "E*" | drive ldaps &&
	answer 1 .object.ref "$DN_JAN" &&
	line lookup value "E*" | drive starttls &&
	answer 1 .object.ref "$DN_JAN" &&
	line lookup value "E*" | drive otherca &&
	answer 1 .class transient &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "or TLS failed: is the server'"'"'s certificate from ca_file" &&
	line lookup value "E*" | drive wrongpw &&
	answer 1 .class permanent &&
	sed -n 1p out.jsonl | jq -r .message >msg &&
	test_must_contain msg "Invalid credentials (49)"
'

test_expect_success 'roster plan escapes every field of dn:, and roster apply makes the entries' '
	cat >hr/persons.csv <<-\EOF &&
	employee_id,given_name,family_name
	p1,"O'"'"'Brien, Pat",Jansen
	p2,Jan (Admin)*,Smit
	p3,"+""<>;=#",X
	p4,Zoë,Çelik
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	contract_id,employee_id,start_date,end_date,department.code,type
	c1,p1,2024-01-01,,FIN,employee
	c2,p2,2024-01-01,,FIN,employee
	c3,p3,2024-01-01,,F+N,employee
	c4,p4,2024-01-01,,FIN,employee
	EOF
	sed -e "s/^vault: .*/vault: var\\/apply.db/" -e "/^  - name: attr/,\$d" -e "/^      mail:/d" -e "/^      title:/d" \
		roster.yaml >apply.yaml &&
	cat >>apply.yaml <<-\EOF &&
	rules:
	  - name: everyone
	    grant: [{target: ldap, account: true}, {target: ldap, group: "staff {contract.department.code}"}]
	EOF
	roster -c apply.yaml import --at 2025-01-06 >out &&
	roster -c apply.yaml plan --at 2025-01-06 --json >plan.json &&
	jq -r ".actions[] | select(.op == \"create\") | .attributes.dn" plan.json | sort >actual &&
	cat >expect <<-EOF &&
	uid=Jan (Admin)*,ou=FIN,$PEOPLE
	uid=O'"'"'Brien\\, Pat,ou=FIN,$PEOPLE
	uid=Zoë,ou=FIN,$PEOPLE
	uid=\\+\\"\\<\\>\\;\\=#,ou=F\\+N,$PEOPLE
	EOF
	sort expect >expect.sorted &&
	test_cmp expect.sorted actual &&
	roster -c apply.yaml apply --at 2025-01-06 --yes >out 2>&1 &&
	test_must_contain out "8 done, 0 failed" &&
	test "$(value "uid=\\+\\\"\\<\\>\\;\\=#,ou=F\\+N,$PEOPLE" uid)" = "+\"<>;=#" &&
	test "$(value "uid=O'"'"'Brien\\, Pat,ou=FIN,$PEOPLE" employeeNumber)" = p1 &&
	members "staff F\\+N" >actual &&
	printf "%s\n" "uid=\\2B\\22\\3C\\3E\\3B\\3D#,ou=F\\2BN,$PEOPLE" >expect &&
	test_cmp expect actual &&
	roster -c apply.yaml apply --at 2025-01-06 --yes >out 2>&1 &&
	test_must_contain out "nothing to apply"
'

if test -f measured
then
	sed "s/^/# measured: /" measured
fi
test_done
