package diff

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func TestCheckout_GivesTheRevisionsFilesAndLeavesTheWorkingTreeAlone(t *testing.T) {
	repo := t.TempDir()
	gitIn(t, repo, "init", "--quiet")
	file := filepath.Join(repo, "values.yaml")
	require.NoError(t, os.WriteFile(file, []byte("replicas: 1\n"), 0o644))
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "--quiet", "-m", "one")
	first := gitIn(t, repo, "rev-parse", "HEAD")
	require.NoError(t, os.WriteFile(file, []byte("replicas: 2\n"), 0o644))
	gitIn(t, repo, "commit", "--quiet", "-am", "two")
	require.NoError(t, os.WriteFile(file, []byte("replicas: 3\n"), 0o644)) // uncommitted

	wt, err := Checkout(context.Background(), repo, "HEAD~1")
	require.NoError(t, err)
	assert.Equal(t, first, wt.Commit)
	got, err := os.ReadFile(filepath.Join(wt.Dir, "values.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "replicas: 1\n", string(got))

	require.NoError(t, wt.Remove())
	assert.NoDirExists(t, wt.Dir)
	assert.Equal(t, 1, len(strings.Split(gitIn(t, repo, "worktree", "list"), "\n")), "git forgets the worktree")
	got, err = os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, "replicas: 3\n", string(got), "the working tree keeps its uncommitted change")
}

func TestCheckout_UnknownRevisionNamesIt(t *testing.T) {
	repo := t.TempDir()
	gitIn(t, repo, "init", "--quiet")
	_, err := Checkout(context.Background(), repo, "origin/nope")
	assert.ErrorContains(t, err, `revision "origin/nope"`)
}
