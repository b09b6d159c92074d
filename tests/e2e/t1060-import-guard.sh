#!/bin/sh
# The import guard: an export that would make too many persons go (removed
# from it, or left without a current contract) is refused with exit 3 and
# nothing stored, unless --force, which the snapshot records. An empty export
# is refused even on the first import.
. "$(dirname "$0")/lib.sh"

ROSTER_GEN=${ROSTER_GEN:-$(dirname "$ROSTER")/../../tools/roster-gen}

test_must_be_empty() {
	if test -s "$1"
	then
		echo "test_must_be_empty: $1 is not empty:" >&2
		cat "$1" >&2
		return 1
	fi
}

# org FIRST LAST: an export (in ./hr) of persons FIRST..LAST, each with one
# open contract; the files keep their header when the range is empty.
org() {
	mkdir -p hr &&
	echo "employee_id,given_name,family_name,manager_id" >hr/persons.csv &&
	echo "contract_id,employee_id,start_date,end_date,department.code,title.name,fte" >hr/contracts.csv &&
	i=$1 &&
	while test "$i" -le "$2"
	do
		echo "$i,Given$i,Family$i," >>hr/persons.csv &&
		echo "C$i,$i,2020-01-01,,ICT,Engineer,1" >>hr/contracts.csv &&
		i=$((i + 1)) || return 1
	done
}

# end_contract ID DATE: the contract of person ID ends on DATE.
end_contract() {
	sed "s/^C$1,$1,2020-01-01,,/C$1,$1,2020-01-01,$2,/" hr/contracts.csv >hr/contracts.new &&
	mv hr/contracts.new hr/contracts.csv &&
	grep "^C$1,$1,2020-01-01,$2," hr/contracts.csv >/dev/null
}

snapshots() {
	sqlite3 var/roster.db "select count(*) from snapshots"
}

last_forced() {
	sqlite3 var/roster.db "select forced from snapshots order by id desc limit 1"
}

test_expect_success 'setup: twenty persons imported' '
	mkdir pct &&
	(
		cd pct &&
		org 2001 2020 &&
		write_config &&
		roster import --at 2025-01-10 >out &&
		test_must_contain out "source hr: 20 persons, 20 contracts, 0 assignments; stored as snapshot 1"
	)
'

test_expect_success '15 of 20 removed: refused (exit 3), says how many, the limit, the key and --force' '
	(
		cd pct &&
		vault_dump >dump.before &&
		org 2001 2005 &&
		test_expect_code 3 roster import --at 2025-01-11 >out 2>err &&
		test_must_be_empty out &&
		cat >expect <<-\EOF &&
		roster: source hr: refused by the guard: 15 of 20 persons would go (15 no longer in the export, 0 without a current contract); the limit is 10% (2 persons, guard.max_removed). Check the HR export (is it cut short?); if it is right, run again with --force
		EOF
		test_cmp expect err &&
		vault_dump >dump.after &&
		test_cmp dump.before dump.after &&
		test "$(snapshots)" = 1
	)
'

test_expect_success 'refused with --json: the verdict is in the output, nothing stored' '
	(
		cd pct &&
		test_expect_code 3 roster import --at 2025-01-11 --json >out.json 2>err &&
		test_must_contain err "refused by the guard: 15 of 20 persons would go" &&
		jq -S ".imports[0] | {stored, guard}" out.json >actual &&
		jq -S . >expect <<-\EOF &&
		{"stored": false,
		 "guard": {"refused": true, "empty": false, "leaving": 15, "gone": 15, "limit": 2,
			   "previous_persons": 20, "max_removed": "10%"}}
		EOF
		test_cmp expect actual &&
		vault_dump >dump.after &&
		test_cmp dump.before dump.after
	)
'

test_expect_success 'the same export with --force is stored, and recorded as forced' '
	(
		cd pct &&
		roster import --at 2025-01-11 --force >out 2>err &&
		echo "roster: source hr: the guard would refuse this import (15 of 20 persons go); stored because of --force" >expect &&
		test_cmp expect err &&
		test_must_contain out "source hr: 5 persons, 5 contracts, 0 assignments; stored as snapshot 2 (judged on 2025-01-11), forced past the guard" &&
		grep "^  leavers  *15  2006 Given2006 Family2006, 2007 Given2007 Family2007, 2008 Given2008 Family2008 and 12 more\$" out &&
		test "$(snapshots)" = 2 &&
		test "$(last_forced)" = 1
	)
'

test_expect_success 'the next import, within the guard, is not forced' '
	(
		cd pct &&
		roster import --at 2025-01-12 --json >out.json &&
		test "$(jq .imports[0].forced out.json)" = false &&
		test "$(last_forced)" = 0 &&
		sqlite3 var/roster.db "select id, forced from snapshots order by id" >actual &&
		printf "1|0\n2|1\n3|0\n" >expect &&
		test_cmp expect actual
	)
'

test_expect_success 'forced past the guard shows in --json' '
	(
		cd pct &&
		cp -R var var.keep &&
		org 2001 2002 &&
		test_expect_code 3 roster import --at 2025-01-13 --json >out.json 2>err &&
		roster import --at 2025-01-13 --json --force >out.json 2>err &&
		test "$(jq .imports[0].forced out.json)" = true &&
		test "$(jq .imports[0].stored out.json)" = true &&
		test "$(jq .imports[0].guard.refused out.json)" = true &&
		test "$(jq .imports[0].summary.leaver out.json)" = 3 &&
		test "$(last_forced)" = 1 &&
		rm -rf var && mv var.keep var
	)
'

test_expect_success 'a count limit: 3 may go' '
	mkdir count &&
	(
		cd count &&
		org 2001 2020 &&
		write_config "    guard: {max_removed: 3}" &&
		roster import --at 2025-01-10 >out &&
		org 2004 2020 &&
		roster import --at 2025-01-11 >out 2>err &&
		test_must_be_empty err &&
		grep "^  leavers  *3  2001 Given2001 Family2001, 2002 Given2002 Family2002, 2003 Given2003 Family2003\$" out &&
		test "$(last_forced)" = 0
	)
'

test_expect_success 'a count limit: 4 may not, whether removed or without a current contract' '
	(
		cd count &&
		vault_dump >dump.before &&
		org 2006 2020 &&
		end_contract 2006 2025-01-11 &&
		end_contract 2007 2025-01-11 &&
		test_expect_code 3 roster import --at 2025-01-12 >out 2>err &&
		cat >expect <<-\EOF &&
		roster: source hr: refused by the guard: 4 of 17 persons would go (2 no longer in the export, 2 without a current contract); the limit is 3 (3 persons, guard.max_removed). Check the HR export (is it cut short?); if it is right, run again with --force
		EOF
		test_cmp expect err &&
		vault_dump >dump.after &&
		test_cmp dump.before dump.after
	)
'

test_expect_success 'a count limit: 3 without a current contract may go' '
	(
		cd count &&
		org 2004 2020 &&
		end_contract 2004 2025-01-11 &&
		end_contract 2005 2025-01-11 &&
		end_contract 2006 2025-01-11 &&
		roster import --at 2025-01-12 --json >out.json 2>err &&
		test "$(jq .imports[0].summary.leaver out.json)" = 3 &&
		test "$(jq .imports[0].summary.gone out.json)" = 0 &&
		test "$(jq .imports[0].forced out.json)" = false
	)
'

test_expect_success 'an export with a header and no rows is refused, even on the first import' '
	mkdir empty &&
	(
		cd empty &&
		org 1 0 &&
		echo "employee_id,kind,value,start_date,end_date" >hr/assignments.csv &&
		write_config &&
		test_expect_code 3 roster import --at 2025-01-10 >out 2>err &&
		test_must_be_empty out &&
		test_must_contain err "roster: source hr: refused by the guard: hr/persons.csv has no persons" &&
		test_must_contain err "if it is right, run again with --force" &&
		test "$(snapshots)" = 0
	)
'

test_expect_success 'the refusal of an empty first import does not speak of a previous snapshot' '
	(
		cd empty &&
		test_expect_code 3 roster import --at 2025-01-10 2>err &&
		test_must_not_contain err "previous snapshot"
	)
'

test_expect_success 'an empty first import is stored with --force' '
	(
		cd empty &&
		roster import --at 2025-01-10 --force >out &&
		test_must_contain out "source hr: 0 persons, 0 contracts, 0 assignments; stored as snapshot 1 (judged on 2025-01-10), forced past the guard" &&
		test "$(snapshots)" = 1 &&
		test "$(last_forced)" = 1
	)
'

test_expect_success 'an empty export after a full one: refused, all of them would go' '
	(
		cd count &&
		vault_dump >dump.before &&
		org 1 0 &&
		test_expect_code 3 roster import --at 2025-01-13 >out 2>err &&
		echo "roster: source hr: refused by the guard: hr/persons.csv has no persons; storing it would remove all 17 persons of the previous snapshot. Check the HR export; if it is right, run again with --force" >expect &&
		test_cmp expect err &&
		vault_dump >dump.after &&
		test_cmp dump.before dump.after &&
		roster import --at 2025-01-13 --force >out 2>err &&
		test_must_contain out "source hr: 0 persons, 0 contracts, 0 assignments; stored as snapshot 4 (judged on 2025-01-13), forced past the guard" &&
		grep "^  leavers  *14  " out &&
		grep "^  gone from export  *3  (already without a contract)" out &&
		test "$(last_forced)" = 1
	)
'

test_expect_success 'a contracts file cut in half: many leavers, refused' '
	(
		cd pct &&
		org 2001 2020 &&
		roster import --at 2025-01-14 >out &&
		test "$(sqlite3 var/roster.db "select persons from snapshots order by id desc limit 1")" = 20 &&
		vault_dump >dump.before &&
		head -n 11 hr/contracts.csv >hr/contracts.new &&
		mv hr/contracts.new hr/contracts.csv &&
		test_expect_code 3 roster import --at 2025-01-15 >out 2>err &&
		test_must_contain err "refused by the guard: 10 of 20 persons would go (0 no longer in the export, 10 without a current contract); the limit is 10% (2 persons, guard.max_removed)" &&
		vault_dump >dump.after &&
		test_cmp dump.before dump.after
	)
'

test_expect_success 'a generated export whose contracts file is cut in half is refused' '
	mkdir gen &&
	(
		cd gen &&
		cp "$EXAMPLES/roster.yaml" . &&
		"$ROSTER_GEN" --persons 300 --ref 2025-01-06 hr &&
		roster import --at 2025-01-06 >out 2>/dev/null &&
		test_must_contain out "source hr: 300 persons" &&
		vault_dump >dump.before &&
		lines=$(wc -l <hr/contracts.csv) &&
		head -n $((lines / 2)) hr/contracts.csv >hr/contracts.new &&
		mv hr/contracts.new hr/contracts.csv &&
		test_expect_code 3 roster import --at 2025-01-06 >out 2>err &&
		grep "^roster: source hr: refused by the guard: [0-9]* of 300 persons would go (0 no longer in the export, [0-9]* without a current contract); the limit is 10% (30 persons, guard.max_removed)" err &&
		vault_dump >dump.after &&
		test_cmp dump.before dump.after
	)
'

test_done
