#!/bin/sh
# Every kind of error in HR data is reported as file:line: column "X":
# value "Y": what is wrong; the import exits 2 and the vault stays exactly as
# it was. Warnings (unknown manager, a cycle of managers, an odd name
# convention) keep the row and the import goes on.
. "$(dirname "$0")/lib.sh"

# The good data every test starts from (the layout of examples/: Dutch
# column names, semicolons, DD-MM-YYYY), imported once in the first test.
write_base() {
	mkdir -p hr &&
	cat >hr/persons.csv <<-\EOF &&
	Personeelsnummer;Roepnaam;Achternaam;Naamgebruik;Naam partner;Leidinggevende
	1001;Anna;Jansen;B;;
	1002;Bert;Bakker;B;;1001
	1003;Carla;Smit;BP;Visser;1001
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	Contractnummer;Personeelsnummer;Datum in dienst;Datum uit dienst;Afdelingscode;FTE
	C1;1001;01-01-2015;;DIR;1,0
	C2;1002;01-03-2018;;ICT;0,8
	C3;1003;01-09-2020;;FIN;1
	EOF
	cat >hr/assignments.csv <<-\EOF &&
	Personeelsnummer;Soort;Waarde;Begindatum;Einddatum
	1002;project;Nieuwbouw;01-01-2021;31-12-2030
	EOF
	write_config "    fields:" \
		"      employee_id: Personeelsnummer" \
		"      given_name: Roepnaam" \
		"      family_name: Achternaam" \
		"      name_convention: Naamgebruik" \
		"      partner_name: Naam partner" \
		"      manager_id: Leidinggevende" \
		"      contract_id: Contractnummer" \
		"      start_date: [Datum in dienst, Begindatum]" \
		"      end_date: [Datum uit dienst, Einddatum]" \
		"      department.code: Afdelingscode" \
		"      fte: FTE" \
		"      kind: Soort" \
		"      value: Waarde"
}

# from_base NAME: a copy of the imported base in folder NAME, entered.
from_base() {
	cp -R base "$1" && cd "$1"
}

# refused: roster import exits 2 (stdout in out, stderr in err) and the vault
# is byte for byte what it was.
refused() {
	vault_dump >before &&
	test_expect_code 2 roster import "$@" >out 2>err &&
	vault_dump >after &&
	test_cmp before after
}

# set_line FILE N TEXT: replaces line N of FILE with TEXT.
set_line() {
	awk -v n="$2" -v t="$3" 'NR == n { print t; next } { print }' "$1" >"$1.new" &&
	mv "$1.new" "$1"
}

one_error="roster: source hr: 1 error in the HR data; nothing was stored (fix the data, or use --skip-invalid to store the valid rows)"

test_expect_success 'setup: the good data imports' '
	mkdir base &&
	(cd base && write_base && roster import >out) &&
	test_must_contain base/out "source hr: 3 persons, 3 contracts, 1 assignments; stored as snapshot 1"
'

test_expect_success 'a contract for a person that is not there' '
	from_base unknown-person &&
	echo "C9;9999;01-01-2022;;ICT;1" >>hr/contracts.csv &&
	refused &&
	test_must_contain err "error: hr/contracts.csv:5: column \"Personeelsnummer\": value \"9999\": a contract for a person that is not in hr/persons.csv" &&
	test_must_contain err "$one_error"
'

test_expect_success 'an assignment for a person that is not there' '
	from_base unknown-person-assignment &&
	echo "9999;project;Zorgrooster;01-01-2022;" >>hr/assignments.csv &&
	refused &&
	test_must_contain err "error: hr/assignments.csv:3: column \"Personeelsnummer\": value \"9999\": an assignment for a person that is not in hr/persons.csv" &&
	test_must_contain err "$one_error"
'

test_expect_success 'a duplicate employee_id names the first line' '
	from_base duplicate-person &&
	echo "1002;Bernard;Bakker;B;;1001" >>hr/persons.csv &&
	refused &&
	test_must_contain err "error: hr/persons.csv:5: column \"Personeelsnummer\": value \"1002\": duplicate employee_id (first on line 3)" &&
	test_must_contain err "$one_error"
'

test_expect_success 'a duplicate contract_id names the first line' '
	from_base duplicate-contract &&
	echo "C2;1003;01-01-2022;;FIN;0,2" >>hr/contracts.csv &&
	refused &&
	test_must_contain err "error: hr/contracts.csv:5: column \"Contractnummer\": value \"C2\": duplicate contract_id (first on line 3)" &&
	test_must_contain err "$one_error"
'

test_expect_success 'the same assignment twice names the other line' '
	from_base duplicate-assignment &&
	echo "1002;project;Nieuwbouw;01-01-2021;30-06-2031" >>hr/assignments.csv &&
	refused &&
	test_must_contain err "error: hr/assignments.csv:3: column \"Soort\": value \"project\": the same assignment (project \"Nieuwbouw\" from 2021-01-01) is also on line 2" &&
	test_must_contain err "$one_error"
'

test_expect_success 'an end date before the start date, in contracts and in assignments' '
	from_base end-before-start &&
	set_line hr/contracts.csv 3 "C2;1002;01-03-2018;28-02-2018;ICT;0,8" &&
	set_line hr/assignments.csv 2 "1002;project;Nieuwbouw;01-01-2021;31-12-2020" &&
	refused &&
	test_must_contain err "error: hr/contracts.csv:3: column \"Datum uit dienst\": value \"28-02-2018\": the end date is before the start date \"01-03-2018\"" &&
	test_must_contain err "error: hr/assignments.csv:2: column \"Einddatum\": value \"31-12-2020\": the end date is before the start date \"01-01-2021\"" &&
	test_must_contain err "roster: source hr: 2 errors in the HR data; nothing was stored"
'

test_expect_success 'a date that does not parse' '
	from_base bad-date &&
	set_line hr/contracts.csv 2 "C1;1001;31-02-2015;;DIR;1,0" &&
	set_line hr/contracts.csv 3 "C2;1002;morgen;;ICT;0,8" &&
	set_line hr/contracts.csv 4 "C3;1003;01-09-2020;2020.12.31;FIN;1" &&
	refused &&
	test_must_contain err "error: hr/contracts.csv:2: column \"Datum in dienst\": value \"31-02-2015\": not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)" &&
	test_must_contain err "error: hr/contracts.csv:3: column \"Datum in dienst\": value \"morgen\": not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)" &&
	test_must_contain err "error: hr/contracts.csv:4: column \"Datum uit dienst\": value \"2020.12.31\": not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)" &&
	test_must_contain err "roster: source hr: 3 errors in the HR data; nothing was stored"
'

test_expect_success 'a required field that is empty; the contracts and assignments of that person go with it' '
	from_base required-empty &&
	set_line hr/persons.csv 3 "1002;Bert;  ;B;;1001" &&
	refused &&
	test_must_contain err "error: hr/persons.csv:3: column \"Achternaam\": value \"\": family_name is required and empty" &&
	test_must_contain err "error: hr/contracts.csv:3: column \"Personeelsnummer\": value \"1002\": left out with its person, whose row has an error" &&
	test_must_contain err "error: hr/assignments.csv:2: column \"Personeelsnummer\": value \"1002\": left out with its person, whose row has an error" &&
	test_must_contain err "roster: source hr: 3 errors in the HR data; nothing was stored"
'

test_expect_success 'an empty start date is an error' '
	from_base start-empty &&
	set_line hr/contracts.csv 4 "C3;1003;;;FIN;1" &&
	refused &&
	test_must_contain err "error: hr/contracts.csv:4: column \"Datum in dienst\": value \"\": start_date is required and empty" &&
	test_must_contain err "$one_error"
'

test_expect_success 'an empty employee_id is an error' '
	from_base id-empty &&
	echo ";Dirk;Visser;B;;1001" >>hr/persons.csv &&
	refused &&
	test_must_contain err "error: hr/persons.csv:5: column \"Personeelsnummer\": value \"\": employee_id is required and empty" &&
	test_must_contain err "$one_error"
'

test_expect_success 'an empty contract_id is an error in the same form as the others' '
	from_base contract-id-empty &&
	echo ";1003;01-01-2022;;FIN;0,2" >>hr/contracts.csv &&
	refused &&
	test_must_contain err "contract_id is empty" &&
	test_must_contain err "error: hr/contracts.csv:5: column \"Contractnummer\": value \"\": contract_id is empty" &&
	test_must_contain err "$one_error"
'

test_expect_success 'an fte that is not a number' '
	from_base bad-fte &&
	set_line hr/contracts.csv 3 "C2;1002;01-03-2018;;ICT;fulltime" &&
	set_line hr/contracts.csv 4 "C3;1003;01-09-2020;;FIN;-0,5" &&
	refused &&
	test_must_contain err "error: hr/contracts.csv:3: column \"FTE\": value \"fulltime\": not a number (expected a number such as 1, 0.8 or 0,8)" &&
	test_must_contain err "error: hr/contracts.csv:4: column \"FTE\": value \"-0,5\": not a number (expected a number such as 1, 0.8 or 0,8)" &&
	test_must_contain err "roster: source hr: 2 errors in the HR data; nothing was stored"
'

test_expect_success 'a row with too few values, and one with too many' '
	from_base row-length &&
	set_line hr/contracts.csv 3 "C2;1002;01-03-2018" &&
	set_line hr/contracts.csv 4 "C3;1003;01-09-2020;;FIN;1;extra" &&
	refused &&
	test_must_contain err "error: hr/contracts.csv:3: the row has 3 values, the header has 6 columns (a cut-off line?)" &&
	test_must_contain err "error: hr/contracts.csv:4: the row has 7 values, the header has 6 columns" &&
	test_must_not_contain err "the row has 7 values, the header has 6 columns (a cut-off line?)" &&
	test_must_contain err "roster: source hr: 2 errors in the HR data; nothing was stored"
'

test_expect_success 'the contracts of a person whose row is cut off are left out with the person' '
	from_base row-short-person &&
	set_line hr/persons.csv 3 "1002;Bert" &&
	refused &&
	test_must_contain err "error: hr/persons.csv:3: the row has 2 values, the header has 6 columns (a cut-off line?)" &&
	test_must_contain err "error: hr/contracts.csv:3: column \"Personeelsnummer\": value \"1002\": left out with its person, whose row has an error" &&
	test_must_not_contain err "a contract for a person that is not in hr/persons.csv"
'

test_expect_success 'line numbers count the lines inside quoted fields' '
	from_base multiline &&
	cat >hr/persons.csv <<-\EOF &&
	Personeelsnummer;Roepnaam;Achternaam;Naamgebruik;Naam partner;Leidinggevende
	1001;"Anna
	Maria";Jansen;B;;
	1002;"Bert
	Jan";;B;;1001
	1003;Carla;;BP;Visser;1001
	EOF
	refused &&
	test_must_contain err "error: hr/persons.csv:4: column \"Achternaam\": value \"\": family_name is required and empty" &&
	test_must_contain err "error: hr/persons.csv:6: column \"Achternaam\": value \"\": family_name is required and empty"
'

test_expect_success 'an unclosed quote at the end of the file names the line it opened on' '
	from_base unclosed-quote &&
	cat >hr/persons.csv <<-\EOF &&
	Personeelsnummer;Roepnaam;Achternaam;Naamgebruik;Naam partner;Leidinggevende
	1001;Anna;Jansen;B;;
	1002;"Bert;Bakker;B;;1001
	1003;Carla;Smit;BP;Visser;1001
	EOF
	refused &&
	test_must_contain err "roster: hr/persons.csv:3: a quoted field is not closed before the end of the file (a cut-off export?)"
'

test_expect_success 'an unclosed quote in the first field names the line it opened on' '
	from_base unclosed-quote-first &&
	cat >hr/persons.csv <<-\EOF &&
	Personeelsnummer;Roepnaam;Achternaam;Naamgebruik;Naam partner;Leidinggevende
	1001;Anna;Jansen;B;;
	"1002;Bert;Bakker;B;;1001
	1003;Carla;Smit;BP;Visser;1001
	EOF
	refused &&
	test_must_contain err "roster: hr/persons.csv:3: a quoted field is not closed before the end of the file (a cut-off export?)"
'

test_expect_success 'an unclosed quote in a big file stops at the record size limit, naming the line' '
	from_base unclosed-quote-big &&
	{
		echo "Personeelsnummer;Roepnaam;Achternaam;Naamgebruik;Naam partner;Leidinggevende" &&
		echo "1001;Anna;Jansen;B;;" &&
		echo "1002;\"Bert;Bakker;B;;1001" &&
		awk "BEGIN { for (i = 0; i < 60000; i++) printf \"%d;Naam;Achternaam;B;;1001\n\", 2000 + i }"
	} >hr/persons.csv &&
	refused &&
	test_must_contain err "roster: hr/persons.csv:3: a record is longer than 1048576 bytes (an unclosed quote?)"
'

test_expect_success 'a quote inside an unquoted field is malformed CSV' '
	from_base stray-quote &&
	set_line hr/persons.csv 3 "1002;Bert \"BJ\";Bakker;B;;1001" &&
	refused &&
	test_must_contain err "roster: hr/persons.csv:3: malformed CSV: error parsing data while strict checking enabled (expected RFC 4180 quoting: a field with a quote, delimiter or newline is quoted, and inner quotes are doubled)"
'

test_expect_success 'invalid UTF-8 names line and column and hints at windows-1252' '
	from_base bad-utf8 &&
	set_line hr/persons.csv 3 "$(printf "1002;Zo\353;Bakker;B;;1001")" &&
	refused &&
	test_must_contain err "roster: hr/persons.csv:3:8: byte 0xEB is not valid UTF-8 (if the file is windows-1252, set encoding: windows-1252)"
'

test_expect_success 'a byte that windows-1252 does not define names line and column' '
	from_base bad-cp1252 &&
	sed "s/^    fields:/    encoding: windows-1252\n    fields:/" roster.yaml >r && mv r roster.yaml &&
	set_line hr/persons.csv 4 "$(printf "1003;Carla;Sm\201t;BP;Visser;1001")" &&
	refused &&
	test_must_contain err "roster: hr/persons.csv:4:14: byte 0x81 is not a character in WINDOWS-1252 (check the encoding: setting)"
'

test_expect_success 'a NUL byte is an error' '
	from_base nul &&
	printf "1004;Dirk;Vis\000ser;B;;1001\n" >>hr/persons.csv &&
	refused &&
	test_must_contain err "roster: hr/persons.csv:5:14: the file contains a NUL byte (expected a text file)"
'

test_expect_success 'a configured column missing from the header, with a suggestion' '
	from_base missing-column &&
	set_line hr/persons.csv 1 "Personeelsnummer;Roepnaam;Achternam;Naamgebruik;Naam partner;Leidinggevende" &&
	refused &&
	test_must_contain err "roster: hr/persons.csv:1: column \"Achternaam\" (for family_name) not found; did you mean \"Achternam\"? (the header has: \"Personeelsnummer\", \"Roepnaam\", \"Achternam\", \"Naamgebruik\", \"Naam partner\", \"Leidinggevende\")"
'

test_expect_success 'a configured column missing from the header, with nothing close' '
	from_base missing-column-far &&
	set_line hr/contracts.csv 1 "Contractnummer;Personeelsnummer;Datum in dienst;Datum uit dienst;Department;FTE" &&
	refused &&
	test_must_contain err "roster: hr/contracts.csv:1: column \"Afdelingscode\" (for department.code) not found (the header has: \"Contractnummer\", \"Personeelsnummer\", \"Datum in dienst\", \"Datum uit dienst\", \"Department\", \"FTE\")"
'

test_expect_success 'an employee_id column missing from one of the files' '
	from_base missing-id &&
	set_line hr/assignments.csv 1 "Persnr;Soort;Waarde;Begindatum;Einddatum" &&
	refused &&
	test_must_contain err "roster: hr/assignments.csv:1: column \"Personeelsnummer\" (for employee_id) not found"
'

test_expect_success 'a column that appears twice in the header' '
	from_base twice &&
	set_line hr/persons.csv 1 "Personeelsnummer;Roepnaam;Achternaam;Naamgebruik;ACHTERNAAM;Leidinggevende" &&
	refused &&
	test_must_contain err "roster: hr/persons.csv:1: column \"Achternaam\" (for family_name) appears more than once in the header"
'

test_expect_success 'an extra column missing from every file' '
	from_base missing-extra &&
	printf "    extra:\n      badge: Pasnummer\n" >>roster.yaml &&
	refused &&
	test_must_contain err "roster: hr/persons.csv:1: column \"Pasnummer\" (for badge) not found"
'

test_expect_success 'in one file with a row per contract, a person whose rows differ' '
	mkdir one-file && cd one-file &&
	mkdir hr &&
	cat >hr/staff.csv <<-\EOF &&
	employee_id;given_name;family_name;contract_id;start_date
	1001;Anna;Jansen;C1;2020-01-01
	1001;Anna;Janssen;C2;2021-01-01
	EOF
	cat >roster.yaml <<-\EOF &&
	vault: var/roster.db
	timezone: Europe/Amsterdam
	sources:
	  - name: hr
	    persons: hr/staff.csv
	    contracts: hr/staff.csv
	EOF
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "error: hr/staff.csv:3: column \"family_name\": value \"Janssen\": differs from line 2 for the same person (\"Jansen\")" &&
	test_must_contain err "$one_error"
'

test_expect_success 'errors name the column as the file calls it when a field has alternatives' '
	mkdir alternatives && cd alternatives &&
	mkdir hr &&
	printf "Personeelsnummer;Achternaam\n1001;Jansen\n" >hr/persons.csv &&
	printf "Contractnummer;Persnr;Datum in dienst\nC1;1001;01-01-2020\nC2;9999;01-01-2020\n" >hr/contracts.csv &&
	write_config "    fields:" \
		"      employee_id: [Personeelsnummer, Persnr]" \
		"      family_name: Achternaam" \
		"      contract_id: Contractnummer" \
		"      start_date: Datum in dienst" &&
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "error: hr/contracts.csv:3: column \"Persnr\": value \"9999\": a contract for a person that is not in hr/persons.csv"
'

test_expect_success 'many errors: the first ones on the terminal, how many more, and all with --json' '
	from_base many &&
	awk "BEGIN { for (i = 0; i < 55; i++) printf \"C%d;1001;01-01-20xx;;DIR;1\n\", 100 + i }" >>hr/contracts.csv &&
	refused &&
	shown=$(grep -c "^error: hr/contracts.csv:[0-9]*: column \"Datum in dienst\": value \"01-01-20xx\": not a date" err) &&
	test "$shown" -gt 0 && test "$shown" -lt 55 &&
	test_must_contain err "error: hr/contracts.csv:5: column \"Datum in dienst\": value \"01-01-20xx\": not a date" &&
	test_must_contain err "error: … and $((55 - shown)) more (all of them with --json)" &&
	test_must_contain err "roster: source hr: 55 errors in the HR data; nothing was stored" &&
	test_expect_code 2 roster import --json >out 2>err &&
	test $(jq ".imports[0].errors | length" out) = 55 &&
	test "$(jq -r ".imports[0].errors[54].text" out)" = "hr/contracts.csv:59: column \"Datum in dienst\": value \"01-01-20xx\": not a date (expected YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY)"
'

test_expect_success 'warnings are printed with a refused import too' '
	from_base error-and-warning &&
	set_line hr/persons.csv 3 "1002;Bert;Bakker;B;;8888" &&
	set_line hr/contracts.csv 4 "C3;1003;01-09-2020;;FIN;x" &&
	refused &&
	test_must_contain err "error: hr/contracts.csv:4: column \"FTE\": value \"x\": not a number" &&
	test_must_contain err "warning: hr/persons.csv:3: column \"Leidinggevende\": value \"8888\": the manager is not a known person" &&
	test_must_contain err "$one_error"
'

test_expect_success 'a manager that does not exist is a warning; the import is stored' '
	from_base unknown-manager &&
	set_line hr/persons.csv 3 "1002;Bert;Bakker;B;;9999" &&
	roster import >out 2>err &&
	test_must_contain err "warning: hr/persons.csv:3: column \"Leidinggevende\": value \"9999\": the manager is not a known person" &&
	test_must_not_contain err "error" &&
	test_must_contain out "stored as snapshot 2" &&
	roster person 1002 --json >p.json &&
	test "$(jq -r .manager_id p.json)" = 9999
'

# check_cycle_warning LINE-OF-ERR: the line and value a cycle warning names
# agree with the persons file: that line has that value as its manager.
check_cycle_warning() {
	line=$(sed -n "s/^warning: hr\/persons.csv:\([0-9]*\): column \"Leidinggevende\": value \"[0-9]*\": a cycle of managers: .*/\1/p" err) &&
	value=$(sed -n "s/^warning: hr\/persons.csv:[0-9]*: column \"Leidinggevende\": value \"\([0-9]*\)\": a cycle of managers: .*/\1/p" err) &&
	test -n "$line" && test -n "$value" &&
	test "$(sed -n "${line}p" hr/persons.csv | cut -d";" -f6)" = "$value"
}

test_expect_success 'a cycle of managers is a warning; the import is stored' '
	from_base cycle &&
	set_line hr/persons.csv 2 "1001;Anna;Jansen;B;;1003" &&
	roster import >out 2>err &&
	test_must_contain err "reports, through others or directly, to themselves" &&
	test $(grep -c "a cycle of managers" err) = 1 &&
	test_must_not_contain err "error" &&
	test_must_contain out "stored as snapshot 2" &&
	check_cycle_warning
'

test_expect_success 'a person who is their own manager is a cycle' '
	from_base self-manager &&
	set_line hr/persons.csv 2 "1001;Anna;Jansen;B;;1001" &&
	roster import >out 2>err &&
	test_must_contain err "warning: hr/persons.csv:2: column \"Leidinggevende\": value \"1001\": a cycle of managers: 1001 reports, through others or directly, to themselves" &&
	test_must_contain out "stored as snapshot 2"
'

test_expect_success 'an unknown name convention is a warning; B is used' '
	from_base convention &&
	set_line hr/persons.csv 2 "1001;Anna;Jansen;X;;" &&
	roster import >out 2>err &&
	test_must_contain err "warning: hr/persons.csv:2: column \"Naamgebruik\": value \"X\": not a name convention (expected B, P, BP or PB); B is used" &&
	test_must_not_contain err "error" &&
	test_must_contain out "stored as snapshot 2"
'

test_expect_success 'a convention that needs a partner name without one is a warning' '
	from_base convention-partner &&
	set_line hr/persons.csv 3 "1002;Bert;Bakker;P;;1001" &&
	set_line hr/persons.csv 4 "1003;Carla;Smit;pb;Visser;1001" &&
	roster import >out 2>err &&
	test_must_contain err "warning: hr/persons.csv:3: column \"Naamgebruik\": value \"P\": the convention uses a partner name, but it is empty; B is used" &&
	test $(grep -c "^warning:" err) = 1 &&
	roster person 1003 --json >p.json &&
	test "$(jq -r .name_convention p.json)" = PB
'

test_done
