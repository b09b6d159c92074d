#!/bin/sh
# bench/apply-ad.sh [ACCOUNTS] — roster apply of new accounts with passwords
# into a real Samba AD DC, against ldapadd of the same entries with
# passwords into the same DC, measured in one run.
#
# Makes ACCOUNTS persons (default 300) in one department, plans them for an
# ad target (docs/connector-ad.md: generated passwords handed to a notify
# program, must_change, employeeID, sAMAccountName, userPrincipalName, cn,
# displayName, names, mail), then:
#
#   ldapadd  the same kind of entries (userAccountControl 512, unicodePwd,
#            pwdLastSet 0), one connection, one add after another, into
#            OU=FIN
#   roster   roster apply of the plan into OU=ICT of the same DC: a lookup
#            before every create (prefetched), a generated password per
#            account handed to a notify program, the objectGUID read back,
#            a vault transaction per batch and the audit log
#
# and prints both rates in accounts per second and their ratio (the AD
# issue's goal: roster at >= 80% of ldapadd). Password hashing dominates
# both. Uses the release build in build-bench/ and the test suite's
# throwaway DC (tests/e2e/samba-lib.sh), so it needs Samba installed.
set -eu
n=${1:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! test -f build-bench/build.ninja
then
	meson setup build-bench -Dbuildtype=release >/dev/null
fi
ninja -C build-bench >/dev/null
roster=$root/build-bench/src/cli/roster

# What samba-lib.sh expects of the test harness.
ROSTER_SRC=$root
TEST_DIR=$root/tests/e2e
test_failed=0
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/roster-bench-ad.XXXXXX")
at_exit=""
test_at_exit() { at_exit="$at_exit $1"; }
cleanup() {
	for f in $at_exit; do "$f" || true; done
	rm -rf "$TRASH"
}
trap cleanup EXIT
. "$root/tests/e2e/samba-lib.sh"

cd "$TRASH"
samba_setup >/dev/null
samba_start >/dev/null
AD_PASSWORD=$SAMBA_BIND_PW
export AD_PASSWORD

mkdir -p org/hr
{
	echo "employee_id,given_name,family_name"
	i=1
	while test "$i" -le "$n"
	do
		echo "$((100000 + i)),Bench,Person$i"
		i=$((i + 1))
	done
} >org/hr/persons.csv
{
	echo "contract_id,employee_id,start_date,department.code,department.name"
	i=1
	while test "$i" -le "$n"
	do
		echo "C$i,$((100000 + i)),2020-01-01,ICT,ICT"
		i=$((i + 1))
	done
} >org/hr/contracts.csv
printf '#!/bin/sh\ncat >/dev/null\n' >org/notify.sh
chmod +x org/notify.sh
cat >org/roster.yaml <<EOF
vault: var/roster.db
timezone: Europe/Amsterdam
sources:
  - {name: hr, format: csv, persons: hr/persons.csv, contracts: hr/contracts.csv}
targets:
  - name: ad
    connector: ad
    url: $SAMBA_URL
    ca_file: ../samba/tls/ca.pem
    bind_dn: $SAMBA_BIND_DN
    bind_password: \${env:AD_PASSWORD}
    timeout: 30
    correlate: {attribute: employeeID, field: employee_id}
    dn: "CN={account.cn},OU={contract.department.code},$SAMBA_USERS"
    password: {generate: true, length: 20, must_change: true}
    notify: [./notify.sh]
    attributes:
      employeeID: "{employee_id}"
      sAMAccountName: {unique: ["r{family_name|ascii|alnum|lower}"], max_length: 20, update: false}
      userPrincipalName: {template: "{account.sAMAccountName}@example.org", update: false}
      cn: "{display_name}"
      displayName: "{display_name}"
      givenName: "{given_name}"
      sn: "{family_name}"
      mail: "{given_name|lower}.{family_name|lower}@example.org"
rules:
  - name: everyone
    grant: [{target: ad, account: true}]
EOF
"$roster" -c org/roster.yaml import --at 2026-01-05 >/dev/null 2>&1
"$roster" -c org/roster.yaml plan --at 2026-01-05 -o plan.json >/dev/null
creates=$(jq '[.actions[] | select(.op == "create")] | length' plan.json)

# the same entries for ldapadd, in OU=FIN, with passwords like roster's
i=1
while test "$i" -le "$n"
do
	pw=$(printf 'Bench-%s-%s' "$i" "$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')")
	cat <<EOF
dn: CN=Bench Person$i,OU=FIN,$SAMBA_USERS
objectClass: user
employeeID: $((200000 + i))
sAMAccountName: lperson$i
userPrincipalName: lperson$i@example.org
cn: Bench Person$i
displayName: Bench Person$i
givenName: Bench
sn: Person$i
mail: bench.l$i@example.org
userAccountControl: 512
pwdLastSet: 0
unicodePwd:: $(samba_unicodepwd "$pw")

EOF
	i=$((i + 1))
done >entries.ldif

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "plan: $creates account creates with passwords"

t0=$(date +%s%N)
LDAPTLS_CACERT=$SAMBA_CA $SAMBA_EXEC ldapadd -x -H "$SAMBA_URL" -D "$SAMBA_BIND_DN" -w "$SAMBA_BIND_PW" \
	-f entries.ldif >/dev/null
t1=$(date +%s%N)
ldapadd_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')

t0=$(date +%s%N)
(cd org && $SAMBA_EXEC "$roster" -c roster.yaml apply --at 2026-01-05 --yes >../apply.out)
t1=$(date +%s%N)
roster_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
tail -1 apply.out

awk -v n="$creates" -v l="$ldapadd_s" -v r="$roster_s" 'BEGIN {
	printf "ldapadd        %7.2f s  %6.1f accounts/s\n", l, n / l
	printf "roster apply   %7.2f s  %6.1f accounts/s  (plan, lookups, passwords, notify, vault and audit included)\n", r, n / r
	printf "roster / ldapadd: %.2f\n", l / r
}'
