#!/usr/bin/env bash
# Builds the programs the end-to-end test runs, each once under a versioned
# name in .cache/e2e/bin (reused while the pinned version is unchanged):
# kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and
# kube-proxy from k8s.io/kubernetes, CoreDNS, the argocd binary from
# github.com/argoproj/argo-cd/v2, and helm and kustomize for the repo server
# (taken from .cache/bin when install-deps put them there).
# Builds run at low priority: a cold build takes ~30 minutes on 2 cores.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin="$root/.cache/e2e/bin"
mkdir -p "$bin"

helm_version=v3.16.3
kustomize_version=v5.4.3
# The node's cluster DNS, run as a process beside the kubelet.
coredns_version=v1.12.1

modversion() { # dir module
	(cd "$1" && go list -m -f '{{.Version}}' "$2")
}

# build dir name version package ldflags: go build inside a wrapper module.
build() {
	local dir=$1 name=$2 version=$3 pkg=$4 ldflags=$5
	local out="$bin/$name-$version"
	if [[ ! -x "$out" ]]; then
		echo "e2e toolchain: building $name $version"
		local start=$SECONDS
		(cd "$dir" && CGO_ENABLED=0 nice -n 19 go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
		mv "$out.tmp" "$out"
		echo "e2e toolchain: built $name $version in $((SECONDS - start))s"
	fi
	ln -sf "$name-$version" "$bin/$name"
}

# install name module@version: go install, unless install-deps already has it.
install() {
	local name=$1 pkg=$2 version=${2##*@}
	if [[ -x "$root/.cache/bin/$name-$version" ]]; then
		ln -sf "$root/.cache/bin/$name-$version" "$bin/$name"
		return
	fi
	if [[ ! -x "$bin/$name-$version" ]]; then
		echo "e2e toolchain: go install $pkg"
		local tmp
		tmp=$(mktemp -d)
		GOBIN="$tmp" GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 19 go install "$pkg"
		mv "$tmp/$(basename "${pkg%@*}")" "$bin/$name-$version"
		rm -rf "$tmp"
	fi
	ln -sf "$name-$version" "$bin/$name"
}

kube=$(modversion "$here/kube" k8s.io/kubernetes)
kube_minor=${kube#v1.}
kube_minor=${kube_minor%%.*}
# Clients refuse a server that reports no version: stamp it like a release.
kube_ldflags=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	kube_ldflags+=" -X $p.gitVersion=$kube -X $p.gitMajor=1 -X $p.gitMinor=$kube_minor -X $p.gitTreeState=clean"
done
build "$here/kube" kube-apiserver "$kube" k8s.io/kubernetes/cmd/kube-apiserver "$kube_ldflags"
for cmd in kube-controller-manager kube-scheduler kubelet kube-proxy; do
	build "$here/kube" "$cmd" "$kube" "k8s.io/kubernetes/cmd/$cmd" "$kube_ldflags"
done

argocd=$(modversion "$here/argocd" github.com/argoproj/argo-cd/v2)
build "$here/argocd" argocd "$argocd" github.com/argoproj/argo-cd/v2/cmd \
	"-X github.com/argoproj/argo-cd/v2/common.version=${argocd#v} -X github.com/argoproj/argo-cd/v2/common.gitTreeState=clean"

install coredns "github.com/coredns/coredns@$coredns_version"
install helm "helm.sh/helm/v3/cmd/helm@$helm_version"
install kustomize "sigs.k8s.io/kustomize/kustomize/v5@$kustomize_version"
