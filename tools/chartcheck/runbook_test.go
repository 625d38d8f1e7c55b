package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunbook_AddAClusterChecksClean follows "Add a cluster" in
// docs/runbooks.md on a copy of this repository: a staging cluster of the
// files the runbook lists, values only where they differ from the chart's
// defaults, no chartcheck.yaml (it is not a prod cluster). chartcheck must
// find it clean, as it must the clusters already there.
func TestRunbook_AddAClusterChecksClean(t *testing.T) {
	repo := filepath.Join("..", "..")
	tmp := t.TempDir()
	for _, dir := range []string{"charts", "clusters", "argocd"} {
		require.NoError(t, os.CopyFS(filepath.Join(tmp, dir), os.DirFS(filepath.Join(repo, dir))))
	}
	data, err := os.ReadFile(filepath.Join(repo, "chartcheck.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "chartcheck.yaml"), data, 0o644))

	write := func(path, content string) {
		t.Helper()
		path = filepath.Join(tmp, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(strings.TrimLeft(content, "\n")), 0o644))
	}
	// Step 1: the cluster folder.
	write("clusters/staging/kustomization.yaml", `
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../argocd/projects
  - ../../argocd/apps
  - namespaces.yaml
patches:
  - path: doc-search/application.yaml
  - path: kube-prometheus-stack/application.yaml
`)
	write("clusters/staging/namespaces.yaml", `
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
  annotations:
    argocd.argoproj.io/sync-wave: "-2"
---
apiVersion: v1
kind: Namespace
metadata:
  name: doc-search
  labels:
    pod-security.kubernetes.io/enforce: restricted
  annotations:
    argocd.argoproj.io/sync-wave: "-2"
`)
	write("clusters/staging/doc-search/application.yaml", `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: doc-search
  namespace: argocd
spec:
  source:
    helm:
      valueFiles:
        - /clusters/staging/doc-search/values.yaml
        - /clusters/staging/doc-search/image.yaml
  destination:
    namespace: doc-search
`)
	write("clusters/staging/doc-search/values.yaml", "replicaCount: 2\n")
	write("clusters/staging/doc-search/image.yaml", "image:\n  tag: \"1.0.0-build.1\"\n  digest: \"\"\n")
	write("clusters/staging/kube-prometheus-stack/application.yaml", `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: kube-prometheus-stack
  namespace: argocd
spec:
  destination:
    namespace: monitoring
`)
	// Step 2: its root Application.
	write("argocd/root/staging/kustomization.yaml", `
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base
patches:
  - target:
      kind: Application
      name: root
    patch: |-
      - op: replace
        path: /spec/source/path
        value: clusters/staging
`)

	stdout, stderr, code := runBinary(t, nil, "check", "--offline", "--repo", tmp, "--repo-url", "https://github.com/doc-search/gitops.git")
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "cluster staging: 0 finding(s)")
}
