// Package gitrepo is the little of git that promotion needs, through the git
// CLI so that hooks, signing and credentials configured by the user apply.
package gitrepo

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Repo is a git working tree.
type Repo struct {
	// Dir is the top-level directory of the working tree.
	Dir string
}

// Open finds the working tree that contains dir.
func Open(dir string) (Repo, error) {
	top, err := Repo{Dir: dir}.git(nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return Repo{}, fmt.Errorf("opening git repository at %s: %w", dir, err)
	}
	return Repo{Dir: strings.TrimSpace(top)}, nil
}

// Commit is one commit as promotion reads it back.
type Commit struct {
	Hash     string
	Time     time.Time
	Subject  string
	Body     string            // the message after the subject, trailers included
	Trailers map[string]string // last value wins for a repeated key
}

// Head returns the full hash of HEAD.
func (r Repo) Head() (string, error) {
	out, err := r.git(nil, "rev-parse", "--verify", "HEAD^{commit}")
	return strings.TrimSpace(out), err
}

// Branch returns the branch HEAD is on, or an error when HEAD is detached:
// a commit made there belongs to no branch and is easily lost.
func (r Repo) Branch() (string, error) {
	out, err := r.git(nil, "symbolic-ref", "--quiet", "--short", "HEAD")
	if err != nil {
		head, _ := r.Head()
		return "", fmt.Errorf("HEAD is detached (at %.12s): check out the branch the promotion belongs on", head)
	}
	return strings.TrimSpace(out), nil
}

// ResolveCommit returns the full hash of rev, or an error when rev names
// no commit of the repository.
func (r Repo) ResolveCommit(rev string) (string, error) {
	out, err := r.git(nil, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%q is not a commit of %s", rev, r.Dir)
	}
	return strings.TrimSpace(out), nil
}

// Show returns path's content at commit rev, or ok=false when rev has no such file.
func (r Repo) Show(rev, path string) (data []byte, ok bool, err error) {
	if _, err := r.git(nil, "cat-file", "-e", rev+":"+path); err != nil {
		return nil, false, nil
	}
	out, err := r.git(nil, "show", rev+":"+path)
	return []byte(out), err == nil, err
}

// LastChange returns the newest commit reachable from rev that changed path,
// or ok=false if no commit did.
func (r Repo) LastChange(rev, path string) (c Commit, ok bool, err error) {
	const sep = "\x1f"
	out, err := r.git(nil, "log", "-1", "--format=%H"+sep+"%ct"+sep+"%s"+sep+"%b"+sep+"%(trailers:only,unfold)", rev, "--", path)
	if err != nil {
		return Commit{}, false, err
	}
	if strings.TrimSpace(out) == "" {
		return Commit{}, false, nil
	}
	parts := strings.SplitN(out, sep, 5)
	if len(parts) != 5 {
		return Commit{}, false, fmt.Errorf("git log: unexpected output %q", out)
	}
	secs, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return Commit{}, false, fmt.Errorf("git log: commit time %q: %w", parts[1], err)
	}
	c = Commit{Hash: parts[0], Time: time.Unix(secs, 0), Subject: parts[2], Body: parts[3], Trailers: map[string]string{}}
	for _, line := range strings.Split(parts[4], "\n") {
		if k, v, found := strings.Cut(line, ":"); found {
			c.Trailers[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return c, true, nil
}

// Modified reports whether path differs from HEAD in the index or the working tree.
func (r Repo) Modified(path string) (bool, error) {
	out, err := r.git(nil, "status", "--porcelain", "--untracked-files=all", "--", path)
	return strings.TrimSpace(out) != "", err
}

// CommitPaths records exactly paths (and nothing else that may be staged)
// with message, and returns the new commit's hash.
func (r Repo) CommitPaths(message string, paths ...string) (string, error) {
	args := append([]string{"commit", "--quiet", "--file=-", "--"}, paths...)
	if _, err := r.git([]byte(message), args...); err != nil {
		return "", err
	}
	return r.Head()
}

func (r Repo) git(stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", r.Dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
