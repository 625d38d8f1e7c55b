//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// gitRepo is a working clone whose pushes go to a bare repository that the
// stack's git daemon serves: the test plays the engineer who pushes.
type gitRepo struct {
	t   *testing.T
	dir string
}

// gitEnv makes commits reproducible and independent of the machine's
// configuration.
var gitEnv = []string{
	"GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@doc-search.invalid",
	"GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@doc-search.invalid",
	"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitEnv...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s in %s: %s", strings.Join(args, " "), dir, out)
	return strings.TrimSpace(string(out))
}

// newOrigin makes served/<name>.git, a bare repository, and a working clone
// of it at work/<name>; seed fills the clone before its first commit and
// push.
func newOrigin(t *testing.T, served, work, name string, seed func(dir string)) *gitRepo {
	t.Helper()
	bare := filepath.Join(served, name+".git")
	runGit(t, served, "init", "--quiet", "--bare", "--initial-branch=main", bare)
	dir := filepath.Join(work, name)
	runGit(t, work, "clone", "--quiet", bare, dir)
	seed(dir)
	r := &gitRepo{t: t, dir: dir}
	r.commitAll("Initial content")
	runGit(t, dir, "push", "--quiet", "origin", "HEAD:main")
	return r
}

// commitAll commits every change in the clone and returns the commit.
func (r *gitRepo) commitAll(message string) string {
	r.t.Helper()
	runGit(r.t, r.dir, "add", "--all")
	runGit(r.t, r.dir, "commit", "--quiet", "--allow-empty", "-m", message)
	return r.head()
}

// push pushes the clone's HEAD to the served repository.
func (r *gitRepo) push() {
	r.t.Helper()
	runGit(r.t, r.dir, "push", "--quiet", "origin", "HEAD:main")
}

func (r *gitRepo) head() string {
	r.t.Helper()
	return runGit(r.t, r.dir, "rev-parse", "HEAD")
}

func (r *gitRepo) run(args ...string) string {
	r.t.Helper()
	return runGit(r.t, r.dir, args...)
}

// copyTree copies the regular files under src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	require.NoError(t, err, "copying %s to %s", src, dst)
}

// with returns the clone reporting to t, for use inside a subtest.
func (r *gitRepo) with(t *testing.T) *gitRepo { return &gitRepo{t: t, dir: r.dir} }
