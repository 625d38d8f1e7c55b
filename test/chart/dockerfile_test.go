package chart

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
)

const finalBase = "gcr.io/distroless/static-debian12:nonroot"

var (
	digestRef  = regexp.MustCompile(`@sha256:[a-f0-9]{64}$`)
	goBuilder  = regexp.MustCompile(`^golang:(\d+\.\d+)`)
	remoteADD  = regexp.MustCompile(`^(https?://|git@|git://)`)
	buildinfoX = "github.com/doc-search/gitops/app/internal/buildinfo."
)

// parseDockerfile parses a Dockerfile into its stages with BuildKit's own
// parser, as `docker build` would.
func parseDockerfile(t *testing.T, path string) []instructions.Stage {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	res, err := parser.Parse(f)
	require.NoError(t, err, "parsing %s", path)
	stages, _, err := instructions.Parse(res.AST, nil)
	require.NoError(t, err, "reading the instructions of %s", path)
	return stages
}

// dockerfileProblems lists every way the Dockerfile departs from how the
// image must be built; none for a good one. goVersion is go.mod's go line.
func dockerfileProblems(stages []instructions.Stage, goVersion string) []string {
	var problems []string
	if len(stages) < 2 {
		return []string{"not multi-stage: the final image must not contain the Go toolchain"}
	}
	names := map[string]bool{}
	for _, s := range stages {
		if s.Name != "" {
			names[s.Name] = true
		}
		if !names[s.BaseName] || s.BaseName == s.Name {
			if !digestRef.MatchString(s.BaseName) {
				problems = append(problems, fmt.Sprintf("FROM %s: base image not pinned by digest", s.BaseName))
			}
		}
		for _, c := range s.Commands {
			if add, ok := c.(*instructions.AddCommand); ok {
				for _, src := range add.SourcePaths {
					if remoteADD.MatchString(src) {
						problems = append(problems, fmt.Sprintf("ADD %s: remote sources are unverified; download in a RUN with a checksum", src))
					}
				}
			}
		}
	}

	build := stages[len(stages)-2]
	for _, s := range stages[:len(stages)-1] {
		if stageRuns(s, "go build") {
			build = s
		}
	}
	problems = append(problems, builderProblems(build, goVersion)...)
	problems = append(problems, finalProblems(stages[len(stages)-1], build.Name)...)
	return problems
}

func stageRuns(s instructions.Stage, what string) bool {
	for _, c := range s.Commands {
		if run, ok := c.(*instructions.RunCommand); ok && strings.Contains(strings.Join(run.CmdLine, " "), what) {
			return true
		}
	}
	return false
}

func builderProblems(s instructions.Stage, goVersion string) []string {
	var problems []string
	if m := goBuilder.FindStringSubmatch(s.BaseName); m == nil {
		problems = append(problems, fmt.Sprintf("builder %s is not a golang image", s.BaseName))
	} else if !strings.HasPrefix(goVersion, m[1]) {
		problems = append(problems, fmt.Sprintf("builder Go %s does not match go.mod's go %s", m[1], goVersion))
	}

	modulesCopied, downloaded, sourceCopied, built := -1, -1, -1, -1
	cgoOff := false
	for i, c := range s.Commands {
		switch c := c.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				if kv.Key == "CGO_ENABLED" && kv.Value == "0" {
					cgoOff = true
				}
			}
		case *instructions.CopyCommand:
			if c.From != "" {
				continue
			}
			if slices.Equal(c.SourcePaths, []string{"go.mod", "go.sum"}) {
				modulesCopied = i
			} else if sourceCopied < 0 {
				sourceCopied = i
			}
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			// Mount options are only read on expansion; the build args they
			// could use do not matter to these checks, so words stay as written.
			if err := c.Expand(func(word string) (string, error) { return word, nil }); err != nil {
				problems = append(problems, fmt.Sprintf("RUN %s: %v", line, err))
			}
			caches := map[string]bool{}
			for _, m := range instructions.GetMounts(c) {
				if m.Type == instructions.MountTypeCache {
					caches[m.Target] = true
				}
			}
			if strings.Contains(line, "go mod download") {
				downloaded = i
				if !caches["/go/pkg/mod"] {
					problems = append(problems, "go mod download without a cache mount on /go/pkg/mod")
				}
			}
			if strings.Contains(line, "go build") {
				built = i
				if strings.Contains(line, "CGO_ENABLED=0") {
					cgoOff = true
				}
				if !caches["/go/pkg/mod"] || !caches["/root/.cache/go-build"] {
					problems = append(problems, "go build without cache mounts on /go/pkg/mod and /root/.cache/go-build")
				}
				for _, flag := range []string{"-trimpath", "-s -w",
					buildinfoX + "Version=${VERSION}", buildinfoX + "Build=${BUILD}", buildinfoX + "Commit=${COMMIT}"} {
					if !strings.Contains(line, flag) {
						problems = append(problems, fmt.Sprintf("go build lacks %s", flag))
					}
				}
			}
		}
	}
	switch {
	case modulesCopied < 0:
		problems = append(problems, "go.mod and go.sum are not copied on their own")
	case downloaded < 0:
		problems = append(problems, "modules are not downloaded in their own step")
	case sourceCopied < 0 || built < 0:
		problems = append(problems, "no source copy or no go build")
	case !(modulesCopied < downloaded && downloaded < sourceCopied && sourceCopied < built):
		problems = append(problems, "source copied before go mod download: every code change would download modules again")
	}
	if !cgoOff {
		problems = append(problems, "CGO_ENABLED=0 not set: the binary must be static for distroless/static")
	}
	return problems
}

func finalProblems(s instructions.Stage, buildStage string) []string {
	var problems []string
	if !strings.HasPrefix(s.BaseName, finalBase+"@") {
		problems = append(problems, fmt.Sprintf("final base %s is not %s pinned by digest", s.BaseName, finalBase))
	}
	user := ""
	var ports []string
	entrypoint := false
	for _, c := range s.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.ExposeCommand:
			ports = append(ports, c.Ports...)
		case *instructions.EntrypointCommand:
			entrypoint = !c.PrependShell
		case *instructions.RunCommand:
			problems = append(problems, "RUN in the final stage: it has no shell and must hold the binary only")
		case *instructions.AddCommand:
			problems = append(problems, "ADD in the final stage: only the binary belongs there")
		case *instructions.CopyCommand:
			if c.From != buildStage || len(c.SourcePaths) != 1 {
				problems = append(problems, fmt.Sprintf("final stage copies %v from %q: only the binary from %q belongs there", c.SourcePaths, c.From, buildStage))
			}
		}
	}
	uid := strings.SplitN(user, ":", 2)[0]
	if uid == "" || uid == "root" || uid == "0" {
		problems = append(problems, "final stage runs as root: set USER to a non-root numeric uid")
	} else if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(uid) {
		problems = append(problems, fmt.Sprintf("USER %s is not numeric: Kubernetes cannot verify runAsNonRoot", user))
	}
	slices.Sort(ports)
	if !slices.Equal(ports, []string{"8000", "8080"}) {
		problems = append(problems, fmt.Sprintf("EXPOSE %v, want 8080 and 8000", ports))
	}
	if !entrypoint {
		problems = append(problems, "no exec-form ENTRYPOINT: the chart's helm test passes doc-search subcommands as args")
	}
	return problems
}

func goModVersion(t *testing.T) string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "go.mod")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	mf, err := modfile.ParseLax(path, data, nil)
	require.NoError(t, err)
	require.NotNil(t, mf.Go, "go.mod has no go line")
	return mf.Go.Version
}

func TestDockerfile_BuildsAPinnedStaticNonRootImage(t *testing.T) {
	stages := parseDockerfile(t, filepath.Join(repoRoot(t), "app", "doc-search", "Dockerfile"))
	assert.Empty(t, dockerfileProblems(stages, goModVersion(t)))
}

// Each fixture breaks one rule; the check must name it.
func TestDockerfile_ChecksCatchEachBrokenRule(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{file: "single-stage", want: "not multi-stage"},
		{file: "source-before-modules", want: "source copied before go mod download"},
		{file: "no-cache-mounts", want: "go build without cache mounts"},
		{file: "unpinned-base", want: "FROM gcr.io/distroless/static-debian12:nonroot: base image not pinned by digest"},
		{file: "root-user", want: "final stage runs as root"},
		{file: "named-user", want: "USER nonroot:nonroot is not numeric"},
		{file: "add-url", want: "ADD https://example.com/corpus.tar.gz: remote sources are unverified"},
		{file: "cgo", want: "CGO_ENABLED=0 not set"},
		{file: "no-version", want: "go build lacks " + buildinfoX + "Commit=${COMMIT}"},
		{file: "old-go", want: "builder Go 1.22 does not match go.mod's go"},
	}
	goVersion := goModVersion(t)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			stages := parseDockerfile(t, filepath.Join("testdata", "dockerfiles", tt.file+".Dockerfile"))
			problems := dockerfileProblems(stages, goVersion)
			assert.Contains(t, strings.Join(problems, "\n"), tt.want)
		})
	}
}

// The build context is the repository root filtered by .dockerignore, with
// the same matcher Docker uses: it must hold every file the binary is built
// from and nothing that would needlessly bust the cache.
func TestDockerignore_ContextHoldsTheServiceSourceOnly(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	require.NoError(t, err)
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	require.NoError(t, err)
	pm, err := patternmatcher.New(patterns)
	require.NoError(t, err)
	excluded := func(rel string) bool {
		ex, err := pm.MatchesOrParentMatches(rel)
		require.NoError(t, err)
		return ex
	}

	// Every Go and embedded file of the binary's own packages.
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if and .Module .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}`,
		"./app/doc-search/cmd/doc-search")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", exitStderr(err))
	files := strings.Fields(string(out))
	require.NotEmpty(t, files)
	for _, abs := range append(files, filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")) {
		rel, err := filepath.Rel(root, abs)
		require.NoError(t, err)
		assert.False(t, excluded(filepath.ToSlash(rel)), "%s is needed by the build but excluded", rel)
	}
	for _, rel := range []string{"charts/doc-search/values.yaml", "test/chart/render_test.go", ".git/HEAD",
		"README.md", "app/doc-search/internal/index/index_test.go", "bin/doc-search", ".cache/bin/actionlint"} {
		assert.True(t, excluded(rel), "%s must stay out of the build context", rel)
	}
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
