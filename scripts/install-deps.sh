#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/deps/*.apt that are missing.
# Runs apt-get as root directly, or through sudo for a normal user.
# With --print it installs nothing and prints the command that would.
set -euo pipefail
cd "$(dirname "$0")/.."

wanted=$(cat scripts/deps/*.apt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for pkg in $wanted; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${1:-}" = --print ]; then
	if [ ${#missing[@]} -eq 0 ]; then
		echo "  nothing: every package of scripts/deps/*.apt is installed (set PG_CONFIG to its pg_config?)"
	else
		echo "  apt-get install ${missing[*]}"
	fi
	exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
scripts/as-root.sh apt-get update -qq
scripts/as-root.sh env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
