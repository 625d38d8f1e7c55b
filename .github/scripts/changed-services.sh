#!/usr/bin/env bash
# Prints, as a JSON array, the services (folders of app/ but app/internal)
# whose image must be rebuilt for the change BASE..HEAD: those whose
# app/<service>/ or charts/<service>/ changed, or every service when what
# they all build from changed (app/internal, go.mod, go.sum, this script or
# the release workflow). A BASE of zeros (a new branch) or unknown to git
# rebuilds every service.
#   .github/scripts/changed-services.sh BASE HEAD   -> ["visitors"]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
base=$1 head=$2

mapfile -t all < <(find app -mindepth 1 -maxdepth 1 -type d ! -name internal -printf '%f\n' | sort)
if [[ $base =~ ^0+$ ]] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then
	changed=("${all[@]}")
else
	mapfile -t files < <(git diff --name-only "$base" "$head")
	changed=()
	for f in "${files[@]}"; do
		case $f in
		app/internal/* | go.mod | go.sum | .github/workflows/release.yml | .github/scripts/changed-services.sh)
			changed=("${all[@]}")
			break
			;;
		esac
	done
	if ((${#changed[@]} == 0)); then
		for s in "${all[@]}"; do
			for f in "${files[@]}"; do
				if [[ $f == app/$s/* || $f == charts/$s/* ]]; then
					changed+=("$s")
					break
				fi
			done
		done
	fi
fi
if ((${#changed[@]} == 0)); then
	echo "[]"
	exit 0
fi
json=$(printf '"%s",' "${changed[@]}")
echo "[${json%,}]"
