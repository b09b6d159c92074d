#!/bin/sh
# bench/apply-scim.sh [PERSONS] [PARALLEL] — roster apply into the test
# suite's SCIM provider (scimmy, tests/scim-server) against curl posting
# the same users, measured in one run.
#
# Makes an organisation of PERSONS persons (default 5,600: about 5,000
# accounts) with tools/roster-gen, plans it for a scim target with the
# issue's mapping (userName and work email from a unique mail, name,
# displayName, the enterprise extension's employeeNumber and department;
# accounts only, no groups), then:
#
#   curl    the plan's creates as the JSON bodies roster sends, POSTed to
#           /Users by one `curl --parallel` with PARALLEL (default 8)
#           requests in flight
#   roster  roster apply of the same plan into another fresh provider of
#           the same kind: the same users, the creates 8 in flight, the
#           lookups before them as searches of 50 correlate values each
#           (the connector's prefetch), a vault transaction per batch
#
# and prints both rates in users per second and their ratio. Uses the
# release build in build-bench/ and the test suite's throwaway server
# (tests/e2e/scim-lib.sh), so it needs node and npm (scripts/deps.sh).
set -eu
persons=${1:-5600}
parallel=${2:-8}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! test -f build-bench/build.ninja
then
	meson setup build-bench -Dbuildtype=release >/dev/null
fi
ninja -C build-bench >/dev/null
roster=$root/build-bench/src/cli/roster
gen=$root/build-bench/tools/roster-gen

# What scim-lib.sh expects of the test harness.
ROSTER_SRC=$root
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/roster-bench-scim.XXXXXX")
at_exit=""
test_at_exit() { at_exit="$at_exit
$1"; }
cleanup() {
	eval "$at_exit" || true
	rm -rf "$TRASH"
}
trap cleanup EXIT
. "$root/tests/e2e/scim-lib.sh"
scim_setup >/dev/null

cd "$TRASH"
"$roster" init org >/dev/null
rm -rf org/hr
"$gen" --persons "$persons" org/hr >/dev/null
ENT=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User

sed -n '1,/^# Where accounts live/p' org/roster.yaml | sed '$d' >roster.head
cat >org/roster.yaml.new <<EOF
$(cat roster.head)
targets:
  - name: app
    connector: scim
    url: URL
    auth: {bearer: "\${env:APP_TOKEN}"}
    timeout: 30
    correlate: {attribute: "$ENT:employeeNumber", field: employee_id}
    attributes:
      mail: {unique: ["{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}@example.org"],
             iterate: "{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}{n}@example.org",
             update: false, send: false}
      userName: "{account.mail}"
      name.givenName: "{given_name}"
      name.familyName: "{family_name_full}"
      displayName: "{display_name}"
      emails[type eq "work"].value: "{account.mail}"
      $ENT:employeeNumber: "{employee_id}"
      $ENT:department: "{contract.department.name}"
rules:
  - name: everyone employed gets an account
    when: 'contract.type != "external"'
    grant: [{target: app, account: true}]
EOF
mv org/roster.yaml.new org/roster.yaml
APP_TOKEN=$SCIM_TOKEN
export APP_TOKEN

SCIM_NAME=curl
scim_start >/dev/null
CURL_URL=$SCIM_URL
SCIM_NAME=roster
scim_start >/dev/null
sed -i "s|url: URL|url: $SCIM_URL|" org/roster.yaml
"$roster" -c org/roster.yaml import --at 2026-01-05 >/dev/null 2>&1
"$roster" -c org/roster.yaml plan --at 2026-01-05 -o plan.json >/dev/null
creates=$(jq '[.actions[] | select(.op == "create")] | length' plan.json)

# The bodies roster sends (connector_scim.c user_body), one file each, and a curl config posting them all.
mkdir bodies
jq -c --arg ent "$ENT" '.actions[] | select(.op == "create") | .attributes as $a |
	{schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", $ent], userName: $a.userName,
	 name: {givenName: $a["name.givenName"], familyName: $a["name.familyName"]},
	 displayName: $a.displayName, emails: [{type: "work", value: $a["emails[type eq \"work\"].value"]}],
	 ($ent): {employeeNumber: $a[$ent + ":employeeNumber"], department: $a[$ent + ":department"]},
	 active: .enabled}' plan.json | split -l 1 -a 6 - bodies/u
first=1
for f in bodies/u*
do
	test $first = 1 || echo next
	first=0
	printf 'url = "%s/Users"\nheader = "Content-Type: application/scim+json"\nheader = "Authorization: Bearer %s"\ndata-binary = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
		"$CURL_URL" "$SCIM_TOKEN" "$f"
done >post.cfg

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "plan: $creates user creates; node $(node --version), $(curl --version | head -1 | cut -d' ' -f1-2)"

t0=$(date +%s%N)
curl -s --no-progress-meter --parallel --parallel-max "$parallel" -K post.cfg >codes
t1=$(date +%s%N)
curl_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
test "$(grep -c '^201$' codes)" = "$creates" || {
	echo "curl: not every POST made a user:" >&2
	sort codes | uniq -c >&2
	exit 1
}

t0=$(date +%s%N)
"$roster" -c org/roster.yaml apply --at 2026-01-05 --yes >apply.out
t1=$(date +%s%N)
roster_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
tail -1 apply.out
test "$(scim_get "/Users?count=1" | jq .totalResults)" = "$creates"

awk -v n="$creates" -v c="$curl_s" -v r="$roster_s" -v p="$parallel" 'BEGIN {
	printf "curl --parallel-max %-3d %7.2f s  %6.0f users/s  (POSTs only)\n", p, c, n / c
	printf "roster apply          %7.2f s  %6.0f users/s  (POSTs 8 in flight, a search per 50; plan, vault and audit included)\n", r, n / r
	printf "roster / curl: %.2f\n", c / r
}'
