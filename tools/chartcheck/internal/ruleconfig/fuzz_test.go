package ruleconfig_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/doc-search/gitops/tools/chartcheck/internal/config"
	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// FuzzClusterConfig reads arbitrary bytes as a cluster's chartcheck.yaml the
// way `chartcheck check` does (config.Parse, then ruleconfig.Decode of its
// rules: node): neither may panic, every error must name the file, and what
// is accepted must hold what validation promises. Seeds: the repository's
// chartcheck.yaml files and testdata/fuzz/FuzzClusterConfig.
func FuzzClusterConfig(f *testing.F) {
	repo := filepath.Join("..", "..", "..", "..")
	files, err := filepath.Glob(filepath.Join(repo, "clusters", "*", config.FileName))
	require.NoError(f, err)
	require.NotEmpty(f, files, "the clusters' chartcheck.yaml files are the seeds")
	for _, p := range append(files, filepath.Join(repo, ruleconfig.FileName)) {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("rules:\n  ignore:\n    - rule: image-tag-latest\n      kind: Deployment\n      name: \"web-*\"\n      reason: third-party\n  severity: {image-tag-latest: warning}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "clusters/fuzz/chartcheck.yaml"
		c, err := config.Parse(data)
		if err != nil {
			return
		}
		// An empty kubeVersion is the repository's shared one, filled in later.
		if c.KubeVersion != "" {
			_, err = chartutil.ParseKubeVersion(c.KubeVersion)
			require.NoError(t, err, "accepted kubeVersion %q", c.KubeVersion)
		}
		for i, v := range c.APIVersions {
			require.NotEmpty(t, v, "apiVersions[%d]", i)
		}
		s, err := ruleconfig.Decode(&c.Rules, file)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), file), "error does not name the file: %v", err)
			return
		}
		for _, id := range append(append([]string(nil), s.Enable...), s.Disable...) {
			_, ok := rules.Lookup(id)
			assert.True(t, ok, "accepted unknown rule %q", id)
		}
		for i, ig := range s.Ignore {
			_, ok := rules.Lookup(ig.Rule)
			assert.True(t, ok, "ignore[%d]: accepted unknown rule %q", i, ig.Rule)
			assert.Equal(t, file, ig.File, "ignore[%d]", i)
			assert.Positive(t, ig.Line, "ignore[%d] has no line", i)
		}
		for _, r := range s.Merge(s).Rules() {
			if sev, ok := s.Severity[r.ID]; ok {
				assert.Equal(t, sev, r.Severity, "rule %s", r.ID)
			}
		}
	})
}
