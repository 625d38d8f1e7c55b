package layout

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// addAService is where the list of a service's files is explained.
const addAService = `docs/runbooks.md, "Add a service"`

// services are the folders under app/ except app/internal: one service each.
func services(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "app"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "internal" {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// clusterNames are the folders under clusters/.
func clusterNames(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "clusters"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

var semverLine = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\n?$`)

// serviceProblems lists every way the tree under root holds a service only
// in part: code without chart, a cluster folder without its image file, an
// Application no kustomization lists. Each problem names the service, the
// missing file and where the list of files is.
func serviceProblems(root string) []string {
	var problems []string
	missing := func(svc, what, path string) {
		problems = append(problems, fmt.Sprintf("service %s is half-added: %s %s is missing (%s)", svc, what, path, addAService))
	}
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(root, rel))
		return err == nil
	}
	read := func(rel string) string {
		data, _ := os.ReadFile(filepath.Join(root, rel))
		return string(data)
	}
	svcs, err := services(root)
	if err != nil {
		return []string{err.Error()}
	}
	clusters, err := clusterNames(root)
	if err != nil {
		return []string{err.Error()}
	}
	apps := read("argocd/apps/kustomization.yaml")
	projects := read("argocd/projects/kustomization.yaml")
	owners := read(".github/CODEOWNERS")
	release := read(".github/workflows/release.yml")
	for _, s := range svcs {
		for _, f := range []struct{ what, path string }{
			{"its version file", "app/" + s + "/VERSION"},
			{"its Dockerfile", "app/" + s + "/Dockerfile"},
			{"its command", "app/" + s + "/cmd/" + s + "/main.go"},
			{"its chart", "charts/" + s + "/Chart.yaml"},
			{"its chart's values schema", "charts/" + s + "/values.schema.json"},
			{"its Application", "argocd/apps/" + s + ".yaml"},
			{"its AppProject", "argocd/projects/" + s + ".yaml"},
		} {
			if !exists(f.path) {
				missing(s, f.what, f.path)
			}
		}
		if v := read("app/" + s + "/VERSION"); exists("app/"+s+"/VERSION") && !semverLine.MatchString(v) {
			problems = append(problems, fmt.Sprintf("service %s: app/%s/VERSION holds %q, want one MAJOR.MINOR.PATCH line (%s)", s, s, v, addAService))
		}
		if exists("argocd/apps/"+s+".yaml") && !strings.Contains(apps, "- "+s+".yaml") {
			missing(s, "its entry in", "argocd/apps/kustomization.yaml")
		}
		if exists("argocd/projects/"+s+".yaml") && !strings.Contains(projects, "- "+s+".yaml") {
			missing(s, "its entry in", "argocd/projects/kustomization.yaml")
		}
		if !strings.Contains(owners, "/app/"+s+"/") {
			missing(s, "its owners line /app/"+s+"/ in", ".github/CODEOWNERS")
		}
		for _, filter := range []string{"app/" + s + "/**", "charts/" + s + "/**"} {
			if !strings.Contains(release, filter) {
				missing(s, "the release path filter "+filter+" in", ".github/workflows/release.yml")
			}
		}
		for _, c := range clusters {
			dir := "clusters/" + c + "/" + s
			for _, f := range []string{"application.yaml", "values.yaml", "image.yaml"} {
				if !exists(dir + "/" + f) {
					missing(s, "its cluster file", dir+"/"+f)
				}
			}
			if !strings.Contains(read("clusters/"+c+"/kustomization.yaml"), "- path: "+s+"/application.yaml") {
				missing(s, "the patch "+s+"/application.yaml in", "clusters/"+c+"/kustomization.yaml")
			}
		}
	}
	// A cluster folder named like a chart of this repository but with no
	// service code is a service whose code is missing, unless it is a
	// chart of the platform (a database) that has no image of its own.
	for _, c := range clusters {
		entries, _ := os.ReadDir(filepath.Join(root, "clusters", c))
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() || exists("app/"+name) {
				continue
			}
			if exists("clusters/" + c + "/" + name + "/image.yaml") {
				missing(name, "its code", "app/"+name)
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func TestServices_NoneIsHalfAdded(t *testing.T) {
	root := repoRoot(t)
	svcs, err := services(root)
	require.NoError(t, err)
	require.Contains(t, svcs, "doc-search")
	require.Contains(t, svcs, "visitors")
	assert.Empty(t, serviceProblems(root))
}

// TestServices_HalfAddedServiceFailsClearly copies the files of one
// complete service into a scratch tree, then removes one at a time.
func TestServices_HalfAddedServiceFailsClearly(t *testing.T) {
	complete := map[string]string{
		"app/web/VERSION":                    "1.0.0\n",
		"app/web/Dockerfile":                 "FROM scratch\n",
		"app/web/cmd/web/main.go":            "package main\n",
		"charts/web/Chart.yaml":              "name: web\n",
		"charts/web/values.schema.json":      "{}\n",
		"argocd/apps/web.yaml":               "kind: Application\n",
		"argocd/apps/kustomization.yaml":     "resources:\n  - web.yaml\n",
		"argocd/projects/web.yaml":           "kind: AppProject\n",
		"argocd/projects/kustomization.yaml": "resources:\n  - web.yaml\n",
		".github/CODEOWNERS":                 "/app/web/ @team\n",
		".github/workflows/release.yml":      "paths:\n  - app/web/**\n  - charts/web/**\n",
		"clusters/dev/kustomization.yaml":    "patches:\n  - path: web/application.yaml\n",
		"clusters/dev/web/application.yaml":  "kind: Application\n",
		"clusters/dev/web/values.yaml":       "{}\n",
		"clusters/dev/web/image.yaml":        "image: {tag: 1.0.0-build.1}\n",
	}
	tests := []struct {
		name   string
		change func(files map[string]string)
		want   string
	}{
		{"complete", func(map[string]string) {}, ""},
		{"code without chart", func(f map[string]string) { delete(f, "charts/web/Chart.yaml") },
			"service web is half-added: its chart charts/web/Chart.yaml is missing"},
		{"cluster folder without image file", func(f map[string]string) { delete(f, "clusters/dev/web/image.yaml") },
			"service web is half-added: its cluster file clusters/dev/web/image.yaml is missing"},
		{"cluster folder without code", func(f map[string]string) {
			for k := range f {
				if strings.HasPrefix(k, "app/web/") {
					delete(f, k)
				}
			}
		}, "service web is half-added: its code app/web is missing"},
		{"Application not listed", func(f map[string]string) { f["argocd/apps/kustomization.yaml"] = "resources: []\n" },
			"service web is half-added: its entry in argocd/apps/kustomization.yaml is missing"},
		{"cluster does not patch it", func(f map[string]string) { f["clusters/dev/kustomization.yaml"] = "patches: []\n" },
			"the patch web/application.yaml in clusters/dev/kustomization.yaml is missing"},
		{"no release filter", func(f map[string]string) { f[".github/workflows/release.yml"] = "paths:\n  - app/web/**\n" },
			"the release path filter charts/web/** in .github/workflows/release.yml is missing"},
		{"bad version", func(f map[string]string) { f["app/web/VERSION"] = "v1\n" },
			`service web: app/web/VERSION holds "v1\n", want one MAJOR.MINOR.PATCH line`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for k, v := range complete {
				files[k] = v
			}
			tt.change(files)
			root := t.TempDir()
			for path, content := range files {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(root, path), []byte(content), 0o644))
			}
			got := serviceProblems(root)
			if tt.want == "" {
				assert.Empty(t, got)
				return
			}
			require.NotEmpty(t, got)
			assert.Contains(t, strings.Join(got, "\n"), tt.want)
			assert.Contains(t, got[0], addAService, "says where the list of files is")
		})
	}
}

// TestServices_ImageFilesHoldOnlyTheImage keeps image.yaml the one file a
// promotion commit changes, for every service and cluster.
func TestServices_ImageFilesHoldOnlyTheImage(t *testing.T) {
	root := repoRoot(t)
	paths, err := filepath.Glob(filepath.Join(root, "clusters", "*", "*", "image.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		var v map[string]map[string]any
		require.NoError(t, yaml.UnmarshalStrict(data, &v), p)
		assert.Len(t, v, 1, "%s holds only image:", p)
		assert.ElementsMatch(t, []string{"tag", "digest"}, keys(v["image"]), p)
	}
}
