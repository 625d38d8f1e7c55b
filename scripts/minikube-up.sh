#!/usr/bin/env bash
# make minikube-up: a local cluster that Argo CD reconciles from
# clusters/minikube, running the doc-search image built from this checkout.
#
# Settings (environment): MINIKUBE_PROFILE (minikube), MINIKUBE_CPUS (4),
# MINIKUBE_MEMORY (8g: the Prometheus stack and Argo CD need most of it),
# KUBERNETES_VERSION (v1.33.1), WAIT_SECONDS (900).
set -euo pipefail
# shellcheck source=scripts/minikube-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/minikube-lib.sh"

MINIKUBE_CPUS=${MINIKUBE_CPUS:-4}
MINIKUBE_MEMORY=${MINIKUBE_MEMORY:-8g}
KUBERNETES_VERSION=${KUBERNETES_VERSION:-v1.33.1}
WAIT_SECONDS=${WAIT_SECONDS:-900}

need minikube "https://minikube.sigs.k8s.io/docs/start/"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
need git "https://git-scm.com/downloads"
require_minikube_context

if minikube -p "$MINIKUBE_PROFILE" status >/dev/null 2>&1; then
	log "minikube ($MINIKUBE_PROFILE) is already running"
else
	log "starting minikube ($MINIKUBE_PROFILE): $MINIKUBE_CPUS CPUs, $MINIKUBE_MEMORY, Kubernetes $KUBERNETES_VERSION"
	minikube start -p "$MINIKUBE_PROFILE" --cpus "$MINIKUBE_CPUS" --memory "$MINIKUBE_MEMORY" \
		--kubernetes-version "$KUBERNETES_VERSION"
fi
# minikube start makes its context the current one; anything else is wrong.
require_minikube_context

# The image Argo CD will run is the one named in image.yaml; building it under
# that name inside minikube means no registry is needed (pullPolicy
# IfNotPresent finds it there).
# A digest there (written by a release's promotion commit) names a published
# image, which minikube pulls itself.
tag=$(image_tag)
image="ghcr.io/doc-search/doc-search:$tag"
if [[ -n $(image_digest) ]]; then
	log "image.yaml pins $(image_digest): minikube pulls the published image, no local build"
else
	log "building $image inside minikube from app/doc-search/Dockerfile"
	minikube -p "$MINIKUBE_PROFILE" image build "$root" -t "$image" -f app/doc-search/Dockerfile \
		--build-env DOCKER_BUILDKIT=1 \
		--build-opt "build-arg=VERSION=$(cat "$root/app/doc-search/VERSION")" \
		--build-opt "build-arg=BUILD=${tag##*-build.}" \
		--build-opt "build-arg=COMMIT=$(git -C "$root" rev-parse --short=12 HEAD)"
fi

log "installing Argo CD (argocd/install, server-side apply)"
kc apply --server-side --force-conflicts -k "$root/argocd/install"
kc wait --for=condition=Established --timeout=120s \
	crd/applications.argoproj.io crd/appprojects.argoproj.io
for workload in deployment/argocd-repo-server deployment/argocd-server statefulset/argocd-application-controller; do
	kc -n argocd rollout status "$workload" --timeout=300s
done

log "applying the root Application (argocd/root/minikube)"
kc apply -k "$root/argocd/root/minikube"

# wait_synced APP: until Argo CD reports the Application Synced and Healthy.
deadline=$((SECONDS + WAIT_SECONDS))
wait_synced() {
	local app=$1 status
	while ((SECONDS < deadline)); do
		status=$(kc -n argocd get application "$app" \
			-o jsonpath='{.status.sync.status}/{.status.health.status}' 2>/dev/null || true)
		[[ $status == Synced/Healthy ]] && return 0
		log "$app: ${status:-not created yet} (sync/health)"
		sleep 15
	done
	return 1
}
ready=true
for app in root kube-prometheus-stack doc-search; do
	if ! wait_synced "$app"; then
		ready=false
		log "$app is not Synced/Healthy after ${WAIT_SECONDS}s: look at it in the Argo CD UI"
		break
	fi
done

if url=$(node_url); then
	url="$url/search?q=hello+world"
else
	url="not yet: once doc-search is synced, run: minikube service doc-search --url"
fi
cat <<EOT

Argo CD UI:   kubectl -n argocd port-forward svc/argocd-server 8443:443   then https://localhost:8443
              user admin, password:
              kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d; echo
doc-search:   $url
Grafana:      kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80   then http://localhost:3000
              user admin, password:
              kubectl -n monitoring get secret kube-prometheus-stack-grafana -o jsonpath='{.data.admin-password}' | base64 -d; echo
Smoke test:   make minikube-smoke
EOT
[[ $ready == true ]]
