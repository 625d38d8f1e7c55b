package layout

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRelease_BuildsOnlyTheServicesThatChanged runs the release workflow's
// .github/scripts/changed-services.sh on a scratch repository.
func TestRelease_BuildsOnlyTheServicesThatChanged(t *testing.T) {
	script, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "scripts", "changed-services.sh"))
	require.NoError(t, err)
	dir := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
		return strings.TrimSpace(string(out))
	}
	write := func(rel, content string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644))
	}
	commit := func(files ...string) string {
		for _, f := range files {
			write(f, f+" "+git("rev-parse", "--short", "HEAD")+"\n")
		}
		git("add", "-A")
		git("commit", "-q", "-m", "change")
		return git("rev-parse", "HEAD")
	}
	git("init", "-q")
	write(".github/scripts/changed-services.sh", string(script))
	write("README.md", "x\n")
	git("add", "-A")
	git("commit", "-q", "-m", "start")
	base := commit("app/internal/service/a.go", "app/doc-search/VERSION", "app/visitors/VERSION", "charts/visitors/Chart.yaml")

	changed := func(from, to string) string {
		cmd := exec.Command("bash", ".github/scripts/changed-services.sh", from, to)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.TrimSpace(string(out))
	}
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"one service's code", []string{"app/visitors/internal/x.go"}, `["visitors"]`},
		{"one service's chart", []string{"charts/visitors/values.yaml"}, `["visitors"]`},
		{"both services", []string{"app/doc-search/x.go", "charts/visitors/x.yaml"}, `["doc-search","visitors"]`},
		{"shared code rebuilds all", []string{"app/internal/service/b.go"}, `["doc-search","visitors"]`},
		{"go.sum rebuilds all", []string{"go.sum"}, `["doc-search","visitors"]`},
		{"clusters only (a promotion)", []string{"clusters/minikube/visitors/image.yaml"}, `[]`},
	}
	from := base
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := commit(tt.files...)
			assert.Equal(t, tt.want, changed(from, to))
			from = to
		})
	}
	assert.Equal(t, `["doc-search","visitors"]`, changed(strings.Repeat("0", 40), from), "a new branch builds every service")
}
