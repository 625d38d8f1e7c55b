package render

import (
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// NormalizeRepoURL reduces a git URL to host/path, lower case, without
// ".git", so that the https, ssh and scp-like ("git@host:org/repo")
// spellings of one repository compare equal. Argo CD's own normalization
// keeps the scheme and user, which would tell them apart.
func NormalizeRepoURL(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	if i := strings.Index(u, "://"); i >= 0 {
		p, err := url.Parse(u)
		if err == nil && p.Host != "" {
			return p.Hostname() + strings.TrimSuffix(p.Path, "/")
		}
		u = u[i+3:]
	}
	// scp-like: [user@]host:path
	if at := strings.Index(u, "@"); at >= 0 && at < strings.Index(u+":", ":") {
		u = u[at+1:]
	}
	if c := strings.Index(u, ":"); c >= 0 && (strings.Index(u, "/") < 0 || c < strings.Index(u, "/")) {
		u = u[:c] + "/" + strings.TrimPrefix(u[c+1:], "/")
	}
	return u
}

// OriginURL is the URL of the repository's "origin" remote, as git reports
// it; the renderer's default for which Applications are local.
func OriginURL(repoRoot string) (string, error) {
	cmd := exec.Command("git", "remote", "get-url", "origin")
	cmd.Dir = repoRoot
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git remote get-url origin in %s: %w", repoRoot, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// RootAppsDir is where the repository keeps the root Applications that
// point each cluster at its folder.
const RootAppsDir = "argocd"

// rootRepoURLs returns the repoURL of every Application under argocd/
// whose source path is under clusters/: those are the root Applications,
// and the URL they name is, by construction, this repository's.
func rootRepoURLs(repoRoot string) []string {
	var urls []string
	dir := filepath.Join(repoRoot, RootAppsDir)
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		objs, err := manifest.Parse(data, manifest.Source{File: path})
		if err != nil {
			return nil
		}
		for _, o := range objs {
			if o.Object.GetKind() != "Application" {
				continue
			}
			u, _, _ := unstructured.NestedString(o.Object.Object, "spec", "source", "repoURL")
			p, _, _ := unstructured.NestedString(o.Object.Object, "spec", "source", "path")
			if u != "" && strings.HasPrefix(filepath.ToSlash(filepath.Clean(p)), ClustersDir+"/") {
				urls = append(urls, u)
			}
		}
		return nil
	})
	return urls
}
