// Package chart tests the doc-search Helm chart and container image: what the
// chart renders, its lint and schema, Pod Security, the Dockerfile, and how
// the rendered probes treat a slow-starting doc-search process.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/strvals"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	releaseName = "doc-search"
	namespace   = "search"
)

// Monitoring APIs a cluster with kube-prometheus-stack advertises.
var monitoringAPIs = []string{"monitoring.coreos.com/v1/ServiceMonitor", "monitoring.coreos.com/v1/PrometheusRule"}

// repoRoot is the repository root, found from this file's location so the
// tests run from any working directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok, "locating the test source")
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func chartDir(t testing.TB) string { return filepath.Join(repoRoot(t), "charts", "doc-search") }

// renderOptions are what `helm template` takes besides values.
type renderOptions struct {
	chart       string // chart folder; "" is charts/doc-search
	release     string
	apiVersions []string
	kubeVersion string
}

// rendered is one `helm template` result: the objects of the release (hooks
// included) and its NOTES.txt.
type rendered struct {
	objects []*unstructured.Unstructured
	notes   string
}

// renderChart renders the chart like `helm template` (Helm SDK)
// with values given as --set style assignments and values files.
func renderChart(t testing.TB, opts renderOptions, sets []string, valueFiles ...string) (*rendered, error) {
	t.Helper()
	vals := map[string]any{}
	for _, f := range valueFiles {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		fileVals := map[string]any{}
		require.NoError(t, yaml.Unmarshal(data, &fileVals), "parsing %s", f)
		vals = chartutil.CoalesceTables(fileVals, vals)
	}
	for _, s := range sets {
		require.NoError(t, strvals.ParseInto(s, vals), "parsing --set %s", s)
	}

	dir := chartDir(t)
	if opts.chart != "" {
		dir = opts.chart
	}
	chrt, err := loader.Load(dir)
	require.NoError(t, err, "loading the chart")

	name := releaseName
	if opts.release != "" {
		name = opts.release
	}
	kubeVersion := opts.kubeVersion
	if kubeVersion == "" {
		kubeVersion = "v1.33.0"
	}
	kv, err := chartutil.ParseKubeVersion(kubeVersion)
	require.NoError(t, err)
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = *kv
	caps.APIVersions = append(caps.APIVersions, opts.apiVersions...)

	// What `helm template` does: coalesce and schema-check the values, then
	// render every template (hooks included).
	renderVals, err := chartutil.ToRenderValues(chrt, vals,
		chartutil.ReleaseOptions{Name: name, Namespace: namespace, Revision: 1, IsInstall: true}, caps)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(chrt, renderVals)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	var out bytes.Buffer
	notes := ""
	for _, f := range names {
		switch {
		case strings.HasSuffix(f, "NOTES.txt"):
			notes = files[f]
		case strings.HasPrefix(path.Base(f), "_"):
		default:
			fmt.Fprintf(&out, "\n---\n# Source: %s\n%s\n", f, files[f])
		}
	}
	objs, err := decodeObjects(out.Bytes())
	require.NoError(t, err, "decoding the rendered manifests:\n%s", out.String())
	return &rendered{objects: objs, notes: notes}, nil
}

// mustRender renders the chart and fails the test on error.
func mustRender(t testing.TB, opts renderOptions, sets ...string) *rendered {
	t.Helper()
	r, err := renderChart(t, opts, sets)
	require.NoError(t, err, "rendering with %v", sets)
	return r
}

func decodeObjects(manifest []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	var objs []*unstructured.Unstructured
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(obj) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: obj})
	}
}

// find returns the rendered objects of a kind.
func (r *rendered) find(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range r.objects {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// kinds lists "Kind/name" of every object, for messages and set comparisons.
func (r *rendered) kinds() []string {
	var out []string
	for _, o := range r.objects {
		out = append(out, o.GetKind()+"/"+o.GetName())
	}
	return out
}

// one decodes the single object of a kind into out, strictly: a field the
// Kubernetes type does not know (a template typo) fails the test.
func (r *rendered) one(t testing.TB, kind string, out any) {
	t.Helper()
	objs := r.find(kind)
	require.Len(t, objs, 1, "want exactly one %s, rendered %v", kind, r.kinds())
	decodeStrict(t, objs[0], out)
}

func decodeStrict(t testing.TB, obj *unstructured.Unstructured, out any) {
	t.Helper()
	require.NoError(t, kruntime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj.Object, out, true),
		"decoding %s/%s", obj.GetKind(), obj.GetName())
}

// has says whether an object of the kind was rendered.
func (r *rendered) has(kind string) bool { return len(r.find(kind)) > 0 }
