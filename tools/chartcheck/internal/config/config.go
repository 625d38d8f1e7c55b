// Package config reads a cluster's chartcheck.yaml: what the cluster looks
// like to the renderer (Kubernetes version, extra API versions) and whether it
// is a production cluster.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
	"helm.sh/helm/v3/pkg/chartutil"
)

// FileName is the name of the per-cluster configuration file.
const FileName = "chartcheck.yaml"

// DefaultKubeVersion is used when a cluster folder has no chartcheck.yaml or
// it sets no kubeVersion. It matches the Kubernetes libraries chartcheck uses.
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

// Load reads clusters/<name>/chartcheck.yaml from dir. A missing file gives
// the defaults; a present one is decoded strictly and validated.
func Load(dir string) (*Cluster, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Cluster{KubeVersion: DefaultKubeVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates one chartcheck.yaml document.
func Parse(data []byte) (*Cluster, error) {
	c := &Cluster{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decoding: %w", err)
	}
	if c.KubeVersion == "" {
		c.KubeVersion = DefaultKubeVersion
	}
	if _, err := chartutil.ParseKubeVersion(c.KubeVersion); err != nil {
		return nil, fmt.Errorf("kubeVersion %q: %w", c.KubeVersion, err)
	}
	for i, v := range c.APIVersions {
		if v == "" {
			return nil, fmt.Errorf("apiVersions[%d] is empty", i)
		}
	}
	return c, nil
}
