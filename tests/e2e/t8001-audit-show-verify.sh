#!/bin/sh
# roster audit and roster audit verify: on a new vault (0 events, intact);
# then on events written into the vault by hand with their hashes computed
# here, with coreutils' b2sum, exactly as docs/audit.md tells an auditor to:
# the filters, the text and JSON output, and verify naming a changed and a
# removed event; last, what roster itself appends after them still
# verifies. The tampering cases one by one are in tests/unit/test_audit.c.
. "$(dirname "$0")/lib.sh"

audit() {
	roster -c org/roster.yaml audit "$@"
}

db=org/var/roster.db
zeros=0000000000000000000000000000000000000000000000000000000000000000

# hex2bin HEX: the bytes of HEX, in POSIX sh (printf knows octal escapes, not \x).
hex2bin() {
	for pair in $(echo "$1" | sed 's/../& /g')
	do
		printf "\\$(printf %03o "0x$pair")"
	done
}

# field VALUE: VALUE in canonical(event): "<bytes>:<VALUE>,", or "-," for the word NULL.
field() {
	if test "$1" = NULL
	then
		printf -- '-,'
	else
		printf '%s:%s,' "$(printf %s "$1" | wc -c | tr -d ' ')" "$1"
	fi
}

# sql_value VALUE: VALUE as an SQL literal (the word NULL stays NULL).
sql_value() {
	if test "$1" = NULL
	then
		echo NULL
	else
		printf "'%s'" "$(printf %s "$1" | sed "s/'/''/g")"
	fi
}

# append_by_hand TIME ACTOR RUN KIND TARGET EMPLOYEE_ID ACTION BEFORE AFTER OUTCOME ERROR:
# appends an event as roster would, its seq, prev_hash and hash computed here.
append_by_hand() {
	seq=$(sqlite3 "$db" "SELECT coalesce(max(seq), 0) + 1 FROM audit") &&
	prev=$(sqlite3 "$db" "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1") &&
	prev=${prev:-$zeros} &&
	hash=$({
		hex2bin "$prev"
		field "$seq"
		for v in "$@"
		do
			field "$v"
		done
	} | b2sum -l 256 | cut -d" " -f1) &&
	values=$seq &&
	for v in "$@"
	do
		values="$values, $(sql_value "$v")"
	done &&
	sqlite3 "$db" "INSERT INTO audit (seq, time, actor, run, kind, target, employee_id, action,
		\"before\", \"after\", outcome, error, prev_hash, hash) VALUES ($values, '$prev', '$hash')"
}

test_expect_success 'setup: the example organisation, not imported yet' '
	roster init org >/dev/null &&
	test ! -f "$db"
'

test_expect_success 'an empty log shows nothing' '
	audit >out &&
	test ! -s out &&
	test -f "$db" &&
	audit --person 100075 --target ldap --since 2026-01-01 >out &&
	test ! -s out
'

test_expect_success 'an empty log verifies: 0 events, intact' '
	audit verify >out &&
	echo "audit: 0 events, the chain is intact" >expect &&
	test_cmp expect out
'

test_expect_success 'an empty log as JSON is an empty list of events' '
	audit --json >out.json &&
	test "$(jq -c . out.json)" = "{\"events\":[]}"
'

test_expect_success 'bad usage exits 2 and says why' '
	test_expect_code 2 audit --since 05-01-2026 2>err &&
	test_must_contain err "roster: --since: \"05-01-2026\" is not a date (expected YYYY-MM-DD)" &&
	test_expect_code 2 audit --since 2026-02-30 2>err &&
	test_expect_code 2 audit --bogus 2>err &&
	test_must_contain err "usage: roster [-c FILE] audit" &&
	test_expect_code 2 audit something 2>err &&
	test_expect_code 2 audit verify --json 2>err &&
	test_expect_code 2 audit verify now 2>err &&
	test_must_contain err "usage:" &&
	audit --help >out &&
	test_must_contain out "audit verify"
'

test_expect_success 'a configuration that does not load exits 2' '
	test_expect_code 2 roster -c nowhere.yaml audit 2>err &&
	test_expect_code 2 roster -c nowhere.yaml audit verify 2>err
'

test_expect_success 'events hashed by hand as docs/audit.md says verify' '
	append_by_hand 2026-01-05T09:00:00Z alice run-1 import NULL NULL "import of source hr" \
		NULL NULL ok NULL &&
	append_by_hand 2026-01-06T10:00:00Z alice run-2 action ldap 100075 create \
		NULL "{\"uid\":\"koen.schäfer\",\"cn\":\"Koen O'\''Brien, \\\"K\\\"\"}" ok NULL &&
	append_by_hand 2026-01-07T11:30:00Z bob run-3 action csv 100010 grant "" NULL failed \
		"csv: disk full
retry	later" &&
	audit verify >out &&
	echo "audit: 3 events, the chain is intact" >expect &&
	test_cmp expect out
'

test_expect_success 'the log shows one line an event, tabs between the fields' '
	audit >out &&
	printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" \
		1 2026-01-05T09:00:00Z alice import - - "import of source hr" ok - \
		2 2026-01-06T10:00:00Z alice action ldap 100075 create ok - \
		3 2026-01-07T11:30:00Z bob action csv 100010 grant failed "csv: disk full\\nretry\\tlater" >expect &&
	test_cmp expect out
'

test_expect_success '--person, --target and --since choose events, and combine' '
	audit --person 100075 | cut -f1 >out &&
	echo 2 >expect &&
	test_cmp expect out &&
	audit --target csv | cut -f1 >out &&
	echo 3 >expect &&
	test_cmp expect out &&
	audit --since 2026-01-06 | cut -f1 >out &&
	printf "2\n3\n" >expect &&
	test_cmp expect out &&
	audit --since 2026-01-06 --target ldap --person 100075 | cut -f1 >out &&
	echo 2 >expect &&
	test_cmp expect out &&
	audit --since 2026-01-08 >out &&
	test ! -s out
'

test_expect_success '--json has every field, NULL as null, and the chain' '
	audit --json >out.json &&
	jq -r ".events[] | [.seq, .time, .actor, .run, .kind, .target, .employee_id, .action,
		.before, .after, .outcome, .error] | map(. // \"NULL\" | tostring) | join(\"|\")" out.json >out &&
	cat >expect <<-\EOF &&
	1|2026-01-05T09:00:00Z|alice|run-1|import|NULL|NULL|import of source hr|NULL|NULL|ok|NULL
	2|2026-01-06T10:00:00Z|alice|run-2|action|ldap|100075|create|NULL|{"uid":"koen.schäfer","cn":"Koen O'"'"'Brien, \"K\""}|ok|NULL
	3|2026-01-07T11:30:00Z|bob|run-3|action|csv|100010|grant||NULL|failed|csv: disk full
	retry	later
	EOF
	test_cmp expect out &&
	test "$(jq -r ".events[0].prev_hash" out.json)" = "$zeros" &&
	test "$(jq -r ".events[1].prev_hash == .events[0].hash and .events[2].prev_hash == .events[1].hash" out.json)" = true &&
	test "$(jq -r ".events[2].hash" out.json)" = "$(sqlite3 "$db" "SELECT hash FROM audit WHERE seq = 3")"
'

test_expect_success 'verify names a changed event and exits 1' '
	cp "$db" intact.db &&
	sqlite3 "$db" "UPDATE audit SET actor = '\''mallory'\'' WHERE seq = 2" &&
	test_expect_code 1 audit verify >out 2>err &&
	test ! -s out &&
	echo "roster: audit: event 2: its hash does not match its content (changed after it was written)" >expect &&
	test_cmp expect err &&
	cp intact.db "$db" &&
	audit verify
'

test_expect_success 'verify names a removed event and exits 1' '
	sqlite3 "$db" "DELETE FROM audit WHERE seq = 2" &&
	test_expect_code 1 audit verify 2>err &&
	echo "roster: audit: event 2 is missing (the events go from 1 to 3)" >expect &&
	test_cmp expect err &&
	cp intact.db "$db" &&
	audit verify
'

test_expect_success 'what roster appends after events hashed by hand still verifies' '
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	test_must_contain out "300 persons" &&
	audit verify >out &&
	grep "^audit: [0-9]* events, the chain is intact\$" out &&
	n=$(sed "s/^audit: \([0-9]*\) .*/\1/" out) &&
	test "$n" -ge 3 &&
	test "$(audit | cut -f1 | tail -n 1)" = "$n"
'

test_done
