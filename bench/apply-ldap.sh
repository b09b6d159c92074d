#!/bin/sh
# bench/apply-ldap.sh [PERSONS] — roster apply into a real slapd against
# ldapadd loading the same entries, measured in one run.
#
# Makes an organisation of PERSONS persons (default 11,200: about 10,000
# accounts) with tools/roster-gen, plans it for an ldap target (the
# example's attributes, inetOrgPerson, one department group per account
# among its groups), then:
#
#   ldapadd  the plan's creates as LDIF (every account entry, then every
#            group entry with all its members) into a fresh slapd
#   roster   roster apply of the same plan into another fresh slapd of the
#            same kind: the same entries and memberships (adds pipelined,
#            a batch's members of a group in one modify, the lookups before
#            creates one search per batch, a vault transaction per 1,024
#            actions with their audit events)
#
# and prints both rates in entries per second and their ratio (the
# rules-and-apply issue's target: roster at >= 80% of ldapadd). Uses the
# release build in build-bench/ and the test suite's throwaway slapd
# (tests/e2e/slapd-lib.sh), so it needs slapd installed (scripts/deps.sh).
set -eu
persons=${1:-11200}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! test -f build-bench/build.ninja
then
	meson setup build-bench -Dbuildtype=release >/dev/null
fi
ninja -C build-bench >/dev/null
roster=$root/build-bench/src/cli/roster
gen=$root/build-bench/tools/roster-gen

# What slapd-lib.sh expects of the test harness.
ROSTER_SRC=$root
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/roster-bench-ldap.XXXXXX")
at_exit=""
test_at_exit() { at_exit="$at_exit $1"; }
cleanup() {
	for f in $at_exit; do "$f" || true; done
	rm -rf "$TRASH"
}
trap cleanup EXIT
. "$root/tests/e2e/slapd-lib.sh"

cd "$TRASH"
"$roster" init org >/dev/null
rm -rf org/hr
"$gen" --persons "$persons" org/hr >/dev/null

# ou= entries for every department the dn template can name
cut -d';' -f5 org/hr/contracts.csv | sed 1d | sort -u | while read -r ou
do
	printf 'dn: ou=%s,ou=people,dc=example,dc=org\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$ou"
done >depts.ldif

# the example's rules, with the target made ldap (as t4030 does)
sed -n '1,/^# Where accounts live/p' org/roster.yaml | sed '$d' >roster.head
cat >org/roster.yaml.new <<EOF
$(cat roster.head)
targets:
  - name: directory
    connector: ldap
    url: URL
    bind_dn: BIND
    bind_password: \${env:LDAP_PASSWORD}
    timeout: 10
    dn: "uid={account.uid},ou={contract.department.code},ou=people,dc=example,dc=org"
    object_classes: [inetOrgPerson]
    groups: {base: "ou=groups,dc=example,dc=org", object_class: groupOfNames, member_attribute: member, create_missing: true}
    disable: {move_to: "ou=disabled,dc=example,dc=org"}
    correlate: {attribute: employeeNumber, field: employee_id}
    attributes:
      employeeNumber: "{employee_id}"
      uid:
        unique: ["{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}",
                 "{given_name|first:1|ascii|lower}{family_name_full|ascii|alnum|lower}"]
        iterate: "{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}{n}"
        update: false
      cn: "{display_name}"
      sn: "{family_name_full}"
      givenName: "{given_name}"
      displayName: "{display_name}"
      mail: {template: "{account.uid}@example.org"}
      departmentNumber: "{contract.department.code}"
      title: "{contract.title.name}"
rules:
  - name: everyone employed gets an account
    when: 'contract.type != "external"'
    grant: [{target: directory, account: true}]
  - name: department group
    grant: [{target: directory, group: "dept-{contract.department.code|lower}"}]
EOF
mv org/roster.yaml.new org/roster.yaml

slapd_setup "$TRASH/depts.ldif" >/dev/null
slapd_start >/dev/null
sed -i "s|url: URL|url: $SLAPD_URL|; s|bind_dn: BIND|bind_dn: $SLAPD_BIND_DN|" org/roster.yaml
LDAP_PASSWORD=$SLAPD_BIND_PW
export LDAP_PASSWORD
"$roster" -c org/roster.yaml import --at 2026-01-05 >/dev/null 2>&1
"$roster" -c org/roster.yaml plan --at 2026-01-05 -o plan.json >/dev/null
creates=$(jq '[.actions[] | select(.op == "create")] | length' plan.json)
grants=$(jq '[.actions[] | select(.op == "grant")] | length' plan.json)

# The same entries as LDIF, every value base64 (non-ASCII names), groups last.
jq -r '
	([.actions[] | select(.op == "create")] | map({key: .employee_id, value: .attributes.dn}) | from_entries) as $dn |
	(.actions[] | select(.op == "create") |
		"dn: " + .attributes.dn, "objectClass: inetOrgPerson",
		(.attributes | to_entries[] | select(.key != "dn" and .value != "") | .key + ":: " + (.value | @base64)), ""),
	([.actions[] | select(.op == "grant")] | group_by(.permission)[] |
		"dn: cn=" + .[0].permission + ",ou=groups,dc=example,dc=org", "objectClass: groupOfNames", "cn: " + .[0].permission,
		(.[] | "member: " + $dn[.employee_id]), "")
' plan.json >entries.ldif

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "plan: $creates account creates, $grants group memberships ($(grep -c '^dn: cn=' entries.ldif) groups)"

# ldapadd into the first server
t0=$(date +%s%N)
ldapadd -x -H "$SLAPD_URL" -D "$SLAPD_BIND_DN" -w "$SLAPD_BIND_PW" -f entries.ldif >/dev/null
t1=$(date +%s%N)
ldapadd_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
slapd_stop >/dev/null

# roster apply into a fresh server of the same kind
rm -rf "$SLAPD_DIR"
slapd_setup "$TRASH/depts.ldif" >/dev/null
slapd_start >/dev/null
sed -i "s|url: ldap://127.0.0.1:[0-9]*|url: $SLAPD_URL|" org/roster.yaml
t0=$(date +%s%N)
"$roster" -c org/roster.yaml apply --at 2026-01-05 --yes >apply.out
t1=$(date +%s%N)
roster_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
tail -1 apply.out

awk -v n="$creates" -v l="$ldapadd_s" -v r="$roster_s" 'BEGIN {
	printf "ldapadd        %7.2f s  %6.0f accounts/s\n", l, n / l
	printf "roster apply   %7.2f s  %6.0f accounts/s  (plan, lookups, vault and audit included)\n", r, n / r
	printf "roster / ldapadd: %.2f\n", l / r
}'
