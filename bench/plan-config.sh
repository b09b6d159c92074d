#!/bin/sh
# bench/plan-config.sh — writes to stdout the roster.yaml the plan benchmark
# uses: the example organisation's source, three targets (a directory with a
# Lua attribute and a ref, an AD-like target with 20-character account names,
# a SaaS target with a value that is not sent) and 50 rules of the kinds
# people write: accounts, department, title, location, contract type and fte
# groups, projects, roles and temporary replacements.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
sed -n '1,/^# Where accounts live/p' "$root/examples/roster.yaml" | sed '$d'
cat <<'EOF'
targets:
  - name: directory
    connector: csv
    correlate: {attribute: employeeNumber, field: employee_id}
    attributes:
      employeeNumber: "{employee_id}"
      uid:
        unique: ["{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}",
                 "{given_name|first:1|ascii|lower}{family_name_full|ascii|alnum|lower}"]
        iterate: "{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}{n}"
        update: false
      displayName: "{display_name}"
      mail: {template: "{account.uid}@example.org"}
      departmentNumber: "{contract.department.code}"
      title: "{contract.title.name}"
      manager: {ref: manager, attribute: uid}
      description: {lua: "return person.given_name .. ' (' .. contract.title.name .. ')'"}
  - name: ad
    connector: csv
    correlate: {attribute: employeeID, field: employee_id}
    lifecycle: {create_before: 7, delete_after: 30}
    attributes:
      employeeID: "{employee_id}"
      sAMAccountName:
        unique: ["{given_name|ascii|alnum|lower}.{family_name|ascii|alnum|lower}", "{given_name|first:1|ascii|lower}{family_name_full|ascii|alnum|lower}"]
        max_length: 20
        update: false
      userPrincipalName: {template: "{account.sAMAccountName}@corp.example.org", update: false}
      givenName: "{given_name}"
      sn: "{family_name_full}"
      displayName: "{display_name}"
      department: "{contract.department.name}"
      company: "Example Zorg"
      physicalDeliveryOfficeName: "{contract.location}"
  - name: saas
    connector: csv
    correlate: {attribute: externalId, field: employee_id}
    lifecycle: {create_before: 0, delete_after: 14}
    attributes:
      externalId: "{employee_id}"
      mailLocal:
        unique: ["{given_name|ascii|alnum|lower}.{family_name_full|ascii|alnum|lower}"]
        send: false
      userName: "{account.mailLocal}@example.org"
      name.givenName: "{given_name}"
      name.familyName: "{family_name_full}"
      title: "{contract.title.name|default:\"staff\"}"
rules:
  - name: directory account
    when: 'contract.type != "external"'
    grant: [{target: directory, account: true}, {target: directory, group: "all-staff"}]
  - name: ad account
    when: 'contract.type in ["employee", "temporary", "intern"]'
    grant: [{target: ad, account: true}, {target: ad, group: "Domain Users"}]
  - name: saas account
    when: 'contract.type == "employee" and contract.fte >= 0.5'
    grant: [{target: saas, account: true}]
  - name: directory department
    grant: [{target: directory, group: "dept-{contract.department.code|lower}"}]
  - name: ad department
    grant: [{target: ad, group: "GG-{contract.department.code}"}]
  - name: saas department
    grant: [{target: saas, group: "{contract.department.name}"}]
EOF
for d in ZORG VGZ OND ICT FAC FIN HR INK CTRL COM JUR DIR
do
	cat <<EOF
  - name: $d applications
    when: 'contract.department.code == "$d"'
    grant: [{target: ad, group: "APP-$d"}, {target: saas, group: "app-$(echo $d | tr A-Z a-z)"}]
EOF
done
for t in manager verpleegkundige docent adviseur medewerker beheerder controller coördinator assistent specialist
do
	cat <<EOF
  - name: title $t
    when: 'contract.title.name contains "$t"'
    grant: [{target: directory, group: "title-$t"}, {target: ad, group: "GG-title-$t"}]
    delegable: true
EOF
done
for l in Utrecht Amersfoort "''s-Hertogenbosch" Zwolle
do
	g=$(echo "$l" | tr -d "'" | tr A-Z a-z)
	cat <<EOF
  - name: location $g
    when: 'contract.location == "$l"'
    grant: [{target: directory, group: "loc-$g"}, {target: ad, group: "GG-loc-$g"}]
EOF
done
cat <<'EOF'
  - name: temporary staff
    when: 'contract.type == "temporary"'
    grant: [{target: ad, group: "GG-temporary"}]
  - name: interns
    when: 'contract.type == "intern"'
    grant: [{target: ad, group: "GG-interns"}, {target: directory, group: "interns"}]
  - name: externals
    when: 'contract.type == "external"'
    grant: [{target: ad, account: true}, {target: ad, group: "GG-externals"}]
  - name: part-time
    when: 'contract.fte < 0.5'
    grant: [{target: directory, group: "part-time"}]
  - name: long service
    when: 'contract.start_date < "2006-01-01"'
    grant: [{target: directory, group: "jubilee"}]
  - name: finance approvers
    when: 'contract.department.code in ["FIN", "CTRL"] and contract.title.name contains "manager"'
    grant: [{target: directory, group: "finance-approvers"}, {target: ad, group: "GG-finance-approvers"}]
    delegable: true
  - name: ict admins
    when: 'contract.department.code == "ICT" and contract.title.name matches "beheer|specialist"'
    grant: [{target: ad, group: "GG-ict-admins"}]
    delegable: true
  - name: directory projects
    for: assignment project
    grant: [{target: directory, group: "prj-{assignment.value|lower}"}]
  - name: ad projects
    for: assignment project
    grant: [{target: ad, group: "PRJ-{assignment.value}"}]
  - name: saas projects
    for: assignment project
    grant: [{target: saas, group: "project {assignment.value}"}]
  - name: directory roles
    for: assignment role
    grant: [{target: directory, group: "role-{assignment.value}"}]
  - name: ad roles
    for: assignment role
    grant: [{target: ad, group: "GG-role-{assignment.value}"}]
  - name: bhv training
    for: assignment role
    when: 'assignment.value in ["bhv", "ehbo"]'
    grant: [{target: saas, group: "first aid"}]
  - name: works council
    for: assignment role
    when: 'assignment.value == "ondernemingsraad"'
    grant: [{target: saas, group: "works council"}, {target: directory, group: "or-members"}]
  - name: confidential advisers
    for: assignment role
    when: 'assignment.value == "vertrouwenspersoon"'
    grant: [{target: ad, group: "GG-confidential"}]
    delegable: true
  - name: new this year
    when: 'contract.start_date >= "2026-01-01"'
    grant: [{target: directory, group: "newcomers-2026"}]
  - name: leaving soon
    when: 'contract.end_date is not empty and contract.end_date < "2026-04-01"'
    grant: [{target: directory, group: "leaving-q1"}]
  - name: temporary replacement
    for: assignment replaces
    inherit: delegable
EOF
