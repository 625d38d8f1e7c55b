#!/usr/bin/env bash
# Times `chartcheck render` against the usual CLI pipeline (`kustomize build`
# of the cluster folder, then one `helm template` per Application) on
# generated repositories with 10, 100 and 1,000 Applications over the
# doc-search chart. Usage: [RUNS=N] bench/render.sh [COUNT...]
# Each side runs RUNS times (default 3; once at 1,000 Applications, where the
# CLI pipeline takes minutes) and the best time counts, so a busy machine
# disturbs the figures less; the load average is printed with them.
# Needs helm and kustomize on PATH (scripts/install-deps.sh puts Argo CD
# v2.14's versions in .cache/bin).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/.cache/bin:$PATH"
counts=("$@")
((${#counts[@]})) || counts=(10 100 1000)
runs=${RUNS:-3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HELM_CACHE_HOME=$work/helm/cache HELM_CONFIG_HOME=$work/helm/config HELM_DATA_HOME=$work/helm/data

go build -o "$work/chartcheck" "$root/tools/chartcheck"

# generate DIR N: a repository whose cluster "bench" holds N doc-search
# Applications, each with its own release name, namespace and value files.
generate() {
	local dir=$1 n=$2 i
	mkdir -p "$dir/charts" "$dir/clusters/bench/doc-search" "$dir/argocd"
	cp -r "$root/charts/doc-search" "$dir/charts/"
	cat >"$dir/clusters/bench/doc-search/values.yaml" <<'VALUES'
replicaCount: 3
autoscaling:
  enabled: true
  minReplicas: 3
  maxReplicas: 10
podDisruptionBudget:
  enabled: true
  minAvailable: 2
networkPolicy:
  enabled: true
VALUES
	printf 'image:\n  tag: "1.0.0-build.1"\n  digest: ""\n' >"$dir/clusters/bench/doc-search/image.yaml"
	printf 'resources:\n  - apps.yaml\n' >"$dir/clusters/bench/kustomization.yaml"
	for ((i = 1; i <= n; i++)); do
		cat <<APP
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: doc-search-$i
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://example.invalid/bench.git
    targetRevision: main
    path: charts/doc-search
    helm:
      valueFiles:
        - /clusters/bench/doc-search/values.yaml
        - /clusters/bench/doc-search/image.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: bench-$i
APP
	done >"$dir/clusters/bench/apps.yaml"
}

# best RUNS CMD...: runs CMD RUNS times and prints the fastest wall time in
# ms. The clock is bash's own $EPOCHREALTIME (bash 5): reading it through
# $(date) forks twice per reading, which cost about 10 ms per measurement
# on the 2-CPU VM, as much as a tenth of chartcheck's time at 10 apps.
best() {
	local r=$1 b="" t0 t i
	shift
	for ((i = 0; i < r; i++)); do
		t0=${EPOCHREALTIME/[.,]/}
		"$@"
		t=$(((${EPOCHREALTIME/[.,]/} - t0) / 1000))
		if [[ -z $b ]] || ((t < b)); then b=$t; fi
	done
	echo "$b"
}

chartcheck_render() { # N
	"$work/chartcheck" render --offline --repo "$work/repo-$1" --repo-url https://example.invalid/bench.git clusters/bench >"$work/cc-$1.yaml"
}

# The CLI pipeline: build the cluster folder, then template each
# Application with the flags Argo CD passes.
cli_render() { # N
	local n=$1 repo=$work/repo-$1 i
	kustomize build "$repo/clusters/bench" >"$work/apps-$n.yaml"
	for ((i = 1; i <= n; i++)); do
		(cd "$repo/charts/doc-search" && helm template . --name-template "doc-search-$i" --namespace "bench-$i" \
			--kube-version v1.33.0 --values "$repo/clusters/bench/doc-search/values.yaml" \
			--values "$repo/clusters/bench/doc-search/image.yaml" --include-crds)
	done >"$work/cli-$n.yaml"
}

echo "best of $runs runs each (1 at 1,000 apps); $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-6s %14s %14s %8s %10s\n' apps chartcheck_ms cli_ms speedup objects
for n in "${counts[@]}"; do
	generate "$work/repo-$n" "$n"
	r=$runs
	((n < 1000)) || r=1
	cc=$(best "$r" chartcheck_render "$n")
	cli=$(best "$r" cli_render "$n")

	objects=$(grep -c '^kind:' "$work/cc-$n.yaml")
	cli_objects=$(($(grep -c '^kind:' "$work/cli-$n.yaml") + $(grep -c '^kind:' "$work/apps-$n.yaml")))
	if [[ $objects -ne $cli_objects ]]; then
		echo "render.sh: $n apps: chartcheck rendered $objects objects, the CLIs $cli_objects" >&2
		exit 1
	fi
	printf '%-6s %14d %14d %7.1fx %10d\n' "$n" "$cc" "$cli" "$(echo "$cli / ($cc + 0.001)" | bc -l)" "$objects"
done
