package stack

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteImage_ContainerdImportsIt: a tarball WriteImage packs is
// imported by a real containerd under its reference and by digest, with
// the entrypoint and user it was given.
func TestWriteImage_ContainerdImportsIt(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("running containerd needs root")
	}
	if _, err := exec.LookPath("containerd"); err != nil {
		t.Skip("containerd not installed (scripts/install-deps.sh installs it)")
	}
	dir := t.TempDir()
	bin, err := os.Executable() // any static file will do as the binary
	require.NoError(t, err)
	out := filepath.Join(dir, "img.tar")
	const ref = "registry.invalid/e2e/probe:1.2.3"
	require.NoError(t, WriteImage(Image{Refs: []string{ref}, Binary: bin, Path: "/usr/local/bin/probe", User: "65532:65532"}, out))

	n := &node{dir: dir}
	require.NoError(t, os.WriteFile(n.path("containerd.toml"), []byte(n.containerdConfig()), 0o644))
	cmd := exec.Command("containerd", "--config", n.path("containerd.toml"))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ctx := context.Background()
	require.Eventually(t, func() bool {
		_, err := n.ctr(ctx, "version")
		return err == nil
	}, 20*time.Second, 100*time.Millisecond, "containerd did not come up")

	require.NoError(t, n.importImage(ctx, out))
	s := &Stack{node: n}
	digest, err := s.ImageDigest(ctx, ref)
	require.NoError(t, err)
	list, err := n.ctr(ctx, "images", "ls", "-q")
	require.NoError(t, err)
	assert.Contains(t, strings.Fields(string(list)), "registry.invalid/e2e/probe@"+digest, "no image by digest")
	// The config as containerd stored it: entrypoint and user as given.
	config, err := n.ctr(ctx, "content", "get", configDigest(ctx, t, n, digest))
	require.NoError(t, err)
	assert.Contains(t, string(config), `"User":"65532:65532"`)
	assert.Contains(t, string(config), `"Entrypoint":["/usr/local/bin/probe"]`)
}

// configDigest reads the image config's digest from its manifest.
func configDigest(ctx context.Context, t *testing.T, n *node, manifest string) string {
	t.Helper()
	data, err := n.ctr(ctx, "content", "get", manifest)
	require.NoError(t, err)
	var m struct{ Config struct{ Digest string } }
	require.NoError(t, json.Unmarshal(data, &m), "manifest %s", data)
	return m.Config.Digest
}
