package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the real binary: exit codes and messages as a user meets them.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gencorpus-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "gencorpus")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building gencorpus: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func runBinary(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String(), errOut.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errOut.String()
}

func TestProcess_EveryFlagIsValidated(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative n", []string{"--queries", "rare", "--n", "-1"}, "gencorpus: --n must be at least 1, got -1\n"},
		{"zero n", []string{"--queries", "rare", "--n", "0"}, "--n must be at least 1, got 0"},
		{"unknown mix", []string{"--queries", "often"}, `gencorpus: --queries: unknown query mix "often": use rare, common or mixed`},
		{"out with queries", []string{"--queries", "rare", "--out", dir}, "--out does not apply to --queries"},
		{"n without queries", []string{"--out", dir, "--n", "5"}, "--n applies only to --queries"},
		{"no out", nil, "--out DIR is required (or --queries MIX)"},
		{"zero docs", []string{"--out", dir, "--docs", "0"}, "--docs must be at least 1, got 0"},
		{"negative docs", []string{"--out", dir, "--docs", "-3"}, "--docs must be at least 1, got -3"},
		{"bad bytes", []string{"--out", dir, "--bytes", "lots"}, `--bytes: "lots" is not a positive size`},
		{"bytes below docs", []string{"--out", dir, "--docs", "10", "--bytes", "5B"}, "--bytes 5B is less than one byte for each of the 10 documents"},
		{"not a number", []string{"--out", dir, "--docs", "many"}, `invalid value "many" for flag -docs`},
		{"stray argument", []string{"--out", dir, "extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runBinary(t, tt.args...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, tt.want)
			assert.NotContains(t, stderr, "panic")
			assert.Empty(t, stdout)
		})
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written on a usage error")
}

func TestProcess_OutRefusesANonEmptyDirectoryUnlessForced(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runBinary(t, "--out", dir, "--docs", "20", "--bytes", "20kB", "--seed", "1")
	require.Equal(t, 0, code, stderr)
	first, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, first, 20)

	code, _, stderr = runBinary(t, "--out", dir, "--docs", "5", "--bytes", "5kB")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "gencorpus: --out "+dir+" is not empty (20 entries, such as ")
	assert.Contains(t, stderr, "pass --force to replace the corpus in it")
	after, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, after, 20, "the old corpus is left as it was")

	code, _, stderr = runBinary(t, "--out", dir, "--docs", "5", "--bytes", "5kB", "--force")
	require.Equal(t, 0, code, stderr)
	after, err = os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, after, 5, "--force replaced the corpus, no mix of the two")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.md"), []byte("mine"), 0o644))
	code, _, stderr = runBinary(t, "--out", dir, "--docs", "5", "--bytes", "5kB", "--force")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "holds notes.md, which is not a corpus document: --force deletes only documents")
	kept, err := os.ReadFile(filepath.Join(dir, "notes.md"))
	require.NoError(t, err)
	assert.Equal(t, "mine", string(kept))
	after, err = os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, after, 6, "nothing deleted when --force refuses")
}

func TestProcess_HelpAndVersionOnStdout(t *testing.T) {
	code, stdout, stderr := runBinary(t, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "Usage: gencorpus --out DIR")
	assert.Contains(t, stdout, "-force")
	assert.Empty(t, stderr)

	code, stdout, stderr = runBinary(t, "--version")
	assert.Equal(t, 0, code)
	assert.Equal(t, "gencorpus dev (build dev, commit dev)\n", stdout)
	assert.Empty(t, stderr)

	code, stdout, _ = runBinary(t, "--queries", "rare", "--n", "3")
	assert.Equal(t, 0, code)
	assert.Len(t, strings.Split(strings.TrimSpace(stdout), "\n"), 3)
}
