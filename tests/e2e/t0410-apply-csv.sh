#!/bin/sh
# roster apply to the csv target of the example organisation: the first apply
# makes the CSV file exactly the plan (and the vault and the audit log agree);
# a second one has nothing to do; a story over dates (a future joiner created
# disabled and enabled on the first day, a leaver disabled the day after the
# last day and deleted 90 days later, project groups granted and revoked, a
# replacement's inherited group granted and revoked) converges after every
# step; --json; the terminal (asking, the progress bar); the guard (refuses
# with exit 3 and changes nothing, --force is recorded); kill -9 in the middle
# of 2,500 persons and a rerun; a broken target fails its actions and the
# other target goes on.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/plan-lib.sh"

ROSTER_GEN=${ROSTER_GEN:-$(dirname "$ROSTER")/../../tools/roster-gen}

# test_expect_failure DESC BODY: a known breakage (TAP "# TODO"): reported,
# not counted as a failure; "ok … # TODO" means it got fixed: make it a
# test_expect_success.
test_expect_failure() {
	test_count=$((test_count + 1))
	(
		set +u
		eval "$2"
	) >"$TRASH/.test-out" 2>&1
	if test $? = 0
	then
		echo "ok $test_count - $1 # TODO known breakage vanished"
	else
		echo "not ok $test_count - $1 # TODO known breakage"
	fi
}

# csv_json FILE: the rows of a csv target's file as a JSON array of objects
# (header cell -> cell), read with RFC 4180 quoting (a quoted cell may span
# lines: the groups); fails on a record whose cell count is not the header's.
csv_json() {
	awk '
	function add(c) {
		if (c == "\\") return "\\\\"
		if (c == "\"") return "\\\""
		if (c == "\t") return "\\t"
		if (c == "\r") return "\\r"
		return c
	}
	{
		n = length($0)
		for (i = 1; i <= n; i++) {
			c = substr($0, i, 1)
			if (inq) {
				if (c != "\"")
					cell = cell add(c)
				else if (substr($0, i + 1, 1) == "\"") {
					cell = cell add(c)
					i++
				} else
					inq = 0
			} else if (c == "\"")
				inq = 1
			else if (c == ",") {
				f[++nf] = cell
				cell = ""
			} else
				cell = cell add(c)
		}
		if (inq) {
			cell = cell "\\n"
			next
		}
		f[++nf] = cell
		cell = ""
		if (!nrec++) {
			for (i = 1; i <= nf; i++)
				head[i] = f[i]
			nhead = nf
		} else {
			if (nf != nhead) {
				printf "%s: record %d has %d cells, the header %d\n", FILENAME, nrec - 1, nf, nhead >"/dev/stderr"
				bad = 1
			}
			out = "{"
			for (i = 1; i <= nf; i++)
				out = out (i > 1 ? ", " : "") "\"" head[i] "\": \"" f[i] "\""
			print out "}"
		}
		nf = 0
	}
	END {
		if (inq) {
			print FILENAME ": an unterminated quote" >"/dev/stderr"
			bad = 1
		}
		exit bad
	}' "$1" >"$TRASH/.csv.jsonl" &&
	jq -s . "$TRASH/.csv.jsonl"
}

# apply_ok DIR DATE: roster apply --at DATE --yes on world DIR, piped: exit 0,
# no progress bar; then the plan on DATE is empty, the CSV is what the vault
# knows, the audit chain holds. Output in out, err.
apply_ok() {
	roster -c "$1/roster.yaml" apply --at "$2" --yes >out 2>err &&
	no_cr err &&
	roster -c "$1/roster.yaml" plan --at "$2" --json >after.json &&
	jq_is after.json ".actions | length" 0 &&
	jq_is after.json ".problems | length" 0 &&
	csv_is_vault "$1" directory "$1/var/directory.csv" &&
	roster -c "$1/roster.yaml" audit verify >verify.out
}

# no_cr FILE: FILE has no carriage return (no progress bar was drawn).
no_cr() {
	if test "$(tr -cd "\r" <"$1" | wc -c)" != 0
	then
		echo "no_cr: $1 has a carriage return (a progress bar when piped?)" >&2
		return 1
	fi
}

# csv_is_vault DIR TARGET FILE: the accounts in the csv FILE are exactly the
# vault's accounts (not deleted) on TARGET: the same refs, enabled, groups
# (memberships) and attribute values (empty ones left out on both sides).
csv_is_vault() {
	csv_json "$3" >csv.json &&
	jq -S "map({ref, enabled, groups: (.groups | split(\"\n\") | map(select(. != \"\")) | sort),
		attrs: (del(.ref, .enabled, .groups) | with_entries(select(.value != \"\")))}) | sort_by(.ref)" \
		csv.json >csv.norm &&
	sqlite3 "$1/var/roster.db" "SELECT json_group_array(json_object('ref', ref,
			'enabled', CASE status WHEN 'enabled' THEN 'true' ELSE 'false' END,
			'groups', (SELECT json_group_array(permission) FROM memberships m
				   WHERE m.target = a.target AND m.employee_id = a.employee_id),
			'attrs', json(attributes)))
		FROM accounts a WHERE target = '$2' AND status != 'deleted'" >vault.json &&
	jq -S "map(.groups |= sort | .attrs |= with_entries(select(.value != \"\"))) | sort_by(.ref)" \
		vault.json >vault.norm &&
	test "$(jq length csv.norm)" = "$(jq length vault.norm)" &&
	test_cmp vault.norm csv.norm &&
	# memberships only of accounts the file has
	test "$(sqlite3 "$1/var/roster.db" "SELECT count(*) FROM memberships m WHERE target = '$2' AND NOT EXISTS
		(SELECT 1 FROM accounts a WHERE a.target = m.target AND a.employee_id = m.employee_id
		 AND a.status != 'deleted')")" = 0
}

# row_of ID [FILE]: ID's row of the csv file (default org's directory) in
# row.json; fails unless there is exactly one.
row_of() {
	csv_json "${2:-org/var/directory.csv}" >rows.json &&
	jq -c --arg id "$1" "[.[] | select(.ref == \$id)]" rows.json >row.json &&
	if test "$(jq length row.json)" != 1
	then
		echo "row_of $1: not exactly one row:" >&2
		cat row.json >&2
		return 1
	fi &&
	jq -c ".[0]" row.json >row1.json &&
	mv row1.json row.json
}

# csv_is ID ENABLED [GROUP...]: ID's row in org's directory.csv is enabled
# (true/false) with exactly these groups.
csv_is() {
	id=$1 en=$2 &&
	shift 2 &&
	row_of "$id" &&
	jq_is row.json ".enabled" "$en" &&
	jq_is row.json ".groups | split(\"\n\") | join(\" \")" "$*"
}

csv_has_no() {
	csv_json org/var/directory.csv >rows.json &&
	jq_is rows.json "[.[] | select(.ref == \"$1\")] | length" 0
}

# vault_is ID STATUS CREATED DISABLED DELETED [GROUP...]: ID's last account
# on org's directory (dates or "" for none) and its memberships.
vault_is() {
	got=$(sqlite3 org/var/roster.db "SELECT status || ' ' || ifnull(created, '') || ' ' || ifnull(disabled, '')
		|| ' ' || ifnull(deleted, '') FROM accounts WHERE target = 'directory' AND employee_id = '$1'
		ORDER BY seq DESC LIMIT 1") &&
	if test "$got" != "$2 $3 $4 $5"
	then
		echo "vault_is $1: account \"$got\", expected \"$2 $3 $4 $5\"" >&2
		return 1
	fi &&
	id=$1 &&
	shift 5 &&
	got=$(sqlite3 org/var/roster.db "SELECT permission FROM memberships WHERE target = 'directory'
		AND employee_id = '$id' ORDER BY permission" | tr "\n" " " | sed "s/ $//") &&
	if test "$got" != "$*"
	then
		echo "vault_is $id: memberships \"$got\", expected \"$*\"" >&2
		return 1
	fi
}

# events DIR: the number of audit events of world DIR.
events() {
	sqlite3 "$1/var/roster.db" "SELECT count(*) FROM audit"
}

test_expect_success 'setup: the example organisation, imported on 2026-01-05' '
	roster init org >/dev/null &&
	# the persons the story follows, as the example data has them
	test_must_contain org/hr/contracts.csv "C000197;100171;01-02-2026;;ZORG;Zorg;F092;Verzorgende IG;" &&
	test_must_contain org/hr/contracts.csv "C000352;100296;01-05-2025;30-04-2026;OND;" &&
	test "$(grep -c ";100296;" org/hr/contracts.csv)" = 1 &&
	test_must_contain org/hr/assignments.csv "100296;project;Datacenter2026;24-05-2025;31-03-2026" &&
	test_must_contain org/hr/assignments.csv "100247;project;Nieuwbouw-Zwolle;15-01-2026;" &&
	test_must_contain org/hr/assignments.csv "100048;project;Nieuwbouw-Zwolle;04-01-2025;31-01-2026" &&
	test_must_contain org/hr/assignments.csv "100283;replaces;100010;06-11-2025;26-03-2026" &&
	test_must_contain org/hr/contracts.csv "C000010;100010;01-11-2009;;ZORG;Zorg;F091;Manager zorg;" &&
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	test_must_contain out "300 persons, 356 contracts, 53 assignments" &&
	plan --at 2026-01-05 -o plan-0105.json >out &&
	test_must_contain out "directory: 266 create, 600 grant" &&
	test ! -e org/var/directory.csv &&
	cp -R org pre
'

test_expect_success 'the first apply: exit 0, every action done, no progress bar when piped' '
	roster -c org/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out "plan for 2026-01-05: 866 actions" &&
	test_must_contain out "directory: 266 create, 600 grant" &&
	test_must_contain out "applied: 866 done, 0 failed (run " &&
	test_must_not_contain out "failed:" &&
	no_cr err &&
	test_must_not_contain err "Apply these" &&
	cp org/var/directory.csv first.csv
'

test_expect_success 'the CSV file holds exactly the planned accounts, once each' '
	head -n 1 org/var/directory.csv >header &&
	echo "ref,enabled,groups,departmentNumber,description,displayName,employeeNumber,mail,manager,title,uid" >expect &&
	test_cmp expect header &&
	test "$(grep -cE "^1[0-9]{5},(true|false)," org/var/directory.csv)" = 266 &&
	csv_json org/var/directory.csv >rows.json &&
	jq -r ".[].ref" rows.json | sort >refs &&
	jq -r ".actions[] | select(.op == \"create\") | .employee_id" plan-0105.json | sort >expect &&
	test "$(wc -l <expect)" = 266 &&
	test_cmp expect refs &&
	sort -u refs >refs.u &&
	test_cmp refs refs.u
'

test_expect_success 'each account: the attributes, enabled and the groups of the plan' '
	csv_json org/var/directory.csv >rows.json &&
	for id in 100001 100010 100283 100296 100003
	do
		jq -S --arg id "$id" ".actions[] | select(.employee_id == \$id and .op == \"create\") |
			.attributes | with_entries(select(.value != \"\"))" plan-0105.json >expect &&
		test -s expect &&
		jq -S --arg id "$id" ".[] | select(.ref == \$id) | del(.ref, .enabled, .groups) |
			with_entries(select(.value != \"\"))" rows.json >actual &&
		test_cmp expect actual &&
		jq -r --arg id "$id" "[.actions[] | select(.employee_id == \$id and .op == \"grant\") | .permission] |
			sort | join(\" \")" plan-0105.json >expect &&
		jq -r --arg id "$id" ".[] | select(.ref == \$id) | .groups | split(\"\n\") | join(\" \")" rows.json >actual &&
		test_cmp expect actual || return 1
	done &&
	# every account is enabled as planned, every group of the plan is in the file
	jq -r ".actions[] | select(.op == \"create\") | .employee_id + \" \" + (.enabled | tostring)" plan-0105.json |
		sort >expect &&
	jq -r ".[] | .ref + \" \" + .enabled" rows.json | sort >actual &&
	test_cmp expect actual &&
	jq -r ".actions[] | select(.op == \"grant\") | .employee_id + \" \" + .permission" plan-0105.json | sort >expect &&
	jq -r ".[] | .ref as \$r | .groups | split(\"\n\")[] | \$r + \" \" + ." rows.json | sort >actual &&
	test "$(wc -l <expect)" = 600 &&
	test_cmp expect actual &&
	row_of 100283 &&
	jq_is row.json .groups "all-staff
dept-zorg
managers" &&
	jq_is row.json .uid noor.vermeulenthart &&
	jq_is row.json .manager daan.elamrani
'

test_expect_success 'the vault knows what was done: accounts = creates, memberships = grants, same as the file' '
	test "$(sqlite3 org/var/roster.db "SELECT count(*) FROM accounts WHERE target = '\''directory'\''
		AND status != '\''deleted'\''")" = 266 &&
	test "$(sqlite3 org/var/roster.db "SELECT count(*) FROM accounts")" = 266 &&
	test "$(sqlite3 org/var/roster.db "SELECT count(*) FROM accounts WHERE status = '\''disabled'\''")" = \
		"$(jq "[.actions[] | select(.op == \"create\" and .enabled == false)] | length" plan-0105.json)" &&
	test "$(sqlite3 org/var/roster.db "SELECT count(*) FROM memberships WHERE target = '\''directory'\''")" = 600 &&
	test "$(sqlite3 org/var/roster.db "SELECT count(*) FROM accounts WHERE ref != employee_id OR
		created != '\''2026-01-05'\'' OR disabled IS NOT NULL")" = 0 &&
	csv_is_vault org directory org/var/directory.csv &&
	vault_is 100296 enabled 2026-01-05 "" "" all-staff dept-ond prj-datacenter2026
'

test_expect_success 'the audit log: one event per action, all ok, the chain intact' '
	roster -c org/roster.yaml audit verify >out &&
	test_must_contain out "868 events, the chain is intact" &&
	roster -c org/roster.yaml audit --json >audit.json &&
	jq_is audit.json ".events | length" 868 &&
	jq_is audit.json "[.events[] | select(.kind == \"config\") | .action] | join(\",\")" "configuration first used" &&
	jq_is audit.json "[.events[] | select(.kind == \"action\")] | length" 866 &&
	jq_is audit.json "[.events[] | select(.kind == \"action\" and .outcome == \"ok\" and
		.target == \"directory\")] | length" 866 &&
	jq_is audit.json "[.events[] | select(.kind == \"action\") | .run] | unique | length" 1 &&
	jq_is audit.json "[.events[] | select(.kind == \"action\" and .action == \"create\")] | length" 266 &&
	jq_is audit.json "[.events[] | select(.kind == \"action\" and (.action | startswith(\"grant \")))] | length" 600 &&
	jq_is audit.json "[.events[] | select(.kind == \"action\") | .actor] | unique | join(\",\")" "$(id -un)" &&
	jq -r ".events[] | select(.employee_id == \"100001\" and .action == \"create\") | .after" audit.json |
		jq -S . >after &&
	jq -S ".actions[] | select(.employee_id == \"100001\" and .op == \"create\") | .attributes" plan-0105.json >expect &&
	test_cmp expect after
'

test_expect_success 'a second apply on the same day: nothing to apply, nothing changes' '
	vault_dump org/var/roster.db >dump.before &&
	roster -c org/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out "nothing to apply" &&
	test_must_not_contain out "applied:" &&
	cmp first.csv org/var/directory.csv &&
	vault_dump org/var/roster.db >dump.after &&
	test_cmp dump.before dump.after &&
	test "$(events org)" = 868 &&
	roster -c org/roster.yaml apply --at 2026-01-05 --yes --json >out.json 2>err &&
	jq_is out.json ".actions" 0 &&
	jq_is out.json ".done" 0 &&
	jq_is out.json ".failed" 0 &&
	jq_is out.json ".failures | length" 0 &&
	cmp first.csv org/var/directory.csv &&
	test "$(events org)" = 868
'

test_expect_success 'copies of the world after the first apply (for the terminal and guard tests)' '
	cp -R org tty &&
	cp -R org guard
'

test_expect_success 'the file ahead of the vault (a crash after the write): apply adopts, no duplicate' '
	# the world before the first apply, with the file the first apply wrote,
	# one account changed behind roster'\''s back
	sed "s/^100001,true,/100001,false,/; s/,Rob Meijer,100001,/,R. Meijer,100001,/" first.csv \
		>pre/var/directory.csv &&
	test_must_contain pre/var/directory.csv ",R. Meijer,100001," &&
	roster -c pre/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out "applied: 866 done (266 existing accounts adopted), 0 failed" &&
	cmp first.csv pre/var/directory.csv &&
	csv_is_vault pre directory pre/var/directory.csv &&
	roster -c pre/roster.yaml audit --json >audit.json &&
	jq_is audit.json "[.events[] | select(.action == \"create\") | .outcome] | unique | join(\",\")" adopted &&
	jq_is audit.json "[.events[] | select(.action == \"create\")] | length" 266 &&
	jq_is audit.json "[.events[] | select(.kind == \"action\" and .outcome == \"ok\")] | length" 600 &&
	roster -c pre/roster.yaml audit verify >out &&
	roster -c pre/roster.yaml plan --at 2026-01-05 --json >after.json &&
	jq_is after.json ".actions | length" 0
'

# --- the story, day by day ---

test_expect_success '2026-01-20 with --json: the outcome as JSON only; a joiner created disabled ahead of the first day' '
	plan --at 2026-01-20 --json >plan-0120.json &&
	n=$(jq ".actions | length" plan-0120.json) &&
	test "$n" -gt 0 &&
	expect_ops 100171 2026-01-20 create &&
	roster -c org/roster.yaml apply --at 2026-01-20 --yes --json >out.json 2>err &&
	no_cr err &&
	jq -e "type == \"object\"" out.json >/dev/null &&
	jq_is out.json "keys_unsorted | join(\" \")" "at run actions done adopted failed failures" &&
	jq_is out.json ".at" 2026-01-20 &&
	jq_is out.json ".actions" "$n" &&
	jq_is out.json ".done" "$n" &&
	jq_is out.json ".failed" 0 &&
	jq_is out.json ".adopted" 0 &&
	jq_is out.json ".failures" "[]" &&
	run=$(jq -r .run out.json) &&
	test -n "$run" &&
	test "$(sqlite3 org/var/roster.db "SELECT count(*) FROM audit WHERE run = '\''$run'\''")" = "$n" &&
	roster -c org/roster.yaml plan --at 2026-01-20 --json >after.json &&
	jq_is after.json ".actions | length" 0 &&
	csv_is_vault org directory org/var/directory.csv &&
	csv_is 100171 false "" &&
	row_of 100171 &&
	jq_is row.json .uid eva.prins &&
	vault_is 100171 disabled 2026-01-20 "" "" &&
	# a project that started on 2026-01-15: its group is granted
	csv_is 100247 true all-staff dept-fin prj-nieuwbouw-zwolle
'

test_expect_success '2026-01-31: the joiner is still disabled, the project still runs' '
	apply_ok org 2026-01-31 &&
	csv_is 100171 false "" &&
	vault_is 100171 disabled 2026-01-20 "" "" &&
	csv_is 100048 true all-staff dept-com prj-nieuwbouw-zwolle role-preventiemedewerker
'

test_expect_success '2026-02-01: the joiner enabled on the first day with her groups; an ended project revoked' '
	expect_ops 100171 2026-02-01 enable grant:all-staff grant:dept-zorg &&
	expect_ops 100048 2026-02-01 revoke:prj-nieuwbouw-zwolle &&
	apply_ok org 2026-02-01 &&
	test_must_contain out "applied: " &&
	csv_is 100171 true all-staff dept-zorg &&
	vault_is 100171 enabled 2026-01-20 "" "" all-staff dept-zorg &&
	csv_is 100048 true all-staff dept-com role-preventiemedewerker &&
	vault_is 100048 enabled 2026-01-05 "" "" all-staff dept-com role-preventiemedewerker
'

test_expect_success '2026-03-01 and 2026-03-26: the replacement keeps the inherited group to the last day' '
	forget_plans &&
	apply_ok org 2026-03-01 &&
	apply_ok org 2026-03-26 &&
	csv_is 100283 true all-staff dept-zorg managers &&
	vault_is 100283 enabled 2026-01-05 "" "" all-staff dept-zorg managers
'

test_expect_success '2026-03-27: the inherited group revoked the day after the replacement ends' '
	expect_ops 100283 2026-03-27 revoke:managers &&
	apply_ok org 2026-03-27 &&
	csv_is 100283 true all-staff dept-zorg &&
	vault_is 100283 enabled 2026-01-05 "" "" all-staff dept-zorg &&
	# the person replaced keeps hers
	csv_is 100010 true all-staff dept-zorg managers
'

test_expect_success '2026-03-31 / 2026-04-01: the project group to its last day, then revoked' '
	forget_plans &&
	apply_ok org 2026-03-31 &&
	csv_is 100296 true all-staff dept-ond prj-datacenter2026 &&
	expect_ops 100296 2026-04-01 revoke:prj-datacenter2026 &&
	apply_ok org 2026-04-01 &&
	csv_is 100296 true all-staff dept-ond &&
	vault_is 100296 enabled 2026-01-05 "" "" all-staff dept-ond
'

test_expect_success '2026-04-30 / 2026-05-01: the leaver enabled on the last day, disabled the day after' '
	forget_plans &&
	apply_ok org 2026-04-30 &&
	csv_is 100296 true all-staff dept-ond &&
	expect_ops 100296 2026-05-01 revoke:all-staff revoke:dept-ond disable &&
	apply_ok org 2026-05-01 &&
	csv_is 100296 false "" &&
	vault_is 100296 disabled 2026-01-05 2026-05-01 "" &&
	row_of 100296 &&
	jq_is row.json .uid lieke.bouziddejong
'

test_expect_success '2026-07-29 / 2026-07-30: the leaver deleted 90 days after she was disabled' '
	forget_plans &&
	apply_ok org 2026-07-29 &&
	csv_is 100296 false "" &&
	vault_is 100296 disabled 2026-01-05 2026-05-01 "" &&
	expect_ops 100296 2026-07-30 delete &&
	apply_ok org 2026-07-30 &&
	csv_has_no 100296 &&
	vault_is 100296 deleted 2026-01-05 2026-05-01 2026-07-30 &&
	test "$(grep -c "^100296," org/var/directory.csv)" = 0
'

test_expect_success 'after the story: every applied action is one audit event, the chain is intact' '
	roster -c org/roster.yaml audit --json >audit.json &&
	roster -c org/roster.yaml audit verify >out &&
	test_must_contain out "$(jq ".events | length" audit.json) events, the chain is intact" &&
	jq_is audit.json "[.events[] | select(.kind == \"action\" and .outcome != \"ok\")] | length" 0 &&
	roster -c org/roster.yaml audit --person 100296 >out &&
	cut -f 6,7,8 out >actual &&
	printf "%s\n" "100296	create	ok" "100296	grant all-staff	ok" "100296	grant dept-ond	ok" \
		"100296	grant prj-datacenter2026	ok" "100296	revoke prj-datacenter2026	ok" \
		"100296	revoke all-staff	ok" "100296	revoke dept-ond	ok" "100296	disable	ok" \
		"100296	delete	ok" >expect &&
	test_cmp expect actual
'

# --- on a terminal (script(1) gives the command one) ---

if command -v script >/dev/null 2>&1 && script -qec true /dev/null </dev/null >/dev/null 2>&1
then
	test_expect_success 'on a terminal: asks first; "n" applies nothing (exit 1)' '
		cp tty/var/directory.csv tty.csv &&
		vault_dump tty/var/roster.db >dump.before &&
		echo n >answer &&
		test_expect_code 1 script -qec "\"$ROSTER\" -c tty/roster.yaml apply --at 2026-01-20" /dev/null \
			<answer >tty.out 2>&1 &&
		test_must_contain tty.out "Apply these 25 actions? [y/N]" &&
		test_must_contain tty.out "roster: nothing applied" &&
		cmp tty.csv tty/var/directory.csv &&
		vault_dump tty/var/roster.db >dump.after &&
		test_cmp dump.before dump.after
	'

	test_expect_success 'on a terminal with --yes: no question, a progress bar' '
		script -qec "\"$ROSTER\" -c tty/roster.yaml apply --at 2026-01-20 --yes" /dev/null </dev/null >tty.out 2>&1 &&
		test_must_not_contain tty.out "Apply these" &&
		test_must_contain tty.out "] 25/25 done, 0 failed, " &&
		test "$(tr -cd "\r" <tty.out | wc -c)" -gt 0 &&
		test_must_contain tty.out "applied: 25 done, 0 failed" &&
		roster -c tty/roster.yaml plan --at 2026-01-20 --json >after.json &&
		jq_is after.json ".actions | length" 0
	'

	# the issue: "on a terminal it asks before changing anything unless --yes"
	test_expect_success 'on a terminal with --json: asks too; "n" applies nothing' '
		cp tty/var/directory.csv tty.csv &&
		echo n >answer &&
		test_expect_code 1 script -qec "\"$ROSTER\" -c tty/roster.yaml apply --at 2026-02-01 --json" /dev/null \
			<answer >tty.out 2>&1 &&
		cmp tty.csv tty/var/directory.csv
	'
else
	say "skipped the terminal tests: no script(1)"
fi

# --- the guard ---

test_expect_success 'guard: half the persons gone (import forced): apply refuses, exit 3, nothing changes' '
	(
		cd guard/hr &&
		awk -F";" "NR == 1 || \$1 % 2 == 1" persons.csv >p &&
		awk -F";" "NR == 1 || \$2 % 2 == 1" contracts.csv >c &&
		awk -F";" "NR == 1 || \$1 % 2 == 1" assignments.csv >a &&
		mv p persons.csv && mv c contracts.csv && mv a assignments.csv
	) &&
	test_expect_code 3 roster -c guard/roster.yaml import --at 2026-01-06 >out 2>err &&
	roster -c guard/roster.yaml import --at 2026-01-06 --force >out 2>err &&
	roster -c guard/roster.yaml plan --at 2026-01-06 --json >g.json &&
	disables=$(jq "[.actions[] | select(.op == \"disable\")] | length" g.json) &&
	test "$disables" -gt 26 &&
	cp guard/var/directory.csv g.csv &&
	vault_dump guard/var/roster.db >dump.before &&
	n=$(events guard) &&
	test_expect_code 3 roster -c guard/roster.yaml apply --at 2026-01-06 --yes >out 2>err &&
	test_must_contain err "refused by the guard of target \"directory\"" &&
	test_must_contain err "disable $disables of 266 accounts" &&
	test_must_contain err "max_disable 10% (26)" &&
	test_must_contain err "--force" &&
	test_must_not_contain out "applied:" &&
	cmp g.csv guard/var/directory.csv &&
	vault_dump guard/var/roster.db >dump.after &&
	test_cmp dump.before dump.after &&
	test "$(events guard)" = "$n" &&
	# --json refuses the same way
	test_expect_code 3 roster -c guard/roster.yaml apply --at 2026-01-06 --yes --json >out 2>err &&
	test_must_contain err "max_disable" &&
	cmp g.csv guard/var/directory.csv &&
	test "$(events guard)" = "$n"
'

test_expect_success 'guard: --force applies and records who forced it' '
	n=$(events guard) &&
	roster -c guard/roster.yaml apply --at 2026-01-06 --yes --force >out 2>err &&
	test_must_contain out "0 failed" &&
	roster -c guard/roster.yaml audit --json >audit.json &&
	jq -c "[.events[] | select(.seq > $n)]" audit.json >new.json &&
	jq_is new.json "[.[] | select(.kind == \"guard-forced\")] | length" 1 &&
	jq_is new.json ".[0].kind" guard-forced &&
	jq_is new.json ".[0].actor" "$(id -un)" &&
	jq_is new.json ".[0].outcome" forced &&
	jq_is new.json ".[0].error | contains(\"max_disable\")" true &&
	# the forced event belongs to the run that followed it
	jq_is new.json "[.[].run] | unique | length" 1 &&
	jq_is new.json "[.[] | select(.kind == \"action\" and .action == \"disable\")] | length" \
		"$(jq "[.actions[] | select(.op == \"disable\")] | length" g.json)" &&
	roster -c guard/roster.yaml audit verify >out &&
	roster -c guard/roster.yaml plan --at 2026-01-06 --json >after.json &&
	jq_is after.json ".actions | length" 0 &&
	csv_is_vault guard directory guard/var/directory.csv &&
	csv_json guard/var/directory.csv >rows.json &&
	jq_is rows.json "[.[] | select(.ref == \"100002\")][0].enabled" false &&
	jq_is rows.json "[.[] | select(.ref == \"100001\")][0].enabled" true
'

test_expect_success 'guard: a percentage of a small target still allows one; counts; max_delete' '
	mkdir small &&
	(
		cd small &&
		mkdir hr &&
		echo "employee_id,given_name,family_name,manager_id" >hr/persons.csv &&
		echo "contract_id,employee_id,start_date,end_date,department.code,title.name,fte" >hr/contracts.csv &&
		for i in 1 2 3 4 5
		do
			echo "200$i,Given$i,Family$i," >>hr/persons.csv &&
			echo "C200$i,200$i,2020-01-01,,ICT,Engineer,1" >>hr/contracts.csv || return 1
		done &&
		write_config "    guard: {max_removed: 100%}" \
			"targets:" \
			"  - name: t" \
			"    connector: csv" \
			"    correlate: {attribute: employeeNumber, field: employee_id}" \
			"    guard: {max_disable: 10%, max_delete: 0}" \
			"    attributes:" \
			"      employeeNumber: \"{employee_id}\"" \
			"rules:" \
			"  - name: everyone" \
			"    grant: [{target: t, account: true}, {target: t, group: staff}]" &&
		roster import --at 2025-01-10 >out 2>err &&
		roster apply --at 2025-01-10 --yes >out 2>err &&
		test "$(grep -c "^200[0-9],true,staff," var/t.csv)" = 5 &&
		# one of five leaves: 10% of 5 is 0, a percentage allows at least one
		sed "s/^C2001,2001,2020-01-01,,/C2001,2001,2020-01-01,2025-01-31,/" hr/contracts.csv >c &&
		mv c hr/contracts.csv &&
		roster import --at 2025-01-20 >out 2>err &&
		roster apply --at 2025-02-01 --yes >out 2>err &&
		test_must_contain out "applied: 2 done, 0 failed" &&
		grep "^2001,false,," var/t.csv &&
		# two more leave on one day: over the limit of one
		sed "s/^C200\([23]\),200\([23]\),2020-01-01,,/C200\1,200\2,2020-01-01,2025-02-28,/" hr/contracts.csv >c &&
		mv c hr/contracts.csv &&
		roster import --at 2025-02-20 >out 2>err &&
		cp var/t.csv t.before &&
		test_expect_code 3 roster apply --at 2025-03-01 --yes >out 2>err &&
		test_must_contain err "disable 2 of 5 accounts, more than t.max_disable 10% (1)" &&
		cmp t.before var/t.csv &&
		roster apply --at 2025-03-01 --yes --force >out 2>err &&
		test "$(grep -c "^200[123],false,," var/t.csv)" = 3 &&
		# 90 days after 2025-02-01 the first is due for deletion: max_delete 0 refuses
		cp var/t.csv t.before &&
		test_expect_code 3 roster apply --at 2025-05-02 --yes >out 2>err &&
		test_must_contain err "delete 1 of 5 accounts, more than t.max_delete 0 (0)" &&
		cmp t.before var/t.csv &&
		roster apply --at 2025-05-02 --yes --force >out 2>err &&
		test_must_contain out "applied: 1 done, 0 failed" &&
		test "$(grep -c "^2001," var/t.csv)" = 0 &&
		test "$(sqlite3 var/roster.db "SELECT count(*) FROM audit WHERE kind = '\''guard-forced'\''")" = 2
	)
'

# --- kill -9 in the middle of an apply ---

# crash_invariants DIR PLAN: world DIR, after crashes and a last apply that
# finished, is what one clean apply of PLAN (made before anything) leaves.
crash_invariants() {
	roster -c "$1/roster.yaml" plan --at 2026-01-05 --json >after.json &&
	jq_is after.json ".actions | length" 0 &&
	csv_json "$1/var/directory.csv" >rows.json &&
	jq -r ".[].ref" rows.json | sort >refs &&
	sort -u refs >refs.u &&
	test_cmp refs.u refs &&
	jq -r ".actions[] | select(.op == \"create\") | .employee_id" "$2" | sort >expect &&
	test_cmp expect refs &&
	test "$(sqlite3 "$1/var/roster.db" "SELECT count(*) FROM accounts WHERE status != 'deleted'")" = \
		"$(wc -l <expect)" &&
	test "$(grep -cE "^[0-9]+,(true|false)," "$1/var/directory.csv")" = "$(wc -l <expect)" &&
	csv_is_vault "$1" directory "$1/var/directory.csv" &&
	roster -c "$1/roster.yaml" audit verify >verify.out &&
	# every create once: an ok, or an adopted one when the file had it and the vault not
	test "$(sqlite3 "$1/var/roster.db" "SELECT count(*) FROM (SELECT employee_id FROM audit WHERE
		action = 'create' AND outcome IN ('ok', 'adopted') GROUP BY employee_id
		HAVING count(*) != 1)")" = 0 &&
	test "$(sqlite3 "$1/var/roster.db" "SELECT count(DISTINCT employee_id) FROM audit WHERE
		action = 'create'")" = "$(wc -l <expect)" &&
	# and every planned action recorded once: no lost, no doubled event
	test "$(sqlite3 "$1/var/roster.db" "SELECT count(*) FROM audit WHERE kind = 'action'
		AND outcome IN ('ok', 'adopted')")" = "$(jq ".actions | length" "$2")" &&
	test "$(sqlite3 "$1/var/roster.db" "SELECT count(*) FROM audit WHERE kind = 'action'
		AND outcome NOT IN ('ok', 'adopted')")" = 0 &&
	jq -r ".actions[] | .employee_id + \" \" + .op + (if .permission then \" \" + .permission else \"\" end)" "$2" |
		sort >expect.actions &&
	sqlite3 "$1/var/roster.db" "SELECT employee_id || ' ' || action FROM audit WHERE kind = 'action'" |
		sort >actual.actions &&
	test_cmp expect.actions actual.actions
}

test_expect_success 'crash setup: 2,500 persons, imported, planned' '
	mkdir big &&
	sed "s|^vault: .*|vault: var/roster.db|" org/roster.yaml >big/roster.yaml &&
	"$ROSTER_GEN" --persons 2500 big/hr >/dev/null &&
	roster -c big/roster.yaml import --at 2026-01-05 >out 2>err &&
	roster -c big/roster.yaml plan --at 2026-01-05 -o big-plan.json >out &&
	test "$(jq "[.actions[] | select(.op == \"create\")] | length" big-plan.json)" -gt 2000 &&
	cp -R big big0
'

test_expect_success 'kill -9 in the middle of an apply, then apply again: the same end, no duplicates' '
	hit= &&
	for wait in 0.3 0.5 0.2 0.8 0.1 1.2 0.05 2 3
	do
		rm -rf crash && cp -R big0 crash || return 1
		# the binary itself in the background (not the roster function: its subshell would be killed)
		"$ROSTER" -c crash/roster.yaml apply --at 2026-01-05 --yes >out.1 2>err.1 &
		pid=$!
		sleep $wait
		kill -9 $pid 2>/dev/null
		wait $pid
		rc=$?
		done_events=$(sqlite3 crash/var/roster.db "SELECT count(*) FROM audit WHERE kind = '\''action'\''") &&
		say "kill after $wait s: exit $rc, $done_events actions recorded, file: $(test -f crash/var/directory.csv && grep -c "^[0-9]" crash/var/directory.csv || echo none)" &&
		if test "$rc" = 137 && test -f crash/var/directory.csv &&
			test "$done_events" -lt "$(jq ".actions | length" big-plan.json)"
		then
			hit=$wait
			break
		fi
	done &&
	test -n "$hit" &&
	test_must_not_contain out.1 "applied:" &&
	roster -c crash/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out "0 failed" &&
	say "$(grep applied: out)" &&
	crash_invariants crash big-plan.json
'

test_expect_success 'several kills in a row, then a finished apply: the same end' '
	rm -rf crash && cp -R big0 crash &&
	kills=0 &&
	for wait in 0.3 0.35 0.4 0.3 0.45 0.5
	do
		"$ROSTER" -c crash/roster.yaml apply --at 2026-01-05 --yes >out.1 2>err.1 &
		pid=$!
		sleep $wait
		kill -9 $pid 2>/dev/null
		wait $pid
		if test $? = 137
		then
			kills=$((kills + 1))
		fi
	done &&
	say "$kills of 6 runs killed" &&
	test "$kills" -gt 0 &&
	roster -c crash/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_not_contain out "failed:" &&
	crash_invariants crash big-plan.json
'

# --- a broken target: its actions fail, the others go on ---

test_expect_success 'broken target setup: a second csv target "backup" with a file of its own' '
	rm -rf two && mkdir two && cp -R tty/hr two/hr &&
	awk "/^rules:/ {
		print \"  - name: backup\"
		print \"    connector: csv\"
		print \"    file: backup.csv\"
		print \"    correlate: {attribute: employeeNumber, field: employee_id}\"
		print \"    attributes:\"
		print \"      employeeNumber: \\\"{employee_id}\\\"\"
		print \"      displayName: \\\"{display_name}\\\"\"
		print \"\"
	} { print }" org/roster.yaml >two/roster.yaml &&
	cat >>two/roster.yaml <<-\EOF &&
	  - name: backup accounts
	    when: '\''contract.type != "external"'\''
	    grant: [{target: backup, account: true}, {target: backup, group: "backup-{contract.department.code|lower}"}]
	EOF
	roster -c two/roster.yaml check >out &&
	test_must_contain out "2 targets" &&
	roster -c two/roster.yaml import --at 2026-01-05 >out 2>err &&
	roster -c two/roster.yaml plan --at 2026-01-05 -o two-plan.json >out &&
	test "$(jq "[.actions[] | select(.target == \"backup\")] | length" two-plan.json)" -gt 0 &&
	test "$(jq "[.actions[] | select(.target == \"directory\")] | length" two-plan.json)" -gt 0
'

test_expect_success 'a target whose file is not a roster csv file: its actions fail (exit 1), backup goes on' '
	mkdir -p two/var &&
	echo "not,a,roster,file" >two/var/directory.csv &&
	cp two/var/directory.csv garbage.csv &&
	nd=$(jq "[.actions[] | select(.target == \"directory\")] | length" two-plan.json) &&
	nb=$(jq "[.actions[] | select(.target == \"backup\")] | length" two-plan.json) &&
	test_expect_code 1 roster -c two/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain err "two/var/directory.csv" &&
	test_must_contain err "expected the header ref,enabled,groups" &&
	test_must_contain out "applied: $nb done, $nd failed" &&
	test_must_contain out "failed: directory " &&
	test_must_not_contain out "failed: backup" &&
	cmp garbage.csv two/var/directory.csv &&
	# backup has every account and group of its plan
	test "$(grep -cE "^1[0-9]{5},(true|false)," two/backup.csv)" = \
		"$(jq "[.actions[] | select(.target == \"backup\" and .op == \"create\")] | length" two-plan.json)" &&
	csv_is_vault two backup two/backup.csv &&
	test "$(sqlite3 two/var/roster.db "SELECT count(*) FROM accounts WHERE target = '\''directory'\''")" = 0 &&
	test "$(sqlite3 two/var/roster.db "SELECT count(*) FROM memberships WHERE target = '\''directory'\''")" = 0 &&
	# every failure is in the audit log
	test "$(sqlite3 two/var/roster.db "SELECT count(*) FROM audit WHERE target = '\''directory'\''
		AND outcome = '\''failed'\'' AND error != '\'''\''")" = "$nd" &&
	test "$(sqlite3 two/var/roster.db "SELECT count(*) FROM audit WHERE target = '\''backup'\''
		AND outcome = '\''ok'\''")" = "$nb" &&
	roster -c two/roster.yaml audit verify >verify.out &&
	# the next plan has the failed actions again, and only those
	roster -c two/roster.yaml plan --at 2026-01-05 --json >again.json &&
	jq_is again.json ".actions | length" "$nd" &&
	jq_is again.json "[.actions[] | select(.target != \"directory\")] | length" 0
'

test_expect_success 'with --json: failures[] names target, person, op and why' '
	nd=$(jq "[.actions[] | select(.target == \"directory\")] | length" two-plan.json) &&
	test_expect_code 1 roster -c two/roster.yaml apply --at 2026-01-05 --yes --json >out.json 2>err &&
	jq_is out.json ".actions" "$nd" &&
	jq_is out.json ".done" 0 &&
	jq_is out.json ".failed" "$nd" &&
	jq_is out.json ".failures | length" "$nd" &&
	jq_is out.json "[.failures[] | select(.target == \"directory\" and .employee_id != null and .op != null
		and (.error | length) > 0)] | length" "$nd" &&
	jq_is out.json "[.failures[] | select(.op == \"grant\") | .permission | select(. != null)] | length" \
		"$(jq "[.actions[] | select(.target == \"directory\" and .op == \"grant\")] | length" two-plan.json)" &&
	test_must_contain err "two/var/directory.csv"
'

test_expect_success 'the file taken away: the next apply finishes the failed actions' '
	rm two/var/directory.csv &&
	roster -c two/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out " 0 failed" &&
	roster -c two/roster.yaml plan --at 2026-01-05 --json >after.json &&
	jq_is after.json ".actions | length" 0 &&
	csv_is_vault two directory two/var/directory.csv &&
	csv_is_vault two backup two/backup.csv &&
	roster -c two/roster.yaml audit verify >verify.out
'

test_expect_success 'a target without correlate: the file ahead of the vault is adopted too' '
	rm -rf nocorr && mkdir nocorr && cp -R tty/hr nocorr/hr &&
	grep -v "^    correlate:" org/roster.yaml >nocorr/roster.yaml &&
	roster -c nocorr/roster.yaml import --at 2026-01-05 >out 2>err &&
	cp nocorr/var/roster.db vault.before &&
	roster -c nocorr/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	# as after a crash between the write of the file and the vault commit
	cp vault.before nocorr/var/roster.db &&
	roster -c nocorr/roster.yaml apply --at 2026-01-05 --yes >out 2>err &&
	test_must_contain out "0 failed" &&
	csv_is_vault nocorr directory nocorr/var/directory.csv
'

test_expect_success 'a file that cannot be written: the actions count as failed, exit 1' '
	# missing/ is a file, so the folder for the target cannot be made
	rm -rf nodir && mkdir nodir && cp -R tty/hr nodir/hr && echo >nodir/missing &&
	sed "s|^    connector: csv\$|    connector: csv\n    file: missing/directory.csv|" org/roster.yaml >nodir/roster.yaml &&
	test_must_contain nodir/roster.yaml "file: missing/directory.csv" &&
	roster -c nodir/roster.yaml import --at 2026-01-05 >out 2>err &&
	test_expect_code 1 roster -c nodir/roster.yaml apply --at 2026-01-05 --yes --json >out.json 2>err &&
	jq_is out.json ".done" 0 &&
	jq_is out.json ".failed" 866
'

test_done
