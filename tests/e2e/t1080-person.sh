#!/bin/sh
# roster person ID: one person as the vault knows them, with every contract
# (the primary one marked: active before upcoming before ended, then the
# highest fte, the earliest start, the lowest contract_id), the assignments
# with their status, and the snapshot they were last seen in.
. "$(dirname "$0")/lib.sh"

test_must_be_empty() {
	if test -s "$1"
	then
		echo "test_must_be_empty: $1 is not empty:" >&2
		cat "$1" >&2
		return 1
	fi
}

# The time of an import is not ours to choose: blot it out.
no_time() {
	sed "s/imported [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z)/imported TIME)/" "$@"
}

# primary_of ID DATE: the contract_id marked primary in --json, as on DATE.
primary_of() {
	roster person "$1" --at "$2" --json >primary.json &&
	jq -r "[.contracts[] | select(.primary)] | map(.contract_id) | join(\" \")" primary.json
}

test_expect_success 'setup: persons with many kinds of contracts, imported twice' '
	mkdir hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id,given_name,initials,family_name_prefix,family_name,partner_name_prefix,partner_name,name_convention,email_private,phone,manager_id
	4001,Jan,J.P.,de,Vries,van,Dam,BP,jan@example.net,06-12345678,
	4002,Anna,A.,,Bakker,,,B,,,4001
	4003,Piet,P.,,Jansen,,,B,,,4001
	4004,Karin,K.,,Smit,,,B,,,4001
	4005,Tom,T.,,Mulder,,,B,,,4001
	4006,Eva,E.,de,Boer,,,B,,,4001
	4007,Lisa,L.,,Meijer,,,B,,,4001
	4008,Maria,M.,,Dekker,,,B,,,4001
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	contract_id,employee_id,start_date,end_date,department.code,department.name,title.code,title.name,cost_center,location,fte,type,manager_id
	C4001A,4001,2010-01-01,2014-12-31,ICT,ICT,T02,Ontwikkelaar,4100,Zwolle,1,employee,
	C4001B,4001,2015-01-01,,DIR,Directie,T01,Directeur,1000,Utrecht,0.5,employee,
	C4001C,4001,2026-01-01,,FIN,Financiën,T04,Controller,,,1,external,4002
	C4002A,4002,2020-01-01,2024-12-31,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,4001
	C4002B,4002,2025-09-01,,ICT,ICT,T05,Architect,4100,Utrecht,0.8,employee,4001
	C4003A,4003,2020-01-01,,HR,Personeelszaken,T03,Adviseur,2000,Utrecht,0.5,employee,4001
	C4003B,4003,2021-01-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,0.8,employee,4001
	C4004A,4004,2021-01-01,,HR,Personeelszaken,T03,Adviseur,2000,Utrecht,0.5,employee,4001
	C4004B,4004,2019-01-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,0.5,employee,4001
	C4005B,4005,2020-01-01,,HR,Personeelszaken,T03,Adviseur,2000,Utrecht,0.5,employee,4001
	C4005A,4005,2020-01-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,0.5,employee,4001
	C4006A,4006,2010-01-01,2015-12-31,HR,Personeelszaken,T03,Adviseur,2000,Utrecht,0.5,employee,4001
	C4006B,4006,2016-01-01,2020-12-31,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,4001
	C4008A,4008,2018-01-01,,FIN,Financiën,T04,Controller,3000,Zwolle,1,employee,4001
	EOF
	cat >hr/assignments.csv <<-\EOF &&
	employee_id,kind,value,start_date,end_date
	4001,project,ERP,2025-01-01,2025-12-31
	4001,replaces,4002,2024-01-01,2024-06-30
	4001,role,BHV,2026-01-01,
	4001,role,Mentor,,
	4008,project,CRM,2024-01-01,
	EOF
	write_config "    guard: {max_removed: 1}" &&
	roster import --at 2025-06-01 >out &&
	test_must_contain out "stored as snapshot 1 (judged on 2025-06-01)" &&
	roster import --at 2025-06-02 >out &&
	test_must_contain out "stored as snapshot 2 (judged on 2025-06-02)"
'

test_expect_success 'person: fields, contracts with the primary marked, assignments, last seen' '
	roster person 4001 --at 2025-06-01 >out 2>err &&
	test_must_be_empty err &&
	no_time out >actual &&
	cat >expect <<-\EOF &&
	4001  Jan de Vries
	  given_name           Jan
	  initials             J.P.
	  family_name_prefix   de
	  family_name          Vries
	  partner_name_prefix  van
	  partner_name         Dam
	  name_convention      BP
	  email_private        jan@example.net
	  phone                06-12345678
	  last seen            snapshot 2 of source hr (judged on 2025-06-02, imported TIME)
	contracts
	    C4001A     2010-01-01 – 2014-12-31  ICT ICT / T02 Ontwikkelaar  fte 1  employee  manager -  (ended)
	      location Zwolle, cost center 4100
	  * C4001B     2015-01-01 – open        DIR Directie / T01 Directeur  fte 0.5  employee  manager -  (primary, active)
	      location Utrecht, cost center 1000
	    C4001C     2026-01-01 – open        FIN Financiën / T04 Controller  fte 1  external  manager 4002  (upcoming)
	assignments
	    project      ERP                  2025-01-01 – 2025-12-31  (active)
	    replaces     4002                 2024-01-01 – 2024-06-30  (ended)
	    role         BHV                  2026-01-01 – open  (upcoming)
	    role         Mentor               … – open  (active)
	EOF
	test_cmp expect actual
'

test_expect_success 'person --json: the fields and the name' '
	roster person 4001 --at 2025-06-01 --json >out.json &&
	jq -S "del(.contracts, .assignments, .last_seen)" out.json >actual &&
	jq -S . >expect <<-\EOF &&
	{"employee_id": "4001", "given_name": "Jan", "initials": "J.P.", "family_name_prefix": "de",
	 "family_name": "Vries", "partner_name_prefix": "van", "partner_name": "Dam", "name_convention": "BP",
	 "email_private": "jan@example.net", "phone": "06-12345678", "manager_id": "",
	 "name": "Jan de Vries", "extra": {}, "present": true}
	EOF
	test_cmp expect actual
'

test_expect_success 'person --json: contracts with status and primary' '
	jq -S ".contracts" out.json >actual &&
	jq -S . >expect <<-\EOF &&
	[{"contract_id": "C4001A", "employee_id": "4001", "start_date": "2010-01-01", "end_date": "2014-12-31",
	  "department.code": "ICT", "department.name": "ICT", "title.code": "T02", "title.name": "Ontwikkelaar",
	  "cost_center": "4100", "location": "Zwolle", "fte": "1", "type": "employee", "manager_id": "",
	  "extra": {}, "status": "ended", "primary": false},
	 {"contract_id": "C4001B", "employee_id": "4001", "start_date": "2015-01-01", "end_date": "",
	  "department.code": "DIR", "department.name": "Directie", "title.code": "T01", "title.name": "Directeur",
	  "cost_center": "1000", "location": "Utrecht", "fte": "0.5", "type": "employee", "manager_id": "",
	  "extra": {}, "status": "active", "primary": true},
	 {"contract_id": "C4001C", "employee_id": "4001", "start_date": "2026-01-01", "end_date": "",
	  "department.code": "FIN", "department.name": "Financiën", "title.code": "T04", "title.name": "Controller",
	  "cost_center": "", "location": "", "fte": "1", "type": "external", "manager_id": "4002",
	  "extra": {}, "status": "upcoming", "primary": false}]
	EOF
	test_cmp expect actual
'

test_expect_success 'person --json: assignments with status' '
	jq -S ".assignments" out.json >actual &&
	jq -S . >expect <<-\EOF &&
	[{"employee_id": "4001", "kind": "project", "value": "ERP", "start_date": "2025-01-01",
	  "end_date": "2025-12-31", "extra": {}, "status": "active"},
	 {"employee_id": "4001", "kind": "replaces", "value": "4002", "start_date": "2024-01-01",
	  "end_date": "2024-06-30", "extra": {}, "status": "ended"},
	 {"employee_id": "4001", "kind": "role", "value": "BHV", "start_date": "2026-01-01",
	  "end_date": "", "extra": {}, "status": "upcoming"},
	 {"employee_id": "4001", "kind": "role", "value": "Mentor", "start_date": "",
	  "end_date": "", "extra": {}, "status": "active"}]
	EOF
	test_cmp expect actual
'

test_expect_success 'person --json: the snapshot last seen in' '
	jq -S ".last_seen | del(.imported)" out.json >actual &&
	echo "{\"snapshot\": 2, \"source\": \"hr\", \"at\": \"2025-06-02\"}" | jq -S . >expect &&
	test_cmp expect actual &&
	jq -r .last_seen.imported out.json >imported &&
	grep "^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z\$" imported &&
	sqlite3 var/roster.db "select taken_at from snapshots where id = 2" >expect &&
	test_cmp expect imported
'

test_expect_success 'primary: active before upcoming before ended, even with a lower fte' '
	test "$(primary_of 4001 2025-06-01)" = C4001B
'

test_expect_success 'primary: judged on --at (on 2026-02-01 the upcoming one has started, with more fte)' '
	test "$(primary_of 4001 2026-02-01)" = C4001C &&
	test "$(jq -r ".contracts[] | select(.contract_id == \"C4001C\") | .status" primary.json)" = active &&
	roster person 4001 --at 2026-02-01 >out &&
	grep "^  \* C4001C .*(primary, active)\$" out &&
	grep "^    C4001B .*(active)\$" out
'

test_expect_success 'primary: upcoming before ended' '
	test "$(primary_of 4002 2025-06-01)" = C4002B &&
	jq -r ".contracts[] | \"\(.contract_id) \(.status)\"" primary.json >actual &&
	printf "C4002A ended\nC4002B upcoming\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'primary: of two active, the highest fte' '
	test "$(primary_of 4003 2025-06-01)" = C4003B
'

test_expect_success 'primary: of two active with the same fte, the earliest start' '
	test "$(primary_of 4004 2025-06-01)" = C4004B
'

test_expect_success 'primary: then the lowest contract_id' '
	test "$(primary_of 4005 2025-06-01)" = C4005A
'

test_expect_success 'primary: when all have ended, the highest fte' '
	test "$(primary_of 4006 2025-06-01)" = C4006B &&
	roster person 4006 --at 2025-06-01 >out &&
	grep "^  \* C4006B .*(primary, ended)\$" out
'

test_expect_success 'a person without contracts' '
	roster person 4007 --at 2025-06-01 >out &&
	test_must_contain out "4007  Lisa Meijer" &&
	grep "^contracts: none\$" out &&
	grep "^assignments: none\$" out &&
	roster person 4007 --at 2025-06-01 --json >out.json &&
	test "$(jq -c .contracts out.json)" = "[]" &&
	test "$(jq -c .assignments out.json)" = "[]"
'

test_expect_success 'a person removed from the export: no longer in it, last seen in the snapshot before' '
	sed "/^4008,/d" hr/persons.csv >p.new && mv p.new hr/persons.csv &&
	sed "/^C4008A,/d" hr/contracts.csv >c.new && mv c.new hr/contracts.csv &&
	sed "/^4008,/d" hr/assignments.csv >a.new && mv a.new hr/assignments.csv &&
	roster import --at 2025-06-03 >out &&
	test_must_contain out "stored as snapshot 3 (judged on 2025-06-03)" &&
	test_must_contain out "1  4008 Maria Dekker" &&
	roster person 4008 --at 2025-06-03 >out &&
	no_time out >actual &&
	cat >expect <<-\EOF &&
	4008  Maria Dekker  (no longer in the HR export)
	  given_name           Maria
	  initials             M.
	  family_name          Dekker
	  name_convention      B
	  manager_id           4001
	  last seen            snapshot 2 of source hr (judged on 2025-06-02, imported TIME)
	contracts
	  * C4008A     2018-01-01 – open        FIN Financiën / T04 Controller  fte 1  employee  manager 4001  (primary, active)
	      location Zwolle, cost center 3000
	assignments
	    project      CRM                  2024-01-01 – open  (active)
	EOF
	test_cmp expect actual
'

test_expect_success 'a person removed from the export, in --json' '
	roster person 4008 --at 2025-06-03 --json >out.json &&
	test "$(jq .present out.json)" = false &&
	test "$(jq .last_seen.snapshot out.json)" = 2 &&
	test "$(jq -r .last_seen.at out.json)" = 2025-06-02 &&
	test "$(jq -r "[.contracts[].contract_id] | join(\" \")" out.json)" = C4008A &&
	test "$(jq -r "[.assignments[].value] | join(\" \")" out.json)" = CRM
'

test_expect_success 'the others were seen in the latest snapshot' '
	roster person 4001 --json >out.json &&
	test "$(jq .last_seen.snapshot out.json)" = 3 &&
	test "$(jq .present out.json)" = true
'

test_expect_success 'a removed person who comes back is in the export again' '
	echo "4008,Maria,M.,,Dekker,,,B,,,4001" >>hr/persons.csv &&
	echo "C4008B,4008,2025-07-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,4001" >>hr/contracts.csv &&
	roster import --at 2025-06-20 >out &&
	grep "^  rehires  *1  4008 Maria Dekker\$" out &&
	roster person 4008 --at 2025-06-20 >out &&
	test_must_contain out "4008  Maria Dekker" &&
	test_must_not_contain out "no longer in the HR export" &&
	test_must_contain out "snapshot 4 of source hr (judged on 2025-06-20" &&
	grep "^  \* C4008B .*(primary, upcoming)\$" out &&
	test_must_not_contain out C4008A &&
	grep "^assignments: none\$" out
'

test_expect_success 'an unknown employee_id: exit 1 and a clear message' '
	test_expect_code 1 roster person 9999 >out 2>err &&
	test_must_be_empty out &&
	echo "roster: no person with employee_id \"9999\" in the vault (run roster import first?)" >expect &&
	test_cmp expect err &&
	test_expect_code 1 roster person 9999 --json >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err
'

test_expect_success 'before any import, nobody is known' '
	mkdir fresh &&
	(
		cd fresh &&
		mkdir hr &&
		cp ../roster.yaml . &&
		test_expect_code 1 roster person 4001 2>err &&
		test_must_contain err "no person with employee_id \"4001\" in the vault"
	)
'

test_expect_success 'person without an ID, or with two, is a usage error' '
	test_expect_code 2 roster person 2>err &&
	test_must_contain err "usage: roster [-c FILE] person ID" &&
	test_expect_code 2 roster person 4001 4002 2>err &&
	test_must_contain err "usage: roster [-c FILE] person ID"
'

test_done
