#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: Debian packages
# (when running as root and missing) and Go tools at pinned versions into
# .cache/bin. Safe to run again: it skips what is already there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/.cache/bin"
mkdir -p "$bin"

# Debian packages: command name -> package name.
declare -A debs=(
	[prometheus]=prometheus
	[promtool]=prometheus
	[etcd]=etcd-server
	[redis-server]=redis-server
	[wrk]=wrk
	[hey]=hey
	[yamllint]=yamllint
	[shellcheck]=shellcheck
	[ip]=iproute2
	[git]=git
	# PostgreSQL's server for visitors' tests and make dev-visitors; Debian keeps
	# initdb and pg_ctl in /usr/lib/postgresql/<major>/bin, off PATH.
	[pg_ctlcluster]=postgresql
	[openssl]=openssl
	# Node.js runs dynalite and s3rver, the DynamoDB- and S3-compatible
	# servers of the users service's tests (scripts/install-aws-stores.sh).
	[node]=nodejs
	[npm]=npm
	# The end-to-end test's node (test/e2e/stack/node.go).
	[containerd]=containerd
	[runc]=runc
	[iptables]=iptables
	[conntrack]=conntrack
)
missing=()
for cmd in "${!debs[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${debs[$cmd]}")
done
# CNI plugins are not commands: containerd runs them from /usr/lib/cni.
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
if ((${#missing[@]})); then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	if [[ $(id -u) -ne 0 ]]; then
		echo "install-deps: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
		exit 1
	fi
	echo "install-deps: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go tools, pinned. Each is installed under a versioned name and linked, so a
# version bump here reinstalls it.
go_tool() { # name module@version
	local name=$1 pkg=$2 ver=${2##*@}
	if [[ ! -x "$bin/$name-$ver" ]]; then
		echo "install-deps: go install $pkg"
		local tmp
		tmp=$(mktemp -d)
		GOBIN="$tmp" GOFLAGS=-mod=mod go install "$pkg"
		# One package gives one binary; its name is not always the last path
		# element (sigs.k8s.io/kustomize/kustomize/v5 builds "kustomize").
		mv "$tmp"/* "$bin/$name-$ver"
		rm -rf "$tmp"
	fi
	ln -sf "$name-$ver" "$bin/$name"
}
go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
# Argo CD v2.14's bundled helm and kustomize: the chartcheck fidelity test
# compares the in-process renderer with Argo CD running these.
go_tool helm helm.sh/helm/v3/cmd/helm@v3.16.3
go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5@v5.4.3

# Go programs whose module carries replace directives, which `go install
# pkg@version` refuses: built inside their downloaded module instead.
go_module_build() { # name module version package
	local name=$1 mod=$2 ver=$3 pkg=$4
	if [[ ! -x "$bin/$name-$ver" ]]; then
		echo "install-deps: go build $mod@$ver $pkg"
		local dir
		dir=$(GOFLAGS=-mod=mod go mod download -json "$mod@$ver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
		(cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -o "$bin/$name-$ver.tmp" "$pkg")
		mv "$bin/$name-$ver.tmp" "$bin/$name-$ver"
	fi
	ln -sf "$name-$ver" "$bin/$name"
}
# Jaeger v2 (an OpenTelemetry Collector distribution) for the ports
# service's tracing tests: receives OTLP on loopback, answers its query API.
go_module_build jaeger github.com/jaegertracing/jaeger v1.75.0 ./cmd/jaeger
# DynamoDB- and S3-compatible servers (npm, pinned by their lock file) for
# the users service's contract tests.
bash "$root/scripts/install-aws-stores.sh"
