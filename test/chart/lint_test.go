package chart

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// everythingOn turns every optional object on, so lint and Pod Security see
// all templates.
var everythingOn = map[string]any{
	"autoscaling":    map[string]any{"enabled": true},
	"ingress":        map[string]any{"enabled": true, "className": "nginx", "tls": []any{map[string]any{"secretName": "tls", "hosts": []any{"doc-search.local"}}}},
	"serviceMonitor": map[string]any{"force": true, "labels": map[string]any{"release": "kube-prometheus-stack"}},
	"prometheusRule": map[string]any{"force": true},
	"corpus":         map[string]any{"existingClaim": "corpus"},
	"service":        map[string]any{"type": "NodePort", "nodePort": 30080},
	"startup":        map[string]any{"delay": "20s"},
	"networkPolicy":  map[string]any{"allowExternal": true},
}

func TestLint_ChartHasNoWarningsOrErrors(t *testing.T) {
	kv, err := chartutil.ParseKubeVersion("v1.33.0")
	require.NoError(t, err)
	tests := []struct {
		name   string
		values map[string]any
	}{
		{name: "defaults", values: map[string]any{}},
		{name: "everything_on", values: everythingOn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			linter := lint.AllWithKubeVersion(chartDir(t), tt.values, namespace, kv)
			for _, m := range linter.Messages {
				assert.Less(t, m.Severity, support.WarningSev, "%s", m)
			}
		})
	}
}

func TestLint_ReportsBadValuesAsError(t *testing.T) {
	kv, err := chartutil.ParseKubeVersion("v1.33.0")
	require.NoError(t, err)
	linter := lint.AllWithKubeVersion(chartDir(t), map[string]any{"replicaCount": "two"}, namespace, kv)
	require.Equal(t, support.ErrorSev, linter.HighestSeverity, "%v", linter.Messages)
	var texts []string
	for _, m := range linter.Messages {
		texts = append(texts, m.Error())
	}
	assert.Contains(t, strings.Join(texts, "\n"), "/replicaCount")
}
