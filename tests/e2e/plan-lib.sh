# Shared by the plan tests (t0310, t0311): run roster plan on the example
# organisation in org/ and look into its JSON with jq. Sourced after lib.sh.

plan() {
	roster -c org/roster.yaml plan "$@"
}

# plan_at DATE: the whole plan on DATE as JSON, in plan-DATE.json (made once
# per state of the vault: forget_plans after changing it).
plan_at() {
	test -s "plan-$1.json" || plan --at "$1" --json >"plan-$1.json"
}

forget_plans() {
	rm -f plan-*.json
}

# ops_of ID DATE: op (op:permission for a grant or revoke) of every action
# for ID in the whole plan on DATE, one a line, in plan order.
ops_of() {
	plan_at "$2" &&
	jq -r --arg id "$1" '.actions[] | select(.employee_id == $id) |
		.op + (if .permission then ":" + .permission else "" end)' "plan-$2.json"
}

# action_of ID DATE OP [PERMISSION]: that action of ID on DATE, in action.json;
# fails unless there is exactly one.
action_of() {
	plan_at "$2" &&
	jq -c --arg id "$1" --arg op "$3" --arg perm "${4:-}" '[.actions[] |
		select(.employee_id == $id and .op == $op and ($perm == "" or .permission == $perm))]' \
		"plan-$2.json" >actions.json &&
	if test "$(jq length actions.json)" != 1
	then
		echo "action_of $*: not exactly one such action:" >&2
		cat actions.json >&2
		return 1
	fi &&
	jq -c ".[0]" actions.json >action.json
}

# jq_is FILE FILTER EXPECTED: jq -r FILTER on FILE gives EXPECTED.
jq_is() {
	got=$(jq -r "$2" "$1") || return 1
	if test "$got" != "$3"
	then
		echo "jq_is: $2 on $1 gave \"$got\", expected \"$3\"" >&2
		return 1
	fi
}

# summary_ok FILE: the summary of plan FILE counts its actions per target and
# op (a planned target without actions may be listed with no counts).
summary_ok() {
	jq -e '(.summary | with_entries(select(.value != {}))) ==
		(reduce .actions[] as $a ({}; .[$a.target][$a.op] += 1))' "$1" >/dev/null || {
		echo "summary_ok: the summary of $1 does not count its actions:" >&2
		jq -c '.summary, (reduce .actions[] as $a ({}; .[$a.target][$a.op] += 1))' "$1" >&2
		return 1
	}
}

# expect_ops ID DATE [OP...]: ID has exactly these actions on DATE (none: no action).
expect_ops() {
	id=$1 day=$2 &&
	shift 2 &&
	: >expect &&
	for op in "$@"
	do
		echo "$op" >>expect || return 1
	done &&
	ops_of "$id" "$day" >actual &&
	test_cmp expect actual
}
