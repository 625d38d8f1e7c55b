package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

func repo(name string) string { return filepath.Join("testdata", "repos", name) }

func TestRender_PrintsEveryObjectWithItsSource(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"render", "--repo", repo("features"), "--offline", "clusters/demo"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	objs, err := manifest.Parse(out.Bytes(), manifest.Source{File: "stdout"})
	require.NoError(t, err)
	assert.Len(t, objs, 30)
	assert.Contains(t, out.String(), "# Application: web\n# Source: charts/web/templates/deployment.yaml:2\n")
	assert.Contains(t, errOut.String(), "application elsewhere skipped: remote git repository https://github.com/someone/else.git")
}

func TestRender_AppFlagNarrowsToOneApplication(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"render", "--repo", repo("features"), "--offline", "--app", "plain", "demo"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	objs, err := manifest.Parse(out.Bytes(), manifest.Source{File: "stdout"})
	require.NoError(t, err)
	var names []string
	for _, o := range objs {
		names = append(names, o.Object.GetName())
	}
	assert.ElementsMatch(t, []string{"top", "second", "nested"}, names)
}

func TestRender_BadInputExitsTwo(t *testing.T) {
	for _, args := range [][]string{
		{"render", "--repo", repo("broken"), "--offline", "clusters/cycle"},
		{"render", "--repo", repo("broken"), "--offline", "clusters/helm-error"},
		{"render", "--repo", repo("features"), "--offline", "clusters/missing"},
		{"render", "--no-such-flag"},
	} {
		t.Run(strings.Join(args[1:], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			assert.Equal(t, 2, run(args, &out, &errOut))
			assert.Empty(t, out.String(), "nothing half-rendered on stdout")
			assert.Contains(t, errOut.String(), "chartcheck: ")
		})
	}
}
