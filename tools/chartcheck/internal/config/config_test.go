package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoad_ReadsClusterSettings(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte("kubeVersion: \"1.31.2\"\napiVersions: [monitoring.coreos.com/v1]\nprod: true\n"), 0o644))
	c, err := Load(dir, nil)
	require.NoError(t, err)
	assert.Equal(t, "1.31.2", c.KubeVersion)
	assert.Equal(t, []string{"monitoring.coreos.com/v1"}, c.APIVersions)
	assert.True(t, c.Prod)
}

func TestLoad_MissingFileGivesDefaults(t *testing.T) {
	c, err := Load(t.TempDir(), nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultKubeVersion, c.KubeVersion)
	assert.False(t, c.Prod)
}

func TestLoad_BadFileIsAnErrorNamingIt(t *testing.T) {
	tests := map[string]struct {
		content string
		want    string
	}{
		"unknown field":    {content: "kubeVersion: \"1.33.0\"\nprdo: true\n", want: "field prdo not found"},
		"bad kube version": {content: "kubeVersion: one\n", want: `kubeVersion "one"`},
		"wrong type":       {content: "prod: [yes]\n", want: "decoding"},
		"empty apiVersion": {content: "apiVersions: [\"\"]\n", want: "apiVersions[0] is empty"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))
			_, err := Load(dir, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
