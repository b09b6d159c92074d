#!/bin/sh
# roster plan against what roster knows of the targets: the accounts and
# memberships in the vault (seeded here with sqlite3, as the apply stage would
# leave them) over the example organisation. Disable, delete, enable (a
# rehire before the deletion), a new account after the deletion, update with
# old and new values, revoke; the same input gives the same bytes.
. "$(dirname "$0")/lib.sh"
. "$TEST_DIR/plan-lib.sh"

VAULT=org/var/roster.db

# attrs_of ID DATE: the attributes of ID's create in the plan on DATE (as
# computed before anything was seeded), keys sorted, in attrs-ID.json.
attrs_of() {
	jq -cS --arg id "$1" '.actions[] | select(.employee_id == $id and .op == "create") | .attributes' \
		"base-$2.json" >"attrs-$1.json" &&
	test -s "attrs-$1.json"
}

# sql_date DATE|NULL: the SQL literal.
sql_date() {
	if test "$1" = NULL
	then
		echo NULL
	else
		echo "'$1'"
	fi
}

# seed_account ID SEQ STATUS ATTRS_FILE CREATED DISABLED DELETED: an account
# on target directory as the apply stage stores it (dates YYYY-MM-DD or NULL).
seed_account() {
	attrs=$(jq -cS . "$4" | sed "s/'/''/g") &&
	sqlite3 "$VAULT" "INSERT INTO accounts (target, employee_id, seq, status, attributes, created, disabled, deleted)
		VALUES ('directory', '$1', $2, '$3', '$attrs', $(sql_date "$5"), $(sql_date "$6"), $(sql_date "$7"))"
}

# seed_memberships ID PERMISSION...: groups roster granted ID on directory.
seed_memberships() {
	id=$1 &&
	shift &&
	for perm in "$@"
	do
		sqlite3 "$VAULT" "INSERT INTO memberships (target, employee_id, permission)
			VALUES ('directory', '$id', '$perm')" || return 1
	done
}

test_expect_success 'setup: the example organisation, imported; the plans before anything is known' '
	roster init org >/dev/null &&
	test_must_contain org/hr/persons.csv "100001;Rob;R.W.W.;;Meijer;" &&
	test_must_contain org/hr/contracts.csv "C000003;100003;01-11-2017;;FIN;Financiën;F021;Financieel manager;2100;Utrecht;1,0;employee;100001" &&
	test_must_contain org/hr/contracts.csv "C000070;100063;01-11-2007;31-10-2025;CTRL;" &&
	test_must_contain org/hr/contracts.csv "C000233;100203;01-07-2010;16-07-2025;ICT;" &&
	test_must_contain org/hr/persons.csv "100123;Wouter;W.W.;van den;Broek;;;B;" &&
	test_must_contain org/hr/contracts.csv "C000141;100123;01-03-2019;31-12-2020;" &&
	test_must_contain org/hr/contracts.csv "C000142;100123;01-04-2021;;VGZ;" &&
	test_must_contain org/hr/contracts.csv "C000163;100143;01-08-2025;30-11-2025;FIN;Financiën;F901;Stagiair;" &&
	test_must_contain org/hr/contracts.csv "C000164;100143;20-12-2025;;COM;Communicatie;F063;Webredacteur;" &&
	test_must_contain org/hr/contracts.csv "C000290;100247;01-06-2016;09-01-2026;FIN;" &&
	test_must_contain org/hr/contracts.csv "C000291;100247;12-01-2026;;FIN;" &&
	test_must_contain org/hr/persons.csv "100075;Koen;K.;;Schäfer;" &&
	test_must_contain org/hr/contracts.csv "C000086;100075;20-01-2026;;" &&
	test_must_contain org/hr/assignments.csv "100009;project;Nieuwbouw-Zwolle;13-02-2025;30-11-2025" &&
	test_must_contain org/hr/assignments.csv "100283;replaces;100010;06-11-2025;26-03-2026" &&
	roster -c org/roster.yaml import --at 2026-01-05 >out 2>err &&
	test_must_contain out "300 persons, 356 contracts, 53 assignments" &&
	sqlite3 "$VAULT" .schema >schema &&
	test_must_contain schema "CREATE TABLE accounts (" &&
	test_must_contain schema "CREATE TABLE memberships (" &&
	test "$(sqlite3 "$VAULT" "SELECT count(*) FROM accounts")" = 0 &&
	for day in 2025-07-16 2025-10-31 2025-11-30 2026-01-05 2026-01-09
	do
		plan --at $day --json >base-$day.json || return 1
	done &&
	jq -e "all(.actions[]; .op == \"create\" or .op == \"grant\")" base-2026-01-05.json >/dev/null
'

test_expect_success 'setup: accounts and memberships roster knows' '
	# Rob Meijer (100001): enabled, an old displayName, a uid other than
	# what the template now gives, a group no rule grants
	attrs_of 100001 2026-01-05 &&
	jq -cS ".displayName = \"Rob Meyer\" | .uid = \"rmeijer\" | .mail = \"rmeijer@example.org\"" \
		attrs-100001.json >a.json &&
	seed_account 100001 1 enabled a.json 2019-08-18 NULL NULL &&
	seed_memberships 100001 all-staff dept-dir managers prj-old &&
	# Gülşen Mulder (100063): her contract ended 2025-10-31; still enabled
	attrs_of 100063 2025-10-31 &&
	seed_account 100063 1 enabled attrs-100063.json 2007-10-18 NULL NULL &&
	seed_memberships 100063 all-staff dept-ctrl &&
	# Jesse Peters (100203): left 2025-07-16, disabled the day after
	attrs_of 100203 2025-07-16 &&
	seed_account 100203 1 disabled attrs-100203.json 2010-06-17 2025-07-17 NULL &&
	# Wouter van den Broek (100123): intern until 2020-12-31, his account
	# deleted before he came back on 2021-04-01
	echo "{\"uid\": \"wouter.vandenbroek\", \"mail\": \"wouter.vandenbroek@example.org\", \"employeeNumber\": \"100123\"}" >a.json &&
	seed_account 100123 1 deleted a.json 2019-02-15 2021-01-01 2021-03-31 &&
	# Saskia Smits (100143): intern in FIN until 2025-11-30, disabled
	# 2025-12-01; back in COM from 2025-12-20, before the deletion
	attrs_of 100143 2025-11-30 &&
	seed_account 100143 1 disabled attrs-100143.json 2025-07-18 2025-12-01 NULL &&
	# Saskia Willems (100009): in project Nieuwbouw-Zwolle until 2025-11-30
	attrs_of 100009 2026-01-05 &&
	seed_account 100009 1 enabled attrs-100009.json 2014-01-18 NULL NULL &&
	seed_memberships 100009 all-staff dept-vgz managers prj-nieuwbouw-zwolle &&
	# Noor Vermeulen (100283): replaces 100010 until 2026-03-26
	attrs_of 100283 2026-01-05 &&
	seed_account 100283 1 enabled attrs-100283.json 2023-09-17 NULL NULL &&
	seed_memberships 100283 all-staff dept-zorg managers &&
	# 100247: one contract ends on Friday 2026-01-09, the next starts Monday
	attrs_of 100247 2026-01-09 &&
	seed_account 100247 1 enabled attrs-100247.json 2016-05-18 NULL NULL &&
	seed_memberships 100247 all-staff dept-fin &&
	# someone long gone from the HR export whose deleted account held the
	# uid the joiner Koen Schäfer (100075) would get
	echo "{\"uid\": \"koen.schafer\", \"mail\": \"koen.schafer@example.org\"}" >a.json &&
	seed_account 099001 1 deleted a.json 2001-01-01 2003-01-01 2003-04-01 &&
	test "$(sqlite3 "$VAULT" "SELECT count(*) FROM accounts")" = 9 &&
	forget_plans
'

test_expect_success 'in sync: a known account with its groups gives no action' '
	expect_ops 100283 2026-01-05 &&
	expect_ops 100283 2025-11-06 &&
	expect_ops 100063 2025-10-31
'

test_expect_success 'update: a changed displayName, with the old and the new value' '
	action_of 100001 2026-01-05 update &&
	jq_is action.json ".account" 1 &&
	jq_is action.json ".changes | keys | join(\",\")" displayName &&
	jq_is action.json ".changes.displayName.old" "Rob Meyer" &&
	jq_is action.json ".changes.displayName.new" "Rob Meijer" &&
	jq_is action.json ".reasons[0].rule" "everyone employed gets an account" &&
	jq_is action.json ".reasons[0].contract" C000001
'

test_expect_success 'update: false keeps the known uid; mail is built from it; others refer to it' '
	jq_is action.json ".changes.uid" null &&
	jq_is action.json ".changes.mail" null &&
	action_of 100003 2026-01-05 create &&
	jq_is action.json ".attributes.manager" rmeijer
'

test_expect_success 'ref: reads the uid of the manager'"'"'s known account; a change is an update' '
	expect_ops 100009 2025-11-30 update &&
	action_of 100009 2025-11-30 update &&
	jq_is action.json ".changes | keys | join(\",\")" manager &&
	jq_is action.json ".changes.manager | [.old, .new] | join(\" \")" "rob.meijer rmeijer"
'

test_expect_success 'revoke: a known group no rule grants, with a note' '
	expect_ops 100001 2026-01-05 update revoke:prj-old &&
	action_of 100001 2026-01-05 revoke prj-old &&
	jq_is action.json ".account" 1 &&
	jq_is action.json "[.reasons[].note | select(.)] | length" 1
'

test_expect_success 'revoke: a project group the day after the assignment ends, with the grant that ended' '
	expect_ops 100009 2025-12-01 update revoke:prj-nieuwbouw-zwolle &&
	action_of 100009 2025-12-01 revoke prj-nieuwbouw-zwolle &&
	jq_is action.json ".reasons[0].rule" "project members" &&
	jq_is action.json ".reasons[0].assignment.value" Nieuwbouw-Zwolle &&
	jq_is action.json ".reasons[0].until" 2025-11-30
'

test_expect_success 'revoke: the inherited group the day after the replacement ends' '
	expect_ops 100283 2026-03-26 &&
	expect_ops 100283 2026-03-27 revoke:managers &&
	action_of 100283 2026-03-27 revoke managers &&
	jq_is action.json ".reasons[0].inherited_from" 100010 &&
	jq_is action.json ".reasons[0].via_rule" "temporary replacement" &&
	jq_is action.json ".reasons[0].until" 2026-03-26
'

test_expect_success 'disable: a known enabled account the day after the last day, with a note' '
	action_of 100063 2025-11-01 disable &&
	jq_is action.json ".account" 1 &&
	jq_is action.json "[.reasons[].note | select(.)] | join(\"|\")" \
		"the last day was 2025-10-31; disabled 0 day(s) after it, on 2025-11-01" &&
	jq_is action.json "[.reasons[].contract | select(.)] | join(\",\")" C000070 &&
	ops_of 100063 2025-11-01 >actual &&
	test_must_contain actual revoke:all-staff &&
	test_must_contain actual revoke:dept-ctrl &&
	test_must_not_contain actual create &&
	test_must_not_contain actual delete
'

test_expect_success 'disable: still due later for an account left enabled' '
	ops_of 100063 2026-01-05 >actual &&
	test_must_contain actual disable &&
	test_must_not_contain actual create
'

test_expect_success 'delete: a disabled account delete_after (90) days after it was disabled' '
	expect_ops 100203 2025-10-14 &&
	expect_ops 100203 2025-10-15 delete &&
	action_of 100203 2025-10-15 delete &&
	jq_is action.json ".account" 1 &&
	jq_is action.json "[.reasons[].note | select(.)] | join(\"|\")" \
		"disabled on 2025-07-17; deleted 90 day(s) later, on 2025-10-15" &&
	expect_ops 100203 2026-01-05 delete
'

test_expect_success 'rehire before the deletion: the same account enabled on the new first day' '
	# in the gap the upcoming contract is the primary one: its values, no enable
	expect_ops 100143 2025-12-10 update &&
	expect_ops 100143 2025-12-19 update &&
	ops_of 100143 2025-12-20 >actual &&
	test_must_contain actual enable &&
	expect_ops 100143 2026-01-05 enable update grant:all-staff grant:dept-com &&
	action_of 100143 2026-01-05 enable &&
	jq_is action.json ".account" 1 &&
	jq_is action.json ".reasons[0].contract" C000164 &&
	action_of 100143 2026-01-05 update &&
	jq_is action.json ".changes.departmentNumber | [.old, .new] | join(\" \")" "FIN COM" &&
	jq_is action.json ".changes.title | [.old, .new] | join(\" \")" "Stagiair Webredacteur" &&
	jq_is action.json ".changes.uid" null &&
	action_of 100143 2026-01-05 grant dept-com &&
	jq_is action.json ".account" 1
'

test_expect_success 'rehire after the deletion: account 2, with a uid and mail never used before' '
	expect_ops 100123 2026-01-05 create grant:all-staff grant:dept-vgz &&
	action_of 100123 2026-01-05 create &&
	jq_is action.json ".account" 2 &&
	jq_is action.json ".enabled" true &&
	uid=$(jq -r .attributes.uid action.json) &&
	test -n "$uid" &&
	test "$uid" != wouter.vandenbroek &&
	test "$uid" = wvandenbroek &&
	jq_is action.json ".attributes.mail" wvandenbroek@example.org &&
	action_of 100123 2026-01-05 grant all-staff &&
	jq_is action.json ".account" 2
'

test_expect_success 'unique: a value held by a deleted account of someone else is not given again' '
	action_of 100075 2026-01-20 create &&
	jq_is action.json ".account" 1 &&
	jq_is action.json ".attributes.uid" kschafer &&
	jq_is action.json ".attributes.mail" kschafer@example.org
'

test_expect_success 'bridge_gap: no disable between a Friday and the Monday after' '
	expect_ops 100247 2026-01-09 &&
	for day in 2026-01-10 2026-01-11 2026-01-12
	do
		ops_of 100247 $day >actual &&
		test_must_not_contain actual disable &&
		test_must_not_contain actual enable &&
		test_must_not_contain actual delete &&
		test_must_not_contain actual create || return 1
	done &&
	action_of 100247 2026-01-12 update &&
	jq_is action.json ".changes.title.new" Salarisadministrateur
'

test_expect_success 'bridge_gap: the groups stay over the gap too (no revoke on Saturday, grant on Monday)' '
	for day in 2026-01-10 2026-01-11
	do
		ops_of 100247 $day >actual &&
		test_must_not_contain actual revoke &&
		test_must_not_contain actual grant || return 1
	done
'

test_expect_success 'an enabled account past its delete day is disabled first, never deleted at once' '
	# 100063 left on 2025-10-31: the lifecycle deletes on 2026-01-30, but
	# roster never disabled the account
	expect_ops 100063 2026-01-30 revoke:all-staff revoke:dept-ctrl disable &&
	action_of 100063 2026-01-30 disable &&
	jq_is action.json "[.reasons[].note | select(.)] | join(\"|\")" \
		"the last day was 2025-10-31; disabled 0 day(s) after it, on 2025-11-01"
'

test_expect_success 'delete counts from the day roster disabled the account when that is later' '
	# 100109 left on 2025-08-31 (lifecycle: disabled 2025-09-01, deleted
	# 2025-11-30), but roster disabled the account only on 2025-09-10
	test_must_contain org/hr/contracts.csv ";100109;" &&
	attrs_of 100109 2025-07-16 &&
	seed_account 100109 1 disabled attrs-100109.json 2015-01-01 2025-09-10 NULL &&
	forget_plans &&
	expect_ops 100109 2025-11-30 &&
	expect_ops 100109 2025-12-08 &&
	expect_ops 100109 2025-12-09 delete &&
	action_of 100109 2025-12-09 delete &&
	jq_is action.json "[.reasons[].note | select(.)] | join(\"|\")" \
		"disabled on 2025-09-10; deleted 90 day(s) later, on 2025-12-09"
'

test_expect_success 'the summary counts every kind of action' '
	for day in 2025-11-01 2025-12-01 2026-01-05 2026-03-27
	do
		plan_at $day &&
		summary_ok plan-$day.json || return 1
	done &&
	jq_is plan-2026-01-05.json "[.summary.directory | keys[]] | sort | join(\",\")" \
		"create,delete,disable,enable,grant,revoke,update"
'

test_expect_success 'the same vault twice: byte-identical JSON, also through -o' '
	plan --at 2026-01-05 --json >one.json &&
	plan --at 2026-01-05 --json >two.json &&
	cmp one.json two.json &&
	plan --at 2026-01-05 -o three.json >out &&
	cmp one.json three.json &&
	test "$(wc -l <out)" = 2
'

test_expect_success 'the order of ops within a target is fixed' '
	plan_at 2026-01-05 &&
	jq -r "[.actions[].op] | reduce .[] as \$o ([]; if .[-1] == \$o then . else . + [\$o] end) | join(\",\")" \
		plan-2026-01-05.json >actual &&
	echo "create,enable,update,grant,revoke,disable,delete" >expect &&
	test_cmp expect actual
'

# docs/plan.md: with --person, ref: reads the stored account of the other
# person, not their planned one, so updates may differ; the rest may not.
test_expect_success '--person ID with known state: the same actions as the whole plan' '
	for id in 100001 100063 100143 100123 100203 100009 100283
	do
		plan --at 2026-01-05 --person $id --json >p.json &&
		jq -r ".actions[] | select(.op != \"update\") |
			.op + (if .permission then \":\" + .permission else \"\" end)" p.json >actual &&
		ops_of $id 2026-01-05 >all &&
		{ grep -v "^update\$" all >expect || :; } &&
		test_cmp expect actual &&
		summary_ok p.json || return 1
	done &&
	# Rob Meijer has no manager: his update is the same either way
	plan --at 2026-01-05 --person 100001 --json >p.json &&
	action_of 100001 2026-01-05 update &&
	jq -c .changes action.json >expect &&
	jq -c ".actions[] | select(.op == \"update\") | .changes" p.json >actual &&
	test_cmp expect actual
'

test_expect_success 'explain shows what roster knows of the account' '
	roster -c org/roster.yaml person 100143 --explain --at 2026-01-05 >out &&
	test_must_contain out "directory: account enabled (roster knows account 1, disabled)" &&
	test_must_contain out "window 2025-12-20 – open: created 2025-12-06, enabled 2025-12-20, disabled never, deleted never" &&
	grep -A1 "^  uid  *saskia.smits\$" out >uid &&
	test_must_contain uid "from kept as made (update: false)" &&
	roster -c org/roster.yaml person 100143 --explain --at 2026-01-05 --json >e.json &&
	jq_is e.json ".targets.directory.state" enabled &&
	jq_is e.json ".targets.directory.known | [.account, .status] | join(\" \")" "1 disabled" &&
	jq_is e.json "all(.entitlements[]; (.reason.rule | length) > 0)" true
'

test_done
