# deps.sh: sourced by scripts/demo and scripts/test. need_packages PKG...
# installs the Debian packages that are missing when running as root, and
# otherwise prints the exact apt-get line and stops.

need_packages() {
	missing=""
	for pkg in "$@"
	do
		status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
		case "$status" in
		*"install ok installed"*) ;;
		*) missing="$missing $pkg" ;;
		esac
	done
	test -z "$missing" && return 0
	if test "$(id -u)" = 0
	then
		echo "roster: installing$missing" >&2
		# Server packages must not start system instances while installing.
		if ! test -e /usr/sbin/policy-rc.d
		then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod +x /usr/sbin/policy-rc.d
		fi
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-get install -y --no-install-recommends $missing >/tmp/roster-apt.log 2>&1
		then
			apt-get update >/tmp/roster-apt-update.log 2>&1 || true
			if ! apt-get install -y --no-install-recommends $missing >/tmp/roster-apt.log 2>&1
			then
				cat /tmp/roster-apt.log >&2
				echo "roster: apt-get install failed" >&2
				exit 1
			fi
		fi
		return 0
	fi
	echo "roster: missing packages; install them with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
	exit 1
}

# What building roster needs.
BUILD_PACKAGES="gcc pkg-config meson ninja-build libsqlite3-dev libfyaml-dev libcsv-dev libutf8proc-dev libjansson-dev libsodium-dev libcmocka-dev liblua5.4-dev libldap-dev libcurl4-openssl-dev tzdata"
# What its tests need besides.
TEST_PACKAGES="sqlite3 jq valgrind clang libclang-rt-14-dev clang-format slapd ldap-utils openssl samba samba-dsdb-modules samba-ad-provision samba-vfs-modules iproute2"
