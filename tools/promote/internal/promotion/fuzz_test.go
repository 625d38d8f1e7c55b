package promotion

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/promote/internal/gitrepo"
	"github.com/doc-search/gitops/tools/promote/internal/imagefile"
)

const fuzzDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// FuzzSet_TrailersReadBack promotes images with arbitrary versions and
// source commits into a real git repository and reads the commit back as
// Copy and Status do: a promotion that succeeds must read back exactly as
// written (subject, Build, Image-Digest and Source-Commit trailers), or a
// value could forge or hide another trailer. An input that passes
// validation runs git a few times; most mutations do not get that far.
// Seeds are in testdata/fuzz/FuzzSet_TrailersReadBack.
func FuzzSet_TrailersReadBack(f *testing.F) {
	if _, err := exec.LookPath("git"); err != nil {
		f.Skip("git is not installed")
	}
	// An identity of its own, and no user or system configuration (hooks,
	// signing) for the promoter's git runs and the test's.
	for _, kv := range [][2]string{
		{"GIT_CONFIG_GLOBAL", os.DevNull}, {"GIT_CONFIG_NOSYSTEM", "1"},
		{"GIT_AUTHOR_NAME", "fuzz"}, {"GIT_AUTHOR_EMAIL", "fuzz@example.com"},
		{"GIT_COMMITTER_NAME", "fuzz"}, {"GIT_COMMITTER_EMAIL", "fuzz@example.com"},
	} {
		f.Setenv(kv[0], kv[1])
	}
	dir := f.TempDir()
	git := func(args ...string) {
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
		require.NoError(f, err, "git %v: %s", args, out)
	}
	git("init", "--quiet", "--initial-branch=main")
	target := Target{Cluster: "fuzz", Service: "doc-search"}
	path := filepath.Join(dir, filepath.FromSlash(target.ImagePath()))
	require.NoError(f, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(f, os.WriteFile(path, []byte("# The image this cluster runs.\nimage:\n  tag: \"0.0.0-build.0\"\n  digest: \"\"\n"), 0o644))
	git("add", ".")
	git("commit", "--quiet", "-m", "Initial layout")
	p := Promoter{Repo: gitrepo.Repo{Dir: dir}}

	f.Add("1.0.0", uint64(1), true, "0123456789abcdef0123456789abcdef01234567")
	f.Add("2.3.4-rc.1", uint64(57), false, "")
	f.Fuzz(func(t *testing.T, version string, build uint64, pin bool, source string) {
		img := imagefile.Image{Tag: version + "-build." + strconv.FormatUint(build, 10)}
		if pin {
			img.Digest = fuzzDigest
		}
		res, err := p.Set(SetRequest{Target: target, Image: img, SourceCommit: source, AllowDowngrade: true, Force: true})
		if err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		if !res.Changed {
			return // the cluster ran this image already
		}
		c, ok, err := p.Repo.LastChange("HEAD", target.ImagePath())
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, res.Commit, c.Hash)
		require.NoError(t, checkPromotion(target, img, c), "message:\n%s", res.Message)
		want := map[string]string{TrailerBuild: strconv.FormatUint(build, 10), TrailerSourceCommit: source}
		if source == "" {
			want[TrailerSourceCommit] = c.Trailers[TrailerSourceCommit] // HEAD before the commit
			require.Len(t, want[TrailerSourceCommit], 40)
		}
		if pin {
			want[TrailerDigest] = img.Digest
		}
		require.Equal(t, want, c.Trailers, "message:\n%s", res.Message)
	})
}
