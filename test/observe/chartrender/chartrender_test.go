package chartrender

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/test/observe/requiretool"
)

const chartDir = "../../../charts/doc-search"

var rel = Release{Name: "doc-search", Namespace: "doc-search"}

// monitoringOn renders what a cluster with the Prometheus Operator gets.
var monitoringOn = map[string]any{
	"serviceMonitor": map[string]any{"enabled": true, "force": true},
	"prometheusRule": map[string]any{"enabled": true, "force": true},
	"dashboard":      map[string]any{"enabled": true},
}

func TestRuleFile_PassesPromtoolCheck(t *testing.T) {
	requiretool.Binaries(t, "promtool")
	m, err := Render(chartDir, rel, monitoringOn)
	require.NoError(t, err)
	rules, err := m.RuleFile()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "doc-search.rules.yml")
	require.NoError(t, os.WriteFile(path, rules, 0o644))
	out, err := exec.Command("promtool", "check", "rules", path).CombinedOutput()
	require.NoError(t, err, "%s\n%s", out, rules)
	assert.Contains(t, string(out), "SUCCESS")
}

func TestRuleFile_ErrorsWhenRulesDisabled(t *testing.T) {
	m, err := Render(chartDir, rel, map[string]any{"prometheusRule": map[string]any{"enabled": false}})
	require.NoError(t, err)
	_, err = m.RuleFile()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no PrometheusRule groups")
}

func TestDashboards_FindsLabelledConfigMaps(t *testing.T) {
	m, err := Render(chartDir, rel, monitoringOn)
	require.NoError(t, err)
	dash, err := m.Dashboards()
	require.NoError(t, err)
	require.NotEmpty(t, dash)
	for key, data := range dash {
		assert.True(t, strings.HasSuffix(key, ".json"), key)
		assert.Contains(t, string(data), `"schemaVersion"`, key)
	}
}
