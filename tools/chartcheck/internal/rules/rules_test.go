package rules_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/doc-search/gitops/tools/chartcheck/internal/check"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

var update = flag.Bool("update", false, "rewrite each testdata/<rule>/expect.yaml from what the rule finds")

// expected is one finding as a fixture states it; the rule, severity and
// file are the fixture's own.
type expected struct {
	Object  string `yaml:"object"`
	Path    string `yaml:"path"`
	Line    int    `yaml:"line"`
	Message string `yaml:"message"`
}

// runRule checks a fixture file with only the given rule enabled and
// returns its findings.
func runRule(t *testing.T, id, file string, prod bool) []expected {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	objs, err := manifest.Parse(data, manifest.Source{File: file})
	require.NoError(t, err)
	var disable []string
	for _, r := range rules.All() {
		if r.ID != id {
			disable = append(disable, r.ID)
		}
	}
	settings := ruleconfig.Settings{Enable: []string{id}, Disable: disable}
	got := []expected{}
	for _, f := range check.Run(check.Input{Prod: prod, Objects: objs, Settings: settings}) {
		require.Equal(t, id, f.Rule)
		require.Equal(t, file, f.Source.File)
		got = append(got, expected{Object: f.Object, Path: f.Path, Line: f.Source.Line, Message: f.Message})
	}
	return got
}

// TestRules_PassAndFailFixtures runs every rule over its pass fixture (no
// finding) and its fail fixture (exactly the findings in expect.yaml, which
// -update rewrites).
func TestRules_PassAndFailFixtures(t *testing.T) {
	for _, r := range rules.All() {
		if r.Suppression {
			continue // reported by the suppression step, tested there
		}
		t.Run(r.ID, func(t *testing.T) {
			dir := filepath.Join("testdata", r.ID)
			require.DirExists(t, dir, "every rule needs fixtures")
			_, err := os.Stat(filepath.Join(dir, "cluster.yaml"))
			prod := err == nil

			assert.Empty(t, runRule(t, r.ID, filepath.Join(dir, "pass.yaml"), prod), "pass fixture")

			got := runRule(t, r.ID, filepath.Join(dir, "fail.yaml"), prod)
			require.NotEmpty(t, got, "fail fixture gives no finding")
			file := filepath.Join(dir, "expect.yaml")
			if *update {
				out, err := yaml.Marshal(got)
				require.NoError(t, err)
				head := "# " + r.ID + ": the findings of fail.yaml, written by go test -update.\n"
				require.NoError(t, os.WriteFile(file, append([]byte(head), out...), 0o644))
			}
			data, err := os.ReadFile(file)
			require.NoError(t, err, "run go test -update to write it")
			var want []expected
			dec := yaml.NewDecoder(bytes.NewReader(data))
			dec.KnownFields(true)
			require.NoError(t, dec.Decode(&want), file)
			assert.Equal(t, want, got, "fail fixture (go test -update rewrites %s)", file)
		})
	}
}

// TestRules_ProdRulesNeedProdCluster checks that the prod-only rules stay
// quiet on their fail fixtures outside prod clusters.
func TestRules_ProdRulesNeedProdCluster(t *testing.T) {
	for _, id := range []string{"image-digest-required-prod", "prod-replicas-no-spread", "prod-replicas-no-pdb", "networkpolicy-pods-uncovered"} {
		t.Run(id, func(t *testing.T) {
			assert.Empty(t, runRule(t, id, filepath.Join("testdata", id, "fail.yaml"), false))
		})
	}
}

func TestRules_MetadataComplete(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range rules.All() {
		assert.False(t, ids[r.ID], "duplicate %s", r.ID)
		ids[r.ID] = true
		assert.Regexp(t, `^[a-z0-9]+(-[a-z0-9]+)+$`, r.ID)
		assert.NotEmpty(t, r.Description, r.ID)
		assert.NotEmpty(t, r.Remediation, r.ID)
		assert.NotEmpty(t, r.Scope, r.ID)
		assert.NotEmpty(t, r.Category, r.ID)
		got, ok := rules.Lookup(r.ID)
		require.True(t, ok)
		assert.Same(t, r, got)
	}
	_, ok := rules.Lookup("no-such-rule")
	assert.False(t, ok)
}

func TestParseSeverity_RejectsUnknownNames(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    rules.Severity
		wantErr bool
	}{
		{"error", rules.Error, false},
		{"Warning", rules.Warning, false},
		{"info", rules.Info, false},
		{"fatal", 0, true},
	} {
		got, err := rules.ParseSeverity(tc.in)
		if tc.wantErr {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

func allRules() []string {
	var out []string
	for _, r := range rules.All() {
		out = append(out, r.ID)
	}
	return out
}
