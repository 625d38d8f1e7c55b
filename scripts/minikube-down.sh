#!/usr/bin/env bash
# make minikube-down: delete the minikube cluster made by make minikube-up
# (Argo CD, the Prometheus stack, doc-search and the images built in it).
set -euo pipefail
# shellcheck source=scripts/minikube-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/minikube-lib.sh"

need minikube "https://minikube.sigs.k8s.io/docs/start/"
need kubectl "https://kubernetes.io/docs/tasks/tools/"
require_minikube_context
log "deleting minikube profile $MINIKUBE_PROFILE"
minikube delete -p "$MINIKUBE_PROFILE"
