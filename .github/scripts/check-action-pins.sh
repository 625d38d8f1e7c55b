#!/usr/bin/env bash
# Fails when a workflow uses an action by tag or branch instead of a full
# commit SHA followed by its version comment ("@<40 hex> # vX.Y.Z"): a tag can
# be moved to other code, a commit cannot. Local actions (./...) are exempt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

status=0
while IFS= read -r hit; do
	ref=${hit#*uses:}
	ref=${ref#"${ref%%[![:space:]]*}"}
	case $ref in
	./*) continue ;;
	esac
	if [[ ! $ref =~ ^[^@[:space:]]+@[0-9a-f]{40}\ +#\ v[0-9]+(\.[0-9]+){0,2}$ ]]; then
		echo "not pinned by commit SHA with a # vX.Y.Z comment: $hit" >&2
		status=1
	fi
done < <(grep -rnE '^[[:space:]]*(-[[:space:]]+)?uses:' .github/workflows .github/actions 2>/dev/null || true)
exit "$status"
