#!/bin/sh
# targets: and rules: in roster.yaml: the keys of the rules-and-plan issue are
# read, and every mistake is named with file:line:column.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: the example with the targets and rules of the issue' '
	roster init org >/dev/null &&
	sed -i "/^# Where accounts live/,\$d" org/roster.yaml &&
	cat >>org/roster.yaml <<-\EOF
	targets:
	  - name: directory
	    connector: csv
	    correlate: {attribute: employeeNumber, field: employee_id}
	    lifecycle: {create_before: 14, enable_before: 0, disable_after: 0, delete_after: 90, bridge_gap: 7}
	    attributes:
	      employeeNumber: "{employee_id}"
	      uid:
	        unique: ["{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}",
	                 "{given_name|first:1|ascii|lower}{family_name_full|ascii|alnum|lower}"]
	        iterate: "{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}{n}"
	        update: false
	      displayName: "{display_name}"
	      mail: {template: "{account.uid}@example.org", update: true}
	      departmentNumber: "{contract.department.code}"
	      manager: {ref: manager, attribute: dn}
	      description: {lua: "return person.given_name"}
	rules:
	  - name: everyone employed gets an account
	    when: '"'"'contract.type != "external"'"'"'
	    grant: [{target: directory, account: true}, {target: directory, group: "all-staff"}]
	  - name: department group
	    grant: [{target: directory, group: "dept-{contract.department.code|lower}"}]
	  - name: finance managers
	    when: '"'"'contract.department.code in ["FIN", "CTRL"] and contract.title.name contains "manager"'"'"'
	    grant: [{target: directory, group: "finance-approvers"}]
	    delegable: true
	  - name: project members
	    for: assignment project
	    when: '"'"'assignment.value != ""'"'"'
	    grant: [{target: directory, group: "prj-{assignment.value|lower}"}]
	  - name: temporary replacement
	    for: assignment replaces
	    inherit: delegable
	EOF
'

test_expect_success 'the example of the issue is a valid configuration' '
	roster -c org/roster.yaml check >out &&
	test_must_contain out "ok (1 source, 1 target, 5 rules"
'

# bad SED MESSAGE: applies SED to a copy and expects MESSAGE from check.
bad() {
	sed "$1" org/roster.yaml >org/bad.yaml &&
	test_expect_code 2 roster -c org/bad.yaml check --config-only 2>err &&
	test_must_contain err "$2"
}

test_expect_success 'a grant on an unknown target is named, with a suggestion' '
	bad "s/target: directory, group: \"finance/target: directoy, group: \"finance/" \
		"rule \"finance managers\": target \"directoy\" is not defined under targets: (did you mean \"directory\"?)"
'

test_expect_success 'an unknown connector is named' '
	bad "s/connector: csv/connector: cvs/" "connector: \"cvs\" is not a connector (did you mean \"csv\"?"
'

test_expect_success 'ref needs the attribute of the other account' '
	bad "s/manager: {ref: manager, attribute: dn}/manager: {ref: manager}/" \
		"attribute \"manager\": ref needs attribute:"
'

test_expect_success 'a lifecycle value must be a number of days' '
	bad "s/bridge_gap: 7}/bridge_gap: seven}/" "lifecycle.bridge_gap: \"seven\" is not a whole number from 0 to 36500"
'

test_expect_success 'an attribute takes one form only' '
	bad "s/mail: {template: \"{account.uid}@example.org\", update: true}/mail: {template: x, lua: y}/" \
		"attribute \"mail\": expected exactly one of template, unique, ref or lua, found 2"
'

test_expect_success 'iterate only goes with unique' '
	bad "s/mail: {template: \"{account.uid}@example.org\", update: true}/mail: {template: x, iterate: y}/" \
		"attribute \"mail\": iterate: only goes with unique:"
'

test_expect_success 'update must be true or false' '
	bad "s/        update: false/        update: never/" "update: \"never\" is not a boolean (expected true or false)"
'

test_expect_success 'a grant gives an account or a group, not both' '
	bad "s/{target: directory, group: \"finance-approvers\"}/{target: directory, account: true, group: x}/" \
		"a grant gives either account: true or a group:, not both"
'

test_expect_success 'for: names a kind of assignment' '
	bad "s/for: assignment project/for: project/" \
		"for: \"project\" is not a kind of record (expected \"assignment KIND\", such as assignment project)"
'

test_expect_success 'inherit needs for:' '
	bad "/for: assignment replaces/d" "inherit: needs for: assignment KIND"
'

test_expect_success 'two rules with one name are an error' '
	bad "s/name: department group/name: finance managers/" "rules: the name \"finance managers\" is used twice"
'

test_expect_success 'an unknown key in a rule is named with a suggestion' '
	bad "s/    delegable: true/    delegible: true/" "unknown key \"delegible\" in a rule (did you mean \"delegable\"?)"
'

test_expect_success 'a target guard limit is checked' '
	sed "s/^    connector: csv/    connector: csv\n    guard: {max_disable: 10%, max_delete: 25, max_revoke: lots}/" \
		org/roster.yaml >org/bad.yaml &&
	test_expect_code 2 roster -c org/bad.yaml check --config-only 2>err &&
	test_must_contain err "guard.max_revoke: \"lots\" is not a limit"
'

# caret SED: applies SED to a copy; check must fail and show the line and a caret.
caret() {
	sed "$1" org/roster.yaml >org/bad.yaml &&
	test_expect_code 2 roster -c org/bad.yaml check --config-only 2>err
}

test_expect_success 'a condition naming an unknown field: line, column, suggestion and a caret' '
	caret "s/contract.department.code in \[/contract.departement.code in [/" &&
	line=$(grep -n "contract.departement.code in" org/bad.yaml | cut -d: -f1) &&
	test_must_contain err "org/bad.yaml:$line:12: rule \"finance managers\": when: unknown field \"contract.departement.code\" (did you mean \"contract.department.code\"?)" &&
	sed -n "2p" err >src_line &&
	sed -n "3p" err >caret_line &&
	test_must_contain src_line "when: '"'"'contract.departement.code in" &&
	test "$(cat caret_line)" = "               ^"
'

test_expect_success 'a condition that does not parse: the operator is pointed at' '
	caret "s/assignment.value != \"\"/assignment.value = \"\"/" &&
	test_must_contain err "rule \"project members\": when: unknown operator \"=\" (did you mean \"==\"?)" &&
	test "$(sed -n 3p err)" = "                                ^"
'

test_expect_success 'a template with an unknown filter: suggestion and caret' '
	caret "s/\"{display_name}\"/\"{display_name|lowr}\"/" &&
	test_must_contain err "target \"directory\": attribute \"displayName\": unknown filter \"lowr\" (did you mean \"lower\"?)" &&
	test "$(sed -n 3p err)" = "                                      ^"
'

test_expect_success 'a template naming an attribute the target does not have' '
	caret "s/{account.uid}@example.org/{account.id}@example.org/" &&
	test_must_contain err "unknown field \"account.id\" (did you mean \"account.uid\"?)"
'

test_expect_success 'attributes that refer to each other are a cycle' '
	caret "s/{account.uid}@example.org/{account.mail}@example.org/" &&
	test_must_contain err "target \"directory\": attribute \"mail\" refers to itself through {account.…} (a cycle"
'

test_expect_success '{n} belongs in iterate only' '
	caret "s/\"{given_name|first:1|ascii|lower}{family_name_full|ascii|alnum|lower}\"\]/\"{given_name}{n}\"]/" &&
	test_must_contain err "unknown field \"n\""
'

test_expect_success 'a group template of a per-contract rule cannot read assignments' '
	caret "s/group: \"dept-{contract.department.code|lower}\"/group: \"dept-{assignment.value}\"/" &&
	test_must_contain err "rule \"department group\": group: unknown field \"assignment.value\""
'

test_done
