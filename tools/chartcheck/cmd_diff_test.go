package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// diffRepo is a git repository seeded from testdata/diff/repo (commit
// "base") with a second commit ("head") that changes one object of each
// kind: the Deployment's image, the Secret's password, the ConfigMap is
// removed, a Service is added, and the cluster folder's Namespace gains a label.
func diffRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "diff", "repo"))))
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	write := func(rel, content string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644))
	}
	edit := func(rel, old, new string) {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		require.NoError(t, err)
		require.Contains(t, string(b), old)
		write(rel, strings.Replace(string(b), old, new, 1))
	}
	git("init", "--quiet", "--initial-branch=main")
	git("add", ".")
	git("commit", "--quiet", "-m", "base")
	git("tag", "base")

	edit("apps/web/deployment.yaml", "1.0.0-build.1", "1.4.0-build.57")
	edit("apps/web/secret.yaml", "base-password-value", "head-password-value")
	require.NoError(t, os.Remove(filepath.Join(dir, "apps/web/configmap.yaml")))
	write("apps/web/service.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: web\nspec:\n  ports:\n    - name: http\n      port: 8080\n")
	edit("clusters/demo/namespace.yaml", "  name: web\n", "  name: web\n  labels:\n    team: search\n")
	git("add", "-A")
	git("commit", "--quiet", "-m", "head")
	return dir
}

// runDiff runs the real binary's diff command; the fixtures' Applications
// name their repository https://example.com/demo.git.
func runDiff(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runBinary(t, nil, append([]string{"diff", "--offline", "--repo-url", "https://example.com/demo.git"}, args...)...)
}

func TestDiff_ShowsChangesPerClusterAndApplication(t *testing.T) {
	repo := diffRepo(t)

	out, errOut, code := runDiff(t, "--repo", repo, "--base", "base", "--head", "HEAD")

	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "| demo | (cluster folder) | 0 | 0 | 1 |\n")
	assert.Contains(t, out, "| demo | web | 1 | 1 | 2 |\n")
	assert.Contains(t, out, "<details><summary><b>web</b>: 1 added, 1 removed, 2 changed</summary>")
	assert.Contains(t, out, "**added** `Service/web/web`")
	assert.Contains(t, out, "**removed** `ConfigMap/web/web-settings`")
	assert.Contains(t, out, "-      - image: ghcr.io/doc-search/doc-search:1.0.0-build.1\n+      - image: ghcr.io/doc-search/doc-search:1.4.0-build.57\n")
	assert.Contains(t, out, "+    team: search\n")
	assert.Contains(t, out, "**changed** `Secret/web/web-credentials`")
	assert.NotContains(t, out, "password-value")
	assert.NotContains(t, out, "cGFzc3dvcmQtdmFsdWU", "nor its base64 form")
}

func TestDiff_ExitCodeOneOnlyWhenAskedAndChanged(t *testing.T) {
	repo := diffRepo(t)

	_, errOut, code := runDiff(t, "--repo", repo, "--base", "base", "--head", "HEAD", "--exit-code")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, errOut, "changes are not an error")

	out, _, code := runDiff(t, "--repo", repo, "--base", "HEAD", "--head", "HEAD", "--exit-code")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "No changes: every cluster renders to the same objects.")
}

func TestDiff_DefaultHeadIsTheWorkingTreeWithItsUncommittedChanges(t *testing.T) {
	repo := diffRepo(t)
	path := filepath.Join(repo, "apps/web/deployment.yaml")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), "replicas: 2", "replicas: 5", 1)), 0o644))

	out, errOut, code := runDiff(t, "--repo", repo, "--base", "HEAD")

	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "→ `working tree`")
	assert.Contains(t, out, "| demo | web | 0 | 0 | 1 |\n")
	assert.Contains(t, out, "-  replicas: 2\n+  replicas: 5\n")
}

func TestDiff_ClusterAddedAtHeadIsAllAdded(t *testing.T) {
	repo := diffRepo(t)
	require.NoError(t, os.CopyFS(filepath.Join(repo, "clusters", "extra"), os.DirFS(filepath.Join(repo, "clusters", "demo"))))

	out, errOut, code := runDiff(t, "--repo", repo, "--base", "HEAD")

	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "| extra | (cluster folder) | 2 | 0 | 0 |\n")
	assert.Contains(t, out, "| extra | web | 3 | 0 | 0 |\n")
}

func TestDiff_ErrorsNameTheProblem(t *testing.T) {
	repo := diffRepo(t)
	notRepo := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(notRepo, "clusters"), 0o755))
	tests := map[string]struct {
		args []string
		want string
	}{
		"no base":          {[]string{"--repo", repo}, "--base is required"},
		"unknown revision": {[]string{"--repo", repo, "--base", "origin/nope"}, `revision "origin/nope"`},
		"not a repository": {[]string{"--repo", notRepo, "--base", "HEAD"}, `revision "HEAD"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, errOut, code := runDiff(t, tt.args...)
			assert.Equal(t, exitError, code)
			assert.Contains(t, errOut, tt.want)
		})
	}
	out, err := exec.Command("git", "-C", repo, "worktree", "list").Output()
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(out), "\n"), "no worktree is left behind")
}
