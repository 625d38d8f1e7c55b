package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerate_WritesTheSameFileForTheSameFlags(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	require.NoError(t, generate([]string{"--out", a, "--size", "64KiB", "--keys", "100", "--seed", "3"}, io.Discard, io.Discard))
	require.NoError(t, generate([]string{"--out", b, "--size", "64k", "--keys", "100", "--seed", "3"}, io.Discard, io.Discard))
	ab, err := os.ReadFile(a)
	require.NoError(t, err)
	bb, err := os.ReadFile(b)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(ab), 64<<10)
	assert.Equal(t, ab, bb)
}

func TestGenerate_BadFlags(t *testing.T) {
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
		assert.ErrorContains(t, generate(tt.args, io.Discard, io.Discard), tt.want, tt.args)
	}
	entries, err := os.ReadDir(filepath.Dir(out))
	require.NoError(t, err)
	assert.Empty(t, entries, "a failed run leaves no file behind")
}
