# shellcheck shell=bash
# Shared by scripts/minikube-*.sh: settings, small helpers and the guard that
# keeps them away from every cluster but the minikube one.

MINIKUBE_PROFILE=${MINIKUBE_PROFILE:-minikube}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# need CMD HINT: stop early, saying how to get a missing tool.
need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 is required: $2"
}

# kc is kubectl on the minikube context, whichever context is current.
kc() { kubectl --context "$MINIKUBE_PROFILE" "$@"; }

# require_minikube_context refuses to go on when kubectl points at another
# cluster: these scripts install and delete things, and a person who then
# types a plain kubectl command must land on minikube too.
require_minikube_context() {
	local current
	current=$(kubectl config current-context 2>/dev/null || true)
	if [[ -n $current && $current != "$MINIKUBE_PROFILE" ]]; then
		die "the current kube context is '$current', not '$MINIKUBE_PROFILE'. Switch first:" \
			"kubectl config use-context $MINIKUBE_PROFILE (or, before the first start: kubectl config unset current-context)"
	fi
}

# image_tag prints the tag in clusters/minikube/doc-search/image.yaml, the
# image Argo CD will ask minikube for.
image_tag() {
	local file="$root/clusters/minikube/doc-search/image.yaml" tag
	tag=$(sed -n 's/^[[:space:]]*tag:[[:space:]]*"\{0,1\}\([^"[:space:]]*\)"\{0,1\}.*$/\1/p' "$file")
	[[ $tag =~ ^[0-9]+\.[0-9]+\.[0-9]+-build\.[0-9]+$ ]] || die "$file: image.tag '$tag' is not <semver>-build.<n>"
	printf '%s\n' "$tag"
}

# image_digest prints image.digest of the same file (empty when unset).
image_digest() {
	sed -n 's/^[[:space:]]*digest:[[:space:]]*"\{0,1\}\(sha256:[0-9a-f]*\)"\{0,1\}.*$/\1/p' \
		"$root/clusters/minikube/doc-search/image.yaml"
}

# node_url prints http://<minikube ip>:<node port of doc-search's http port>.
node_url() {
	local port
	port=$(kc -n default get service doc-search -o jsonpath='{.spec.ports[?(@.name=="http")].nodePort}' 2>/dev/null || true)
	[[ -n $port ]] || return 1
	printf 'http://%s:%s\n' "$(minikube -p "$MINIKUBE_PROFILE" ip)" "$port"
}
