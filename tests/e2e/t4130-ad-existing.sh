#!/bin/sh
# An ad target whose domain already holds objects roster did not make, on a
# real Samba AD DC: an unmanaged account holding jdevries makes roster take
# jdevries2 (check_target), a 25-character name is cut to 20 before it is
# iterated, and `roster reconcile --adopt` links 50 existing accounts by
# employeeID without changing them, after which apply creates only the new
# person and the plan is empty.
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
	$SAMBA_EXEC "$ROSTER" "$@"
}

# values NAME: the values of NAME in the LDIF on stdin (base64 ones decoded).
values() {
	while IFS= read -r line
	do
		case $line in
		"$1:: "*) printf '%s\n' "${line#"$1":: }" | base64 -d && echo ;;
		"$1: "*) printf '%s\n' "${line#"$1": }" ;;
		esac
	done
}

attr_of() {
	samba_search -b "$SAMBA_BASE" "(employeeID=$1)" "$2" | values "$2" | head -n 1
}

# state: every user under OU=Users with the attributes roster could change, and uSNChanged.
state() {
	samba_search -b "$SAMBA_USERS" "(objectClass=user)" uSNChanged sAMAccountName displayName mail \
		userAccountControl accountExpires memberOf | grep -v "^#" | sort
}

test_expect_success 'setup: unmanaged accounts, 50 accounts of persons, an ad target' '
	{
		# someone else holds jdevries and the 20-character cut of a long name
		for sam in jdevries mvandenbrouckeooster
		do
			printf "dn: CN=%s (service),OU=Org,%s\nobjectClass: user\nsAMAccountName: %s\n\n" \
				"$sam" "$SAMBA_BASE" "$sam"
		done
		i=1
		while test $i -le 50
		do
			printf "dn: CN=Mens %s,OU=ICT,%s\nobjectClass: user\nsAMAccountName: mens%s\n" $i "$SAMBA_USERS" $i
			printf "employeeID: %s\ndisplayName: Mens %s\nuserAccountControl: 512\n" $((3000 + i)) $i
			printf "unicodePwd:: %s\n\n" "$(samba_unicodepwd "Existing-Pw-$i")"
			i=$((i + 1))
		done
	} | samba_add &&
	mkdir hr &&
	{
		echo "employee_id,given_name,family_name_prefix,family_name"
		echo "2001,Jan,de,Vries"
		echo "2002,Maximiliaan,,Vandenbroucke-Oosterhuis"
		i=1
		while test $i -le 50
		do
			echo "$((3000 + i)),Mens,,$i"
			i=$((i + 1))
		done
	} >hr/persons.csv &&
	{
		echo "contract_id,employee_id,start_date,department.code,department.name"
		for id in $(sed 1d hr/persons.csv | cut -d, -f1)
		do
			echo "C$id,$id,2020-01-01,ICT,ICT"
		done
	} >hr/contracts.csv &&
	write_config &&
	cat >>roster.yaml <<-EOF &&
	targets:
	  - name: ad
	    connector: ad
	    url: $SAMBA_URL
	    ca_file: samba/tls/ca.pem
	    bind_dn: $SAMBA_BIND_DN
	    bind_password: \${env:AD_PASSWORD}
	    correlate: {attribute: employeeID, field: employee_id}
	    dn: "CN={account.cn},OU={contract.department.code},$SAMBA_USERS"
	    password: {generate: true, must_change: true}
	    notify: [./notify.sh]
	    attributes:
	      employeeID: "{employee_id}"
	      sAMAccountName:
	        unique: ["{given_name|first:1|ascii|alnum|lower}{family_name_full|ascii|alnum|lower}"]
	        max_length: 20
	        check_target: true
	        update: false
	      cn: {unique: ["{display_name}"], iterate: "{display_name} ({n})", check_target: true, update: false}
	      displayName: {template: "{display_name}", update: false}
	rules:
	  - name: everyone
	    grant: [{target: ad, account: true}]
	EOF
	printf "#!/bin/sh\ncat >>notified.jsonl\n" >notify.sh &&
	chmod +x notify.sh &&
	R check &&
	R import --at 2026-01-05 >import.out 2>&1
'

test_expect_success 'reconcile --adopt links the 50 existing accounts by employeeID, changing nothing' '
	state >before &&
	R reconcile ad --json >rec.json &&
	test "$(jq ".unlinked | length" rec.json)" = 50 &&
	R reconcile ad --adopt --json >adopt.json &&
	R reconcile ad --json >rec2.json &&
	test "$(jq ".linked | length" rec2.json)" = 50 &&
	test "$(jq ".unlinked | length" rec2.json)" = 0 &&
	# the refs are the objectGUIDs
	jq -r ".linked[].ref" rec2.json | grep -Evc "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" >bad ;
	test "$(cat bad)" = 0 &&
	state >after &&
	test_cmp before after
'

test_expect_success 'apply: jdevries is taken, so jdevries2; the long name is cut to 20, then iterated' '
	R plan --at 2026-01-05 --json >plan.json &&
	test "$(jq "[.actions[] | select(.op == \"create\")] | length" plan.json)" = 2 &&
	R apply --at 2026-01-05 --yes --json >apply.json &&
	test "$(jq .failed apply.json)" = 0 &&
	test "$(attr_of 2001 sAMAccountName)" = jdevries2 &&
	test "$(attr_of 2002 sAMAccountName)" = mvandenbrouckeooste2 &&
	# the unmanaged ones are as they were
	test "$(samba_search -b "$SAMBA_BASE" "(sAMAccountName=jdevries)" employeeID | values employeeID)" = "" &&
	test "$(wc -l <notified.jsonl)" = 2 &&
	R plan --at 2026-01-05 --json >again.json &&
	test "$(jq ".actions | length" again.json)" = 0
'

test_expect_success 'the adopted accounts keep their own passwords' '
	LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapsearch -x -H "$SAMBA_URL" -D "mens7@example.org" \
		-w "Existing-Pw-7" -b "" -s base dn >bind.out 2>&1
'

test_done
