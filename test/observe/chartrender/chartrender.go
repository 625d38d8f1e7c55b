// Package chartrender renders the doc-search chart with the Helm SDK and turns
// its PrometheusRule and dashboard ConfigMaps into what Prometheus and Grafana
// load: a rule file and dashboard JSON documents.
package chartrender

import (
	"fmt"
	"path"
	"sort"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Release names the Helm release the chart is rendered as; Argo CD installs
// doc-search as release "doc-search" in namespace "doc-search".
type Release struct {
	Name      string
	Namespace string
}

// Manifests are the rendered objects, keyed by kind.
type Manifests struct {
	docs map[string][]string // kind -> YAML documents
}

// Render loads the chart at dir and renders it with values on top of the
// chart's defaults, as `helm template` would.
func Render(dir string, rel Release, values map[string]any) (Manifests, error) {
	chrt, err := loader.Load(dir)
	if err != nil {
		return Manifests{}, fmt.Errorf("loading chart %s: %w", dir, err)
	}
	vals, err := chartutil.ToRenderValues(chrt, values, chartutil.ReleaseOptions{
		Name: rel.Name, Namespace: rel.Namespace, IsInstall: true, Revision: 1,
	}, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return Manifests{}, fmt.Errorf("values for chart %s: %w", dir, err)
	}
	files, err := engine.Render(chrt, vals)
	if err != nil {
		return Manifests{}, fmt.Errorf("rendering chart %s: %w", dir, err)
	}
	m := Manifests{docs: map[string][]string{}}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		// Helm test hooks and NOTES are not part of what a cluster runs.
		if strings.Contains(name, "/tests/") || path.Ext(name) == ".txt" {
			continue
		}
		for _, doc := range releaseutil.SplitManifests(files[name]) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var head struct {
				Kind string `json:"kind"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				return Manifests{}, fmt.Errorf("rendered %s: %w", name, err)
			}
			m.docs[head.Kind] = append(m.docs[head.Kind], doc)
		}
	}
	return m, nil
}

// RuleFile converts every PrometheusRule into one Prometheus rule file, the
// way the Prometheus Operator does: its spec.groups become the file's groups.
func (m Manifests) RuleFile() ([]byte, error) {
	var file struct {
		Groups []monitoringv1.RuleGroup `json:"groups"`
	}
	for _, doc := range m.docs[monitoringv1.PrometheusRuleKind] {
		var pr monitoringv1.PrometheusRule
		// Strict: a misspelt field would be dropped silently by the operator.
		if err := yaml.UnmarshalStrict([]byte(doc), &pr); err != nil {
			return nil, fmt.Errorf("decoding PrometheusRule: %w", err)
		}
		file.Groups = append(file.Groups, pr.Spec.Groups...)
	}
	if len(file.Groups) == 0 {
		return nil, fmt.Errorf("no PrometheusRule groups rendered (is prometheusRule enabled?)")
	}
	out, err := yaml.Marshal(file)
	if err != nil {
		return nil, fmt.Errorf("encoding rule file: %w", err)
	}
	return out, nil
}

// Dashboards returns the Grafana dashboards the chart ships, keyed by
// "<configmap>/<key>": the data of every ConfigMap labelled
// grafana_dashboard="1", the label Grafana's sidecar looks for.
func (m Manifests) Dashboards() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, doc := range m.docs["ConfigMap"] {
		var cm corev1.ConfigMap
		if err := yaml.UnmarshalStrict([]byte(doc), &cm); err != nil {
			return nil, fmt.Errorf("decoding ConfigMap: %w", err)
		}
		if cm.Labels["grafana_dashboard"] != "1" {
			continue
		}
		for key, data := range cm.Data {
			out[cm.Name+"/"+key] = []byte(data)
		}
	}
	return out, nil
}
