#!/bin/sh
# roster import --skip-invalid stores the valid rows and lists every row it
# left out; a person known from the previous import whose row now has an
# error is kept as they were, never turned into a leaver.
. "$(dirname "$0")/lib.sh"

write_base() {
	mkdir -p hr &&
	cat >hr/persons.csv <<-\EOF &&
	Personeelsnummer;Roepnaam;Achternaam;Leidinggevende
	1001;Anna;Jansen;
	1002;Bert;Bakker;1001
	1003;Carla;Smit;1001
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	Contractnummer;Personeelsnummer;Datum in dienst;Datum uit dienst;Afdelingscode;FTE
	C1;1001;01-01-2015;;DIR;1
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
		"      manager_id: Leidinggevende" \
		"      contract_id: Contractnummer" \
		"      start_date: [Datum in dienst, Begindatum]" \
		"      end_date: [Datum uit dienst, Einddatum]" \
		"      department.code: Afdelingscode" \
		"      fte: FTE" \
		"      kind: Soort" \
		"      value: Waarde"
}

# The second export: 1001 renamed (valid), 1002's row has no family name,
# 1003's only contract has a bad fte, 1004 is new and valid, 1005 is new and
# has no family name.
write_second() {
	cat >hr/persons.csv <<-\EOF &&
	Personeelsnummer;Roepnaam;Achternaam;Leidinggevende
	1001;Annie;Jansen;
	1002;Bert;;1001
	1003;Carla;Smit;1001
	1004;Dirk;Visser;1001
	1005;Eva;;1001
	EOF
	cat >hr/contracts.csv <<-\EOF
	Contractnummer;Personeelsnummer;Datum in dienst;Datum uit dienst;Afdelingscode;FTE
	C1;1001;01-01-2015;;DIR;1
	C2;1002;01-03-2018;;HR;0,8
	C3;1003;01-09-2020;;FIN;x
	C4;1004;01-01-2024;;ICT;1
	C5;1005;01-01-2024;;ICT;1
	EOF
}

# import_ok ARGS: roster import ARGS >out 2>err must exit 0; if not, says why.
import_ok() {
	roster import "$@" >out 2>err
	ret=$?
	if test $ret != 0
	then
		echo "roster import $*: exit $ret, expected 0; stderr:" >&2
		cat err >&2
		return 1
	fi
}

from_base() {
	cp -R base "$1" && cd "$1"
}

skipped_lines() {
	cat <<-\EOF
	hr/persons.csv:3: column "Achternaam": value "": family_name is required and empty
	hr/persons.csv:6: column "Achternaam": value "": family_name is required and empty
	hr/contracts.csv:4: column "FTE": value "x": not a number (expected a number such as 1, 0.8 or 0,8)
	hr/contracts.csv:3: column "Personeelsnummer": value "1002": left out with its person, whose row has an error
	hr/contracts.csv:6: column "Personeelsnummer": value "1005": left out with its person, whose row has an error
	hr/assignments.csv:2: column "Personeelsnummer": value "1002": left out with its person, whose row has an error
	EOF
}

test_expect_success 'setup: the first import' '
	mkdir base &&
	(cd base && write_base && roster import --at 2025-01-01 >out) &&
	test_must_contain base/out "source hr: 3 persons, 3 contracts, 1 assignments; stored as snapshot 1"
'

test_expect_success 'without --skip-invalid the second export is refused and nothing is stored' '
	from_base refused &&
	write_second &&
	vault_dump >before &&
	test_expect_code 2 roster import --at 2025-01-01 >out 2>err &&
	vault_dump >after &&
	test_cmp before after &&
	test_must_contain err "roster: source hr: 6 errors in the HR data; nothing was stored (fix the data, or use --skip-invalid to store the valid rows)"
'

test_expect_success '--skip-invalid stores the valid rows, lists every skipped row and exits 0' '
	from_base skip &&
	write_second &&
	import_ok --at 2025-01-01 --skip-invalid &&
	skipped_lines | sed "s/^/skipped: /" >expect &&
	grep "^skipped: " err >actual &&
	test_cmp expect actual &&
	! grep "^error" err &&
	test_must_contain out "source hr: 4 persons, 4 contracts, 1 assignments; stored as snapshot 2 (judged on 2025-01-01)" &&
	test_must_contain out "  joiners                  1  1004 Dirk Visser" &&
	test_must_contain out "  leavers                  0" &&
	test_must_contain out "  name changes             1  1001 Annie Jansen" &&
	test_must_contain out "  2 left-out records kept as they were in the previous snapshot" &&
	test_must_not_contain out "1005"
'

test_expect_success 'a person whose row now has an error is kept as before, not a leaver' '
	cd skip &&
	roster person 1002 --at 2025-01-01 >out &&
	test_must_contain out "1002  Bert Bakker" &&
	test_must_not_contain out "no longer in the HR export" &&
	roster person 1002 --at 2025-01-01 --json >p.json &&
	test "$(jq -r "[.family_name, .present, .contracts[0].contract_id, .contracts[0][\"department.code\"], .contracts[0].status, (.assignments | length)] | join(\" \")" p.json)" = "Bakker true C2 ICT active 1"
'

test_expect_success 'a contract whose row now has an error is kept as before' '
	cd skip &&
	roster person 1003 --at 2025-01-01 --json >p.json &&
	test "$(jq -r "[.present, .contracts[0].contract_id, .contracts[0].fte, .contracts[0].status] | join(\" \")" p.json)" = "true C3 1 active"
'

test_expect_success 'the valid rows of the second export are stored' '
	cd skip &&
	roster person 1001 --json >p.json &&
	test "$(jq -r .given_name p.json)" = Annie &&
	roster person 1004 --at 2025-01-01 --json >p.json &&
	test "$(jq -r "[.family_name, .contracts[0].contract_id] | join(\" \")" p.json)" = "Visser C4" &&
	test_expect_code 1 roster person 1005 2>err &&
	test_must_contain err "roster: no person with employee_id \"1005\" in the vault"
'

test_expect_success '--skip-invalid --json lists the skipped rows' '
	from_base skip-json &&
	write_second &&
	roster import --at 2025-01-01 --skip-invalid --json >out.json &&
	test "$(jq -r ".imports[0].stored" out.json)" = true &&
	test "$(jq -r ".imports[0].carried_over" out.json)" = 2 &&
	test "$(jq -r ".imports[0].summary | \"\(.joiner) \(.leaver) \(.name_change)\"" out.json)" = "1 0 1" &&
	skipped_lines >expect &&
	jq -r ".imports[0].skipped[].text" out.json >actual &&
	test_cmp expect actual &&
	jq -r ".imports[0].errors[].text" out.json >actual &&
	test_cmp expect actual &&
	test "$(jq -c ".imports[0].skipped[0]" out.json)" = "{\"file\":\"hr/persons.csv\",\"line\":3,\"where\":\"column \\\"Achternaam\\\"\",\"value\":\"\",\"message\":\"family_name is required and empty\",\"text\":\"hr/persons.csv:3: column \\\"Achternaam\\\": value \\\"\\\": family_name is required and empty\"}"
'

test_expect_success 'fixing the data afterwards shows no change: what was kept was exact' '
	cd skip &&
	write_base &&
	sed -i "s/^1001;Anna;/1001;Annie;/" hr/persons.csv &&
	echo "1004;Dirk;Visser;1001" >>hr/persons.csv &&
	echo "C4;1004;01-01-2024;;ICT;1" >>hr/contracts.csv &&
	roster import --at 2025-01-01 >out &&
	test_must_contain out "source hr: 4 persons, 4 contracts, 1 assignments; stored as snapshot 3" &&
	test_must_contain out "  no changes since the previous snapshot"
'

test_expect_success '--skip-invalid on a first import stores what is valid' '
	mkdir first && cd first &&
	write_base &&
	echo "1004;Dirk;;1001" >>hr/persons.csv &&
	echo "C9;1003;31-31-2020;;FIN;1" >>hr/contracts.csv &&
	import_ok --at 2025-01-01 --skip-invalid &&
	test_must_contain err "skipped: hr/persons.csv:5: column \"Achternaam\": value \"\": family_name is required and empty" &&
	test_must_contain err "skipped: hr/contracts.csv:5: column \"Datum in dienst\": value \"31-31-2020\": not a date" &&
	test $(grep -c "^skipped: " err) = 2 &&
	test_must_contain out "source hr: 3 persons, 3 contracts, 1 assignments; stored as snapshot 1" &&
	test_must_contain out "first import of this source: everyone is new" &&
	test_must_not_contain out "kept as they were"
'

test_expect_success 'a person whose row is cut off is kept as before, not a leaver' '
	from_base cut-off &&
	sed -i "s/^1002;Bert;Bakker;1001$/1002;Bert/" hr/persons.csv &&
	grep "^1002;Bert$" hr/persons.csv &&
	import_ok --at 2025-01-01 --skip-invalid &&
	test_must_contain err "skipped: hr/persons.csv:3: the row has 2 values, the header has 4 columns (a cut-off line?)" &&
	test_must_contain out "  leavers                  0" &&
	roster person 1002 --at 2025-01-01 >out &&
	test_must_contain out "1002  Bert Bakker" &&
	test_must_not_contain out "no longer in the HR export"
'

# JSON: the same promise.
write_json_base() {
	mkdir -p hr &&
	cat >roster.yaml <<-\EOF &&
	vault: var/roster.db
	timezone: Europe/Amsterdam
	sources:
	  - name: hr
	    format: json
	    persons: hr/persons.json
	EOF
	cat >hr/persons.json <<-\EOF
	[{"employee_id": "1001", "family_name": "Jansen", "contracts": [{"contract_id": "C1", "start_date": "2015-01-01"}]},
	 {"employee_id": "1002", "family_name": "Bakker", "contracts": [{"contract_id": "C2", "start_date": "2018-03-01"}]},
	 {"employee_id": "1003", "family_name": "Smit", "contracts": [{"contract_id": "C3", "start_date": "2020-09-01", "fte": "1"}]}]
	EOF
}

test_expect_success 'JSON: a person whose record now has an error is kept as before' '
	mkdir json-person && cd json-person &&
	write_json_base &&
	roster import --at 2025-01-01 >first.out &&
	sed -i "s/\"family_name\": \"Bakker\"/\"family_name\": \"\"/" hr/persons.json &&
	import_ok --at 2025-01-01 --skip-invalid &&
	test_must_contain err "skipped: hr/persons.json: field \"persons[1].family_name\": value \"\": family_name is required and empty" &&
	test_must_contain out "  leavers                  0" &&
	test_must_contain out "  1 left-out record kept as they were in the previous snapshot" &&
	roster person 1002 --at 2025-01-01 --json >p.json &&
	test "$(jq -r "[.family_name, .present, .contracts[0].contract_id] | join(\" \")" p.json)" = "Bakker true C2"
'

test_expect_success 'JSON: a contract whose record now has an error is kept as before' '
	mkdir json-contract && cd json-contract &&
	write_json_base &&
	roster import --at 2025-01-01 >first.out &&
	sed -i "s/\"fte\": \"1\"/\"fte\": \"x\"/" hr/persons.json &&
	import_ok --at 2025-01-01 --skip-invalid &&
	test_must_contain err "skipped: hr/persons.json: field \"persons[2].contracts[0].fte\": value \"x\": not a number" &&
	test_must_contain out "  leavers                  0" &&
	roster person 1003 --at 2025-01-01 --json >p.json &&
	test "$(jq -r "[.contracts[0].contract_id, .contracts[0].fte, .contracts[0].status] | join(\" \")" p.json)" = "C3 1 active"
'

test_done
