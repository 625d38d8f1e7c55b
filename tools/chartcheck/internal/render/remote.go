package render

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
)

// chartLocks serializes pulls of one chart version across goroutines.
var chartLocks sync.Map

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// pullChart fetches a chart from a Helm repository (HTTP index or OCI
// registry) with the Helm SDK into the cache folder, once, and returns the
// archive's path. Every file it writes (index, archive, registry
// credentials) stays under CacheDir.
func (r *renderer) pullChart(repoURL, name, version string) (string, error) {
	if r.opts.CacheDir == "" {
		return "", errors.New("remote Helm chart needs a cache folder (--cache-dir) or --offline")
	}
	cache, err := filepath.Abs(r.opts.CacheDir)
	if err != nil {
		return "", err
	}
	key := strings.Trim(unsafeChars.ReplaceAllString(strings.TrimPrefix(strings.TrimPrefix(repoURL, "oci://"), "https://"), "_"), "_")
	dir := filepath.Join(cache, "charts", key)
	dest := filepath.Join(dir, unsafeChars.ReplaceAllString(name+"-"+version, "_")+".tgz")
	mu, _ := chartLocks.LoadOrStore(dest, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	if _, err := os.Stat(dest); err == nil {
		return dest, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating cache folder: %w", err)
	}
	var data []byte
	if isOCI(repoURL) {
		data, err = pullOCI(cache, repoURL, name, version)
	} else {
		data, err = pullHTTP(cache, key, repoURL, name, version)
	}
	if err != nil {
		return "", fmt.Errorf("pulling chart %s %s from %s: %w", name, version, repoURL, err)
	}
	tmp := dest + ".part"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return "", fmt.Errorf("writing %s: %w", dest, err)
	}
	return dest, nil
}

// isOCI follows Argo CD: "oci://" URLs, and scheme-less registry hosts.
func isOCI(repoURL string) bool {
	if strings.HasPrefix(repoURL, "oci://") {
		return true
	}
	u, err := url.Parse(repoURL)
	return err == nil && u.Scheme == ""
}

func helmSettings(cache string) *cli.EnvSettings {
	s := cli.New()
	s.RepositoryCache = filepath.Join(cache, "repository")
	s.RepositoryConfig = filepath.Join(cache, "repositories.yaml")
	s.RegistryConfig = filepath.Join(cache, "registry", "config.json")
	return s
}

func pullHTTP(cache, key, repoURL, name, version string) ([]byte, error) {
	settings := helmSettings(cache)
	getters := getter.All(settings)
	cr, err := repo.NewChartRepository(&repo.Entry{Name: key, URL: repoURL}, getters)
	if err != nil {
		return nil, err
	}
	cr.CachePath = settings.RepositoryCache
	idxPath, err := cr.DownloadIndexFile()
	if err != nil {
		return nil, err
	}
	idx, err := repo.LoadIndexFile(idxPath)
	if err != nil {
		return nil, err
	}
	cv, err := idx.Get(name, version)
	if err != nil {
		return nil, err
	}
	if len(cv.URLs) == 0 {
		return nil, fmt.Errorf("index of %s lists no download URL for %s %s", repoURL, name, cv.Version)
	}
	u, err := repo.ResolveReferenceURL(repoURL, cv.URLs[0])
	if err != nil {
		return nil, err
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	g, err := getters.ByScheme(parsed.Scheme)
	if err != nil {
		return nil, err
	}
	buf, err := g.Get(u, getter.WithURL(repoURL), getter.WithAcceptHeader("application/gzip,application/octet-stream"))
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func pullOCI(cache, repoURL, name, version string) ([]byte, error) {
	settings := helmSettings(cache)
	client, err := registry.NewClient(registry.ClientOptCredentialsFile(settings.RegistryConfig), registry.ClientOptWriter(io.Discard))
	if err != nil {
		return nil, err
	}
	ref := strings.TrimSuffix(strings.TrimPrefix(repoURL, "oci://"), "/") + "/" + name + ":" + version
	res, err := client.Pull(ref, registry.PullOptWithChart(true))
	if err != nil {
		return nil, err
	}
	return res.Chart.Data, nil
}
