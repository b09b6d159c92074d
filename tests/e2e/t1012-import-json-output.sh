#!/bin/sh
# roster import --json: one object per source under "imports", with what was
# stored, the summary and every change, the warnings, and the errors (file,
# line, where, value, message) when the import is refused.
. "$(dirname "$0")/lib.sh"

write_first() {
	mkdir -p hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id;given_name;family_name;manager_id
	1001;Anna;Jansen;
	1002;Bert;Bakker;1001
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	contract_id;employee_id;start_date;department.code
	C1;1001;2020-01-01;ICT
	C2;1002;2020-01-01;FIN
	EOF
	cat >hr/assignments.csv <<-\EOF
	employee_id;kind;value;start_date;end_date
	1002;project;Nieuwbouw;2021-01-01;2030-12-31
	EOF
}

# 1001 gets an unknown manager (a warning), 1002 a new name and department,
# 1003 joins.
write_second() {
	cat >hr/persons.csv <<-\EOF &&
	employee_id;given_name;family_name;manager_id
	1001;Anna;Jansen;9999
	1002;Bert;Bakker-de Vries;1001
	1003;Carla;Smit;1001
	EOF
	cat >hr/contracts.csv <<-\EOF
	contract_id;employee_id;start_date;department.code
	C1;1001;2020-01-01;ICT
	C2;1002;2020-01-01;HR
	C3;1003;2024-06-01;HR
	EOF
}

test_must_be_empty() {
	if test -s "$1"
	then
		echo "test_must_be_empty: $1 is not empty:" >&2
		cat "$1" >&2
		return 1
	fi
}

# jq_is FILE FILTER EXPECTED: jq -r FILTER on FILE gives EXPECTED.
jq_is() {
	got=$(jq -r "$2" "$1") || return 1
	if test "$got" != "$3"
	then
		echo "jq_is: $2 on $1 gave \"$got\", expected \"$3\"" >&2
		return 1
	fi
}

test_expect_success 'a first import: the whole shape, nothing but JSON on stdout, nothing on stderr' '
	mkdir a && cd a &&
	write_first &&
	write_config &&
	roster import --at 2025-01-01 --json >out.json 2>err &&
	test_must_be_empty err &&
	jq -e . out.json >/dev/null &&
	jq_is out.json "keys | join(\",\")" "imports" &&
	jq_is out.json ".imports | length" 1 &&
	jq_is out.json ".imports[0] | [.source, .at, .stored, .snapshot, .persons, .contracts, .assignments, .first, .forced, .carried_over] | map(tostring) | join(\" \")" \
		"hr 2025-01-01 true 1 2 2 1 true false 0" &&
	jq_is out.json ".imports[0] | [(.summary|type), (.changes|type), (.warnings|type), (.errors|type)] | join(\" \")" \
		"object array array array" &&
	jq_is out.json ".imports[0].summary | keys_unsorted | join(\" \")" \
		"joiner leaver rehire mover name_change manager_change person_changed contract_added contract_ended contract_changed assignment_added assignment_ended assignment_changed gone" &&
	jq_is out.json ".imports[0].summary | [.joiner, .leaver, .contract_added, .assignment_added, .gone] | map(tostring) | join(\" \")" "2 0 2 1 0" &&
	jq_is out.json ".imports[0].summary | [.[] | type] | unique | join(\" \")" "number" &&
	jq_is out.json ".imports[0].warnings | length" 0 &&
	jq_is out.json ".imports[0].errors | length" 0 &&
	jq_is out.json ".imports[0] | has(\"skipped\")" false
'

test_expect_success 'every change names the person, its kinds and details' '
	cd a &&
	jq_is out.json "[.imports[0].changes[] | \"\(.employee_id)|\(.name)|\(.gone)|\(.kinds | join(\",\"))\"] | join(\" \")" \
		"1001|Anna Jansen|false|joiner,contract_added 1002|Bert Bakker|false|joiner,contract_added,assignment_added" &&
	jq_is out.json "[.imports[0].changes[1].details[] | \"\(.kind):\(.ref // \"-\")\"] | join(\" \")" \
		"joiner:- contract_added:C2 assignment_added:project Nieuwbouw from 2021-01-01"
'

test_expect_success 'a second import: changes with field, old and new; warnings with their parts' '
	cd a &&
	write_second &&
	roster import --at 2025-01-01 --json >out2.json 2>err &&
	test_must_be_empty err &&
	jq_is out2.json ".imports[0] | [.stored, .snapshot, .persons, .first] | map(tostring) | join(\" \")" "true 2 3 false" &&
	jq_is out2.json ".imports[0].summary | [.joiner, .mover, .name_change, .manager_change, .leaver] | map(tostring) | join(\" \")" "1 1 1 1 0" &&
	jq_is out2.json ".imports[0].changes[] | select(.employee_id == \"1002\") | .details[] | select(.kind == \"name_change\") | [.field, .old, .new] | join(\"|\")" \
		"family_name|Bakker|Bakker-de Vries" &&
	jq_is out2.json ".imports[0].changes[] | select(.employee_id == \"1002\") | .details[] | select(.kind == \"mover\") | [.ref, .field, .old, .new] | join(\"|\")" \
		"C2|department.code|FIN|HR" &&
	jq_is out2.json ".imports[0].changes[] | select(.employee_id == \"1002\") | .name" "Bert Bakker-de Vries" &&
	jq_is out2.json ".imports[0].changes[] | select(.employee_id == \"1001\") | .details[] | select(.kind == \"manager_change\") | [.field, .old, .new] | join(\"|\")" \
		"manager_id||9999" &&
	jq_is out2.json ".imports[0].warnings | length" 1 &&
	jq -c ".imports[0].warnings[0]" out2.json >actual &&
	cat >expect <<-\EOF &&
	{"file":"hr/persons.csv","line":2,"where":"column \"manager_id\"","value":"9999","message":"the manager is not a known person","text":"hr/persons.csv:2: column \"manager_id\": value \"9999\": the manager is not a known person"}
	EOF
	test_cmp expect actual
'

test_expect_success 'a refused import: exit 2, stored false, every error with file, line, where, value and message' '
	cd a &&
	vault_dump >before &&
	cat >hr/contracts.csv <<-\EOF &&
	contract_id;employee_id;start_date;department.code
	C1;1001;2020-01-01;ICT
	C2;1002;2020-13-01;HR
	C3;1003;2024-06-01
	C4;7777;2024-06-01;HR
	EOF
	test_expect_code 2 roster import --at 2025-01-01 --json >out3.json 2>err &&
	vault_dump >after &&
	test_cmp before after &&
	test_must_contain err "roster: source hr: 3 errors in the HR data; nothing was stored" &&
	test_must_not_contain err "error: hr/" &&
	jq_is out3.json ".imports[0] | [.source, .stored, has(\"snapshot\"), has(\"changes\")] | map(tostring) | join(\" \")" "hr false false false" &&
	jq_is out3.json ".imports[0].errors | length" 3 &&
	jq -c ".imports[0].errors[]" out3.json >actual &&
	cat >expect <<-\EOF &&
	{"file":"hr/contracts.csv","line":3,"where":"column \"start_date\"","value":"2020-13-01","message":"not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)","text":"hr/contracts.csv:3: column \"start_date\": value \"2020-13-01\": not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)"}
	{"file":"hr/contracts.csv","line":4,"message":"the row has 3 values, the header has 4 columns (a cut-off line?)","text":"hr/contracts.csv:4: the row has 3 values, the header has 4 columns (a cut-off line?)"}
	{"file":"hr/contracts.csv","line":5,"where":"column \"employee_id\"","value":"7777","message":"a contract for a person that is not in hr/persons.csv","text":"hr/contracts.csv:5: column \"employee_id\": value \"7777\": a contract for a person that is not in hr/persons.csv"}
	EOF
	test_cmp expect actual &&
	jq_is out3.json ".imports[0].warnings[0].value" 9999
'

test_expect_success 'a file that cannot be read at all: exit 2, stored false and the error' '
	cd a &&
	vault_dump >before &&
	write_second &&
	sed -i "1s/family_name/famly_name/" hr/persons.csv &&
	test_expect_code 2 roster import --json >out4.json 2>err &&
	vault_dump >after &&
	test_cmp before after &&
	jq_is out4.json ".imports[0].stored" false &&
	jq_is out4.json ".imports[0].error" "hr/persons.csv:1: column \"family_name\" (for family_name) not found; did you mean \"famly_name\"? (the header has: \"employee_id\", \"given_name\", \"famly_name\", \"manager_id\")" &&
	test_must_contain err "roster: hr/persons.csv:1: column \"family_name\" (for family_name) not found; did you mean \"famly_name\"?"
'

test_expect_success 'a refusal by the guard: exit 3, stored false, the guard explained' '
	cd a &&
	write_second &&
	vault_dump >before &&
	head -n 2 hr/persons.csv >p && mv p hr/persons.csv &&
	head -n 2 hr/contracts.csv >c && mv c hr/contracts.csv &&
	head -n 1 hr/assignments.csv >a && mv a hr/assignments.csv &&
	test_expect_code 3 roster import --at 2025-01-01 --json >out5.json 2>err &&
	vault_dump >after &&
	test_cmp before after &&
	test_must_contain err "roster: source hr: refused by the guard: 2 of 3 persons would go" &&
	jq_is out5.json ".imports[0] | [.stored, has(\"snapshot\")] | map(tostring) | join(\" \")" "false false" &&
	jq_is out5.json ".imports[0].guard | [.refused, .empty, .leaving, .gone, .previous_persons, .max_removed] | map(tostring) | join(\" \")" \
		"true false 2 2 3 10%"
'

test_expect_success '--skip-invalid --json: stored, with the left-out rows under skipped and errors' '
	cd a &&
	write_second &&
	echo "C4;7777;2024-06-01;HR" >>hr/contracts.csv &&
	roster import --at 2025-01-01 --skip-invalid --json >out6.json 2>err &&
	jq_is out6.json ".imports[0] | [.stored, .snapshot] | map(tostring) | join(\" \")" "true 3" &&
	jq_is out6.json ".imports[0].skipped | length" 1 &&
	jq_is out6.json ".imports[0].skipped[0].text" "hr/contracts.csv:5: column \"employee_id\": value \"7777\": a contract for a person that is not in hr/persons.csv" &&
	jq_is out6.json ".imports[0].skipped == .imports[0].errors" true &&
	test_must_be_empty err
'

test_expect_success 'two sources give two imports, and --source picks one' '
	mkdir two && cd two &&
	write_first &&
	mkdir ext &&
	printf "employee_id,family_name\nX1,Extern\n" >ext/persons.csv &&
	printf "contract_id,employee_id,start_date\nXC1,X1,2024-01-01\n" >ext/contracts.csv &&
	cat >roster.yaml <<-\EOF &&
	vault: var/roster.db
	timezone: Europe/Amsterdam
	sources:
	  - name: hr
	    persons: hr/persons.csv
	    contracts: hr/contracts.csv
	    assignments: hr/assignments.csv
	  - name: ext
	    persons: ext/persons.csv
	    contracts: ext/contracts.csv
	EOF
	roster import --json >all.json &&
	jq_is all.json "[.imports[] | \"\(.source):\(.stored):\(.persons)\"] | join(\" \")" "hr:true:2 ext:true:1" &&
	roster import --source ext --json >one.json &&
	jq_is one.json "[.imports[] | \"\(.source):\(.snapshot)\"] | join(\" \")" "ext:3"
'

test_done
