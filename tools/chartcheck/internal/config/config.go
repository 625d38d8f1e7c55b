// Package config reads chartcheck.yaml: at the repository root, the
// settings every cluster shares; in clusters/<name>/, what differs for that
// cluster: what it looks like to the renderer (Kubernetes version, extra API
// versions) and whether it is a production cluster.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"gopkg.in/yaml.v3"
	"helm.sh/helm/v3/pkg/chartutil"
)

// FileName is the name of the repository's and each cluster's settings file.
const FileName = "chartcheck.yaml"

// DefaultKubeVersion is used when neither the repository's nor the
// cluster's chartcheck.yaml sets a kubeVersion. It matches the Kubernetes libraries chartcheck uses.
const DefaultKubeVersion = "1.33.0"

// Cluster is the content of clusters/<name>/chartcheck.yaml. Decoding is
// strict: an unknown field is an error naming the file.
type Cluster struct {
	// KubeVersion is the cluster's Kubernetes version, e.g. "1.33.0"; Helm
	// charts see it as .Capabilities.KubeVersion.
	KubeVersion string `yaml:"kubeVersion"`
	// APIVersions are API versions ("group/version" or
	// "group/version/Kind") the cluster serves beyond Kubernetes' built-ins,
	// e.g. those of CRDs installed outside this repository.
	APIVersions []string `yaml:"apiVersions"`
	// Prod marks a production cluster; policy checks are stricter there.
	Prod bool `yaml:"prod"`
	// Rules holds the policy checks' per-cluster settings. Its content
	// belongs to the check package; the renderer keeps it as a YAML node so
	// that this file is read once and strictly in one place.
	Rules yaml.Node `yaml:"rules,omitempty"`
}

// Shared is the repository-root chartcheck.yaml: the render settings every
// cluster starts from, and the repository-wide rules.
type Shared struct {
	// KubeVersion is every cluster's Kubernetes version unless the
	// cluster's file sets its own.
	KubeVersion string `yaml:"kubeVersion"`
	// APIVersions are served by every cluster; a cluster's file adds more.
	APIVersions []string `yaml:"apiVersions"`
	// Rules belongs to the ruleconfig package, as Cluster.Rules does.
	Rules yaml.Node `yaml:"rules,omitempty"`
}

// LoadShared reads the repository-root chartcheck.yaml at path, strictly;
// a missing file gives the defaults.
func LoadShared(path string) (*Shared, error) {
	sh := &Shared{}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return sh, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(sh); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: decoding: %w", path, err)
	}
	if err := validate(sh.KubeVersion, sh.APIVersions); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sh, nil
}

// Load reads clusters/<name>/chartcheck.yaml from dir over the shared
// settings (nil: none): its kubeVersion replaces the shared one, its
// apiVersions come after the shared ones. A missing file gives the shared
// settings; a present one is decoded strictly and validated.
func Load(dir string, shared *Shared) (*Cluster, error) {
	if shared == nil {
		shared = &Shared{}
	}
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		data, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.KubeVersion == "" {
		c.KubeVersion = shared.KubeVersion
	}
	if c.KubeVersion == "" {
		c.KubeVersion = DefaultKubeVersion
	}
	apis := append([]string(nil), shared.APIVersions...)
	for _, v := range c.APIVersions {
		if !slices.Contains(apis, v) {
			apis = append(apis, v)
		}
	}
	c.APIVersions = apis
	return c, nil
}

// Parse decodes and validates one cluster's chartcheck.yaml; an unset
// kubeVersion stays empty, for Load to fill in.
func Parse(data []byte) (*Cluster, error) {
	c := &Cluster{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if err := validate(c.KubeVersion, c.APIVersions); err != nil {
		return nil, err
	}
	return c, nil
}

func validate(kubeVersion string, apiVersions []string) error {
	if kubeVersion != "" {
		if _, err := chartutil.ParseKubeVersion(kubeVersion); err != nil {
			return fmt.Errorf("kubeVersion %q: %w", kubeVersion, err)
		}
	}
	for i, v := range apiVersions {
		if v == "" {
			return fmt.Errorf("apiVersions[%d] is empty", i)
		}
	}
	return nil
}
