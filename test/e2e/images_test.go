//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/test/e2e/stack"
)

// docSearchRepository is the image repository the chart names.
const docSearchRepository = "ghcr.io/doc-search/doc-search"

// docSearchBuilds are the builds the tests run: the one image.yaml names
// and the one a promotion moves to.
var docSearchBuilds = []string{"1.0.0-build.1", "1.0.0-build.2"}

// buildImages builds the images the node runs, each from this checkout:
// the pause stand-in, and doc-search once per tag of docSearchBuilds, each
// with its build number stamped in as the release build does.
func buildImages(t *testing.T, root string) []string {
	t.Helper()
	dir := t.TempDir()
	pause := filepath.Join(dir, "pause")
	goBuild(t, root, pause, "-ldflags", "-s -w", "./test/e2e/images/pause")
	tarballs := []string{filepath.Join(dir, "pause.tar")}
	require.NoError(t, stack.WriteImage(stack.Image{
		Refs: []string{stack.PauseImage}, Binary: pause, Path: "/pause", User: "65535:65535",
	}, tarballs[0]))

	version, err := os.ReadFile(filepath.Join(root, "app", "doc-search", "VERSION"))
	require.NoError(t, err)
	commit := runGit(t, root, "rev-parse", "--short=12", "HEAD")
	for _, tag := range docSearchBuilds {
		bin := filepath.Join(dir, "doc-search-"+tag)
		goBuild(t, root, bin, "-ldflags", docSearchLdflags(strings.TrimSpace(string(version)), tag[strings.LastIndex(tag, ".")+1:], commit),
			"./app/doc-search/cmd/doc-search")
		out := filepath.Join(dir, "doc-search-"+tag+".tar")
		require.NoError(t, stack.WriteImage(stack.Image{
			Refs:   []string{docSearchRepository + ":" + tag},
			Binary: bin,
			Path:   "/usr/local/bin/doc-search",
			// distroless' nonroot, as the Dockerfile's USER says.
			User:   "65532:65532",
			Labels: map[string]string{"org.opencontainers.image.version": strings.TrimSpace(string(version)), "org.opencontainers.image.revision": commit},
		}, out))
		tarballs = append(tarballs, out)
	}
	return tarballs
}

// docSearchLdflags are the link flags of app/doc-search/Dockerfile's go
// build line (TestImages_BuildLikeTheDockerfile keeps the two equal).
func docSearchLdflags(version, build, commit string) string {
	return "-s -w" +
		" -X github.com/doc-search/gitops/app/internal/buildinfo.Version=" + version +
		" -X github.com/doc-search/gitops/app/internal/buildinfo.Build=" + build +
		" -X github.com/doc-search/gitops/app/internal/buildinfo.Commit=" + commit
}

// TestImages_BuildLikeTheDockerfile: the image the node runs is built with
// the Dockerfile's go build line: same flags, same package, static.
func TestImages_BuildLikeTheDockerfile(t *testing.T) {
	data, err := os.ReadFile("../../app/doc-search/Dockerfile")
	require.NoError(t, err)
	dockerfile := strings.Join(strings.Fields(strings.ReplaceAll(string(data), "\\\n", " ")), " ")
	want := docSearchLdflags("${VERSION}", "${BUILD}", "${COMMIT}")
	for _, part := range []string{
		"CGO_ENABLED=0",
		"go build -trimpath -ldflags \"" + want + "\" -o /out/doc-search ./app/doc-search/cmd/doc-search",
		"USER 65532:65532",
		"COPY --from=build /out/doc-search /usr/local/bin/doc-search",
		`ENTRYPOINT ["/usr/local/bin/doc-search"]`,
	} {
		require.Contains(t, dockerfile, part, "app/doc-search/Dockerfile no longer builds the image as the end-to-end test does")
	}
}

// goBuild builds a static linux/amd64 binary as the Dockerfile does
// (CGO_ENABLED=0, -trimpath).
func goBuild(t *testing.T, root, out string, args ...string) {
	t.Helper()
	t.Setenv("CGO_ENABLED", "0")
	goOutput(t, root, append([]string{"build", "-trimpath", "-o", out}, args...)...)
}
