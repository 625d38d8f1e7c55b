package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests run the promote binary, built once, against throwaway git
// repositories seeded from testdata/repo.

var promoteBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "promote-bin")
	if err != nil {
		panic(err)
	}
	promoteBin = filepath.Join(dir, "promote")
	if out, err := exec.Command("go", "build", "-o", promoteBin, ".").CombinedOutput(); err != nil {
		panic("building promote: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

type testRepo struct {
	t   *testing.T
	dir string
}

// newRepo copies testdata/repo into a new git repository with one commit.
func newRepo(t *testing.T) *testRepo {
	t.Helper()
	r := &testRepo{t: t, dir: t.TempDir()}
	require.NoError(t, os.CopyFS(r.dir, os.DirFS(filepath.Join("testdata", "repo"))))
	r.git("init", "--quiet", "--initial-branch=main")
	r.git("add", ".")
	r.git("commit", "--quiet", "-m", "Initial layout")
	return r
}

func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	cmd.Env = gitEnv()
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %v: %s", args, out)
	return string(out)
}

// gitEnv isolates git from the user's configuration (signing, hooks) and
// gives commits a fixed identity.
func gitEnv() []string {
	return append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Release Bot", "GIT_AUTHOR_EMAIL=release@example.com",
		"GIT_COMMITTER_NAME=Release Bot", "GIT_COMMITTER_EMAIL=release@example.com",
	)
}

type runResult struct {
	stdout, stderr string
	code           int
}

func (r *testRepo) promote(args ...string) runResult {
	r.t.Helper()
	cmd := exec.Command(promoteBin, append([]string{"--repo", r.dir}, args...)...)
	cmd.Env = gitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := runResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		res.code = exit.ExitCode()
	} else {
		require.NoError(r.t, err)
	}
	return res
}

func (r *testRepo) mustPromote(args ...string) runResult {
	r.t.Helper()
	res := r.promote(args...)
	require.Equal(r.t, 0, res.code, "promote %v: %s%s", args, res.stdout, res.stderr)
	return res
}

func (r *testRepo) read(rel string) string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, rel))
	require.NoError(r.t, err)
	return string(b)
}

func (r *testRepo) write(rel, content string) {
	r.t.Helper()
	path := filepath.Join(r.dir, rel)
	require.NoError(r.t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(r.t, os.WriteFile(path, []byte(content), 0o644))
}

// lastMessage is HEAD's commit message without git's trailing blank line.
func (r *testRepo) lastMessage() string {
	return strings.TrimRight(r.git("log", "-1", "--format=%B"), "\n") + "\n"
}

func (r *testRepo) head() string { return strings.TrimSpace(r.git("rev-parse", "HEAD")) }

const (
	minikubeFile = "clusters/minikube/doc-search/image.yaml"
	prodFile     = "clusters/prod/doc-search/image.yaml"
)

func TestSet_RewritesOnlyTheClusterFileAndCommitsWithTrailers(t *testing.T) {
	r := newRepo(t)
	source := r.head()
	prodBefore := r.read(prodFile)

	res := r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA)

	assert.Contains(t, res.stdout, "Promote doc-search 1.4.0-build.57 to minikube")
	assert.Equal(t, `# The doc-search image this cluster runs. Changed by promotion commits (tools/promote).
image:
  tag: "1.4.0-build.57"
  digest: "`+digestA+`"   # sha256:... in prod
`, r.read(minikubeFile), "only the two values change; comments and spacing stay")
	assert.Equal(t, prodBefore, r.read(prodFile))
	assert.Equal(t, "Promote doc-search 1.4.0-build.57 to minikube\n\nBuild: 57\nImage-Digest: "+digestA+"\nSource-Commit: "+source+"\n",
		r.lastMessage())
	assert.Equal(t, "57\n", strings.TrimSpace(r.git("log", "-1", "--format=%(trailers:key=Build,valueonly)"))+"\n", "git itself reads the trailers")
	assert.Equal(t, minikubeFile+"\n", r.git("show", "--format=", "--name-only", "HEAD"))
	assert.Empty(t, r.git("status", "--porcelain"))
}

func TestSet_CommitsOnlyTheImageFileEvenWithOtherChangesStaged(t *testing.T) {
	r := newRepo(t)
	r.write("app/doc-search/VERSION", "1.5.0\n")
	r.git("add", "app/doc-search/VERSION")

	source := r.head()
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.58", "--source-commit", source[:7])

	assert.Equal(t, minikubeFile+"\n", r.git("show", "--format=", "--name-only", "HEAD"))
	assert.Contains(t, r.git("log", "-1", "--format=%B"), "Source-Commit: "+source+"\n", "the full hash of the commit named")
	assert.NotContains(t, r.git("log", "-1", "--format=%B"), "Image-Digest:", "no digest given, no trailer")
	assert.Equal(t, "M  app/doc-search/VERSION\n", r.git("status", "--porcelain"), "the staged change is left staged")
}

func TestSet_SameImageTwiceDoesNothing(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA)
	head := r.head()

	res := r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA)

	assert.Contains(t, res.stdout, "minikube already runs 1.4.0-build.57@"+digestA+": nothing to do")
	assert.Equal(t, head, r.head())
}

func TestSet_RefusesDowngradeUnlessAllowed(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.10", "--digest", digestA)
	head := r.head()

	res := r.promote("set", "--cluster", "minikube", "--tag", "1.4.0-build.9", "--digest", digestB)
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "minikube runs 1.4.0-build.10, newer than 1.4.0-build.9: refusing a downgrade")
	assert.Equal(t, head, r.head())
	assert.Contains(t, r.read(minikubeFile), "1.4.0-build.10")

	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.9", "--digest", digestB, "--allow-downgrade")
	assert.Contains(t, r.read(minikubeFile), `tag: "1.4.0-build.9"`)
}

func TestSet_RejectsBadInputNamingIt(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"tag without build": {[]string{"--cluster", "minikube", "--tag", "1.4.0"}, `image tag "1.4.0": want <semver>-build.<number>`},
		"tag with plus":     {[]string{"--cluster", "minikube", "--tag", "1.4.0+57"}, `image tag "1.4.0+57"`},
		"short digest":      {[]string{"--cluster", "minikube", "--tag", "1.4.0-build.1", "--digest", "sha256:abc"}, `image digest "sha256:abc"`},
		"unknown cluster":   {[]string{"--cluster", "staging", "--tag", "1.4.0-build.2"}, `cluster "staging" has no image file clusters/staging/doc-search/image.yaml`},
		"path as cluster":   {[]string{"--cluster", "../prod", "--tag", "1.4.0-build.2"}, `cluster name "../prod"`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := newRepo(t)
			head := r.head()
			res := r.promote(append([]string{"set"}, tt.args...)...)
			assert.Equal(t, 1, res.code)
			assert.Contains(t, res.stderr, tt.want)
			assert.Equal(t, head, r.head())
		})
	}
}

func TestSet_RefusesToSweepUpUncommittedEdits(t *testing.T) {
	r := newRepo(t)
	edited := r.read(minikubeFile) + "# a note in progress\n"
	r.write(minikubeFile, edited)
	head := r.head()

	res := r.promote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57")

	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, minikubeFile+" has uncommitted changes")
	assert.Equal(t, edited, r.read(minikubeFile), "the edit is kept")
	assert.Equal(t, head, r.head())
}

func TestCopy_CarriesExactlyWhatTheSourceRuns(t *testing.T) {
	r := newRepo(t)
	source := r.head()
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA, "--source-commit", source)
	minikubePromotion := r.head()

	res := r.mustPromote("copy", "--from", "minikube", "--to", "prod")

	assert.Contains(t, res.stdout, "Promote doc-search 1.4.0-build.57 to prod")
	assert.Equal(t, `# The doc-search image this cluster runs. Changed by promotion commits (tools/promote).
image:
  tag: "1.4.0-build.57"
  digest: "`+digestA+`"   # sha256:... in prod
`, r.read(prodFile))
	assert.Equal(t, "Promote doc-search 1.4.0-build.57 to prod\n\nBuild: 57\nImage-Digest: "+digestA+
		"\nSource-Commit: "+source+"\nPromoted-From: minikube\nPromoted-From-Commit: "+minikubePromotion+"\n",
		r.lastMessage())
	assert.Equal(t, prodFile+"\n", r.git("show", "--format=", "--name-only", "HEAD"))
}

func TestCopy_AlreadyEqualDoesNothing(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA)
	r.mustPromote("copy", "--from", "minikube", "--to", "prod")
	head := r.head()

	res := r.mustPromote("copy", "--from", "minikube", "--to", "prod")

	assert.Contains(t, res.stdout, "prod already runs 1.4.0-build.57@"+digestA+": nothing to do")
	assert.Equal(t, head, r.head())
}

func TestCopy_RefusesAnImageNeverDeployedToTheSource(t *testing.T) {
	handEdit := func(r *testRepo) {
		r.write(minikubeFile, strings.Replace(r.read(minikubeFile), `"1.0.0-build.1"`, `"1.4.0-build.99"`, 1))
	}
	tests := map[string]struct {
		prepare func(r *testRepo)
		want    string
	}{
		"initial file, never promoted": {
			prepare: func(r *testRepo) {},
			want:    `not by a promotion: 1.0.0-build.1 was never deployed to minikube`,
		},
		"hand edit committed": {
			prepare: func(r *testRepo) {
				r.mustPromote("set", "--cluster", "minikube", "--tag", "1.0.0-build.1", "--digest", digestA, "--force")
				handEdit(r)
				r.git("commit", "--quiet", "-am", "Bump minikube by hand")
			},
			want: `not by a promotion: 1.4.0-build.99 was never deployed to minikube`,
		},
		"hand edit not committed": {
			prepare: func(r *testRepo) {
				r.mustPromote("set", "--cluster", "minikube", "--tag", "1.0.0-build.1", "--digest", digestA, "--force")
				handEdit(r)
			},
			want: minikubeFile + ` has uncommitted changes: 1.4.0-build.99 was never deployed to minikube`,
		},
		"promotion without digest": {
			prepare: func(r *testRepo) {
				r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.5")
			},
			want: `minikube runs 1.4.0-build.5 without a digest`,
		},
		"file changed behind the last promotion's back": {
			prepare: func(r *testRepo) {
				r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.5", "--digest", digestA)
				r.write(minikubeFile, strings.Replace(r.read(minikubeFile), digestA, digestB, 1))
				r.git("commit", "--quiet", "--amend", "--no-edit", "-a")
			},
			want: `holds 1.4.0-build.5 (digest ` + digestB + `) but its last promotion commit`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := newRepo(t)
			tt.prepare(r)
			prodBefore, head := r.read(prodFile), r.head()

			res := r.promote("copy", "--from", "minikube", "--to", "prod")

			assert.Equal(t, 1, res.code)
			assert.Contains(t, res.stderr, tt.want)
			assert.Equal(t, prodBefore, r.read(prodFile))
			assert.Equal(t, head, r.head())
		})
	}
}

func TestCopy_RefusesDowngradeUnlessAllowed(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "prod", "--tag", "1.5.0-build.3", "--digest", digestB, "--force")
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.80", "--digest", digestA)

	res := r.promote("copy", "--from", "minikube", "--to", "prod")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "prod runs 1.5.0-build.3, newer than 1.4.0-build.80: refusing a downgrade")
	assert.Contains(t, r.read(prodFile), "1.5.0-build.3")

	r.mustPromote("copy", "--from", "minikube", "--to", "prod", "--allow-downgrade")
	assert.Contains(t, r.read(prodFile), `tag: "1.4.0-build.80"`)
	assert.Contains(t, r.git("log", "-1", "--format=%B"), "Promoted-From: minikube\n")
}

func TestCopy_RefusesSameTagWithAnotherDigest(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "prod", "--tag", "1.4.0-build.7", "--digest", digestB)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.7", "--digest", digestA)

	res := r.promote("copy", "--from", "minikube", "--to", "prod")

	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "tags are immutable")
}

func TestStatus_ShowsWhatEachClusterRunsAndWhoPromotedIt(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA)
	r.mustPromote("copy", "--from", "minikube", "--to", "prod")
	prodCommit := r.head()[:12]
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.58", "--digest", digestB)
	minikubeCommit := r.head()[:12]

	res := r.mustPromote("status")

	lines := strings.Split(strings.TrimRight(res.stdout, "\n"), "\n")
	require.Len(t, lines, 5, "every service of every cluster")
	assert.Regexp(t, `^CLUSTER\s+SERVICE\s+TAG\s+DIGEST\s+BUILD\s+COMMIT\s+FROM\s+AGE$`, lines[0])
	assert.Regexp(t, `^minikube\s+doc-search\s+1\.4\.0-build\.58\s+sha256:bbbbbbbbbbbb\s+58\s+`+minikubeCommit+`\s+-\s+\d+s$`, lines[1])
	assert.Regexp(t, `^minikube\s+visitors\s+0\.1\.0-build\.1\s+-\s+1\s+\w{12} \(not a promotion\)\s+-\s+\d+s$`, lines[2])
	assert.Regexp(t, `^prod\s+doc-search\s+1\.4\.0-build\.57\s+sha256:aaaaaaaaaaaa\s+57\s+`+prodCommit+`\s+minikube\s+\d+s$`, lines[3])
	assert.Regexp(t, `^prod\s+visitors\s+0\.1\.0-build\.1\s+sha256:222222222222\s+1\s+`, lines[4])
}

func TestStatus_FlagsFilesNotWrittenByAPromotion(t *testing.T) {
	r := newRepo(t)
	r.write(prodFile, r.read(prodFile)+"# edited\n")

	res := r.mustPromote("status")

	initial := r.head()[:12]
	assert.Regexp(t, regexp.MustCompile(`(?m)^minikube\s+doc-search\s+1\.0\.0-build\.1\s+-\s+1\s+`+initial+` \(not a promotion\)`), res.stdout)
	assert.Regexp(t, regexp.MustCompile(`(?m)^prod\s+doc-search\s+1\.0\.0-build\.1\s+sha256:111111111111\s+1\s+uncommitted`), res.stdout)
}

func TestVersion_PrintsAppVersionWithBuildNumber(t *testing.T) {
	r := newRepo(t)
	res := r.mustPromote("version", "--build", "57")
	assert.Equal(t, "1.4.0-build.57\n", res.stdout)

	r.write("app/doc-search/VERSION", "1.4\n")
	res = r.promote("version", "--build", "57")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, filepath.Join(r.dir, "app/doc-search/VERSION")+`: version "1.4" is not semver`)

	res = r.mustPromote("--service", "visitors", "version", "--build", "3")
	assert.Equal(t, "0.1.0-build.3\n", res.stdout, "each service has its own VERSION")
}

func TestVersion_TheRepositorysAppVersionGivesAValidTag(t *testing.T) {
	// A bad bump of app/doc-search/VERSION fails here, in CI, before a release tries it.
	repoRoot, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	cmd := exec.Command(promoteBin, "--repo", repoRoot, "version", "--build", "7")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Regexp(t, `^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?-build\.7\n$`, string(out))
}
