package render

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v2/util/glob"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

// manifestFile is Argo CD's pattern for files a directory source reads.
var manifestFile = regexp.MustCompile(`^.*\.(yaml|yml|json|jsonnet)$`)

// directory renders a plain directory source as Argo CD's repo server does:
// YAML and JSON files, recursing only when asked, include and exclude globs
// matched against the path relative to the source folder.
func (r *renderer) directory(appPath string, dir v1alpha1.ApplicationSourceDirectory, base manifest.Source) ([]manifest.Object, error) {
	var out []manifest.Object
	err := filepath.Walk(appPath, func(path string, f os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if f.IsDir() {
			if path != appPath && !dir.Recurse {
				return filepath.SkipDir
			}
			return nil
		}
		if !manifestFile.MatchString(f.Name()) {
			return nil
		}
		relPath, err := filepath.Rel(appPath, path)
		if err != nil {
			return err
		}
		if f.Mode()&os.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(path)
			if err != nil {
				return nil // Argo CD skips dangling symlinks with a warning
			}
			if !within(real, r.opts.RepoRoot) {
				return fmt.Errorf("%s: symlink points outside the repository", r.rel(path))
			}
			if f, err = os.Stat(real); err != nil {
				return err
			}
		}
		if !f.Mode().IsRegular() {
			return nil
		}
		if dir.Exclude != "" && glob.Match(dir.Exclude, relPath) {
			return nil
		}
		if dir.Include != "" && !glob.Match(dir.Include, relPath) {
			return nil
		}
		if strings.HasSuffix(f.Name(), ".jsonnet") {
			return fmt.Errorf("%s: jsonnet is not supported", r.rel(path))
		}
		objs, err := r.parseFile(path, base)
		if err != nil {
			return err
		}
		out = append(out, objs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parseFile reads one manifest file. Like Argo CD, a YAML file that does
// not look like a Kubernetes manifest at all is ignored rather than failed.
func (r *renderer) parseFile(path string, base manifest.Source) ([]manifest.Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", r.rel(path), err)
	}
	src := base
	src.File = r.rel(path)
	objs, err := manifest.Parse(data, src)
	if err != nil {
		if strings.HasSuffix(path, ".json") || (strings.Contains(string(data), "apiVersion:") &&
			strings.Contains(string(data), "kind:") && strings.Contains(string(data), "metadata:")) {
			return nil, err
		}
		return nil, nil
	}
	return objs, nil
}

// within reports whether path is root or inside it.
func within(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}
