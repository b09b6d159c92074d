#!/bin/sh
# payroll.sh: a small payroll application that roster provisions through
# its exec connector (docs/connector-exec.md), in POSIX sh and jq. Copy it
# as the start of a connector for an application roster does not know.
#
# roster runs it once per action, writes one JSON request to its stdin and
# reads one JSON answer from its stdout:
#
#	{"op":"create","protocol":1,"target":"payroll","employee_id":"100001",
#	 "correlate":"100001","account":{"enabled":true,"attributes":{…}}}
#	→ {"ok":true,"ref":"PR-00001"}
#
# Its accounts live in a JSON-lines file, one account a line:
#
#	{"ref":"PR-00001","employee_id":"100001","enabled":true,
#	 "attributes":{"employee_number":"100001","name":"Rob Meijer",…},"permissions":["payroll-admin"]}
#
# The application names accounts itself (PR-00001, PR-00002, … never used
# twice), needs a name for each, and keeps a deleted account as a line with
# "deleted": true, as a payroll keeps its history.
#
# Environment:
#	API_KEY            required: the application refuses to work without it
#	                   (roster.yaml: env: {API_KEY: "${env:PAYROLL_KEY}"})
#	PAYROLL_DATA       the accounts file (default: data/payroll.jsonl next to
#	                   this script); relative to the folder of roster.yaml,
#	                   where roster runs it
#	PAYROLL_PAGE_SIZE  accounts per page of a list (default 100)
#
# Writers take a lock (a folder next to the file, taken over when its
# holder is gone) and replace the file atomically (a temporary file
# renamed over it); readers need no lock.
set -u

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 1
data=${PAYROLL_DATA:-$here/data/payroll.jsonl}
page_size=${PAYROLL_PAGE_SIZE:-100}
lock=$data.lock

# fail TRANSIENT MESSAGE [CODE]: answers ok:false and ends.
fail() {
	jq -cn --argjson transient "$1" --arg error "$2" --arg code "${3:-}" \
		'{ok: false, transient: $transient, error: $error} + (if $code == "" then {} else {code: $code} end)'
	exit 0
}

if ! command -v jq >/dev/null 2>&1; then
	echo '{"ok":false,"transient":false,"error":"payroll.sh needs jq"}'
	exit 0
fi
req=$(cat) || fail true "cannot read the request"
op=$(printf '%s\n' "$req" | jq -er '.op | strings' 2>/dev/null) || fail false "the request is not JSON with an op"
if [ -z "${API_KEY:-}" ]; then
	fail false "API_KEY is not set: payroll refuses to work without its key"
fi
case $page_size in
'' | *[!0-9]* | 0) fail false "PAYROLL_PAGE_SIZE must be a whole number above 0" ;;
esac

# The accounts file for jq --slurpfile (/dev/null while there is none).
accounts() {
	if [ -f "$data" ]; then
		echo "$data"
	else
		echo /dev/null
	fi
}

# query PROGRAM: jq PROGRAM on the request, with the accounts as $db.
query() {
	printf '%s\n' "$req" | jq -c --slurpfile db "$(accounts)" --argjson page "$page_size" "$1"
}

take_lock() {
	mkdir -p "$(dirname "$data")" || fail true "cannot make the folder of $data"
	tries=0
	until mkdir "$lock" 2>/dev/null; do
		# a holder killed at roster's timeout leaves its lock behind: taken over
		holder=$(cat "$lock/pid" 2>/dev/null)
		if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; then
			rm -rf "$lock"
			continue
		fi
		tries=$((tries + 1))
		[ "$tries" -lt 200 ] || fail true "payroll is busy: $lock is held by process ${holder:-?}"
		sleep 0.05 2>/dev/null || sleep 1
	done
	echo $$ >"$lock/pid"
	trap 'rm -rf "$lock"' EXIT
	trap 'exit 1' HUP INT TERM
}

# change PROGRAM: under the lock, PROGRAM gives {answer, db}; db (when not
# null) replaces the file, then the answer is printed. One jq for all of it:
# its first line is the answer, its second "save" or "keep", then the accounts.
change() {
	take_lock
	tmp=$data.tmp.$$
	if ! query "$defs ($1) | .answer, if .db then \"save\", .db[] else \"keep\" end" >"$tmp"; then
		rm -f "$tmp"
		fail false "payroll.sh: jq failed on the request"
	fi
	{ read -r answer && read -r what; } <"$tmp"
	if [ "$what" = '"save"' ] && ! { sed 1,2d "$tmp" >"$tmp.new" && mv -f "$tmp.new" "$data"; }; then
		rm -f "$tmp" "$tmp.new"
		fail true "cannot write $data"
	fi
	rm -f "$tmp"
	printf '%s\n' "$answer"
}

# jq definitions the programs share. $q is the request.
defs='
def live: $db | map(select(.deleted | not));
def shown: {ref, enabled, attributes, permissions};
def error($code; $msg): {answer: {ok: false, transient: false, code: $code, error: $msg}, db: null};
def refuse($msg): {answer: {ok: false, transient: false, error: $msg}, db: null};
def ok: {answer: {ok: true}};
# edit(f): f applied to the live account the request names; not found when there is none
def edit(f): . as $q |
	if any(live[]; .ref == $q.account.ref)
	then ok + {db: [$db[] | if .ref == $q.account.ref and (.deleted | not) then f else . end]}
	else error("notfound"; "payroll has no account \($q.account.ref)")
	end;
'

case $op in
lookup)
	# by the target's correlate attribute, or by employee_id when it has none
	query "$defs"'
	. as $q
	| [live[] | select((if $q.attribute then .attributes[$q.attribute] else .employee_id end) == $q.value)]
	| if length == 0 then {ok: true, found: false}
	  elif length == 1 then {ok: true, found: true} + (.[0] | shown)
	  else {ok: false, transient: false, code: "conflict",
		error: "\(length) payroll accounts have \($q.attribute // "employee_id") \($q.value)"}
	  end' || fail false "payroll.sh: jq failed on the request"
	;;
list)
	# pages of PAYROLL_PAGE_SIZE; the cursor is where the next page starts
	query "$defs"'
	. as $q
	| (($q.cursor // "0") | if test("^[0-9]+$") then tonumber else null end) as $from
	| if $from == null then {ok: false, transient: false, error: "not a cursor of payroll: \($q.cursor)"}
	  else [live[]] as $all
	  | {ok: true, accounts: [$all[$from:$from + $page][] | shown]}
	    + (if $from + $page < ($all | length) then {next: ($from + $page | tostring)} else {} end)
	  end' || fail false "payroll.sh: jq failed on the request"
	;;
create)
	change '
	. as $q
	| ($q.account.attributes // {}) as $a
	| if ($a.name // "") == "" then refuse("a payroll account needs a name")
	  elif any(live[]; .employee_id == $q.employee_id)
	  then error("conflict"; "employee \($q.employee_id) has a payroll account already")
	  else ([$db[].ref | ltrimstr("PR-") | tonumber] | max // 0) + 1
	  | ("PR-" + (tostring | if length < 5 then ("0000" + .)[-5:] else . end)) as $ref
	  | {answer: {ok: true, ref: $ref},
	     db: ($db + [{ref: $ref, employee_id: $q.employee_id,
			  enabled: ($q.account.enabled != false), attributes: $a, permissions: []}])}
	  end'
	;;
update)
	# changes: the new values; "" removes an attribute
	change '
	. as $q
	| if ($q.changes.name // null) == "" then refuse("a payroll account needs a name")
	  else edit(.attributes = reduce ($q.changes // {} | to_entries[]) as $c (.attributes;
		if $c.value == "" then del(.[$c.key]) else .[$c.key] = $c.value end))
	  end'
	;;
enable | disable)
	change '. as $q | edit(.enabled = ($q.op == "enable"))'
	;;
delete)
	change 'edit(.deleted = true | .enabled = false)'
	;;
grant)
	# twice is once
	change '. as $q | edit(.permissions = (.permissions + [$q.permission] | unique))'
	;;
revoke)
	change '. as $q | edit(.permissions -= [$q.permission])'
	;;
*)
	fail false "payroll does not know the op \"$op\""
	;;
esac
