package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSet_RefusesWhatWouldCommitAWrongPromotion(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string
	}{
		"prod without digest": {
			[]string{"--cluster", "prod", "--tag", "1.4.0-build.2"},
			"prod is a prod cluster (prod: true in clusters/prod/chartcheck.yaml) and prod runs images pinned by digest: give --digest sha256:...",
		},
		"source commit that does not exist": {
			[]string{"--cluster", "minikube", "--tag", "1.4.0-build.2", "--source-commit", "0123abcd"},
			`--source-commit: "0123abcd" is not a commit of `,
		},
		"source commit that is an option": {
			[]string{"--cluster", "minikube", "--tag", "1.4.0-build.2", "--source-commit", "--all"},
			`--source-commit: "--all" is not a commit of `,
		},
		"tag of another version": {
			[]string{"--cluster", "minikube", "--tag", "1.5.0-build.2"},
			"tag 1.5.0-build.2 is not version 1.4.0, which app/doc-search/VERSION says at the source commit",
		},
		"tag of the other service's version": {
			[]string{"--service", "visitors", "--cluster", "minikube", "--tag", "1.4.0-build.2"},
			"tag 1.4.0-build.2 is not version 0.1.0, which app/visitors/VERSION says at the source commit",
		},
		"unknown service": {
			[]string{"--service", "billing", "--cluster", "minikube", "--tag", "1.4.0-build.2"},
			`cluster "minikube" has no image file clusters/minikube/billing/image.yaml for service "billing"`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := newRepo(t)
			head := r.head()
			res := r.promote(append([]string{"set"}, tt.args...)...)
			assert.Equal(t, 1, res.code, res.stderr)
			assert.Contains(t, res.stderr, tt.want)
			assert.Equal(t, head, r.head())
			assert.Empty(t, r.git("status", "--porcelain"))
		})
	}
}

func TestSet_ForceAllowsATagOfAnotherVersion(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.5.0-build.2", "--force")
	assert.Contains(t, r.read(minikubeFile), `tag: "1.5.0-build.2"`)
}

// The version is the one of the commit the image was built from: a VERSION
// bumped on main since does not block promoting the older build.
func TestSet_VersionIsReadAtTheSourceCommit(t *testing.T) {
	r := newRepo(t)
	source := r.head()
	r.write("app/doc-search/VERSION", "1.5.0\n")
	r.git("commit", "--quiet", "-am", "Bump doc-search to 1.5.0")
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.3", "--source-commit", source)
	res := r.promote("set", "--cluster", "minikube", "--tag", "1.4.0-build.4")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "which app/doc-search/VERSION says at the source commit")
}

func TestSet_DryRunPrintsTheDiffAndTheMessageAndWritesNothing(t *testing.T) {
	r := newRepo(t)
	head, before := r.head(), r.read(prodFile)

	res := r.mustPromote("set", "--cluster", "prod", "--tag", "1.4.0-build.57", "--digest", digestA, "--dry-run")

	assert.Equal(t, `--- a/`+prodFile+`
+++ b/`+prodFile+`
@@ -1,4 +1,4 @@
 # The doc-search image this cluster runs. Changed by promotion commits (tools/promote).
 image:
-  tag: "1.0.0-build.1"
-  digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111"   # sha256:... in prod
+  tag: "1.4.0-build.57"
+  digest: "`+digestA+`"   # sha256:... in prod

commit message:

Promote doc-search 1.4.0-build.57 to prod

Build: 57
Image-Digest: `+digestA+`
Source-Commit: `+head+`

dry run: nothing written
`, res.stdout)
	assert.Equal(t, head, r.head())
	assert.Equal(t, before, r.read(prodFile))
}

func TestSetAndCopy_RefuseOnADetachedHead(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA)
	r.git("checkout", "--quiet", "--detach")
	head := r.head()
	for _, args := range [][]string{
		{"set", "--cluster", "minikube", "--tag", "1.4.0-build.58"},
		{"copy", "--from", "minikube", "--to", "prod"},
	} {
		res := r.promote(args...)
		assert.Equal(t, 1, res.code, args)
		assert.Contains(t, res.stderr, "HEAD is detached (at "+head[:12]+"): check out the branch the promotion belongs on", args)
		assert.Equal(t, head, r.head())
		assert.Empty(t, r.git("status", "--porcelain"))
	}
	assert.Equal(t, 0, r.promote("set", "--cluster", "minikube", "--tag", "1.4.0-build.58", "--dry-run").code, "a dry run commits nothing")
}

// The runbook's rollback is `git revert` of the promotion commit: the file
// holds the previous image again, which a promotion had put there, so copy
// and status treat it as that image's promotion.
func TestCopy_AfterARevertOfAPromotion(t *testing.T) {
	r := newRepo(t)
	source := r.head()
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.58", "--digest", digestB)
	bad := r.head()
	r.git("revert", "--no-edit", bad)
	revert := r.head()
	require.Contains(t, r.read(minikubeFile), `"1.4.0-build.57"`)

	status := r.mustPromote("status").stdout
	assert.Regexp(t, regexp.MustCompile(`(?m)^minikube\s+doc-search\s+1\.4\.0-build\.57\s+sha256:aaaaaaaaaaaa\s+57\s+`+revert[:12]+` \(revert of `+bad[:12]+`\)\s+-\s+\d+s$`), status)

	res := r.mustPromote("copy", "--from", "minikube", "--to", "prod")
	assert.Contains(t, res.stdout, "Promote doc-search 1.4.0-build.57 to prod")
	assert.Equal(t, "Promote doc-search 1.4.0-build.57 to prod\n\nBuild: 57\nImage-Digest: "+digestA+
		"\nSource-Commit: "+source+"\nPromoted-From: minikube\nPromoted-From-Commit: "+revert+"\n", r.lastMessage(),
		"the source commit is the reverted-to promotion's; the promotion in minikube is the revert")

	// Reverting the revert deploys build 58 again: a promotion of 58.
	r.git("revert", "--no-edit", revert)
	reapply := r.head()
	status = r.mustPromote("status").stdout
	assert.Regexp(t, regexp.MustCompile(`(?m)^minikube\s+doc-search\s+1\.4\.0-build\.58\s+\S+\s+58\s+`+reapply[:12]+` \(revert of `+revert[:12]+`\)`), status)
	res = r.mustPromote("copy", "--from", "minikube", "--to", "prod")
	assert.Contains(t, res.stdout, "Promote doc-search 1.4.0-build.58 to prod")
}

func TestCopy_RefusesARevertThatDoesNotRestoreThePreviousImage(t *testing.T) {
	r := newRepo(t)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.57", "--digest", digestA)
	r.mustPromote("set", "--cluster", "minikube", "--tag", "1.4.0-build.58", "--digest", digestB)
	bad := r.head()
	r.git("revert", "--no-edit", "--no-commit", bad)
	r.write(minikubeFile, strings.Replace(r.read(minikubeFile), digestA, "sha256:"+strings.Repeat("c", 64), 1))
	r.git("commit", "--quiet", "-a", "-m", "Revert build 58\n\nThis reverts commit "+bad+".")

	res := r.promote("copy", "--from", "minikube", "--to", "prod")
	assert.Equal(t, 1, res.code)
	assert.Contains(t, res.stderr, "a revert of "+bad[:12]+", but holds 1.4.0-build.57 (digest sha256:cccc")
	assert.Contains(t, res.stderr, "was never deployed to minikube")
	assert.Regexp(t, `(?m)^minikube\s+doc-search\s+1\.4\.0-build\.57\s+\S+\s+57\s+\w{12} \(not a promotion\)`, r.mustPromote("status").stdout)
}

func TestService_EachServiceHasItsOwnFilesAndLineage(t *testing.T) {
	r := newRepo(t)
	docSearch := r.read(minikubeFile)
	res := r.mustPromote("--service", "visitors", "set", "--cluster", "minikube", "--tag", "0.1.0-build.7", "--digest", digestA)
	assert.Contains(t, res.stdout, "Promote visitors 0.1.0-build.7 to minikube")
	assert.Equal(t, "clusters/minikube/visitors/image.yaml\n", r.git("show", "--format=", "--name-only", "HEAD"))
	assert.Equal(t, docSearch, r.read(minikubeFile), "doc-search's file is untouched")

	res = r.promote("copy", "--from", "minikube", "--to", "prod")
	assert.Equal(t, 1, res.code, "doc-search's minikube file was never promoted")
	res = r.mustPromote("--service", "visitors", "copy", "--from", "minikube", "--to", "prod")
	assert.Contains(t, res.stdout, "Promote visitors 0.1.0-build.7 to prod")
	assert.Contains(t, r.read("clusters/prod/visitors/image.yaml"), `tag: "0.1.0-build.7"`)

	res = r.promote("--service", "../app", "set", "--cluster", "minikube", "--tag", "0.1.0-build.8")
	assert.Equal(t, 2, res.code)
	assert.Contains(t, res.stderr, `service name "../app": want a folder name`)
}

func TestUsage_ExitCodesHelpAndVersion(t *testing.T) {
	r := newRepo(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"set", "--cluster", "minikube"}, "promote set needs [--tag]"},
		{[]string{"set", "--tag", "1.4.0-build.2"}, "promote set needs [--cluster]"},
		{[]string{"copy", "--from", "minikube"}, "promote copy needs [--to]"},
		{[]string{"version"}, "promote version needs [--build]"},
		{[]string{"set", "--cluster", "minikube", "--tag", "1.4.0-build.2", "--tga", "x"}, "unknown flag: --tga"},
		{[]string{"status", "extra"}, `unexpected argument "extra" for "promote status"`},
		{[]string{"version", "--build", "many"}, `invalid argument "many" for "--build"`},
	} {
		res := r.promote(tt.args...)
		assert.Equal(t, 2, res.code, "%v: %s", tt.args, res.stderr)
		assert.Contains(t, res.stderr, tt.want, tt.args)
	}
	for _, args := range [][]string{{"--help"}, {"set", "--help"}, {"copy", "--help"}, {"status", "--help"}, {"version", "--help"}} {
		res := r.mustPromote(args...)
		assert.Contains(t, res.stdout, "Usage:", args)
		assert.Empty(t, res.stderr, args)
	}
	out, err := exec.Command(promoteBin, "--version").Output()
	require.NoError(t, err)
	assert.Regexp(t, `^promote (dev|commit [0-9a-f]{12}(, modified)?)`, string(out))
}
