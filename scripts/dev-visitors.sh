#!/usr/bin/env bash
# make dev-visitors: the developers' stack of docker-compose.yml without
# Docker. Debian's PostgreSQL in .cache/dev-visitors (loopback only, no
# password), the migrations, then visitors on http://localhost:8081
# (metrics on :8001) until Ctrl-C, which stops PostgreSQL too.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="$root/.cache/dev-visitors"
port=${PGPORT_DEV:-5433}
mkdir -p "$dir"

bin=$(dirname "$(readlink -f "$(command -v pg_ctl 2>/dev/null || true)")" 2>/dev/null || true)
if [[ ! -x "$bin/initdb" ]]; then
	bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
fi
if [[ ! -x "$bin/initdb" ]]; then
	echo "dev-visitors: no PostgreSQL server found: apt-get install postgresql (or make deps)" >&2
	exit 1
fi

# PostgreSQL refuses to run as root: as root, run it as nobody.
as=()
if [[ $(id -u) -eq 0 ]]; then
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
	chown nobody:nogroup "$dir"
fi
data="$dir/data"
if [[ ! -d "$data" ]]; then
	"${as[@]}" "$bin/initdb" -D "$data" -U visitors --auth=trust -E UTF8 --locale=C >/dev/null
fi
"${as[@]}" "$bin/pg_ctl" start -w -D "$data" -l "$dir/server.log" \
	-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir" >/dev/null
trap '"${as[@]}" "$bin/pg_ctl" stop -m fast -D "$data" >/dev/null' EXIT
"$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U visitors -d postgres -tAc \
	"SELECT 1 FROM pg_database WHERE datname = 'visitors'" | grep -q 1 ||
	"$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U visitors -d postgres -c "CREATE DATABASE visitors"

# A key of this machine's own, kept beside the data so visitors stay the
# same visitors from one run to the next.
if [[ -z ${VISITORS_HASH_KEY:-} ]]; then
	[[ -s "$dir/hash-key" ]] || (umask 077 && openssl rand -hex 32 >"$dir/hash-key")
	VISITORS_HASH_KEY=$(cat "$dir/hash-key")
fi
export VISITORS_HASH_KEY
export DATABASE_URL="postgres://visitors@127.0.0.1:$port/visitors?sslmode=disable"
export VISITORS_ADDR=${VISITORS_ADDR:-:8081} VISITORS_METRICS_ADDR=${VISITORS_METRICS_ADDR:-:8001}
export VISITORS_LOG_LEVEL=${VISITORS_LOG_LEVEL:-debug}

cd "$root"
bi=github.com/doc-search/gitops/app/internal/buildinfo
go build -ldflags "-X $bi.Version=$(cat app/visitors/VERSION) -X $bi.Build=0 -X $bi.Commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo dev)" \
	-o "$dir/visitors" ./app/visitors/cmd/visitors
"$dir/visitors" migrate
echo "dev-visitors: http://localhost${VISITORS_ADDR} (metrics on ${VISITORS_METRICS_ADDR}); Ctrl-C stops it and PostgreSQL" >&2
"$dir/visitors"
