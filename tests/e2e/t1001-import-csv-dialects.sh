#!/bin/sh
# CSV as HR systems really export it: any of the four delimiters, RFC 4180
# quoting, CRLF, a BOM, windows-1252 and latin-1, trailing empty columns,
# sloppy headers, decimal commas, four date styles, one row per contract,
# alternative column names and extra columns.
. "$(dirname "$0")/lib.sh"

# Each test works in a folder of its own: in_dir NAME creates it and enters it.
in_dir() {
	mkdir "$1" && cd "$1"
}

# show ID JQ: the person as the vault has them, through a jq filter (-r).
show() {
	roster person "$1" --json >person.json &&
	jq -r "$2" person.json
}

# expect TEXT...: the lines of TEXT, one per argument, in the file "expect".
expect() {
	printf '%s\n' "$@" >expect
}

delim_char() {
	case $1 in
	comma) printf ',' ;;
	semicolon) printf ';' ;;
	tab) printf '\t' ;;
	pipe) printf '|' ;;
	esac
}

# The value for delimiter: in roster.yaml.
delim_yaml() {
	case $1 in
	comma) printf '","' ;;
	semicolon) printf '";"' ;;
	tab) printf '"\\t"' ;;
	pipe) printf '"|"' ;;
	esac
}

# A character that is not the delimiter, to fool the sniffer with.
decoy_char() {
	case $1 in
	comma) printf ';' ;;
	*) printf ',' ;;
	esac
}

# write_delimited NAME [DECOY]: hr/persons.csv and hr/contracts.csv with the
# delimiter NAME; with DECOY, the header also has a column "a?b?c?d?e" whose
# name holds the decoy character more often than the header holds the delimiter.
write_delimited() {
	d=$(delim_char "$1")
	extra_h= extra_v=
	if test $# -gt 1
	then
		x=$2
		extra_h="@a${x}b${x}c${x}d${x}e"
		extra_v="@x"
	fi
	mkdir -p hr &&
	printf 'employee_id@given_name@family_name%s\n1001@Anna@Jansen%s\n1002@Bert@de Vries%s\n' \
		"$extra_h" "$extra_v" "$extra_v" | sed "s/@/$d/g" >hr/persons.csv &&
	printf 'contract_id@employee_id@start_date@fte\nC1@1001@2020-01-01@1\nC2@1002@2021-02-01@0.8\n' |
		sed "s/@/$d/g" >hr/contracts.csv
}

# The facts every delimiter test checks: both persons with the right values.
check_delimited() {
	expect "1001|Anna|Jansen|C1|2020-01-01|1" &&
	show 1001 '[.employee_id, .given_name, .family_name, .contracts[0].contract_id, .contracts[0].start_date, .contracts[0].fte] | join("|")' >actual &&
	test_cmp expect actual &&
	expect "1002|Bert|de Vries|C2|2021-02-01|0.8" &&
	show 1002 '[.employee_id, .given_name, .family_name, .contracts[0].contract_id, .contracts[0].start_date, .contracts[0].fte] | join("|")' >actual &&
	test_cmp expect actual
}

for name in comma semicolon tab pipe
do
	test_expect_success "the $name delimiter is detected" '
		in_dir auto-$name &&
		write_delimited $name &&
		write_config "    delimiter: auto" &&
		roster import >out &&
		test_must_contain out "source hr: 2 persons, 2 contracts, 0 assignments; stored as snapshot 1" &&
		check_delimited
	'

	test_expect_success "the $name delimiter given in the config wins over what the header suggests" '
		in_dir given-$name &&
		write_delimited $name "$(decoy_char $name)" &&
		write_config "    delimiter: auto" &&
		test_expect_code 2 roster import 2>err &&
		test_must_contain err "hr/persons.csv:1: column \"employee_id\" (for employee_id) not found" &&
		write_config "    delimiter: $(delim_yaml $name)" &&
		roster import >out &&
		test_must_contain out "source hr: 2 persons, 2 contracts, 0 assignments; stored as snapshot 1" &&
		check_delimited
	'
done

test_expect_success 'a delimiter inside quotes is part of the value' '
	in_dir quoted-delim &&
	mkdir hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id,given_name,family_name,email_private
	1001,"Anna","Vries, de","anna@example.net"
	EOF
	printf "contract_id,employee_id,start_date\nC1,1001,2020-01-01\n" >hr/contracts.csv &&
	write_config &&
	roster import &&
	expect "Anna|Vries, de|anna@example.net" &&
	show 1001 "[.given_name, .family_name, .email_private] | join(\"|\")" >actual &&
	test_cmp expect actual
'

test_expect_success 'doubled quotes inside quotes are one quote' '
	in_dir doubled-quotes &&
	mkdir hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id,given_name,family_name
	1001,"Johannes ""Hans""","O""Brien"
	EOF
	printf "contract_id,employee_id,start_date\nC1,1001,2020-01-01\n" >hr/contracts.csv &&
	write_config &&
	roster import &&
	expect "Johannes \"Hans\"" "O\"Brien" &&
	show 1001 ".given_name, .family_name" >actual &&
	test_cmp expect actual &&
	roster person 1001 >out &&
	test_must_contain out "1001  Johannes \"Hans\" O\"Brien"
'

test_expect_success 'a newline inside a quoted field is kept, and later rows keep their own values' '
	in_dir quoted-newline &&
	mkdir hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id;given_name;family_name;email_private
	1001;"Anna
	Maria";Jansen;"first line
	second line"
	1002;Bert;Bakker;bert@example.net
	EOF
	printf "contract_id;employee_id;start_date\nC1;1001;2020-01-01\nC2;1002;2020-01-01\n" >hr/contracts.csv &&
	write_config &&
	roster import >out &&
	test_must_contain out "source hr: 2 persons, 2 contracts" &&
	show 1001 ".given_name" >actual &&
	expect "Anna" "Maria" &&
	test_cmp expect actual &&
	show 1001 ".email_private" >actual &&
	expect "first line" "second line" &&
	test_cmp expect actual &&
	expect "Bert|Bakker|bert@example.net" &&
	show 1002 "[.given_name, .family_name, .email_private] | join(\"|\")" >actual &&
	test_cmp expect actual &&
	roster person 1001 >out &&
	sed -n "/given_name/,/family_name/p" out >actual &&
	expect "  given_name           Anna" "Maria" "  family_name          Jansen" &&
	test_cmp expect actual
'

test_expect_success 'CRLF line ends leave no carriage return in any value' '
	in_dir crlf &&
	mkdir hr &&
	printf "employee_id;given_name;family_name\r\n1001;Anna;Jansen\r\n1002;Bert;\"de Vries\"\r\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date;fte\r\nC1;1001;2020-01-01;1\r\nC2;1002;2021-02-01;0,8\r\n" >hr/contracts.csv &&
	write_config &&
	roster import >out &&
	test_must_contain out "source hr: 2 persons, 2 contracts" &&
	show 1002 "[.family_name, .contracts[0].fte] | tojson" >actual &&
	expect "[\"de Vries\",\"0.8\"]" &&
	test_cmp expect actual &&
	show 1001 "[.family_name, .contracts[0].fte] | tojson" >actual &&
	expect "[\"Jansen\",\"1\"]" &&
	test_cmp expect actual
'

test_expect_success 'CRLF files count lines like LF files' '
	in_dir crlf-lines &&
	mkdir hr &&
	printf "employee_id;given_name;family_name\r\n1001;Anna;Jansen\r\n1002;Bert;\r\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date\r\nC1;1001;2020-01-01\r\n" >hr/contracts.csv &&
	write_config &&
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "error: hr/persons.csv:3: column \"family_name\": value \"\": family_name is required and empty"
'

test_expect_success 'LF files without a final newline read the last row' '
	in_dir no-final-newline &&
	mkdir hr &&
	printf "employee_id;given_name;family_name\n1001;Anna;Jansen\n1002;Bert;Bakker" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date\nC1;1001;2020-01-01\nC2;1002;2020-01-01" >hr/contracts.csv &&
	write_config &&
	roster import >out &&
	test_must_contain out "source hr: 2 persons, 2 contracts" &&
	show 1002 ".family_name" >actual &&
	expect Bakker &&
	test_cmp expect actual
'

test_expect_success 'a UTF-8 BOM is skipped before the first column name' '
	in_dir bom &&
	mkdir hr &&
	printf "\357\273\277employee_id;given_name;family_name\n1001;Zo\303\253;Jansen\n" >hr/persons.csv &&
	printf "\357\273\277contract_id;employee_id;start_date\nC1;1001;2020-01-01\n" >hr/contracts.csv &&
	write_config &&
	roster import >out &&
	test_must_contain out "source hr: 1 persons, 1 contracts" &&
	expect "1001|Zoë" &&
	show 1001 "[.employee_id, .given_name] | join(\"|\")" >actual &&
	test_cmp expect actual
'

test_expect_success 'a UTF-8 BOM wins over encoding: windows-1252' '
	in_dir bom-wins &&
	mkdir hr &&
	printf "\357\273\277employee_id;given_name;family_name\n1001;Zo\303\253;Jansen\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date\nC1;1001;2020-01-01\n" >hr/contracts.csv &&
	write_config "    encoding: windows-1252" &&
	roster import &&
	expect "Zoë" &&
	show 1001 ".given_name" >actual &&
	test_cmp expect actual
'

test_expect_success 'windows-1252 is stored as UTF-8 (é, ë, and the curly quote latin-1 lacks)' '
	in_dir cp1252 &&
	mkdir hr &&
	printf "employee_id;given_name;family_name\n1001;Zo\353;D\222Artagnan\n1002;Ren\351;Fran\347ois\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date;department.name\nC1;1001;2020-01-01;Financi\353n\nC2;1002;2020-01-01;Caf\351\n" >hr/contracts.csv &&
	write_config "    encoding: windows-1252" &&
	roster import >out &&
	test_must_contain out "1001 Zoë D’Artagnan" &&
	expect "Zoë|D’Artagnan|Financiën" &&
	show 1001 "[.given_name, .family_name, .contracts[0][\"department.name\"]] | join(\"|\")" >actual &&
	test_cmp expect actual &&
	expect "René|François|Café" &&
	show 1002 "[.given_name, .family_name, .contracts[0][\"department.name\"]] | join(\"|\")" >actual &&
	test_cmp expect actual &&
	sqlite3 var/roster.db .dump >dump &&
	test_must_contain dump "Zoë"
'

test_expect_success 'iso-8859-1 is stored as UTF-8' '
	in_dir latin1 &&
	mkdir hr &&
	printf "employee_id;given_name;family_name\n1001;Zo\353;M\374ller\n1002;Ren\351;Ma\337\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date\nC1;1001;2020-01-01\nC2;1002;2020-01-01\n" >hr/contracts.csv &&
	write_config "    encoding: iso-8859-1" &&
	roster import &&
	expect "Zoë Müller" "René Maß" &&
	show 1001 ".name" >actual &&
	show 1002 ".name" >>actual &&
	test_cmp expect actual
'

test_expect_success 'trailing empty columns in the header and the rows are ignored' '
	in_dir trailing &&
	mkdir hr &&
	cat >hr/persons.csv <<-\EOF &&
	employee_id;given_name;family_name;;;
	1001;Anna;Jansen;;;
	1002;Bert;Bakker
	1003;Carl;Smit;;;;;;;;
	;;;;;
	;;;;;
	EOF
	cat >hr/contracts.csv <<-\EOF &&
	contract_id;employee_id;start_date;;;
	C1;1001;2020-01-01;;;
	C2;1002;2020-01-01;;;
	C3;1003;2020-01-01;;;
	;;;;;
	EOF
	write_config &&
	roster import >out 2>err &&
	test_must_contain out "source hr: 3 persons, 3 contracts" &&
	test_must_not_contain err "error" &&
	expect "Jansen" "Bakker" "Smit" &&
	{ show 1001 .family_name && show 1002 .family_name && show 1003 .family_name; } >actual &&
	test_cmp expect actual
'

test_expect_success 'rows and trailing cells that hold only blanks are skipped like empty ones' '
	in_dir blank-rows &&
	mkdir hr &&
	printf "employee_id;given_name;family_name\n1001;Anna;Jansen; \n   \n  ;  ;  \n1002;Bert;Bakker;\t\n\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date\nC1;1001;2020-01-01\nC2;1002;2020-01-01;  ;  \n \n" >hr/contracts.csv &&
	write_config &&
	roster import >out 2>err &&
	test_must_contain out "source hr: 2 persons, 2 contracts" &&
	test_must_not_contain err "error" &&
	expect "Jansen" "Bakker" &&
	{ show 1001 .family_name && show 1002 .family_name; } >actual &&
	test_cmp expect actual
'

test_expect_success 'headers match the configured names whatever their case, spacing, dashes and accents' '
	in_dir headers &&
	mkdir hr &&
	printf "  PERSONEELSNUMMER ;achternaam; e-mail  PRIV\303\211 ;Roep_naam\n1001;Jansen;anna@example.net;Anna\n" >hr/persons.csv &&
	printf "contractnummer;personeelsnummer;DATUM_IN_DIENST\nC1;1001;2020-01-01\n" >hr/contracts.csv &&
	write_config "    fields:" \
		"      employee_id: Personeelsnummer" \
		"      given_name: Roep naam" \
		"      family_name: Achternaam" \
		"      email_private: E-mail privé" \
		"      contract_id: Contractnummer" \
		"      start_date: Datum in dienst" &&
	roster import >out &&
	test_must_contain out "1001 Anna Jansen" &&
	expect "1001|Anna|Jansen|anna@example.net|C1|2020-01-01" &&
	show 1001 "[.employee_id, .given_name, .family_name, .email_private, .contracts[0].contract_id, .contracts[0].start_date] | join(\"|\")" >actual &&
	test_cmp expect actual
'

test_expect_success 'a header with a decomposed accent matches the composed one in the config' '
	in_dir headers-nfd &&
	mkdir hr &&
	printf "Personeelsnummer;Achternaam;E-mail prive\314\201\n1001;Jansen;anna@example.net\n" >hr/persons.csv &&
	printf "Contractnummer;Personeelsnummer;Datum in dienst\nC1;1001;2020-01-01\n" >hr/contracts.csv &&
	write_config "    fields:" \
		"      employee_id: Personeelsnummer" \
		"      family_name: Achternaam" \
		"      email_private: E-mail privé" \
		"      contract_id: Contractnummer" \
		"      start_date: Datum in dienst" &&
	roster import &&
	expect "anna@example.net" &&
	show 1001 .email_private >actual &&
	test_cmp expect actual
'

test_expect_success 'a decimal comma in fte is stored with a point' '
	in_dir decimal-comma &&
	mkdir hr &&
	printf "employee_id;family_name\n1001;Jansen\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date;fte\nC1;1001;2020-01-01;0,8\nC2;1001;2020-01-01;1,0\nC3;1001;2020-01-01;0,75\nC4;1001;2020-01-01;0.5\n" >hr/contracts.csv &&
	write_config &&
	roster import &&
	expect "C1=0.8" "C2=1" "C3=0.75" "C4=0.5" &&
	show 1001 ".contracts[] | \"\(.contract_id)=\(.fte)\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'the same fte is stored the same however it is written' '
	in_dir fte-canonical &&
	mkdir hr &&
	printf "employee_id;family_name\n1001;Jansen\n" >hr/persons.csv &&
	cat >hr/contracts.csv <<-\EOF &&
	contract_id;employee_id;start_date;fte
	C1;1001;2020-01-01;0,8
	C2;1001;2020-01-01;0.80
	C3;1001;2020-01-01;0.800000000
	C4;1001;2020-01-01;00,8
	C5;1001;2020-01-01;0,00005
	C6;1001;2020-01-01;0.0000500000
	EOF
	write_config &&
	roster import &&
	show 1001 "[.contracts[] | .fte] | .[0:4] | unique | join(\" \")" >actual &&
	expect "0.8" &&
	test_cmp expect actual &&
	show 1001 "[.contracts[] | .fte] | .[4:6] | unique | length" >actual &&
	expect 1 &&
	test_cmp expect actual
'

test_expect_success 'a decimal comma in a quoted field of a comma-separated file' '
	in_dir decimal-comma-quoted &&
	mkdir hr &&
	printf "employee_id,family_name\n1001,Jansen\n" >hr/persons.csv &&
	printf "contract_id,employee_id,start_date,fte\nC1,1001,2020-01-01,\"0,8\"\n" >hr/contracts.csv &&
	write_config &&
	roster import &&
	expect "0.8" &&
	show 1001 ".contracts[0].fte" >actual &&
	test_cmp expect actual
'

test_expect_success 'dates in DD-MM-YYYY, DD/MM/YYYY and YYYY-MM-DD are stored as YYYY-MM-DD' '
	in_dir dates &&
	mkdir hr &&
	printf "employee_id;family_name\n1001;Jansen\n" >hr/persons.csv &&
	cat >hr/contracts.csv <<-\EOF &&
	contract_id;employee_id;start_date;end_date
	C1;1001;01-02-2021;28-02-2021
	C2;1001;05/03/2021;31/12/2021
	C3;1001;2022-04-30;2024-02-29
	C4;1001;7-8-2023;
	EOF
	write_config &&
	roster import &&
	expect "C1 2021-02-01 2021-02-28" "C2 2021-03-05 2021-12-31" "C3 2022-04-30 2024-02-29" "C4 2023-08-07 " &&
	show 1001 ".contracts[] | \"\(.contract_id) \(.start_date) \(.end_date)\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'a custom date_format is used for every date' '
	in_dir date-format &&
	mkdir hr &&
	printf "employee_id;family_name\n1001;Jansen\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date;end_date\nC1;1001;01.02.2021;31.12.2024\n" >hr/contracts.csv &&
	write_config "    date_format: \"%d.%m.%Y\"" &&
	roster import &&
	expect "2021-02-01 2024-12-31" &&
	show 1001 ".contracts[0] | \"\(.start_date) \(.end_date)\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'with a custom date_format, other date styles are errors' '
	in_dir date-format-strict &&
	mkdir hr &&
	printf "employee_id;family_name\n1001;Jansen\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date\nC1;1001;2021-02-01\n" >hr/contracts.csv &&
	write_config "    date_format: \"%d.%m.%Y\"" &&
	test_expect_code 2 roster import 2>err &&
	test_must_contain err "error: hr/contracts.csv:2: column \"start_date\": value \"2021-02-01\": not a date in the format %d.%m.%Y"
'

test_expect_success 'one file with a row per contract: a person on two rows has two contracts' '
	in_dir one-file &&
	mkdir hr &&
	cat >hr/staff.csv <<-\EOF &&
	employee_id;given_name;family_name;contract_id;start_date;end_date;department.code;fte
	1001;Anna;Jansen;C1;2020-01-01;;ICT;0,6
	1002;Bert;Bakker;C2;2019-05-01;;FIN;1
	1001;Anna;Jansen;C3;2021-03-01;;HR;0,4
	EOF
	cat >roster.yaml <<-\EOF &&
	vault: var/roster.db
	timezone: Europe/Amsterdam
	sources:
	  - name: hr
	    format: csv
	    persons: hr/staff.csv
	    contracts: hr/staff.csv
	EOF
	roster import --at 2022-01-01 >out &&
	test_must_contain out "source hr: 2 persons, 3 contracts, 0 assignments" &&
	test_must_contain out "joiners                  2  1001 Anna Jansen, 1002 Bert Bakker" &&
	expect "C1 2020-01-01 ICT 0.6" "C3 2021-03-01 HR 0.4" &&
	show 1001 ".contracts[] | \"\(.contract_id) \(.start_date) \(.[\"department.code\"]) \(.fte)\"" >actual &&
	test_cmp expect actual &&
	expect "Anna Jansen" &&
	show 1001 .name >actual &&
	test_cmp expect actual &&
	expect "C2" &&
	show 1002 ".contracts[].contract_id" >actual &&
	test_cmp expect actual
'

test_expect_success 'one file with a row per contract needs no contract_id column' '
	in_dir one-file-no-id &&
	mkdir hr &&
	cat >hr/staff.csv <<-\EOF &&
	employee_id;family_name;start_date;department.code
	1001;Jansen;2020-01-01;ICT
	1001;Jansen;2021-03-01;HR
	EOF
	cat >roster.yaml <<-\EOF &&
	vault: var/roster.db
	timezone: Europe/Amsterdam
	sources:
	  - name: hr
	    persons: hr/staff.csv
	    contracts: hr/staff.csv
	EOF
	roster import >out &&
	test_must_contain out "source hr: 1 persons, 2 contracts" &&
	expect "1001/2020-01-01 ICT" "1001/2021-03-01 HR" &&
	show 1001 ".contracts[] | \"\(.contract_id) \(.[\"department.code\"])\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'a field given as a list of alternatives finds whichever column a file has' '
	in_dir alternatives &&
	mkdir hr &&
	printf "Personeelsnummer;Achternaam\n1001;Jansen\n" >hr/persons.csv &&
	printf "Contractnummer;Persnr;Datum in dienst;Datum uit dienst\nC1;1001;01-01-2020;31-12-2030\n" >hr/contracts.csv &&
	printf "Persnr;Soort;Waarde;Begindatum;Einddatum\n1001;project;Nieuwbouw;01-03-2021;30-06-2031\n" >hr/assignments.csv &&
	write_config "    fields:" \
		"      employee_id: [Personeelsnummer, Persnr]" \
		"      family_name: Achternaam" \
		"      contract_id: Contractnummer" \
		"      start_date: [Datum in dienst, Begindatum]" \
		"      end_date: [Datum uit dienst, Einddatum]" \
		"      kind: Soort" \
		"      value: Waarde" &&
	roster import >out &&
	test_must_contain out "source hr: 1 persons, 1 contracts, 1 assignments" &&
	expect "C1 2020-01-01 2030-12-31" &&
	show 1001 ".contracts[] | \"\(.contract_id) \(.start_date) \(.end_date)\"" >actual &&
	test_cmp expect actual &&
	expect "project Nieuwbouw 2021-03-01 2031-06-30" &&
	show 1001 ".assignments[] | \"\(.kind) \(.value) \(.start_date) \(.end_date)\"" >actual &&
	test_cmp expect actual
'

test_expect_success 'an extra column is kept and shown by roster person' '
	in_dir extra &&
	mkdir hr &&
	printf "employee_id;given_name;family_name;Pasnummer\n1001;Anna;Jansen;P-4711\n1002;Bert;Bakker;\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date\nC1;1001;2020-01-01\nC2;1002;2020-01-01\n" >hr/contracts.csv &&
	write_config "    extra:" "      badge: Pasnummer" &&
	roster import &&
	expect "P-4711" &&
	show 1001 .extra.badge >actual &&
	test_cmp expect actual &&
	roster person 1001 >out &&
	test_must_contain out "  badge                P-4711" &&
	expect "{\"badge\":\"\"}" &&
	show 1002 ".extra | tojson" >actual &&
	test_cmp expect actual &&
	roster person 1002 >out &&
	test_must_not_contain out badge
'

test_expect_success 'an extra column of the contracts file belongs to the contracts' '
	in_dir extra-contract &&
	mkdir hr &&
	printf "employee_id;family_name\n1001;Jansen\n" >hr/persons.csv &&
	printf "contract_id;employee_id;start_date;Roostercode\nC1;1001;2020-01-01;R-12\n" >hr/contracts.csv &&
	write_config "    extra:" "      roster_code: Roostercode" &&
	roster import &&
	expect "R-12" &&
	show 1001 ".contracts[0].extra.roster_code" >actual &&
	test_cmp expect actual &&
	roster person 1001 >out &&
	test_must_contain out "      roster_code R-12"
'

test_done
