#!/bin/sh
# Change detection at its edges: a contract that HR moves from one person to
# another (a booking corrected), and a first contract that ended long ago.
. "$(dirname "$0")/lib.sh"

# test_eq EXPECTED ACTUAL: the two strings are equal.
test_eq() {
	if test "$1" != "$2"
	then
		echo "test_eq: expected \"$1\", got \"$2\"" >&2
		return 1
	fi
}

# owner_in_vault CONTRACT: "employee_id removed_in" of the contract in the vault.
owner_in_vault() {
	sqlite3 -separator " " var/roster.db \
		"select employee_id, coalesce(removed_in, '-') from contracts where contract_id = '$1'"
}

# contracts_of ID DATE: the contract_ids roster person shows for ID.
contracts_of() {
	roster person "$1" --at "$2" --json | jq -r "[.contracts[].contract_id] | join(\" \")"
}

test_expect_success 'setup' '
	mkdir hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id,given_name,family_name
	5001,Ann,Adams
	5002,Bob,Brown
	5003,Cor,Clark
	5004,Dirk,Dean
	5006,Eve,Evans
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	contract_id,employee_id,start_date,end_date,department.code,fte
	C1,5002,2020-01-01,,ICT,1
	C3,5003,2020-01-01,,ICT,1
	EOF
	write_config "    guard: {max_removed: 100%}" &&
	roster import --at 2025-01-01 >out &&
	test_must_contain out "stored as snapshot 1"
'

test_expect_success 'a contract moved to a person later in the order: the vault follows the export' '
	cat >hr/contracts.csv <<-\EOF &&
	contract_id,employee_id,start_date,end_date,department.code,fte
	C1,5002,2020-01-01,,ICT,1
	C3,5004,2020-01-01,,ICT,1
	C3B,5003,2025-01-02,,ICT,1
	EOF
	roster import --at 2025-01-02 --json >out.json &&
	jq -r ".imports[0].changes[] | \"\(.employee_id) \(.kinds | join(\",\"))\"" out.json >actual &&
	cat >expect <<-\EOF &&
	5003 contract_added,contract_ended
	5004 joiner,contract_added
	EOF
	test_cmp expect actual &&
	test_eq "5004 -" "$(owner_in_vault C3)" &&
	test_eq "C3" "$(contracts_of 5004 2025-01-02)" &&
	test_eq C3B "$(contracts_of 5003 2025-01-02)"
'

test_expect_success 'a contract moved to a person later in the order: the same export again is no change' '
	roster import --at 2025-01-02 >out &&
	test_must_contain out "no changes since the previous snapshot"
'

test_expect_success 'a contract moved to a person earlier in the order: the vault follows the export' '
	cat >hr/contracts.csv <<-\EOF &&
	contract_id,employee_id,start_date,end_date,department.code,fte
	C1,5001,2020-01-01,,ICT,1
	C2,5002,2025-01-03,,ICT,1
	C3,5004,2020-01-01,,ICT,1
	C3B,5003,2025-01-02,,ICT,1
	EOF
	roster import --at 2025-01-03 --json >out.json &&
	jq -r ".imports[0].changes[] | \"\(.employee_id) \(.kinds | join(\",\"))\"" out.json >actual &&
	cat >expect <<-\EOF &&
	5001 joiner,contract_added
	5002 contract_added,contract_ended
	EOF
	test_cmp expect actual &&
	test_eq "5001 -" "$(owner_in_vault C1)" &&
	test_eq "C1" "$(contracts_of 5001 2025-01-03)" &&
	test_eq C2 "$(contracts_of 5002 2025-01-03)"
'

test_expect_success 'a contract moved to a person earlier in the order: the same export again is no change' '
	roster import --at 2025-01-03 --json >out.json &&
	test_eq "[]" "$(jq -c .imports[0].changes out.json)"
'

test_expect_success 'a first contract that ended long ago makes no joiner' '
	echo "C6,5006,2015-01-01,2019-12-31,ICT,1" >>hr/contracts.csv &&
	roster import --at 2025-01-04 --json >out.json &&
	jq -r ".imports[0].changes[] | \"\(.employee_id) \(.kinds | join(\",\"))\"" out.json >actual &&
	echo "5006 contract_added" >expect &&
	test_cmp expect actual &&
	test_eq 0 "$(jq .imports[0].summary.joiner out.json)"
'

test_expect_success 'a first contract that starts later makes a joiner' '
	echo "5007,Fay,Fisher" >>hr/persons.csv &&
	roster import --at 2025-01-05 >out &&
	echo "C7,5007,2025-03-01,,ICT,1" >>hr/contracts.csv &&
	roster import --at 2025-01-06 --json >out.json &&
	jq -r ".imports[0].changes[] | \"\(.employee_id) \(.kinds | join(\",\"))\"" out.json >actual &&
	echo "5007 joiner,contract_added" >expect &&
	test_cmp expect actual
'

test_done
