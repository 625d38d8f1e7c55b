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
	// Step 1: start from prod's folder, point its value files at the new
	// folder, and keep only what differs (staging is not a prod cluster).
	staging := filepath.Join(tmp, "clusters", "staging")
	require.NoError(t, os.CopyFS(staging, os.DirFS(filepath.Join(repo, "clusters", "prod"))))
	require.NoError(t, filepath.WalkDir(staging, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(path, []byte(strings.ReplaceAll(string(data), "/clusters/prod/", "/clusters/staging/")), 0o644)
	}))
	settings := filepath.Join(staging, "chartcheck.yaml")
	data, err = os.ReadFile(settings)
	require.NoError(t, err)
	require.Contains(t, string(data), "prod: true\n")
	require.NoError(t, os.WriteFile(settings, []byte(strings.Replace(string(data), "prod: true\n", "", 1)), 0o644))
	write("clusters/staging/doc-search/values.yaml", "replicaCount: 2\n")
	write("clusters/staging/doc-search/image.yaml", "image:\n  tag: \"1.0.0-build.1\"\n  digest: \"\"\n")
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
