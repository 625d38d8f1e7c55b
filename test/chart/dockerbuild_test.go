package chart

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

// distroless/static-debian12 adds about 2 MB to the binary; the image must
// stay under 20 MB.
const binarySizeBudget = 18 << 20

// The build stage's own `go build` command, run here with the build args the
// release workflow passes: the binary is static, stamped with the version,
// build and commit (a wrong -X path would silently leave "dev"), and small.
func TestDockerfile_BuildCommandStampsVersionAndFitsTheSizeBudget(t *testing.T) {
	needDocSearch(t) // the service's source must be there
	root := repoRoot(t)
	stages := parseDockerfile(t, filepath.Join(root, "app", "doc-search", "Dockerfile"))
	var env []string
	var build string
	for _, s := range stages {
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					env = append(env, kv.Key+"="+kv.Value)
				}
			case *instructions.RunCommand:
				if line := strings.Join(c.CmdLine, " "); strings.Contains(line, "go build") {
					build = line
				}
			}
		}
	}
	require.NotEmpty(t, build, "no go build in the Dockerfile")
	require.Contains(t, build, "/out/")

	out := t.TempDir()
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(build, "/out/", out+"/"))
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), env...),
		"TARGETOS=linux", "TARGETARCH=amd64", "VERSION=1.0.0", "BUILD=57", "COMMIT=0123456789ab")
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", build, msg)
	bin := filepath.Join(out, "doc-search")

	info, err := os.Stat(bin)
	require.NoError(t, err)
	t.Logf("binary: %.1f MB", float64(info.Size())/(1<<20))
	assert.Less(t, info.Size(), int64(binarySizeBudget), "the image would not fit in 20 MB")

	ldd, _ := exec.Command("go", "version", "-m", bin).CombinedOutput()
	assert.Contains(t, string(ldd), "CGO_ENABLED=0", "static build")
	assert.Contains(t, string(ldd), "-trimpath=true")

	p, err := startDocSearch(bin, corev1.Container{Ports: []corev1.ContainerPort{
		{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 8000},
	}}, 0)
	require.NoError(t, err)
	t.Cleanup(func() { p.stop(0) })
	port, _ := p.port("http")
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/version", port))
	require.NoError(t, err)
	defer res.Body.Close()
	var version map[string]string
	require.NoError(t, json.NewDecoder(res.Body).Decode(&version))
	assert.Equal(t, map[string]string{"version": "1.0.0", "build": "57", "commit": "0123456789ab"}, version)
}
