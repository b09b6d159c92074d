#!/bin/sh
# roster import names what changed since the previous snapshot: joiners,
# leavers, rehires, movers, name and manager changes, contracts and
# assignments added, ended and changed. One small organisation is imported
# again and again, one edit of the HR files (or one step of the calendar)
# at a time; each test checks the whole human summary, the --json summary
# and the person's entry in the --json changes.
. "$(dirname "$0")/lib.sh"

test_line_count() {
	if ! test "$(wc -l <"$3" | tr -d " ")" "$1" "$2"
	then
		echo "test_line_count: line count for $3 !$1 $2" >&2
		cat "$3" >&2
		return 1
	fi
}

# edit FILE SED-ARGS...: edits FILE in place.
edit() {
	edit_file=$1
	shift
	sed "$@" "$edit_file" >"$edit_file.new" &&
	mv "$edit_file.new" "$edit_file"
}

test_must_be_empty() {
	if test -s "$1"
	then
		echo "test_must_be_empty: $1 is not empty:" >&2
		cat "$1" >&2
		return 1
	fi
}

# import_at DATE: imports as on DATE twice from the same vault, once for the
# human output (out) and once for --json (out.json); the vault keeps the
# second. Both must succeed without a word on stderr.
import_at() {
	rm -rf var.before &&
	if test -d var
	then
		cp -R var var.before || return 1
	fi &&
	roster import --at "$1" >out 2>err &&
	test_must_be_empty err &&
	rm -rf var &&
	if test -d var.before
	then
		mv var.before var || return 1
	fi &&
	roster import --at "$1" --json >out.json 2>err &&
	test_must_be_empty err
}

# test_cmp_table EXPECTED ACTUAL: as test_cmp, but any run of spaces is one
# (the alignment of the counts has a test of its own).
test_cmp_table() {
	tr -s " " <"$1" >"$1.squeezed" &&
	tr -s " " <"$2" >"$2.squeezed" &&
	test_cmp "$1.squeezed" "$2.squeezed"
}

# expect_summary JSON: the non-zero counts of the --json summary are JSON.
expect_summary() {
	echo "$1" | jq -S . >summary.expect &&
	jq -S '.imports[0].summary | with_entries(select(.value != 0))' out.json >summary.actual &&
	test_cmp summary.expect summary.actual
}

# expect_changed IDS...: exactly these persons have an entry in the changes.
expect_changed() {
	printf '%s\n' "$@" >changed.expect &&
	jq -r '.imports[0].changes[].employee_id' out.json >changed.actual &&
	test_cmp changed.expect changed.actual
}

# expect_change ID <JSON: the person's entry in the changes (without employee_id).
expect_change() {
	jq -S . >change.expect &&
	jq -S --arg id "$1" '.imports[0].changes[] | select(.employee_id == $id) | del(.employee_id)' \
		out.json >change.actual &&
	test_cmp change.expect change.actual
}

test_expect_success 'setup: an organisation of twelve' '
	mkdir hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id,given_name,initials,family_name_prefix,family_name,partner_name_prefix,partner_name,name_convention,email_private,phone,manager_id
	1001,Jan,J.,de,Vries,,,B,,,
	1002,Anna,A.,,Bakker,,,B,,,
	1003,Piet,P.,,Jansen,,,B,,,
	1004,Karin,K.,,Smit,,,B,,,1001
	1006,Tom,T.,,Mulder,,,B,,,
	1007,Eva,E.,de,Boer,,,B,,,
	1008,Lisa,L.,,Meijer,,,B,,,
	1009,Maria,M.,,Dekker,,,B,,,
	1010,Bas,B.,,Peters,,,B,,,
	1011,Kees,K.,,Vos,,,B,,,1001
	1012,Noor,N.,,Hendriks,,,B,,,
	1013,Ruud,R.,,Kok,,,B,,,
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	contract_id,employee_id,start_date,end_date,department.code,department.name,title.code,title.name,cost_center,location,fte,type,manager_id
	C1001,1001,2015-01-01,,DIR,Directie,T01,Directeur,1000,Utrecht,1,employee,
	C1002,1002,2019-03-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,1001
	C1003,1003,2018-01-01,2025-03-31,HR,Personeelszaken,T03,Adviseur,2000,Utrecht,0.8,employee,1001
	C1006,1006,2017-05-01,,FIN,Financiën,T04,Controller,3000,Zwolle,1,employee,1001
	C1007,1007,2020-09-01,,FIN,Financiën,T04,Controller,3000,Zwolle,1,employee,1001
	C1008,1008,2021-01-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,1001
	C1009,1009,2021-01-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,1001
	C1010,1010,2022-01-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,1001
	C1011,1011,2022-06-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,
	C1012,1012,2016-01-01,,FIN,Financiën,T04,Controller,3000,Zwolle,1,employee,1001
	C1013,1013,2023-01-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,1001
	EOF
	cat >hr/assignments.csv <<-\EOF &&
	employee_id,kind,value,start_date,end_date
	1013,project,ERP,2025-01-01,2025-12-31
	EOF
	write_config &&
	roster check >out &&
	test_must_contain out "ok (1 source"
'

test_expect_success 'the first import: everyone is a joiner' '
	import_at 2025-01-10 &&
	cat >expect <<-\EOF &&
	source hr: 12 persons, 11 contracts, 1 assignments; stored as snapshot 1 (judged on 2025-01-10)
	  first import of this source: everyone is new
	  joiners                  12  1001 Jan de Vries, 1002 Anna Bakker, 1003 Piet Jansen and 9 more
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	EOF
	test_cmp_table expect out &&
	test "$(jq ".imports[0].first" out.json)" = true &&
	test "$(jq ".imports[0].summary.joiner" out.json)" = 12 &&
	test "$(jq ".imports[0].summary.leaver" out.json)" = 0 &&
	expect_change 1004 <<-\EOF
	{"name": "Karin Smit", "gone": false, "kinds": ["joiner"], "details": [{"kind": "joiner"}]}
	EOF
'

test_expect_success 'the same export again: no changes since the previous snapshot' '
	import_at 2025-01-11 &&
	cat >expect <<-\EOF &&
	source hr: 12 persons, 11 contracts, 1 assignments; stored as snapshot 2 (judged on 2025-01-11)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  no changes since the previous snapshot
	EOF
	test_cmp_table expect out &&
	test "$(jq ".imports[0].first" out.json)" = false &&
	test "$(jq -c ".imports[0].changes" out.json)" = "[]" &&
	expect_summary "{}"
'

test_expect_success 'joiner: a new person in the export' '
	echo "1014,Femke,F.,,Bos,,,B,,,1001" >>hr/persons.csv &&
	echo "C1014,1014,2025-02-01,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,1,employee,1001" >>hr/contracts.csv &&
	import_at 2025-01-15 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 12 contracts, 1 assignments; stored as snapshot 3 (judged on 2025-01-15)
	  joiners                   1  1014 Femke Bos
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts added           1  1014 Femke Bos
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"joiner\": 1, \"contract_added\": 1}" &&
	expect_changed 1014 &&
	expect_change 1014 <<-\EOF
	{"name": "Femke Bos", "gone": false, "kinds": ["joiner", "contract_added"],
	 "details": [{"kind": "joiner"}, {"kind": "contract_added", "ref": "C1014"}]}
	EOF
'

test_expect_success 'joiner: a person without a contract gets a first one' '
	echo "C1004,1004,2025-01-20,,HR,Personeelszaken,T03,Adviseur,2000,Utrecht,1,employee,1001" >>hr/contracts.csv &&
	import_at 2025-01-20 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 13 contracts, 1 assignments; stored as snapshot 4 (judged on 2025-01-20)
	  joiners                   1  1004 Karin Smit
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts added           1  1004 Karin Smit
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"joiner\": 1, \"contract_added\": 1}" &&
	expect_changed 1004 &&
	expect_change 1004 <<-\EOF
	{"name": "Karin Smit", "gone": false, "kinds": ["joiner", "contract_added"],
	 "details": [{"kind": "joiner"}, {"kind": "contract_added", "ref": "C1004"}]}
	EOF
'

test_expect_success 'leaver: a person removed from the export' '
	edit hr/persons.csv -e "/^1006,/d" &&
	edit hr/contracts.csv -e "/^C1006,/d" &&
	import_at 2025-01-25 &&
	cat >expect <<-\EOF &&
	source hr: 12 persons, 12 contracts, 1 assignments; stored as snapshot 5 (judged on 2025-01-25)
	  joiners                   0
	  leavers                   1  1006 Tom Mulder
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts ended           1  1006 Tom Mulder
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"leaver\": 1, \"contract_ended\": 1, \"gone\": 1}" &&
	expect_changed 1006 &&
	expect_change 1006 <<-\EOF
	{"name": "Tom Mulder", "gone": true, "kinds": ["leaver", "contract_ended"],
	 "details": [{"kind": "leaver"}, {"kind": "contract_ended", "ref": "C1006"}]}
	EOF
'

test_expect_success 'leaver: the last contract now ends in the past' '
	edit hr/contracts.csv -e "s/^C1007,1007,2020-09-01,,/C1007,1007,2020-09-01,2025-01-31,/" &&
	import_at 2025-02-03 &&
	cat >expect <<-\EOF &&
	source hr: 12 persons, 12 contracts, 1 assignments; stored as snapshot 6 (judged on 2025-02-03)
	  joiners                   0
	  leavers                   1  1007 Eva de Boer
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts ended           1  1007 Eva de Boer
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"leaver\": 1, \"contract_ended\": 1}" &&
	expect_changed 1007 &&
	expect_change 1007 <<-\EOF
	{"name": "Eva de Boer", "gone": false, "kinds": ["leaver", "contract_ended"],
	 "details": [{"kind": "leaver"},
		     {"kind": "contract_ended", "ref": "C1007", "field": "end_date", "old": "", "new": "2025-01-31"}]}
	EOF
'

test_expect_success 'rehire: a leaver gets a new contract' '
	echo "C1007B,1007,2025-02-10,,ICT,ICT,T02,Ontwikkelaar,4100,Utrecht,0.6,employee,1001" >>hr/contracts.csv &&
	import_at 2025-02-10 &&
	cat >expect <<-\EOF &&
	source hr: 12 persons, 13 contracts, 1 assignments; stored as snapshot 7 (judged on 2025-02-10)
	  joiners                   0
	  leavers                   0
	  rehires                   1  1007 Eva de Boer
	  movers                    0
	  name changes              0
	  contracts added           1  1007 Eva de Boer
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"rehire\": 1, \"contract_added\": 1}" &&
	expect_changed 1007 &&
	expect_change 1007 <<-\EOF
	{"name": "Eva de Boer", "gone": false, "kinds": ["rehire", "contract_added"],
	 "details": [{"kind": "rehire"}, {"kind": "contract_added", "ref": "C1007B"}]}
	EOF
'

test_expect_success 'rehire: a person removed from the export comes back' '
	echo "1006,Tom,T.,,Mulder,,,B,,,1001" >>hr/persons.csv &&
	echo "C1006B,1006,2025-02-15,,FIN,Financiën,T04,Controller,3000,Zwolle,1,employee,1001" >>hr/contracts.csv &&
	import_at 2025-02-15 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 14 contracts, 1 assignments; stored as snapshot 8 (judged on 2025-02-15)
	  joiners                   0
	  leavers                   0
	  rehires                   1  1006 Tom Mulder
	  movers                    0
	  name changes              0
	  contracts added           1  1006 Tom Mulder
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"rehire\": 1, \"contract_added\": 1}" &&
	expect_changed 1006 &&
	expect_change 1006 <<-\EOF
	{"name": "Tom Mulder", "gone": false, "kinds": ["rehire", "contract_added"],
	 "details": [{"kind": "rehire"}, {"kind": "contract_added", "ref": "C1006B"}]}
	EOF
'

test_expect_success 'mover: department, title and location of the primary contract' '
	edit hr/contracts.csv -e "s/^C1010,.*/C1010,1010,2022-01-01,,FIN,Financiën,T05,Analist,3000,Zwolle,1,employee,1001/" &&
	import_at 2025-02-20 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 14 contracts, 1 assignments; stored as snapshot 9 (judged on 2025-02-20)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    1  1010 Bas Peters
	  name changes              0
	  contracts changed         1  1010 Bas Peters
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"mover\": 1, \"contract_changed\": 1}" &&
	expect_changed 1010 &&
	expect_change 1010 <<-\EOF
	{"name": "Bas Peters", "gone": false, "kinds": ["mover", "contract_changed"],
	 "details": [
	  {"kind": "mover", "ref": "C1010", "field": "department.code", "old": "ICT", "new": "FIN"},
	  {"kind": "mover", "ref": "C1010", "field": "department.name", "old": "ICT", "new": "Financiën"},
	  {"kind": "mover", "ref": "C1010", "field": "title.code", "old": "T02", "new": "T05"},
	  {"kind": "mover", "ref": "C1010", "field": "title.name", "old": "Ontwikkelaar", "new": "Analist"},
	  {"kind": "mover", "ref": "C1010", "field": "location", "old": "Utrecht", "new": "Zwolle"},
	  {"kind": "contract_changed", "ref": "C1010", "field": "department.code", "old": "ICT", "new": "FIN"},
	  {"kind": "contract_changed", "ref": "C1010", "field": "department.name", "old": "ICT", "new": "Financiën"},
	  {"kind": "contract_changed", "ref": "C1010", "field": "title.code", "old": "T02", "new": "T05"},
	  {"kind": "contract_changed", "ref": "C1010", "field": "title.name", "old": "Ontwikkelaar", "new": "Analist"},
	  {"kind": "contract_changed", "ref": "C1010", "field": "cost_center", "old": "4100", "new": "3000"},
	  {"kind": "contract_changed", "ref": "C1010", "field": "location", "old": "Utrecht", "new": "Zwolle"}]}
	EOF
'

test_expect_success 'name change: a new family name' '
	edit hr/persons.csv -e "s/^1008,Lisa,L.,,Meijer,/1008,Lisa,L.,,Jansen,/" &&
	import_at 2025-02-25 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 14 contracts, 1 assignments; stored as snapshot 10 (judged on 2025-02-25)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              1  1008 Lisa Jansen
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"name_change\": 1}" &&
	expect_changed 1008 &&
	expect_change 1008 <<-\EOF
	{"name": "Lisa Jansen", "gone": false, "kinds": ["name_change"],
	 "details": [{"kind": "name_change", "field": "family_name", "old": "Meijer", "new": "Jansen"}]}
	EOF
'

test_expect_success 'name change: convention B becomes BP with a partner name' '
	edit hr/persons.csv -e "s/^1009,Maria,M.,,Dekker,,,B,/1009,Maria,M.,,Dekker,de,Groot,BP,/" &&
	import_at 2025-03-01 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 14 contracts, 1 assignments; stored as snapshot 11 (judged on 2025-03-01)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              1  1009 Maria Dekker
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"name_change\": 1}" &&
	expect_changed 1009 &&
	expect_change 1009 <<-\EOF
	{"name": "Maria Dekker", "gone": false, "kinds": ["name_change"],
	 "details": [
	  {"kind": "name_change", "field": "partner_name_prefix", "old": "", "new": "de"},
	  {"kind": "name_change", "field": "partner_name", "old": "", "new": "Groot"},
	  {"kind": "name_change", "field": "name_convention", "old": "B", "new": "BP"}]}
	EOF
'

test_expect_success 'manager change: the person names another manager' '
	edit hr/persons.csv -e "s/^1011,Kees,K.,,Vos,,,B,,,1001\$/1011,Kees,K.,,Vos,,,B,,,1002/" &&
	import_at 2025-03-05 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 14 contracts, 1 assignments; stored as snapshot 12 (judged on 2025-03-05)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  manager changes           1  1011 Kees Vos
	  other changes             1  1011 Kees Vos
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"manager_change\": 1, \"person_changed\": 1}" &&
	expect_changed 1011 &&
	expect_change 1011 <<-\EOF
	{"name": "Kees Vos", "gone": false, "kinds": ["manager_change", "person_changed"],
	 "details": [
	  {"kind": "manager_change", "field": "manager_id", "old": "1001", "new": "1002"},
	  {"kind": "person_changed", "field": "manager_id", "old": "1001", "new": "1002"}]}
	EOF
'

test_expect_success 'manager change: the primary contract names another manager (also a mover)' '
	edit hr/contracts.csv -e "s/^\(C1002,.*,employee,\)1001\$/\11010/" &&
	grep "^C1002,.*,1010\$" hr/contracts.csv &&
	import_at 2025-03-10 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 14 contracts, 1 assignments; stored as snapshot 13 (judged on 2025-03-10)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    1  1002 Anna Bakker
	  name changes              0
	  manager changes           1  1002 Anna Bakker
	  contracts changed         1  1002 Anna Bakker
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"mover\": 1, \"manager_change\": 1, \"contract_changed\": 1}" &&
	expect_changed 1002 &&
	expect_change 1002 <<-\EOF
	{"name": "Anna Bakker", "gone": false, "kinds": ["mover", "manager_change", "contract_changed"],
	 "details": [
	  {"kind": "mover", "ref": "C1002", "field": "manager_id", "old": "1001", "new": "1010"},
	  {"kind": "manager_change", "field": "manager_id", "old": "1001", "new": "1010"},
	  {"kind": "contract_changed", "ref": "C1002", "field": "manager_id", "old": "1001", "new": "1010"}]}
	EOF
'

test_expect_success 'contract added: two more contracts for one person count once' '
	echo "C1012B,1012,2025-04-01,,FIN,Financiën,T04,Controller,3000,Zwolle,0.5,employee,1001" >>hr/contracts.csv &&
	echo "C1012C,1012,2025-04-01,,FIN,Financiën,T04,Controller,3000,Zwolle,0.2,employee,1001" >>hr/contracts.csv &&
	import_at 2025-03-15 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 16 contracts, 1 assignments; stored as snapshot 14 (judged on 2025-03-15)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts added           1  1012 Noor Hendriks
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"contract_added\": 1}" &&
	expect_changed 1012 &&
	expect_change 1012 <<-\EOF
	{"name": "Noor Hendriks", "gone": false, "kinds": ["contract_added"],
	 "details": [{"kind": "contract_added", "ref": "C1012B"}, {"kind": "contract_added", "ref": "C1012C"}]}
	EOF
'

test_expect_success 'contract changed: fte of the primary, department of another (no mover)' '
	edit hr/contracts.csv \
		-e "s/^\(C1012,.*,Zwolle,\)1,/\10.8,/" \
		-e "s/^C1012B,1012,2025-04-01,,FIN,/C1012B,1012,2025-04-01,,HR,/" &&
	grep "^C1012,.*,0.8,employee" hr/contracts.csv &&
	import_at 2025-03-20 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 16 contracts, 1 assignments; stored as snapshot 15 (judged on 2025-03-20)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts changed         1  1012 Noor Hendriks
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"contract_changed\": 1}" &&
	expect_changed 1012 &&
	expect_change 1012 <<-\EOF
	{"name": "Noor Hendriks", "gone": false, "kinds": ["contract_changed"],
	 "details": [
	  {"kind": "contract_changed", "ref": "C1012", "field": "fte", "old": "1", "new": "0.8"},
	  {"kind": "contract_changed", "ref": "C1012B", "field": "department.code", "old": "FIN", "new": "HR"}]}
	EOF
'

test_expect_success 'contract ended: a contract removed from the export' '
	edit hr/contracts.csv -e "/^C1012C,/d" &&
	import_at 2025-03-25 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 15 contracts, 1 assignments; stored as snapshot 16 (judged on 2025-03-25)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts ended           1  1012 Noor Hendriks
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"contract_ended\": 1}" &&
	expect_changed 1012 &&
	expect_change 1012 <<-\EOF
	{"name": "Noor Hendriks", "gone": false, "kinds": ["contract_ended"],
	 "details": [{"kind": "contract_ended", "ref": "C1012C"}]}
	EOF
'

test_expect_success 'leaver: the same files, judged after the last day of the contract' '
	import_at 2025-04-01 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 15 contracts, 1 assignments; stored as snapshot 17 (judged on 2025-04-01)
	  joiners                   0
	  leavers                   1  1003 Piet Jansen
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts ended           1  1003 Piet Jansen
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"leaver\": 1, \"contract_ended\": 1}" &&
	expect_changed 1003 &&
	expect_change 1003 <<-\EOF
	{"name": "Piet Jansen", "gone": false, "kinds": ["leaver", "contract_ended"],
	 "details": [{"kind": "leaver"},
		     {"kind": "contract_ended", "ref": "C1003", "field": "end_date", "old": "2025-03-31", "new": "2025-03-31"}]}
	EOF
'

test_expect_success 'a leaver stays a leaver: the next day brings no change' '
	import_at 2025-04-02 &&
	test_must_contain out "no changes since the previous snapshot" &&
	expect_summary "{}"
'

test_expect_success 'contract ended: one of two contracts gets an end date in the past' '
	edit hr/contracts.csv -e "s/^C1012B,1012,2025-04-01,,/C1012B,1012,2025-04-01,2025-04-15,/" &&
	import_at 2025-04-20 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 15 contracts, 1 assignments; stored as snapshot 19 (judged on 2025-04-20)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  contracts ended           1  1012 Noor Hendriks
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"contract_ended\": 1}" &&
	expect_changed 1012 &&
	expect_change 1012 <<-\EOF
	{"name": "Noor Hendriks", "gone": false, "kinds": ["contract_ended"],
	 "details": [{"kind": "contract_ended", "ref": "C1012B", "field": "end_date", "old": "", "new": "2025-04-15"}]}
	EOF
'

test_expect_success 'assignment added' '
	echo "1013,project,CRM,2025-05-01," >>hr/assignments.csv &&
	import_at 2025-04-25 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 15 contracts, 2 assignments; stored as snapshot 20 (judged on 2025-04-25)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  assignments added         1  1013 Ruud Kok
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"assignment_added\": 1}" &&
	expect_changed 1013 &&
	expect_change 1013 <<-\EOF
	{"name": "Ruud Kok", "gone": false, "kinds": ["assignment_added"],
	 "details": [{"kind": "assignment_added", "ref": "project CRM from 2025-05-01"}]}
	EOF
'

test_expect_success 'assignment changed: a later end date' '
	edit hr/assignments.csv -e "s/^1013,project,ERP,2025-01-01,2025-12-31\$/1013,project,ERP,2025-01-01,2026-06-30/" &&
	import_at 2025-05-01 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 15 contracts, 2 assignments; stored as snapshot 21 (judged on 2025-05-01)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  assignments changed     1  1013 Ruud Kok
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"assignment_changed\": 1}" &&
	expect_changed 1013 &&
	expect_change 1013 <<-\EOF
	{"name": "Ruud Kok", "gone": false, "kinds": ["assignment_changed"],
	 "details": [{"kind": "assignment_changed", "ref": "project ERP from 2025-01-01", "field": "end_date",
		      "old": "2025-12-31", "new": "2026-06-30"}]}
	EOF
'

test_expect_success 'the counts of the summary stand in one column, whatever the label' '
	grep "^  assignments changed " out &&
	awk "/^  [a-z]/ && match(\$0, /^  [a-z ]*[a-z] +[0-9]+/) { print RLENGTH }" out | sort -u >columns &&
	test_line_count = 1 columns
'

test_expect_success 'assignment ended: removed from the export' '
	edit hr/assignments.csv -e "/^1013,project,CRM,/d" &&
	import_at 2025-05-05 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 15 contracts, 1 assignments; stored as snapshot 22 (judged on 2025-05-05)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  assignments ended         1  1013 Ruud Kok
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"assignment_ended\": 1}" &&
	expect_changed 1013 &&
	expect_change 1013 <<-\EOF
	{"name": "Ruud Kok", "gone": false, "kinds": ["assignment_ended"],
	 "details": [{"kind": "assignment_ended", "ref": "project CRM from 2025-05-01"}]}
	EOF
'

test_expect_success 'assignment ended: its end date moved into the past' '
	edit hr/assignments.csv -e "s/^1013,project,ERP,2025-01-01,2026-06-30\$/1013,project,ERP,2025-01-01,2025-05-06/" &&
	import_at 2025-05-10 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 15 contracts, 1 assignments; stored as snapshot 23 (judged on 2025-05-10)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  assignments ended         1  1013 Ruud Kok
	EOF
	test_cmp_table expect out &&
	expect_summary "{\"assignment_ended\": 1}" &&
	expect_changed 1013 &&
	expect_change 1013 <<-\EOF
	{"name": "Ruud Kok", "gone": false, "kinds": ["assignment_ended"],
	 "details": [{"kind": "assignment_ended", "ref": "project ERP from 2025-01-01", "field": "end_date",
		      "old": "2026-06-30", "new": "2025-05-06"}]}
	EOF
'

test_expect_success 'the vault recorded every snapshot and its changes' '
	test "$(sqlite3 var/roster.db "select count(*) from snapshots")" = 23 &&
	sqlite3 var/roster.db "select kinds from changes where snapshot = 17 and employee_id = '"'1003'"'" >actual &&
	echo "[\"leaver\",\"contract_ended\"]" >expect &&
	test_cmp expect actual
'

test_expect_success 'nothing changed at the end: no changes since the previous snapshot' '
	import_at 2025-05-11 &&
	cat >expect <<-\EOF &&
	source hr: 13 persons, 15 contracts, 1 assignments; stored as snapshot 24 (judged on 2025-05-11)
	  joiners                   0
	  leavers                   0
	  rehires                   0
	  movers                    0
	  name changes              0
	  no changes since the previous snapshot
	EOF
	test_cmp_table expect out &&
	test "$(jq -c ".imports[0].changes" out.json)" = "[]" &&
	expect_summary "{}"
'

test_expect_success 'the same data in another form (delimiter, column order, dates, decimal comma, CRLF): no changes' '
	awk -F, "BEGIN { OFS = \";\" }
		{
			for (i = 1; i <= NF; i++)
				if (\$i ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\$/)
					\$i = substr(\$i, 9, 2) \"-\" substr(\$i, 6, 2) \"-\" substr(\$i, 1, 4);
				else if (\$i ~ /^[0-9]+\\.[0-9]+\$/)
					sub(/\\./, \",\", \$i);
				else if (NR > 1 && i == 11 && \$i ~ /^[0-9]+\$/)
					\$i = \$i \",0\";
			line = \$NF;
			for (i = NF - 1; i >= 1; i--)
				line = line \";\" \$i;
			printf \"%s\\r\\n\", line
		}" hr/contracts.csv >contracts.other &&
	grep "^;employee;1,0;Utrecht;1000;Directeur;T01;Directie;DIR;;01-01-2015;1001;C1001" contracts.other &&
	test "$(tr -cd "\r" <contracts.other | wc -c)" = "$(wc -l <contracts.other)" &&
	grep ";1,0;Zwolle;3000;" contracts.other &&
	grep ";0,8;Zwolle;3000;" contracts.other &&
	mv contracts.other hr/contracts.csv &&
	import_at 2025-05-12 &&
	test_must_contain out "no changes since the previous snapshot" &&
	test "$(jq -c ".imports[0].changes" out.json)" = "[]" &&
	expect_summary "{}"
'

test_done
