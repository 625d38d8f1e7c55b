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
