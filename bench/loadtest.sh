#!/usr/bin/env bash
# Load test of doc-search at full scale on loopback: generates the synthetic
# Blog corpus once (19,320 documents, 800 MB, cached in .cache/corpus), starts
# doc-search on it, runs wrk with three query mixes (rare, common, mixed) for a
# bounded time each, then the same load against an empty Go handler on the
# same port: this machine's ceiling. Prints requests/s, p50/p90/p99, the
# index build rate and the server's peak RSS.
#
# Each server first serves WARMUP of the rare mix, unmeasured, so that the
# figures are those of a server that has been running: the first tens of MB a
# fresh process allocates are page faults, paid once per start, not per
# request. WARMUP=0s measures the cold start instead.
#
# Settings (environment): DURATION (10s per run), WARMUP (2s), CONNECTIONS (32), THREADS (2),
# PORT (18080), DOCS (19320), BYTES (800MB), SEED (1), LOG_LEVEL (info, which
# writes one access-log line per request, as in production).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
duration=${DURATION:-10s}
warmup=${WARMUP:-2s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
port=${PORT:-18080}
docs=${DOCS:-19320}
bytes=${BYTES:-800MB}
seed=${SEED:-1}
log_level=${LOG_LEVEL:-info}
corpus=.cache/corpus/blog-$docs-$bytes-seed$seed
work=.cache/loadtest
mkdir -p "$work"

command -v wrk >/dev/null || { echo "loadtest: wrk is missing (apt-get install wrk, or make deps)" >&2; exit 1; }

echo "loadtest: building doc-search, gencorpus, emptyserver"
go build -o "$work/doc-search" ./app/cmd/doc-search
go build -o "$work/gencorpus" ./app/cmd/gencorpus
go build -o "$work/emptyserver" ./bench/emptyserver

if [[ ! -f $corpus/.complete ]]; then
	echo "loadtest: generating $corpus (once)"
	rm -rf "$corpus"
	"$work/gencorpus" --docs "$docs" --bytes "$bytes" --seed "$seed" --out "$corpus"
	touch "$corpus/.complete"
fi
mixes=(rare common mixed)
for mix in "${mixes[@]}"; do
	"$work/gencorpus" --queries "$mix" --n 2000 --seed "$seed" >"$work/$mix.txt"
done

pid=
stop() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" || true
	fi
	pid=
}
trap stop EXIT

# wait_port waits until something accepts connections on the port.
wait_port() {
	for _ in $(seq 1 300); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "loadtest: nothing listens on port $port" >&2
	return 1
}

# readyz: whether GET /readyz answers 200, asked through bash's /dev/tcp.
readyz() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
		printf 'GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		read -r _ status _ <&3
		[[ $status == 200 ]]
	) 2>/dev/null
}

# cpu_ticks: CPU time (user + system, in clock ticks) the server has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

# warm_up: serves the rare mix for the warm-up time, unmeasured.
warm_up() {
	if [[ $warmup != 0 && $warmup != 0s ]]; then
		echo "loadtest: warm-up, rare, $warmup"
		wrk -t"$threads" -c"$connections" -d"$warmup" -s bench/queries.lua \
			"http://127.0.0.1:$port/search" -- "$work/rare.txt" >/dev/null
	fi
}

# run_wrk MIX: prints "req/s p50 p90 p99 non2xx cpu-us/req" for one bounded
# run. The server's CPU time per request is steadier than req/s on a machine
# that others share.
run_wrk() {
	local out before after
	before=$(cpu_ticks)
	out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s bench/queries.lua \
		"http://127.0.0.1:$port/search" -- "$work/$1.txt")
	after=$(cpu_ticks)
	echo "$out" >"$work/wrk-$1-$2.txt"
	awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
		/ requests in / { n = $1 }
		/Requests\/sec:/ { rps = $2 }
		/^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
		/Non-2xx/ { bad = $NF }
		END { printf "%s %s %s %s %s %.1f\n", rps, p50, p90, p99, (bad == "" ? 0 : bad), (n > 0 ? 1e6 * ticks / hz / n : 0) }' <<<"$out"
}

echo "loadtest: starting doc-search on $corpus"
log=$work/doc-search.log
started=$(date +%s.%N)
DOCSEARCH_LOG_LEVEL=$log_level "$work/doc-search" --data "$corpus" --addr "127.0.0.1:$port" \
	--metrics-addr 127.0.0.1:0 --drain-delay 0s >"$log" 2>&1 &
pid=$!
# The "ready" log line is at info; with a higher level, poll readiness instead.
# Both checks fork nothing heavier than grep: starting a Go client every
# 0.2 s took over a CPU-second from an index build that uses both cores.
until grep -q '"msg":"ready"' "$log" 2>/dev/null || readyz; do
	kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "loadtest: doc-search exited" >&2; exit 1; }
	sleep 0.2
done
ready=$(date +%s.%N)
# CPU seconds the process used to start and index: on a shared machine this
# says more than the wall time.
build_cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$pid/stat")
rss_after_build=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")

warm_up
declare -A result
for mix in "${mixes[@]}"; do
	echo "loadtest: wrk $mix, $connections connections, $duration"
	result[$mix]=$(run_wrk "$mix" doc-search)
done
peak_rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
stop

echo "loadtest: starting the empty handler on the same port"
"$work/emptyserver" --addr "127.0.0.1:$port" &
pid=$!
wait_port
warm_up
echo "loadtest: wrk rare against the empty handler, $connections connections, $duration"
ceiling=$(run_wrk rare empty)
stop

corpus_mb=$(du -sm --apparent-size "$corpus" | cut -f1)
echo
echo "doc-search load test: $docs documents, ${corpus_mb} MB, $connections connections, $threads wrk threads, $duration per run after a $warmup warm-up, $(nproc) cores"
awk -v s="$started" -v r="$ready" -v mb="$corpus_mb" 'BEGIN { printf "start to ready: %.1f s (%.0f MB/s including process start)\n", r - s, mb / (r - s) }'
grep -o '"msg":"ready".*' "$log" | head -1 || true
awk -v c="$build_cpu" -v mb="$corpus_mb" 'BEGIN { printf "CPU time to ready: %s s (%.0f MB per CPU-second); load average now: %s\n", c, mb / c, "'"$(cut -d' ' -f1-3 /proc/loadavg)"'" }'
echo "RSS after index build: $((rss_after_build / 1024)) MB; peak RSS (VmHWM): $((peak_rss / 1024)) MB"
printf '%-22s %12s %10s %10s %10s %8s %12s\n' run "req/s" p50 p90 p99 non-2xx "CPU us/req"
for mix in "${mixes[@]}"; do
	# shellcheck disable=SC2086 # word splitting of the five fields is wanted
	printf '%-22s %12s %10s %10s %10s %8s %12s\n' "doc-search $mix" ${result[$mix]}
done
# shellcheck disable=SC2086
printf '%-22s %12s %10s %10s %10s %8s %12s\n' "empty handler (rare)" $ceiling
awk -v a="${result[rare]%% *}" -v b="${ceiling%% *}" 'BEGIN { printf "rare-word search at %.0f%% of the empty-handler ceiling\n", 100 * a / b }'
