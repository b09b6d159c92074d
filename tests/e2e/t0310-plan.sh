#!/bin/sh
# roster plan and roster person --explain over the example organisation
# (roster init), with nothing known of the targets yet: a future joiner, a
# leaver, a project, a temporary replacement, on several dates and on the
# boundaries of their periods; the same input gives the same bytes; the
# summary counts the actions; --target, --person, -o and bad arguments.
# t0311 does the same with accounts and memberships known in the vault.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/plan-lib.sh"

test_expect_success 'setup: the example organisation, imported' '
	roster init org >/dev/null &&
	# the facts the tests below rely on, as the example data has them
	test_must_contain org/hr/persons.csv "100075;Koen;K.;;Schäfer;;;B;" &&
	test_must_contain org/hr/contracts.csv "C000086;100075;20-01-2026;;ZORG;Zorg;F092;Verzorgende IG;" &&
	test_must_contain org/hr/persons.csv "100010;Linda;L.A.;de;Wit;;Vermeulen;P;" &&
	test_must_contain org/hr/contracts.csv "C000010;100010;01-11-2009;;ZORG;Zorg;F091;Manager zorg;" &&
	test_must_contain org/hr/contracts.csv "C000070;100063;01-11-2007;31-10-2025;CTRL;" &&
	test "$(grep -c ";100063;" org/hr/contracts.csv)" = 1 &&
	test_must_contain org/hr/contracts.csv "C000352;100296;01-05-2025;30-04-2026;OND;" &&
	test_must_contain org/hr/assignments.csv "100296;project;Datacenter2026;24-05-2025;31-03-2026" &&
	test_must_contain org/hr/assignments.csv "100009;project;Nieuwbouw-Zwolle;13-02-2025;30-11-2025" &&
	test_must_contain org/hr/contracts.csv "C000127;100113;01-09-2024;30-11-2025;OND;Onderwijs;F102;Docent;7100;Utrecht;1,0;external;" &&
	test_must_contain org/hr/contracts.csv "C000128;100113;24-12-2025;;OND;" &&
	test_must_contain org/hr/assignments.csv "100113;project;EPD-migratie;04-12-2025;" &&
	test_must_contain org/hr/assignments.csv "100283;replaces;100010;06-11-2025;26-03-2026" &&
	test_must_contain org/hr/contracts.csv "C000334;100283;01-10-2023;;ZORG;Zorg;F095;Activiteitenbegeleider;" &&
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	test_must_contain out "300 persons, 356 contracts, 53 assignments"
'

# --- a future joiner: Koen Schäfer (100075), first day 2026-01-20 ---

test_expect_success 'joiner: nothing 15 days before the first day (create_before 14)' '
	expect_ops 100075 2026-01-05
'

test_expect_success 'joiner: created disabled 14 days before the first day, with a note' '
	expect_ops 100075 2026-01-06 create &&
	action_of 100075 2026-01-06 create &&
	jq_is action.json ".enabled" false &&
	jq_is action.json ".account" 1 &&
	jq_is action.json ".target" directory &&
	jq_is action.json ".reasons[0].rule" "everyone employed gets an account" &&
	jq_is action.json ".reasons[0].contract" C000086 &&
	jq_is action.json ".reasons[0].from" 2026-01-20 &&
	jq_is action.json ".reasons[0].until" null &&
	jq_is action.json "[.reasons[].note | select(.)] | join(\"|\")" \
		"created ahead of the first day 2026-01-20 (create_before 14); enabled on 2026-01-20"
'

test_expect_success 'joiner: still only the disabled create (no permissions before the contract runs)' '
	expect_ops 100075 2026-01-08 create &&
	action_of 100075 2026-01-08 create &&
	jq_is action.json ".enabled" false &&
	plan --at 2026-01-08 --person 100075 >out &&
	test_must_contain out "create   100075     Koen Schäfer (disabled)" &&
	test_must_contain out "because created ahead of the first day 2026-01-20 (create_before 14); enabled on 2026-01-20"
'

test_expect_success 'joiner: on the first day created enabled, with the groups of the contract' '
	expect_ops 100075 2026-01-20 create grant:all-staff grant:dept-zorg &&
	action_of 100075 2026-01-20 create &&
	jq_is action.json ".enabled" true &&
	jq_is action.json "[.reasons[] | select(.note)] | length" 0 &&
	jq_is action.json ".attributes.employeeNumber" 100075 &&
	jq_is action.json ".attributes.uid" koen.schafer &&
	jq_is action.json ".attributes.displayName" "Koen Schäfer" &&
	jq_is action.json ".attributes.mail" koen.schafer@example.org &&
	jq_is action.json ".attributes.departmentNumber" ZORG &&
	jq_is action.json ".attributes.title" "Verzorgende IG" &&
	jq_is action.json ".attributes.manager" linda.vermeulen &&
	action_of 100075 2026-01-20 grant dept-zorg &&
	jq_is action.json ".reasons[0].rule" "department group" &&
	jq_is action.json ".reasons[0].contract" C000086
'

test_expect_success 'the lua description reads the contract title (issue: given_name (title.name))' '
	action_of 100075 2026-01-20 create &&
	jq_is action.json ".attributes.description" "Koen (Verzorgende IG)" &&
	action_of 100001 2026-01-05 create &&
	jq_is action.json ".attributes.description" "Rob (Directeur)"
'

# --- a leaver: Gülşen Mulder (100063), last day 2025-10-31 ---

test_expect_success 'leaver: on the last day the account is due, until 2025-10-31' '
	expect_ops 100063 2025-10-31 create grant:all-staff grant:dept-ctrl &&
	action_of 100063 2025-10-31 create &&
	jq_is action.json ".enabled" true &&
	jq_is action.json ".reasons[0].until" 2025-10-31
'

test_expect_success 'leaver: no account known, contract ended: nothing, the day after and later' '
	expect_ops 100063 2025-11-01 &&
	expect_ops 100063 2026-01-05 &&
	plan --at 2026-01-05 --person 100063 --json >p.json &&
	jq_is p.json ".actions | length" 0
'

# --- project assignments ---

test_expect_success 'project: prj-<value lowercased> on days inside the assignment' '
	for day in 2025-05-24 2026-01-05 2026-03-31
	do
		action_of 100296 $day grant prj-datacenter2026 &&
		jq_is action.json ".reasons | length" 1 &&
		jq_is action.json ".reasons[0].rule" "project members" &&
		jq_is action.json ".reasons[0].assignment.kind" project &&
		jq_is action.json ".reasons[0].assignment.value" Datacenter2026 &&
		jq_is action.json ".reasons[0].from" 2025-05-24 &&
		jq_is action.json ".reasons[0].until" 2026-03-31 || return 1
	done
'

test_expect_success 'project: none the day before it starts and the day after it ends, the account stays' '
	expect_ops 100296 2025-05-23 create grant:all-staff grant:dept-ond &&
	expect_ops 100296 2026-04-01 create grant:all-staff grant:dept-ond
'

test_expect_success 'project: a value with capitals and a hyphen, and its end' '
	action_of 100009 2025-06-01 grant prj-nieuwbouw-zwolle &&
	jq_is action.json ".reasons[0].assignment.value" Nieuwbouw-Zwolle &&
	action_of 100009 2025-11-30 grant prj-nieuwbouw-zwolle &&
	ops_of 100009 2025-12-01 >actual &&
	test_must_not_contain actual prj-
'

test_expect_success 'project: the grant waits for the account, then comes with the early create' '
	# 100113: external until 2025-11-30 (no account), employee from 2025-12-24,
	# project EPD-migratie from 2025-12-04
	expect_ops 100113 2025-12-09 &&
	expect_ops 100113 2025-12-10 create grant:prj-epd-migratie &&
	action_of 100113 2025-12-10 create &&
	jq_is action.json ".enabled" false &&
	expect_ops 100113 2025-12-24 create grant:all-staff grant:dept-ond grant:prj-epd-migratie
'

# --- a temporary replacement: 100283 replaces 100010 (Manager zorg) ---

test_expect_success 'replacement: the delegable "managers" of the replaced person while it runs' '
	for day in 2025-11-06 2026-01-05 2026-03-26
	do
		action_of 100283 $day grant managers &&
		jq_is action.json ".reasons | length" 1 &&
		jq_is action.json ".reasons[0].rule" managers &&
		jq_is action.json ".reasons[0].inherited_from" 100010 &&
		jq_is action.json ".reasons[0].via_rule" "temporary replacement" &&
		jq_is action.json ".reasons[0].contract" C000010 &&
		jq_is action.json ".reasons[0].from" 2025-11-06 &&
		jq_is action.json ".reasons[0].until" 2026-03-26 || return 1
	done
'

test_expect_success 'replacement: not the day before it starts, not the day after it ends' '
	expect_ops 100283 2025-11-05 create grant:all-staff grant:dept-zorg &&
	expect_ops 100283 2026-03-27 create grant:all-staff grant:dept-zorg
'

test_expect_success 'replacement: only the delegable grants are inherited; the replaced keeps theirs' '
	plan_at 2026-01-05 &&
	jq_is plan-2026-01-05.json "[.actions[] | select(.employee_id == \"100283\") | .reasons[] |
		select(.inherited_from)] | map(.rule) | join(\",\")" managers &&
	action_of 100010 2026-01-05 grant managers &&
	jq_is action.json ".reasons[0].inherited_from" null &&
	plan --at 2026-01-05 --person 100283 >out &&
	test_must_contain out "because rule \"managers\" of 100010, inherited through rule \"temporary replacement\", contract C000010, 2025-11-06 – 2026-03-26"
'

# --- the plan as a whole ---

test_expect_success 'the same input twice: byte-identical JSON; -o FILE holds the same bytes' '
	plan --at 2026-01-05 --json >one.json &&
	plan --at 2026-01-05 --json >two.json &&
	cmp one.json two.json &&
	plan --at 2026-01-05 -o three.json >summary &&
	cmp one.json three.json &&
	plan --at 2026-01-05 --json -o four.json >five.json &&
	cmp one.json four.json &&
	cmp one.json five.json &&
	plan --at 2026-03-27 --json >six.json &&
	plan --at 2026-03-27 --json >seven.json &&
	cmp six.json seven.json &&
	! cmp -s one.json six.json &&
	plan --at 2026-01-05 >text1 &&
	plan --at 2026-01-05 >text2 &&
	cmp text1 text2
'

test_expect_success '-o prints the summary only' '
	plan --at 2026-01-05 -o p.json >out &&
	n=$(jq ".actions | length" p.json) &&
	test "$(sed -n 1p out)" = "plan for 2026-01-05: $n actions, 300 persons evaluated" &&
	test "$(wc -l <out)" = 2 &&
	test_must_contain out "  directory: " &&
	test_must_not_contain out "create   " &&
	test_must_not_contain out "because" &&
	sed -n 2p out | sed "s/^  directory: //" | tr , "\n" | sed "s/^ //" | sort >actual &&
	jq -r ".summary.directory | to_entries[] | \"\\(.value) \\(.key)\"" p.json | sort >expect &&
	test_cmp expect actual
'

test_expect_success 'the summary counts the actions per target and op, on several dates' '
	for day in 2025-06-01 2025-12-10 2026-01-05 2026-03-27
	do
		plan_at $day &&
		summary_ok plan-$day.json &&
		jq -e ".at == \"$day\"" plan-$day.json >/dev/null &&
		n=$(jq ".actions | length" plan-$day.json) &&
		test "$n" -gt 0 &&
		plan --at $day >text &&
		test "$(sed -n 1p text)" = "plan for $day: $n actions, 300 persons evaluated" || return 1
	done &&
	plan_at 2026-01-05 &&
	jq_is plan-2026-01-05.json "[.actions[] | select(.op != \"create\" and .op != \"grant\")] | length" 0 &&
	jq_is plan-2026-01-05.json ".summary.directory.create" \
		"$(jq "[.actions[] | select(.op == \"create\")] | length" plan-2026-01-05.json)"
'

test_expect_success 'every action has a target, an employee_id, an op and reasons' '
	plan_at 2026-01-05 &&
	jq -e "all(.actions[]; .target == \"directory\" and (.employee_id | length) > 0 and
		(.reasons | length) > 0 and (.op != \"grant\" or (.permission | length) > 0) and
		(.op != \"create\" or (.attributes | type) == \"object\"))" plan-2026-01-05.json >/dev/null
'

test_expect_success '--target directory: the one target, the same plan' '
	plan --at 2026-01-05 --target directory --json >t.json &&
	plan_at 2026-01-05 &&
	cmp plan-2026-01-05.json t.json
'

test_expect_success '--person ID: only that person, the same kinds of action as the whole plan' '
	for id in 100283 100075 100296 100113
	do
		plan --at 2026-01-05 --person $id --json >p.json &&
		jq_is p.json "all(.actions[]; .employee_id == \"$id\")" true &&
		jq -r ".actions[] | .op + (if .permission then \":\" + .permission else \"\" end)" p.json >actual &&
		ops_of $id 2026-01-05 >expect &&
		test_cmp expect actual &&
		summary_ok p.json || return 1
	done &&
	plan --at 2026-01-05 --person 100283 >out &&
	test_must_contain out "plan for 2026-01-05: 4 actions, 1 person evaluated"
'

test_expect_success '--target nosuch: refused (exit 2), naming the target' '
	test_expect_code 2 plan --at 2026-01-05 --target nosuch >out 2>err &&
	test_must_contain err "\"nosuch\"" &&
	test ! -s out
'

test_expect_success '--at notadate and a day that does not exist: refused (exit 2)' '
	test_expect_code 2 plan --at notadate >out 2>err &&
	test_must_contain err "\"notadate\" is not a date" &&
	test ! -s out &&
	test_expect_code 2 plan --at 2026-02-30 2>err &&
	test_must_contain err "\"2026-02-30\" is not a date"
'

test_expect_success '--person of someone the vault does not know: refused (exit 2)' '
	test_expect_code 2 plan --at 2026-01-05 --person 999999 2>err &&
	test_must_contain err "\"999999\""
'

test_expect_success '-o of a failed plan leaves no file' '
	test_expect_code 2 plan --at notadate -o bad.json 2>err &&
	test ! -e bad.json
'

# --- roster person ID --explain ---

test_expect_success 'explain: rules, contract and assignment behind each entitlement, with dates' '
	roster -c org/roster.yaml person 100296 --explain --at 2026-01-05 >out &&
	test_must_contain out "100296  Lieke Bouzid, on 2026-01-05" &&
	grep "^  directory  (account) *in force  rule \"everyone employed gets an account\", contract C000352, 2025-05-01 – 2026-04-30\$" out &&
	grep "^  directory  dept-ond *in force  rule \"department group\", contract C000352, 2025-05-01 – 2026-04-30\$" out &&
	grep "^  directory  prj-datacenter2026 *in force  rule \"project members\", assignment project Datacenter2026, 2025-05-24 – 2026-03-31\$" out
'

test_expect_success 'explain: the window with its create, enable, disable and delete days' '
	roster -c org/roster.yaml person 100296 --explain --at 2026-01-05 >out &&
	test_must_contain out "directory: account enabled (roster knows no account)" &&
	test_must_contain out "window 2025-05-01 – 2026-04-30: created 2025-04-17, enabled 2025-05-01, disabled 2026-05-01, deleted 2026-07-30"
'

test_expect_success 'explain: every attribute with the mapping behind it; uid: unique, candidate' '
	roster -c org/roster.yaml person 100075 --explain --at 2026-01-08 >out &&
	test_must_contain out "directory: account disabled (roster knows no account)" &&
	test_must_contain out "window 2026-01-20 – open: created 2026-01-06, enabled 2026-01-20, disabled never, deleted never" &&
	grep "^  directory  (account) *upcoming  rule \"everyone employed gets an account\", contract C000086, 2026-01-20 – open\$" out &&
	grep -A1 "^  uid  *koen.schafer\$" out >uid &&
	test_must_contain uid "from unique, candidate 1 of 2: {given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}" &&
	grep -A1 "^  mail  *koen.schafer@example.org\$" out >mail &&
	test_must_contain mail "from template {account.uid}@example.org" &&
	grep -A1 "^  displayName  *Koen Schäfer\$" out >dn &&
	test_must_contain dn "from template {display_name}"
'

test_expect_success 'explain: an ended contract, and an inherited grant' '
	roster -c org/roster.yaml person 100063 --explain --at 2026-01-05 >out &&
	grep "^  directory  (account) *ended  *rule \"everyone employed gets an account\", contract C000070, 2007-11-01 – 2025-10-31\$" out &&
	test_must_contain out "disabled 2025-11-01, deleted 2026-01-30" &&
	roster -c org/roster.yaml person 100283 --explain --at 2026-01-05 >out &&
	grep "^  directory  managers *in force  rule \"managers\" of 100010, inherited through rule \"temporary replacement\", contract C000010, 2025-11-06 – 2026-03-26\$" out
'

test_expect_success 'explain --json: entitlements with their reasons, the window, the mappings' '
	roster -c org/roster.yaml person 100296 --explain --at 2026-01-05 --json >e.json &&
	jq_is e.json ".employee_id" 100296 &&
	jq_is e.json ".at" 2026-01-05 &&
	jq_is e.json "all(.entitlements[]; (.reason.rule | length) > 0)" true &&
	jq_is e.json "[.entitlements[].reason.rule] | join(\",\")" \
		"everyone employed gets an account,everyone employed gets an account,department group,project members" &&
	jq_is e.json ".entitlements[] | select(.permission == \"prj-datacenter2026\") |
		[.status, .reason.assignment.kind, .reason.assignment.value, .reason.from, .reason.until] | join(\" \")" \
		"in force project Datacenter2026 2025-05-24 2026-03-31" &&
	jq_is e.json ".entitlements[] | select(.account) | .reason.contract" C000352 &&
	jq_is e.json ".targets.directory.window | [.start, .end, .create, .enable, .disable, .delete] | join(\" \")" \
		"2025-05-01 2026-04-30 2025-04-17 2025-05-01 2026-05-01 2026-07-30" &&
	jq_is e.json ".targets.directory.attributes.uid.mapping | startswith(\"unique, candidate 1 of 2: \")" true &&
	roster -c org/roster.yaml person 100283 --explain --at 2026-01-05 --json >e.json &&
	jq_is e.json ".entitlements[] | select(.permission == \"managers\") |
		[.reason.rule, .reason.inherited_from, .reason.via_rule] | join(\"|\")" \
		"managers|100010|temporary replacement"
'

test_expect_success '{window.start} and {window.end}: the account'"'"'s window, the end empty while open' '
	mkdir -p win &&
	sed "s|      employeeNumber: \"{employee_id}\"|&\n      lastDay: \"{window.end}\"\n      firstDay: \"{window.start}\"|" \
		org/roster.yaml >win/roster.yaml &&
	test_must_contain win/roster.yaml "lastDay: \"{window.end}\"" &&
	sed -i "s|^vault: .*|vault: ../org/var/roster.db|" win/roster.yaml &&
	roster -c win/roster.yaml plan --at 2026-01-05 --person 100043 --json >w.json &&
	jq_is w.json ".actions[] | select(.op == \"create\") | .attributes.lastDay" 2026-01-31 &&
	jq_is w.json ".actions[] | select(.op == \"create\") | .attributes.firstDay" 2025-02-01 &&
	roster -c win/roster.yaml plan --at 2026-01-05 --person 100002 --json >w.json &&
	jq_is w.json ".actions[] | select(.op == \"create\") | .attributes.lastDay" "" &&
	sed "s|{window.end}|{window.ending}|" win/roster.yaml >win/bad.yaml &&
	test_expect_code 2 roster -c win/bad.yaml check >out 2>err &&
	test_must_contain err "unknown field \"window.ending\" (did you mean \"window.end\"?)"
'

# A plan written to a device must write into it, never replace it with a file.
test_expect_success '-o /dev/null: still a character device afterwards' '
	# as root, first on a device node of our own, so that a plan that
	# renames over its output cannot take the real /dev/null with it
	if mknod null c 1 3 2>/dev/null
	then
		plan --at 2026-01-05 -o null >out &&
		test -c null &&
		test_must_contain out "plan for 2026-01-05: "
	fi &&
	test -c /dev/null &&
	plan --at 2026-01-05 -o /dev/null >out &&
	test -c /dev/null &&
	test_must_contain out "plan for 2026-01-05: "
'

test_done
