package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// chartcheckBin is the real binary, built once by TestMain, so exit codes
// are tested as CI sees them.
var chartcheckBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chartcheck-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	chartcheckBin = filepath.Join(dir, "chartcheck")
	build := exec.Command("go", "build", "-o", chartcheckBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building chartcheck:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBinary runs chartcheck with a clean CI environment and returns
// stdout, stderr and the exit status.
func runBinary(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(chartcheckBin, args...)
	cmd.Env = append(os.Environ(), "GITHUB_ACTIONS=", "NO_COLOR=")
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), errOut.String(), code
}

func fixture(name string) string { return filepath.Join("testdata", "check", name) }

func TestCheck_ExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		want     int
		wantOut  string
		wantErr  string
		extraEnv []string
	}{
		{name: "clean manifests", args: []string{"check", "--manifests", fixture("clean.yaml")}, want: 0, wantOut: "0 finding(s)"},
		{name: "findings", args: []string{"check", "--manifests", fixture("findings.yaml")}, want: 1,
			wantOut: "probe-readiness-missing"},
		{name: "error below --fail-on", args: []string{"check", "--fail-on", "error", "--manifests", fixture("warning-only.yaml")}, want: 0, wantOut: "suppression-unused"},
		{name: "warning at default --fail-on", args: []string{"check", "--manifests", fixture("warning-only.yaml")}, want: 1},
		{name: "info never fails at error", args: []string{"check", "--fail-on", "error", "--manifests", fixture("clean.yaml"), fixture("warning-only.yaml")}, want: 0},
		{name: "several files as arguments", args: []string{"check", "--manifests", fixture("clean.yaml"), fixture("findings.yaml")}, want: 1, wantOut: fixture("findings.yaml") + ":3"},
		{name: "unparsable YAML", args: []string{"check", "--manifests", fixture("broken.txt")}, want: 2, wantErr: fixture("broken.txt")},
		{name: "missing file", args: []string{"check", "--manifests", fixture("absent.yaml")}, want: 2, wantErr: "absent.yaml"},
		{name: "bad --fail-on", args: []string{"check", "--fail-on", "fatal", "--manifests", fixture("clean.yaml")}, want: 2, wantErr: "--fail-on"},
		{name: "bad --format", args: []string{"check", "--format", "yaml", "--manifests", fixture("clean.yaml")}, want: 2, wantErr: "--format"},
		{name: "unknown flag", args: []string{"check", "--no-such-flag"}, want: 2},
		{name: "unknown cluster", args: []string{"check", "--offline", "--repo", "../..", "clusters/no-such-cluster"}, want: 2, wantErr: "no-such-cluster"},
		{name: "bad settings file", args: []string{"check", "--config", fixture("broken.txt"), "--manifests", fixture("clean.yaml")}, want: 2, wantErr: fixture("broken.txt")},
		{name: "repository settings not applied to plain manifests", args: []string{"check", "--repo", fixture(""), "--manifests", fixture("clean.yaml")}, want: 0},
		{name: "settings applied to manifests with --config", args: []string{"check", "--config", fixture("chartcheck.yaml"), "--manifests", fixture("clean.yaml")}, want: 1, wantOut: "suppression-unused"},
		{name: "explain unknown rule", args: []string{"explain", "no-such-rule"}, want: 2, wantErr: "no-such-rule"},
		{name: "explain suggests the nearest rule", args: []string{"explain", "probe-readyness-missing"}, want: 2, wantErr: "did you mean probe-readiness-missing?"},
		{name: "missing --config file", args: []string{"check", "--config", "no-such-chartcheck.yaml", "--manifests", fixture("clean.yaml")}, want: 2, wantErr: "--config: stat no-such-chartcheck.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runBinary(t, tc.extraEnv, tc.args...)
			assert.Equal(t, tc.want, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, out, tc.wantOut)
			assert.Contains(t, errOut, tc.wantErr)
		})
	}
}

func TestCheck_TextPointsAtFileAndLineGroupedByObject(t *testing.T) {
	out, _, code := runBinary(t, nil, "check", "--manifests", fixture("findings.yaml"))
	require.Equal(t, 1, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.GreaterOrEqual(t, len(lines), 3, out)
	assert.Equal(t, "manifests: 2 finding(s): 1 error, 1 warning, 0 info", lines[0])
	assert.Equal(t, "  Deployment/app/web  "+fixture("findings.yaml")+":3", lines[1])
	assert.Contains(t, out, "error   probe-readiness-missing  spec.template.spec.containers[web].readinessProbe:")
	assert.Contains(t, out, "warning suppression-unused")
	assert.NotContains(t, out, "\x1b[", "no colours when not on a terminal")
}

func TestCheck_GitHubActionsAnnotations(t *testing.T) {
	out, _, code := runBinary(t, []string{"GITHUB_ACTIONS=true"}, "check", "--manifests", fixture("findings.yaml"))
	require.Equal(t, 1, code)
	assert.Contains(t, out, "::error file="+fixture("findings.yaml")+",line=3,title=probe-readiness-missing::Deployment/app/web")
}

func TestCheck_OutputFileAndFormats(t *testing.T) {
	for _, format := range []string{"json", "sarif", "junit"} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report")
			out, _, code := runBinary(t, nil, "check", "--format", format, "-o", path, "--manifests", fixture("findings.yaml"))
			require.Equal(t, 1, code)
			assert.Empty(t, out)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Contains(t, string(data), "probe-readiness-missing")
		})
	}
}

func TestCheck_StdinManifests(t *testing.T) {
	data, err := os.ReadFile(fixture("findings.yaml"))
	require.NoError(t, err)
	cmd := exec.Command(chartcheckBin, "check", "--manifests", "-")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Contains(t, string(out), "-:3")
}

func TestRules_ListsEveryRule(t *testing.T) {
	out, _, code := runBinary(t, nil, "rules")
	require.Equal(t, 0, code)
	for _, r := range rules.All() {
		assert.Contains(t, out, r.ID)
		assert.Contains(t, out, r.Description)
	}
}

func TestExplain_PrintsRemediation(t *testing.T) {
	out, _, code := runBinary(t, nil, "explain", "servicemonitor-port-unknown")
	require.Equal(t, 0, code)
	r, _ := rules.Lookup("servicemonitor-port-unknown")
	assert.Contains(t, out, r.Description)
	assert.Contains(t, out, "endpoints[].port")
	assert.Contains(t, out, `chartcheck.dev/ignore: "servicemonitor-port-unknown: <reason>"`)
}

// TestCheck_RepositoryClustersAreClean is the end goal: the repository's
// own clusters, rendered offline, give no finding at all.
func TestCheck_RepositoryClustersAreClean(t *testing.T) {
	out, errOut, code := runBinary(t, nil, "check", "--offline", "--fail-on", "info", "--repo", filepath.Join("..", ".."))
	assert.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "cluster prod: 0 finding(s)")
}

// TestVersion_PrintedAndInSARIF: `chartcheck version`, `--version` and the
// SARIF driver all carry the version the toolchain stamped.
func TestVersion_PrintedAndInSARIF(t *testing.T) {
	out, _, code := runBinary(t, nil, "version")
	require.Equal(t, 0, code)
	assert.Regexp(t, `^chartcheck version \S+`, out)
	flagOut, _, code := runBinary(t, nil, "--version")
	require.Equal(t, 0, code)
	assert.Equal(t, out, flagOut)

	sarifOut, _, code := runBinary(t, nil, "check", "--format", "sarif", "--manifests", fixture("clean.yaml"))
	require.Equal(t, 0, code)
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Version string `json:"version"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal([]byte(sarifOut), &doc))
	require.Len(t, doc.Runs, 1)
	assert.Equal(t, strings.TrimPrefix(strings.TrimSpace(out), "chartcheck version "), doc.Runs[0].Tool.Driver.Version)
}
