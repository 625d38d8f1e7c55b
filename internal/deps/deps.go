//go:build deps

// Package deps pins the module versions the project's packages build against
// before every one of them is imported by code, so `go mod tidy` keeps the
// set that was chosen to work together (Argo CD v2.14 with Kubernetes v0.33).
package deps

import (
	_ "github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	_ "github.com/argoproj/argo-cd/v2/reposerver/repository"
	_ "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "helm.sh/helm/v3/pkg/chart/loader"
	_ "helm.sh/helm/v3/pkg/engine"
	_ "helm.sh/helm/v3/pkg/lint"
	_ "k8s.io/pod-security-admission/policy"
	_ "sigs.k8s.io/kustomize/api/krusty"
)
