package gitrepo

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newRepo(t *testing.T) Repo {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for k, v := range map[string]string{"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"} {
		t.Setenv(k, v)
	}
	out, err := exec.Command("git", "-C", dir, "init", "--quiet").CombinedOutput()
	require.NoError(t, err, "%s", out)
	repo, err := Open(dir)
	require.NoError(t, err)
	return repo
}

func write(t *testing.T, r Repo, rel, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(r.Dir, rel)), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(r.Dir, rel), []byte(content), 0o644))
}

// commitFile writes rel and records it with message.
func commitFile(t *testing.T, r Repo, rel, content, message string) string {
	t.Helper()
	write(t, r, rel, content)
	_, err := r.git(nil, "add", rel)
	require.NoError(t, err)
	hash, err := r.CommitPaths(message, rel)
	require.NoError(t, err)
	return hash
}

func TestLastChange_ReadsSubjectTimeAndTrailersOfTheNewestCommitOfThePath(t *testing.T) {
	r := newRepo(t)
	first := commitFile(t, r, "a.yaml", "one\n", "First\n\nBuild: 1\n")
	before := time.Now().Add(-time.Minute)
	commitFile(t, r, "b.yaml", "two\n", "Second\n\nSome prose first.\n\nBuild: 2\nImage-Digest: sha256:abc\nSource-Commit: 1234\n")

	a, ok, err := r.LastChange("HEAD", "a.yaml")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, first, a.Hash)
	assert.Equal(t, "First", a.Subject)
	assert.Equal(t, map[string]string{"Build": "1"}, a.Trailers)

	b, ok, err := r.LastChange("HEAD", "b.yaml")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "Second", b.Subject)
	assert.Equal(t, map[string]string{"Build": "2", "Image-Digest": "sha256:abc", "Source-Commit": "1234"}, b.Trailers)
	assert.True(t, b.Time.After(before))
}

func TestLastChange_PathNeverCommitted(t *testing.T) {
	r := newRepo(t)
	commitFile(t, r, "a.yaml", "one\n", "First")

	_, ok, err := r.LastChange("HEAD", "never.yaml")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestModified_SeesEditsStagedChangesAndNewFiles(t *testing.T) {
	r := newRepo(t)
	commitFile(t, r, "a.yaml", "one\n", "First")

	clean, err := r.Modified("a.yaml")
	require.NoError(t, err)
	assert.False(t, clean)

	write(t, r, "a.yaml", "two\n")
	edited, err := r.Modified("a.yaml")
	require.NoError(t, err)
	assert.True(t, edited)

	write(t, r, "new.yaml", "x\n")
	untracked, err := r.Modified("new.yaml")
	require.NoError(t, err)
	assert.True(t, untracked)
}

func TestOpen_OutsideARepositoryNamesTheDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir)
	assert.ErrorContains(t, err, dir)
}
