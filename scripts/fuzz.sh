#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, each for
# FUZZTIME (default 30s): what a person runs before a release. Targets are
# found, not listed: every `func Fuzz...` in the module's test files, so a
# new service's targets run as soon as they exist. The first finding stops the run, naming the package
# and target; the failing input is left under the package's testdata/fuzz/
# for a fix and a commit as a seed (plain `go test`, and so CI, runs the
# committed seeds). At the end a table gives each target's executions per
# second.
#
#   FUZZTIME          time per target (go test -fuzztime), default 30s
#   FUZZPARALLEL      fuzzing processes per target, default GOMAXPROCS
#   FUZZMINIMIZETIME  time to shrink each new input, default 5s: go's
#                     default minute per input stalls a young corpus
#   FUZZ              only targets whose "package.Target" matches this
#                     extended regular expression
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
FUZZMINIMIZETIME=${FUZZMINIMIZETIME:-5s}
FUZZ=${FUZZ:-.}
parallel=()
if [[ -n "${FUZZPARALLEL:-}" ]]; then
	parallel=(-parallel "$FUZZPARALLEL")
fi

# Every `func FuzzX(f *testing.F)` in the test files go list names for each
# package: the files the go tool compiles for this platform and build tags,
# read without compiling them (go test -list would build every test binary
# once more before the fuzzing builds its own).
targets=() all=()
# shellcheck disable=SC2016 # a Go template, not a shell expansion
while read -r pkg files; do
	[[ -n "$files" ]] || continue
	# shellcheck disable=SC2086 # files is a list of paths without spaces
	while read -r name; do
		all+=("${pkg##*/}.$name")
		if [[ "${pkg##*/}.$name" =~ $FUZZ ]]; then
			targets+=("$pkg $name")
		fi
	done < <(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\).*/\1/p' $files | sort -u)
done < <("$GO" list -f '{{$d := .Dir}}{{.ImportPath}}{{range .TestGoFiles}} {{$d}}/{{.}}{{end}}{{range .XTestGoFiles}} {{$d}}/{{.}}{{end}}' ./...)
if ((${#targets[@]} == 0)); then
	echo "fuzz: no fuzz target matches FUZZ=$FUZZ; the module has: ${all[*]}" >&2
	exit 1
fi
echo "fuzz: ${#targets[@]} targets, $FUZZTIME each"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
summary=()
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "== $pkg $name"
	if ! "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$FUZZMINIMIZETIME" \
		"${parallel[@]}" "$pkg" 2>&1 | tee "$log"; then
		echo "fuzz: FAIL: $pkg $name (see above: a failing input is saved under the package's testdata/fuzz/$name/)" >&2
		exit 1
	fi
	# The fuzzer's last status line: "fuzz: elapsed: 1m30s, execs: 1234 (41/sec), ...".
	last=$(grep -E '^fuzz: elapsed: [0-9hms]+, execs: [0-9]+' "$log" | tail -n 1 || true)
	if [[ "$last" =~ elapsed:\ (([0-9]+)h)?(([0-9]+)m)?([0-9]+)s,\ execs:\ ([0-9]+) ]]; then
		secs=$((${BASH_REMATCH[2]:-0} * 3600 + ${BASH_REMATCH[4]:-0} * 60 + BASH_REMATCH[5]))
		execs=${BASH_REMATCH[6]}
		summary+=("$(printf '%-60s %10d execs in %5ds %8d/s' "$pkg.$name" "$execs" "$secs" $((execs / (secs > 0 ? secs : 1))))")
	else
		summary+=("$(printf '%-60s %s' "$pkg.$name" "no executions reported")")
	fi
done
echo "fuzz: no findings"
printf '%s\n' "${summary[@]}"
