#!/bin/sh
# The throwaway Samba AD DC of samba-lib.sh, proved with plain ldap-utils:
# the facts about Active Directory that the AD connector relies on. LDAPS
# verified against the test's CA (and refused without it, and simple binds
# refused without TLS), a user made enabled with its password in one add
# (unicodePwd: UTF-16LE of the quoted password), binds that fail with the
# "data" codes AD gives for a disabled account (533), a password that must
# be changed (773), an expired account (701) and a wrong password (52e), the
# errors of a duplicate sAMAccountName (68 00002071) or userPrincipalName
# (19 0000202F) and of a weak password (19 0000052D), a move by modrdn
# (deleteoldrdn=1 needed), objectGUID's string form and <GUID=...> as a DN,
# and a global security group with a member.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/samba-lib.sh"

t0=$(date +%s.%N)
samba_setup || {
	echo "Bail out! the Samba DC cannot be set up"
	exit 1
}
t1=$(date +%s.%N)
if ! samba_start
then
	echo "Bail out! samba does not start"
	exit 1
fi
t2=$(date +%s.%N)
say "setup (provision or copy) $(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}') s," \
	"start $(echo "$t1 $t2" | awk '{printf "%.1f", $2 - $1}') s${SAMBA_EXEC:+, in a network namespace}"

JAN="CN=Jan de Vries,OU=ICT,$SAMBA_USERS"
JAN_PW='Summer-Breeze-42'

# ldap TOOL ARGS...: an ldap-utils TOOL against the DC over LDAPS as the
# administrator, output (and errors) in out; its exit code.
ldap() {
	tool=$1
	shift
	LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC "$tool" -x -H "$SAMBA_URL" \
		-D "$SAMBA_BIND_DN" -w "$SAMBA_BIND_PW" "$@" >out 2>&1
}

# bind_as WHO PASSWORD: a simple bind (and a search of the root DSE); output in out.
bind_as() {
	LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapsearch -x -H "$SAMBA_URL" -D "$1" -w "$2" \
		-b "" -s base dn >out 2>&1
}

# attr DN ATTR: the values of ATTR of DN, one a line.
attr() {
	samba_search -b "$1" -s base "$2" | sed -n "s/^$2: //p"
}

# set_attr DN ATTR VALUE: replaces ATTR of DN.
set_attr() {
	printf 'dn: %s\nchangetype: modify\nreplace: %s\n%s: %s\n' "$1" "$2" "$2" "$3" | samba_modify
}

# guid_string BASE64: objectGUID's string form from its value as LDIF gives it
# (the first three fields are little-endian, the last two as stored).
guid_string() {
	echo "$1" | base64 -d | od -An -tx1 -v | tr -d '\n' | awk '{
		printf "%s%s%s%s-%s%s-%s%s-%s%s-%s%s%s%s%s%s\n",
			$4, $3, $2, $1, $6, $5, $8, $7, $9, $10, $11, $12, $13, $14, $15, $16 }'
}

test_expect_success 'LDAPS answers with a certificate the test CA verifies, and the OUs are there' '
	LDAPTLS_CACERT=$SAMBA_CA LDAPTLS_REQCERT=demand $SAMBA_EXEC ldapsearch -x -LLL \
		-H "$SAMBA_URL" -b "" -s base defaultNamingContext >root &&
	test_must_contain root "defaultNamingContext: DC=example,DC=org" &&
	samba_search -b "$SAMBA_ORG" "(objectClass=organizationalUnit)" dn | grep "^dn:" | sort >ous &&
	cat >expect <<-EOF &&
	dn: OU=Disabled,OU=Org,DC=example,DC=org
	dn: OU=FIN,OU=Users,OU=Org,DC=example,DC=org
	dn: OU=Groups,OU=Org,DC=example,DC=org
	dn: OU=HR,OU=Users,OU=Org,DC=example,DC=org
	dn: OU=ICT,OU=Users,OU=Org,DC=example,DC=org
	dn: OU=Org,DC=example,DC=org
	dn: OU=Users,OU=Org,DC=example,DC=org
	EOF
	test_cmp expect ous
'

test_expect_success 'a client with another CA refuses the certificate' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 1 \
		-subj "/CN=another CA" 2>/dev/null &&
	test_expect_code 255 env LDAPTLS_CACERT=$TRASH/other.pem LDAPTLS_REQCERT=demand \
		$SAMBA_EXEC ldapsearch -x -H "$SAMBA_URL" -d 1 -b "" -s base dn >out 2>&1 &&
	grep -i "certificate verify failed\|unable to get local issuer\|TLS: peer cert untrusted" out
'

test_expect_success 'a simple bind without TLS is refused (rc 8)' '
	test_expect_code 8 $SAMBA_EXEC ldapsearch -x -H ldap://127.0.0.1 \
		-D "$SAMBA_BIND_DN" -w "$SAMBA_BIND_PW" -b "" -s base dn >out 2>&1 &&
	test_must_contain out "Strong(er) authentication required"
'

test_expect_success 'an enabled user with its password is made in one add' '
	cat >jan.ldif <<-EOF &&
	dn: $JAN
	objectClass: user
	sAMAccountName: jdevries
	userPrincipalName: jdevries@example.org
	displayName: Jan de Vries
	unicodePwd:: $(samba_unicodepwd "$JAN_PW")
	userAccountControl: 512
	EOF
	ldap ldapadd -f jan.ldif &&
	test "$(attr "$JAN" userAccountControl)" = 512 &&
	test "$(attr "$JAN" accountExpires)" = 9223372036854775807 &&
	test "$(attr "$JAN" pwdLastSet)" -gt 0
'

test_expect_success 'the user binds with its password, by UPN and by DN' '
	bind_as jdevries@example.org "$JAN_PW" &&
	bind_as "$JAN" "$JAN_PW" &&
	bind_as "EXAMPLE\\jdevries" "$JAN_PW"
'

test_expect_success 'a wrong password: rc 49, data 52e' '
	test_expect_code 49 bind_as jdevries@example.org Not-The-Password-1 &&
	test_must_contain out "data 52e"
'

test_expect_success 'userAccountControl 514 disables: rc 49, data 533; 512 enables again' '
	set_attr "$JAN" userAccountControl 514 &&
	test_expect_code 49 bind_as jdevries@example.org "$JAN_PW" &&
	test_must_contain out "data 533" &&
	set_attr "$JAN" userAccountControl 512 &&
	bind_as jdevries@example.org "$JAN_PW"
'

test_expect_success 'pwdLastSet 0 (must change the password): rc 49, data 773; -1 undoes it' '
	set_attr "$JAN" pwdLastSet 0 &&
	test "$(attr "$JAN" pwdLastSet)" = 0 &&
	test_expect_code 49 bind_as jdevries@example.org "$JAN_PW" &&
	test_must_contain out "data 773" &&
	set_attr "$JAN" pwdLastSet -1 &&
	test "$(attr "$JAN" pwdLastSet)" -gt 0 &&
	bind_as jdevries@example.org "$JAN_PW"
'

test_expect_success 'accountExpires in the past: rc 49, data 701; 0 is never' '
	# 2020-01-01T00:00:00Z in 100-ns intervals since 1601-01-01
	set_attr "$JAN" accountExpires 132223104000000000 &&
	test_expect_code 49 bind_as jdevries@example.org "$JAN_PW" &&
	test_must_contain out "data 701" &&
	set_attr "$JAN" accountExpires 0 &&
	bind_as jdevries@example.org "$JAN_PW" &&
	set_attr "$JAN" accountExpires 9223372036854775807 &&
	bind_as jdevries@example.org "$JAN_PW"
'

# (The old password keeps binding for a while after a reset: Samba's "old
# password allowed period", 60 minutes by default, as in AD for NTLM.)
test_expect_success 'an administrator sets a new password by replacing unicodePwd' '
	printf "dn: %s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n" \
		"$JAN" "$(samba_unicodepwd "Winter-Frost-2024")" | samba_modify &&
	bind_as jdevries@example.org Winter-Frost-2024 &&
	test_expect_code 49 bind_as jdevries@example.org Winter-Frost-2025 &&
	test_must_contain out "data 52e"
'

test_expect_success 'a non-ASCII password works as UTF-16LE, one outside the BMP too' '
	pw="Zoë-Ærø-😀-7x" &&
	printf "dn: %s\nchangetype: modify\nreplace: unicodePwd\nunicodePwd:: %s\n" \
		"$JAN" "$(samba_unicodepwd "$pw")" | samba_modify &&
	bind_as jdevries@example.org "$pw" &&
	test_expect_code 49 bind_as jdevries@example.org "Zoe-Aero-x-7x"
'

test_expect_success 'a duplicate sAMAccountName: rc 68, 00002071' '
	cat >dup.ldif <<-EOF &&
	dn: CN=Jan de Vries 2,OU=FIN,$SAMBA_USERS
	objectClass: user
	sAMAccountName: jdevries
	userPrincipalName: jdevries2@example.org
	userAccountControl: 512
	EOF
	test_expect_code 68 ldap ldapadd -f dup.ldif &&
	test_must_contain out "00002071"
'

# (Windows puts 00002071 in front of this one; Samba no code at all.)
test_expect_success 'an add of a DN that exists: rc 68' '
	test_expect_code 68 ldap ldapadd -f jan.ldif &&
	test_must_contain out "already exists"
'

test_expect_success 'a duplicate userPrincipalName: rc 19, 0000202F' '
	cat >dup.ldif <<-EOF &&
	dn: CN=Jan de Vries 2,OU=FIN,$SAMBA_USERS
	objectClass: user
	sAMAccountName: jdevries2
	userPrincipalName: jdevries@example.org
	userAccountControl: 512
	EOF
	test_expect_code 19 ldap ldapadd -f dup.ldif &&
	test_must_contain out "0000202F"
'

test_expect_success 'a weak password: rc 19, 0000052D, and no user is made' '
	for pw in short summerbreeze
	do
		cat >weak.ldif <<-EOF &&
		dn: CN=Weak Password,OU=HR,$SAMBA_USERS
		objectClass: user
		sAMAccountName: weak
		unicodePwd:: $(samba_unicodepwd "$pw")
		userAccountControl: 512
		EOF
		test_expect_code 19 ldap ldapadd -f weak.ldif &&
		test_must_contain out "0000052D" &&
		test_expect_code 32 ldap ldapsearch -b "CN=Weak Password,OU=HR,$SAMBA_USERS" -s base dn ||
		return 1
	done
'

test_expect_success 'a user added without userAccountControl is disabled (546)' '
	printf "dn: CN=No Flags,OU=HR,%s\nobjectClass: user\nsAMAccountName: noflags\n" \
		"$SAMBA_USERS" | samba_add &&
	test "$(attr "CN=No Flags,OU=HR,$SAMBA_USERS" userAccountControl)" = 546
'

test_expect_success 'objectGUID in its string form names the user as <GUID=...>' '
	guid=$(samba_search -b "$JAN" -s base objectGUID | sed -n "s/^objectGUID:: //p") &&
	str=$(guid_string "$guid") &&
	echo "$str" >guid &&
	echo "$str" | grep -E "^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$" &&
	test "$(samba_search -b "<GUID=$str>" -s base sAMAccountName | sed -n "s/^sAMAccountName: //p")" = jdevries &&
	upper=$(echo "$str" | tr a-f A-F) &&
	test "$(samba_search -b "<GUID=$upper>" -s base dn | sed -n "s/^dn: //p")" = "$JAN" &&
	# the extended DN control (1: string form) gives the same string
	samba_search -E "1.2.840.113556.1.4.529=::MAMCAQE=" -b "$JAN" -s base dn >ext &&
	sed -n "s/^dn:: //p" ext | base64 -d >extdn &&
	grep "^<GUID=$str>;<SID=S-1-5-21-[0-9-]*>;$JAN\$" extdn
'

test_expect_success 'a modify through <GUID=...> changes the user' '
	printf "dn: <GUID=%s>\nchangetype: modify\nreplace: description\ndescription: by guid\n" \
		"$(cat guid)" | samba_modify &&
	test "$(attr "$JAN" description)" = "by guid"
'

test_expect_success 'an unknown GUID is no such object (32)' '
	test_expect_code 32 ldap ldapsearch -b "<GUID=00000000-0000-0000-0000-000000000001>" -s base dn
'

test_expect_success 'a move to another OU needs modrdn with deleteoldrdn=1 and keeps the GUID' '
	test_expect_code 53 ldap ldapmodrdn -s "OU=FIN,$SAMBA_USERS" "$JAN" "CN=Jan de Vries" &&
	test_must_contain out "00002035" &&
	ldap ldapmodrdn -r -s "OU=FIN,$SAMBA_USERS" "$JAN" "CN=Jan de Vries" &&
	test_expect_code 32 ldap ldapsearch -b "$JAN" -s base dn &&
	test "$(samba_search -b "<GUID=$(cat guid)>" -s base dn | sed -n "s/^dn: //p")" = \
		"CN=Jan de Vries,OU=FIN,$SAMBA_USERS" &&
	bind_as jdevries@example.org "Zoë-Ærø-😀-7x"
'

test_expect_success 'a global security group (groupType -2147483646) with a member' '
	JAN="CN=Jan de Vries,OU=FIN,$SAMBA_USERS" &&
	GROUP="CN=FIN Staff,$SAMBA_GROUPS" &&
	printf "dn: %s\nobjectClass: group\nsAMAccountName: fin-staff\ngroupType: -2147483646\nmember: %s\n" \
		"$GROUP" "$JAN" | samba_add &&
	test "$(attr "$GROUP" groupType)" = -2147483646 &&
	test "$(attr "$GROUP" sAMAccountType)" = 268435456 &&
	test "$(attr "$GROUP" member)" = "$JAN" &&
	test "$(attr "$JAN" memberOf)" = "$GROUP" &&
	# a member can be named by <GUID=...> too, and is stored by its DN
	printf "dn: CN=No Flags,OU=HR,%s\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 512\n" \
		"$SAMBA_USERS" | samba_modify &&
	nf=$(samba_search -b "CN=No Flags,OU=HR,$SAMBA_USERS" -s base objectGUID | sed -n "s/^objectGUID:: //p") &&
	printf "dn: %s\nchangetype: modify\nadd: member\nmember: <GUID=%s>\n" \
		"$GROUP" "$(guid_string "$nf")" | samba_modify &&
	attr "$GROUP" member | sort >members &&
	printf "%s\n" "CN=Jan de Vries,OU=FIN,$SAMBA_USERS" "CN=No Flags,OU=HR,$SAMBA_USERS" | sort >expect &&
	test_cmp expect members
'

test_expect_success 'a member added twice: rc 68, and a member removed twice: rc 53' '
	GROUP="CN=FIN Staff,$SAMBA_GROUPS" &&
	printf "dn: %s\nchangetype: modify\nadd: member\nmember: CN=Jan de Vries,OU=FIN,%s\n" \
		"$GROUP" "$SAMBA_USERS" >add.ldif &&
	test_expect_code 68 ldap ldapmodify -f add.ldif &&
	test_must_contain out "member already exists" &&
	printf "dn: %s\nchangetype: modify\ndelete: member\nmember: CN=No Flags,OU=HR,%s\n" \
		"$GROUP" "$SAMBA_USERS" >del.ldif &&
	ldap ldapmodify -f del.ldif &&
	test_expect_code 53 ldap ldapmodify -f del.ldif &&
	test_must_contain out "member already deleted"
'

t3=$(date +%s.%N)
say "whole script $(echo "$t0 $t3" | awk '{printf "%.1f", $2 - $1}') s"
test_done
