#!/bin/sh
# JSON sources: an array of persons (or {"persons": [...]}) with nested
# contracts and assignments, numbers as values, dotted fields as nested
# objects; syntax errors with file:line:column, value errors with their path.
. "$(dirname "$0")/lib.sh"

in_dir() {
	mkdir "$1" && cd "$1"
}

show() {
	roster person "$1" --json >person.json &&
	jq -r "$2" person.json
}

expect() {
	printf '%s\n' "$@" >expect
}

# write_json_config [extra yaml lines]: a json source hr/persons.json.
write_json_config() {
	mkdir -p hr &&
	cat >roster.yaml <<-\EOF &&
	vault: var/roster.db
	timezone: Europe/Amsterdam
	sources:
	  - name: hr
	    format: json
	    persons: hr/persons.json
	EOF
	if test $# -gt 0
	then
		printf '%s\n' "$@" >>roster.yaml
	fi
}

# Two persons, canonical keys, contracts and assignments nested.
write_two_persons() {
	cat >hr/persons.json <<-\EOF
	[
	  {
	    "employee_id": "1001",
	    "given_name": "Anna",
	    "family_name_prefix": "van",
	    "family_name": "Dijk",
	    "email_private": "anna@example.net",
	    "contracts": [
	      {"contract_id": "C1", "start_date": "2020-01-01", "end_date": "",
	       "department.code": "ICT", "department.name": "ICT", "fte": "0.8"},
	      {"contract_id": "C2", "start_date": "2021-06-01", "end_date": "2021-12-31",
	       "department.code": "FIN", "department.name": "Financiën", "fte": "0.2"}
	    ],
	    "assignments": [
	      {"kind": "project", "value": "Nieuwbouw", "start_date": "2021-01-01", "end_date": "2031-01-01"}
	    ]
	  },
	  {
	    "employee_id": "1002",
	    "given_name": "Bert",
	    "family_name": "Bakker",
	    "manager_id": "1001",
	    "contracts": [
	      {"contract_id": "C3", "start_date": "2019-05-01", "department.code": "ICT"}
	    ]
	  }
	]
	EOF
}

test_expect_success 'an array of persons with nested contracts and assignments' '
	in_dir array &&
	write_json_config &&
	write_two_persons &&
	roster import --at 2022-01-01 >out &&
	test_must_contain out "source hr: 2 persons, 3 contracts, 1 assignments; stored as snapshot 1" &&
	test_must_contain out "joiners                  2  1001 Anna van Dijk, 1002 Bert Bakker" &&
	expect "1001|Anna|van|Dijk|anna@example.net" &&
	show 1001 "[.employee_id, .given_name, .family_name_prefix, .family_name, .email_private] | join(\"|\")" >actual &&
	test_cmp expect actual &&
	expect "C1 1001 2020-01-01  ICT ICT 0.8" "C2 1001 2021-06-01 2021-12-31 FIN Financiën 0.2" &&
	show 1001 ".contracts[] | \"\(.contract_id) \(.employee_id) \(.start_date) \(.end_date) \(.[\"department.code\"]) \(.[\"department.name\"]) \(.fte)\"" >actual &&
	test_cmp expect actual &&
	expect "1001 project Nieuwbouw 2021-01-01 2031-01-01" &&
	show 1001 ".assignments[] | \"\(.employee_id) \(.kind) \(.value) \(.start_date) \(.end_date)\"" >actual &&
	test_cmp expect actual &&
	expect "1001 C3" &&
	show 1002 "\"\(.manager_id) \(.contracts[0].contract_id)\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'an object with a "persons" array' '
	in_dir object &&
	write_json_config &&
	write_two_persons &&
	{ printf "{\"generated\": \"2024-01-01\", \"persons\": " && cat hr/persons.json && echo "}"; } >p.json &&
	mv p.json hr/persons.json &&
	roster import >out &&
	test_must_contain out "source hr: 2 persons, 3 contracts, 1 assignments" &&
	expect "Bakker" &&
	show 1002 .family_name >actual &&
	test_cmp expect actual
'

test_expect_success 'numbers are stored as text, as they were written' '
	in_dir numbers &&
	write_json_config &&
	cat >hr/persons.json <<-\EOF &&
	[{"employee_id": 1001, "family_name": "Jansen", "phone": 612345678, "manager_id": 1002,
	  "contracts": [{"contract_id": 7, "start_date": "2020-01-01", "fte": 0.8, "cost_center": 4100},
	                {"contract_id": 8, "start_date": "2020-01-01", "fte": 1},
	                {"contract_id": 9, "start_date": "2020-01-01", "fte": 0.75}]},
	 {"employee_id": 1002, "family_name": "Bakker", "contracts": [{"contract_id": 10, "start_date": "2020-01-01"}]}]
	EOF
	roster import >out 2>err &&
	test_must_not_contain err "manager is not a known person" &&
	expect "1001|612345678|1002" &&
	show 1001 "[.employee_id, .phone, .manager_id] | join(\"|\")" >actual &&
	test_cmp expect actual &&
	expect "7 0.8 4100" "8 1 " "9 0.75 " &&
	show 1001 ".contracts[] | \"\(.contract_id) \(.fte) \(.cost_center)\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'dotted fields are read from nested objects, or from a dotted key' '
	in_dir nested &&
	write_json_config &&
	cat >hr/persons.json <<-\EOF &&
	[{"employee_id": "1001", "family_name": "Jansen",
	  "contracts": [{"contract_id": "C1", "start_date": "2020-01-01",
	                 "department": {"code": "ICT", "name": "Informatievoorziening"},
	                 "title": {"code": "F011", "name": "Manager ICT"}},
	                {"contract_id": "C2", "start_date": "2020-01-01",
	                 "department.code": "FIN", "title": {"code": "F021"}}]}]
	EOF
	roster import &&
	expect "C1 ICT Informatievoorziening F011 Manager ICT" "C2 FIN  F021 " &&
	show 1001 ".contracts[] | \"\(.contract_id) \(.[\"department.code\"]) \(.[\"department.name\"]) \(.[\"title.code\"]) \(.[\"title.name\"])\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'a fields map renames keys, also into nested objects' '
	in_dir mapped &&
	write_json_config "    fields:" \
		"      employee_id: personeelsnummer" \
		"      family_name: [achternaam, naam.achternaam]" \
		"      start_date: begin" \
		"      department.code: afdeling.code" &&
	cat >hr/persons.json <<-\EOF &&
	[{"personeelsnummer": 1001, "achternaam": "Jansen",
	  "contracts": [{"begin": "01-02-2020", "afdeling": {"code": "ICT"}}]},
	 {"personeelsnummer": 1002, "naam": {"achternaam": "Bakker"},
	  "contracts": [{"begin": "2020-03-01", "afdeling": {"code": "FIN"}}]}]
	EOF
	roster import &&
	expect "Jansen 1001/2020-02-01 2020-02-01 ICT" &&
	show 1001 "\"\(.family_name) \(.contracts[0].contract_id) \(.contracts[0].start_date) \(.contracts[0][\"department.code\"])\"" >actual &&
	test_cmp expect actual &&
	expect "Bakker FIN" &&
	show 1002 "\"\(.family_name) \(.contracts[0][\"department.code\"])\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'an extra field of a JSON person is kept' '
	in_dir extra &&
	write_json_config "    extra:" "      badge: pasnummer" &&
	printf "[{\"employee_id\": \"1001\", \"family_name\": \"Jansen\", \"pasnummer\": 4711, \"contracts\": [{\"contract_id\": \"C1\", \"start_date\": \"2020-01-01\"}]}]\n" >hr/persons.json &&
	roster import &&
	expect 4711 &&
	show 1001 .extra.badge >actual &&
	test_cmp expect actual
'

test_expect_success 'a UTF-8 BOM before the JSON is skipped' '
	in_dir bom &&
	write_json_config &&
	printf "\357\273\277[{\"employee_id\": \"1001\", \"family_name\": \"Zo\303\253\", \"contracts\": [{\"contract_id\": \"C1\", \"start_date\": \"2020-01-01\"}]}]\n" >hr/persons.json &&
	roster import &&
	expect "Zoë" &&
	show 1001 .family_name >actual &&
	test_cmp expect actual
'

test_expect_success 'a JSON syntax error names file, line and column, exits 2 and stores nothing' '
	in_dir syntax &&
	write_json_config &&
	write_two_persons &&
	roster import &&
	vault_dump >before &&
	cat >hr/persons.json <<-\EOF &&
	[
	  {"employee_id": "1001", "family_name": "Dijk",
	   "contracts": [ {"start_date": "2020-01-01",} ]}
	]
	EOF
	test_expect_code 2 roster import >out 2>err &&
	test_must_contain err "roster: hr/persons.json:3:47: string or '"'"'}'"'"' expected near '"'"'}'"'"'" &&
	vault_dump >after &&
	test_cmp before after
'

test_expect_success 'a JSON file cut off halfway is an error at the end of the file' '
	in_dir cut &&
	write_json_config &&
	write_two_persons &&
	head -n 5 hr/persons.json >cut.json && mv cut.json hr/persons.json &&
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "roster: hr/persons.json:6:" &&
	test_must_contain err "expected near end of file"
'

test_expect_success 'a duplicate key in a JSON object is an error' '
	in_dir dupkey &&
	write_json_config &&
	printf "[{\"employee_id\": \"1001\",\n  \"family_name\": \"A\", \"family_name\": \"B\"}]\n" >hr/persons.json &&
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "roster: hr/persons.json:2:" &&
	test_must_contain err "duplicate object key"
'

test_expect_success 'JSON that is not an array of persons says what was expected' '
	in_dir not-array &&
	write_json_config &&
	echo "{\"persons\": 5}" >hr/persons.json &&
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "roster: hr/persons.json: expected an array of persons (or an object with a \"persons\" array)" &&
	echo "{\"people\": []}" >hr/persons.json &&
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "roster: hr/persons.json: expected an array of persons (or an object with a \"persons\" array)"
'

test_expect_success 'errors in JSON values name the path of the field' '
	in_dir value-errors &&
	write_json_config &&
	write_two_persons &&
	roster import &&
	vault_dump >before &&
	cat >hr/persons.json <<-\EOF &&
	[{"employee_id": "1001", "family_name": "Dijk",
	  "contracts": [{"contract_id": "C1", "start_date": "2020-01-01", "end_date": "2019-12-31"},
	                {"contract_id": "C2", "start_date": "2020-01-01", "fte": "veel"}]},
	 {"employee_id": "1002", "family_name": "",
	  "contracts": [{"contract_id": "C3", "start_date": "32-01-2020"}]},
	 {"employee_id": "1003", "family_name": {"birth": "Smit"}},
	 {"employee_id": "1004", "family_name": "Visser",
	  "contracts": [{"contract_id": "C4", "employee_id": "1005", "start_date": "2020-01-01"}]},
	 "1006"]
	EOF
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "error: hr/persons.json: field \"persons[0].contracts[0].end_date\": value \"2019-12-31\": the end date is before the start date \"2020-01-01\"" &&
	test_must_contain err "error: hr/persons.json: field \"persons[0].contracts[1].fte\": value \"veel\": not a number (expected a number such as 1, 0.8 or 0,8)" &&
	test_must_contain err "error: hr/persons.json: field \"persons[1].family_name\": value \"\": family_name is required and empty" &&
	test_must_contain err "error: hr/persons.json: field \"persons[2].family_name\": expected text or a number, found an object" &&
	test_must_contain err "error: hr/persons.json: field \"persons[3].contracts[0].employee_id\": value \"1005\": differs from the person'"'"'s employee_id \"1004\"" &&
	test_must_contain err "error: hr/persons.json: field \"persons[4]\": expected an object with the person'"'"'s fields" &&
	test_must_contain err "roster: source hr: 6 errors in the HR data; nothing was stored" &&
	vault_dump >after &&
	test_cmp before after
'

test_expect_success 'a bad date in a nested JSON contract names its path' '
	in_dir bad-date &&
	write_json_config &&
	printf "[{\"employee_id\": \"1001\", \"family_name\": \"Dijk\", \"contracts\": [{\"contract_id\": \"C1\", \"start_date\": \"2020-13-01\"}]}]\n" >hr/persons.json &&
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "error: hr/persons.json: field \"persons[0].contracts[0].start_date\": value \"2020-13-01\": not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)"
'

test_expect_success 'duplicates in JSON name the record, never a line 0' '
	in_dir duplicates &&
	write_json_config &&
	cat >hr/persons.json <<-\EOF &&
	[{"employee_id": "1001", "family_name": "Dijk",
	  "contracts": [{"contract_id": "C1", "start_date": "2020-01-01"}]},
	 {"employee_id": "1002", "family_name": "Bakker",
	  "contracts": [{"contract_id": "C1", "start_date": "2020-01-01"}]},
	 {"employee_id": "1001", "family_name": "Smit"}]
	EOF
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "value \"1001\": duplicate employee_id" &&
	test_must_contain err "value \"C1\": duplicate contract_id" &&
	test_must_not_contain err "line 0" &&
	test_must_contain err "error: hr/persons.json: field \"persons[2].employee_id\": value \"1001\": duplicate employee_id" &&
	test_must_contain err "error: hr/persons.json: field \"persons[1].contracts[0].contract_id\": value \"C1\": duplicate contract_id"
'

test_done
