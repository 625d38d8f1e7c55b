package ruleconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chartcheck.yaml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestLoadRoot_RejectsBadSettingsNamingTheFile(t *testing.T) {
	for _, tc := range []struct {
		name, content, wantErr string
	}{
		{"unknown rule", "rules:\n  disable: [probe-readynes-missing]\n", `rules.disable[0]: unknown rule "probe-readynes-missing"`},
		{"unknown key", "rules:\n  disabel: [probe-readiness-missing]\n", "field disabel not found"},
		{"bad severity", "rules:\n  severity: {probe-readiness-missing: fatal}\n", `unknown severity "fatal"`},
		{"ignore without rule", "rules:\n  ignore:\n    - kind: Service\n      reason: x\n", "rules.ignore[0]: rule is required"},
		{"unknown top-level key", "rule:\n  disable: []\n", "field rule not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.content)
			_, err := ruleconfig.LoadRoot(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Contains(t, err.Error(), path)
		})
	}
}

func TestLoadRoot_MissingFileGivesDefaults(t *testing.T) {
	s, err := ruleconfig.LoadRoot(filepath.Join(t.TempDir(), "absent.yaml"))
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, r := range s.Rules() {
		ids[r.ID] = true
	}
	assert.True(t, ids["probe-readiness-missing"])
	assert.False(t, ids["resources-cpu-limit-missing"], "off by default")
}

func TestMerge_ClusterOverridesRoot(t *testing.T) {
	root, err := ruleconfig.LoadRoot(write(t, "rules:\n  severity: {image-tag-latest: warning}\n  disable: [pdb-blocks-eviction]\n"))
	require.NoError(t, err)
	var node yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("severity: {image-tag-latest: info}\nenable: [resources-cpu-limit-missing]\nignore:\n  - rule: image-tag-latest\n    reason: r\n"), &node))
	cluster, err := ruleconfig.Decode(&node, "clusters/x/chartcheck.yaml")
	require.NoError(t, err)
	require.Len(t, cluster.Ignore, 1)
	assert.Equal(t, 4, cluster.Ignore[0].Line)
	assert.Equal(t, "clusters/x/chartcheck.yaml", cluster.Ignore[0].File)

	merged := root.Merge(cluster)
	got := map[string]rules.Severity{}
	for _, r := range merged.Rules() {
		got[r.ID] = r.Severity
	}
	assert.Equal(t, rules.Info, got["image-tag-latest"])
	assert.Contains(t, got, "resources-cpu-limit-missing")
	assert.NotContains(t, got, "pdb-blocks-eviction")
	// The registry itself keeps its defaults.
	r, _ := rules.Lookup("image-tag-latest")
	assert.Equal(t, rules.Error, r.Severity)
}

func TestRepositoryRootConfigIsValid(t *testing.T) {
	_, err := ruleconfig.LoadRoot(filepath.Join("..", "..", "..", "..", ruleconfig.FileName))
	require.NoError(t, err)
}
