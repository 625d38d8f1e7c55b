package diff

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Worktree is a revision checked out beside the repository, so it renders
// from its own files while the working tree stays untouched.
type Worktree struct {
	Dir    string
	Commit string
	repo   string
	tmp    string
}

// Checkout resolves rev in the repository at repoRoot and checks it out,
// detached, into a new temporary worktree. Call Remove when done.
func Checkout(ctx context.Context, repoRoot, rev string) (*Worktree, error) {
	commit, err := git(ctx, repoRoot, "rev-parse", "--verify", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("revision %q: %w", rev, err)
	}
	tmp, err := os.MkdirTemp("", "chartcheck-diff-")
	if err != nil {
		return nil, fmt.Errorf("checking out %s: %w", rev, err)
	}
	dir := filepath.Join(tmp, "tree")
	if _, err := git(ctx, repoRoot, "worktree", "add", "--detach", "--quiet", dir, commit); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("checking out %s: %w", rev, err)
	}
	return &Worktree{Dir: dir, Commit: commit, repo: repoRoot, tmp: tmp}, nil
}

// Remove deletes the worktree and git's record of it.
func (w *Worktree) Remove() error {
	_, err := git(context.Background(), w.repo, "worktree", "remove", "--force", w.Dir)
	if rmErr := os.RemoveAll(w.tmp); err == nil {
		err = rmErr
	}
	return err
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
