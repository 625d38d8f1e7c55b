#!/usr/bin/env bash
# make minikube-smoke: call doc-search on minikube from outside the cluster,
# load it with hey, then ask the cluster's Prometheus for the search latency
# percentiles it recorded.
#
# Settings (environment): DOCSEARCH_URL (default: the node port on
# `minikube ip`), SMOKE_DURATION (30s), SMOKE_CONCURRENCY (10),
# PROMETHEUS_PORT (19090, the local end of the port-forward).
set -euo pipefail
# shellcheck source=scripts/minikube-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/minikube-lib.sh"

SMOKE_DURATION=${SMOKE_DURATION:-30s}
SMOKE_CONCURRENCY=${SMOKE_CONCURRENCY:-10}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-19090}

need minikube "https://minikube.sigs.k8s.io/docs/start/"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need curl "your package manager"
need jq "your package manager"
need hey "go install github.com/rakyll/hey@v0.1.4, or your package manager"
require_minikube_context

url=${DOCSEARCH_URL:-}
if [[ -z $url ]]; then
	url=$(node_url) || die "service doc-search has no node port yet: is the doc-search Application synced? (kubectl -n argocd get applications)"
fi

log "calling $url from outside the cluster"
body=$(curl -fsS --max-time 5 "$url/search?q=hello+world") ||
	die "$url does not answer. With minikube's docker driver on macOS or Windows the node IP is not reachable: run 'minikube service doc-search --url' in another terminal and set DOCSEARCH_URL to what it prints"
jq -e '.results | index("1") != null' <<<"$body" >/dev/null ||
	die "q=hello+world answered $body; document 1 was expected"
printf 'search q=hello+world: %s\n' "$body"
printf 'version: %s\n' "$(curl -fsS --max-time 5 "$url/version")"

log "load: hey -z $SMOKE_DURATION -c $SMOKE_CONCURRENCY $url/search?q=thank+you"
hey -z "$SMOKE_DURATION" -c "$SMOKE_CONCURRENCY" "$url/search?q=thank+you"

log "port-forwarding Prometheus to 127.0.0.1:$PROMETHEUS_PORT"
pf_log=$(mktemp)
kc -n monitoring port-forward svc/kube-prometheus-stack-prometheus "$PROMETHEUS_PORT:9090" >"$pf_log" 2>&1 &
pf_pid=$!
trap 'kill "$pf_pid" 2>/dev/null || true; rm -f "$pf_log"' EXIT
prom="http://127.0.0.1:$PROMETHEUS_PORT"
for _ in {1..30}; do
	curl -fsS --max-time 2 "$prom/-/ready" >/dev/null 2>&1 && break
	sleep 1
done
curl -fsS --max-time 2 "$prom/-/ready" >/dev/null || die "Prometheus is not reachable: $(cat "$pf_log")"

# quantile Q: the Q-quantile of search latency over the last two minutes, in
# seconds, from doc-search's histogram as Prometheus scraped it.
quantile() {
	local query="histogram_quantile($1, sum by (le) (rate(docsearch_http_request_duration_seconds_bucket{handler=\"search\"}[2m])))"
	curl -fsS --max-time 10 --get "$prom/api/v1/query" --data-urlencode "query=$query" |
		jq -r '.data.result[0].value[1] // empty'
}

# The load must have been scraped at least twice for rate() to see it.
log "waiting for Prometheus to scrape the load"
p50=""
for _ in {1..12}; do
	p50=$(quantile 0.5)
	[[ -n $p50 && $p50 != NaN ]] && break
	sleep 10
done
[[ -n $p50 && $p50 != NaN ]] ||
	die "Prometheus has no docsearch_http_request_duration_seconds samples: is the ServiceMonitor selected? (Prometheus UI: Status > Targets)"

ms() { awk -v s="$1" 'BEGIN { printf "%.2f ms", s * 1000 }'; }
printf '\nsearch latency seen by Prometheus (last 2m, handler="search"):\n'
printf '  p50 %s\n  p90 %s\n  p99 %s\n' "$(ms "$p50")" "$(ms "$(quantile 0.9)")" "$(ms "$(quantile 0.99)")"
