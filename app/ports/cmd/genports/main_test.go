package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun_WritesTheSameFileForTheSameFlags(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	require.NoError(t, run([]string{"--out", a, "--size", "64KiB", "--keys", "100", "--seed", "3"}))
	require.NoError(t, run([]string{"--out", b, "--size", "64k", "--keys", "100", "--seed", "3"}))
	ab, err := os.ReadFile(a)
	require.NoError(t, err)
	bb, err := os.ReadFile(b)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(ab), 64<<10)
	assert.Equal(t, ab, bb)
}

func TestRun_BadFlags(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.json")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--size", "1MiB"}, "--out is required"},
		{[]string{"--out", out, "--size", "lots"}, `--size "lots"`},
		{[]string{"--out", out, "--keys", "0"}, "keys 0: want 1 to"},
		{[]string{"--out", filepath.Join(out, "in", "file")}, "no such file or directory"},
	}
	for _, tt := range tests {
		assert.ErrorContains(t, run(tt.args), tt.want, tt.args)
	}
	entries, err := os.ReadDir(filepath.Dir(out))
	require.NoError(t, err)
	assert.Empty(t, entries, "a failed run leaves no file behind")
}
