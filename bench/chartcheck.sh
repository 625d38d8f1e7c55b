#!/usr/bin/env bash
# Times `chartcheck check --manifests` on the shared corpus of rendered public
# charts against kube-score, kube-linter and kubeconform on the same files.
# Each tool runs RUNS times; the table shows the best and median wall time and
# the CPU time of the best run. The other tools are installed with `go install`
# at the pinned versions below into .cache/bench-bin.
#
#   bash bench/chartcheck.sh                 # corpus at ../shared/bench/real-charts
#   CORPUS=dir RUNS=9 bash bench/chartcheck.sh
#   KUBECONFORM_SCHEMAS=dir bash bench/chartcheck.sh   # offline schema folder
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=${CORPUS:-$root/../shared/bench/real-charts}
runs=${RUNS:-5}
bin=$root/.cache/bench-bin
mkdir -p "$bin"

# Pinned versions. kube-linter's module (golang.stackrox.io/kube-linter) is
# refused by the Go module proxy (403) at every version tried; the script
# still tries, and skips it when the install fails.
kube_score=github.com/zegl/kube-score/cmd/kube-score@v1.20.0
kubeconform=github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
kube_linter=golang.stackrox.io/kube-linter/cmd/kube-linter@v0.7.6

shopt -s nullglob
files=("$corpus"/*.yaml)
if ((${#files[@]} == 0)); then
	echo "bench/chartcheck.sh: no corpus at $corpus (set CORPUS); skipping" >&2
	exit 0
fi

install() { # name module@version: installs into $bin/name-version once
	local name=$1 pkg=$2 ver=${2##*@}
	if [[ ! -x "$bin/$name-$ver" ]]; then
		local tmp
		tmp=$(mktemp -d)
		if ! GOBIN="$tmp" GOFLAGS=-mod=mod nice -n 10 go install "$pkg" >"$tmp/log" 2>&1; then
			echo "bench/chartcheck.sh: cannot install $pkg: $(tail -1 "$tmp/log")" >&2
			rm -rf "$tmp"
			return 1
		fi
		mv "$tmp/$name" "$bin/$name-$ver"
		rm -rf "$tmp"
	fi
	echo "$bin/$name-$ver"
}

echo "building chartcheck" >&2
(cd "$root" && nice -n 10 go build -o "$bin/chartcheck" ./tools/chartcheck)

# measure LABEL CHECKS CMD...: runs CMD $runs times (output discarded, exit
# status ignored: finding violations is the point) and prints one table row.
measure() {
	local label=$1 checks=$2
	shift 2
	local walls=() best_cpu="" best_wall=""
	local TIMEFORMAT='%R %U %S'
	for ((i = 0; i < runs; i++)); do
		local t
		t=$({ time "$@" >/dev/null 2>&1 || true; } 2>&1)
		read -r real user sys <<<"$t"
		walls+=("$real")
		if [[ -z $best_wall ]] || awk -v a="$real" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
			best_wall=$real
			best_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
		fi
	done
	local median
	median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	printf '%-28s %8s %10s %10s %9s\n' "$label" "$checks" "$best_wall" "$median" "$best_cpu"
}

objects=$(cat "${files[@]}" | grep -c '^kind:' || true)
echo "corpus: ${#files[@]} files, ~$objects objects, $(du -chL "${files[@]}" | tail -1 | cut -f1); $runs runs each; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-28s %8s %10s %10s %9s\n' tool checks best-s median-s cpu-s

rules=$("$bin/chartcheck" rules --json | grep -c '"id"')
measure "chartcheck" "$rules" "$bin/chartcheck" check --manifests "${files[@]}"

if ks=$(install kube-score "$kube_score"); then
	# `kube-score list` also lists the optional checks, which `score`
	# runs only when asked to (--enable-optional-test): count the default
	# ones, which are what this run measures.
	checks=$("$ks" list 2>/dev/null | grep -c ',default$' || true)
	measure "kube-score ${kube_score##*@}" "$checks" "$ks" score "${files[@]}"
fi

if kl=$(install kube-linter "$kube_linter"); then
	measure "kube-linter ${kube_linter##*@}" "default" "$kl" lint "${files[@]}"
fi

if kc=$(install kubeconform "$kubeconform"); then
	if [[ -n ${KUBECONFORM_SCHEMAS:-} ]]; then
		measure "kubeconform ${kubeconform##*@}" "schema" "$kc" -summary \
			-schema-location "$KUBECONFORM_SCHEMAS/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
			-ignore-missing-schemas "${files[@]}"
	else
		echo "kubeconform: skipped, it downloads its schemas; set KUBECONFORM_SCHEMAS to an offline copy" >&2
	fi
fi
