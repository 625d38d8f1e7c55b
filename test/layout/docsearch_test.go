package layout

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/doc-search/gitops/tools/chartcheck/clusterrender"
)

// rendered is doc-search as Argo CD renders it for one cluster.
type rendered struct {
	app     *v1alpha1.Application
	objects []*unstructured.Unstructured
}

func (r rendered) find(kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range r.objects {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

// renderDocSearch is the cluster's doc-search Application as chartcheck
// renders it (the renderer `make check` and the fidelity tests use).
func renderDocSearch(t *testing.T, cluster string) rendered {
	t.Helper()
	app := clusterObjects(t, cluster).apps["doc-search"]
	require.NotNil(t, app)
	res, err := clusterrender.Cluster(context.Background(), clusterrender.Options{
		RepoRoot: repoRoot(t), RepoURLs: []string{repoURL}, Cluster: cluster, App: "doc-search", Offline: true,
	})
	require.NoError(t, err, "rendering clusters/%s", cluster)
	var objs []*unstructured.Unstructured
	for _, o := range res.Objects {
		objs = append(objs, o.Object)
	}
	require.NotEmpty(t, objs)
	return rendered{app: app, objects: objs}
}

// imageFile is clusters/<name>/doc-search/image.yaml: only the image, so a
// promotion commit is a one-file diff.
type imageFile struct {
	Image struct {
		Tag    string `yaml:"tag"`
		Digest string `yaml:"digest"`
	} `yaml:"image"`
}

func readImageFile(t *testing.T, cluster string) imageFile {
	t.Helper()
	path := filepath.Join(repoRoot(t), "clusters", cluster, "doc-search", "image.yaml")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var f imageFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&f), "%s holds only image.tag and image.digest", path)
	return f
}

func TestDocSearch_RendersTheClusterImage(t *testing.T) {
	tests := []struct {
		cluster     string
		needsDigest bool
	}{
		// minikube may run a tag built inside it by make minikube-up, or a
		// published image once a release has promoted one there.
		{cluster: "minikube", needsDigest: false},
		{cluster: "prod", needsDigest: true},
	}
	for _, tt := range tests {
		t.Run(tt.cluster, func(t *testing.T) {
			img := readImageFile(t, tt.cluster)
			require.Regexp(t, `^\d+\.\d+\.\d+-build\.\d+$`, img.Image.Tag)
			if tt.needsDigest || img.Image.Digest != "" {
				require.Regexp(t, `^sha256:[0-9a-f]{64}$`, img.Image.Digest, "prod runs an image by digest")
			}
			r := renderDocSearch(t, tt.cluster)
			deps := r.find("Deployment")
			require.Len(t, deps, 1)
			containers, _, err := unstructured.NestedSlice(deps[0].Object, "spec", "template", "spec", "containers")
			require.NoError(t, err)
			require.NotEmpty(t, containers)
			image := containers[0].(map[string]any)["image"].(string)
			if img.Image.Digest != "" {
				assert.Equal(t, "ghcr.io/doc-search/doc-search@"+img.Image.Digest, image)
			} else {
				assert.Equal(t, "ghcr.io/doc-search/doc-search:"+img.Image.Tag, image)
			}
		})
	}
}

func TestDocSearch_ClusterShape(t *testing.T) {
	tests := []struct {
		cluster     string
		namespace   string
		serviceType string
		replicas    int64 // on the Deployment; 0 when the HPA owns them
		hpaMin      int64 // 0: no HPA
		pdb         bool
	}{
		{cluster: "minikube", namespace: "default", serviceType: "NodePort", replicas: 1},
		{cluster: "prod", namespace: "doc-search", serviceType: "ClusterIP", hpaMin: 3, pdb: true},
	}
	for _, tt := range tests {
		t.Run(tt.cluster, func(t *testing.T) {
			r := renderDocSearch(t, tt.cluster)
			assert.Equal(t, tt.namespace, r.app.Spec.Destination.Namespace)
			for _, o := range r.objects {
				assert.True(t, strings.HasPrefix(o.GetName(), "doc-search"), "%s/%s is named after the release", o.GetKind(), o.GetName())
				if ns := o.GetNamespace(); ns != "" {
					assert.Equal(t, tt.namespace, ns, "%s/%s", o.GetKind(), o.GetName())
				}
			}

			svcs := r.find("Service")
			require.Len(t, svcs, 1)
			assert.Equal(t, "doc-search", svcs[0].GetName())
			typ, _, _ := unstructured.NestedString(svcs[0].Object, "spec", "type")
			assert.Equal(t, tt.serviceType, typ)

			dep := r.find("Deployment")[0]
			replicas, found, _ := unstructured.NestedInt64(dep.Object, "spec", "replicas")
			if tt.replicas > 0 {
				assert.True(t, found)
				assert.Equal(t, tt.replicas, replicas)
			} else {
				assert.False(t, found, "the HorizontalPodAutoscaler owns the replica count")
			}

			hpas := r.find("HorizontalPodAutoscaler")
			if tt.hpaMin == 0 {
				assert.Empty(t, hpas)
			} else if assert.Len(t, hpas, 1) {
				minReplicas, _, _ := unstructured.NestedInt64(hpas[0].Object, "spec", "minReplicas")
				assert.Equal(t, tt.hpaMin, minReplicas)
			}
			assert.Equal(t, tt.pdb, len(r.find("PodDisruptionBudget")) == 1)
		})
	}
}

func TestDocSearch_EveryRenderedKindIsPermittedByItsProject(t *testing.T) {
	for _, cluster := range clusterNames(t) {
		t.Run(cluster, func(t *testing.T) {
			r := renderDocSearch(t, cluster)
			proj := clusterObjects(t, cluster).projects[r.app.Spec.Project]
			require.NotNil(t, proj)
			for _, o := range r.objects {
				if o.GetAnnotations()["helm.sh/hook"] == "test" {
					continue // Argo CD never applies `helm test` Pods: the hook maps to none of its phases
				}
				gk := schema.GroupKind{Group: o.GroupVersionKind().Group, Kind: o.GetKind()}
				ns := o.GetNamespace()
				if ns == "" && gk.Kind != "ClusterRole" && gk.Kind != "ClusterRoleBinding" {
					ns = r.app.Spec.Destination.Namespace // Argo CD puts namespaced objects there
				}
				ok, err := proj.IsResourcePermitted(gk, ns, r.app.Spec.Destination, noProjectClusters)
				require.NoError(t, err)
				assert.True(t, ok, "project %s refuses %s %s", proj.Name, gk, o.GetName())
			}
		})
	}
}

func TestDocSearch_PrometheusAndGrafanaPickItUp(t *testing.T) {
	for _, cluster := range clusterNames(t) {
		t.Run(cluster, func(t *testing.T) {
			r := renderDocSearch(t, cluster)
			kps := clusterObjects(t, cluster).apps["kube-prometheus-stack"]
			require.NotNil(t, kps)
			var kpsValues map[string]any
			require.NoError(t, sigsyaml.Unmarshal(kps.Spec.Source.Helm.ValuesYAML(), &kpsValues))

			// Prometheus selects every ServiceMonitor and PrometheusRule, or
			// those labelled with its release.
			release := kps.Spec.Source.Helm.ReleaseName
			for kind, setting := range map[string]string{
				"ServiceMonitor": "serviceMonitorSelectorNilUsesHelmValues",
				"PrometheusRule": "ruleSelectorNilUsesHelmValues",
			} {
				objs := r.find(kind)
				require.Len(t, objs, 1, kind)
				nilUses, found, _ := unstructured.NestedBool(kpsValues, "prometheus", "prometheusSpec", setting)
				selectsAll := found && !nilUses
				assert.True(t, selectsAll || objs[0].GetLabels()["release"] == release,
					"%s %s is not selected by Prometheus", kind, objs[0].GetName())
			}

			// Grafana's sidecar loads ConfigMaps with its label, from every namespace.
			label, _, _ := unstructured.NestedString(kpsValues, "grafana", "sidecar", "dashboards", "label")
			value, _, _ := unstructured.NestedString(kpsValues, "grafana", "sidecar", "dashboards", "labelValue")
			where, _, _ := unstructured.NestedString(kpsValues, "grafana", "sidecar", "dashboards", "searchNamespace")
			require.NotEmpty(t, label)
			assert.Equal(t, "ALL", where)
			var dashboards int
			for _, cm := range r.find("ConfigMap") {
				if cm.GetLabels()[label] == value {
					dashboards++
				}
			}
			assert.Equal(t, 1, dashboards, "one ConfigMap labelled %s=%q", label, value)
		})
	}
}

func TestDocSearch_ValueFilesUseOnlyChartKeys(t *testing.T) {
	root := repoRoot(t)
	chartValues := filepath.Join(root, "charts", "doc-search", "values.yaml")
	defaults, err := chartutil.ReadValuesFile(chartValues)
	require.NoError(t, err)
	for _, cluster := range clusterNames(t) {
		app := clusterObjects(t, cluster).apps["doc-search"]
		require.NotNil(t, app)
		for _, f := range app.Spec.Source.Helm.ValueFiles {
			t.Run(cluster+f, func(t *testing.T) {
				vals, err := chartutil.ReadValuesFile(filepath.Join(root, f))
				require.NoError(t, err)
				assert.Empty(t, unknownKeys("", vals, defaults), "keys charts/doc-search/values.yaml does not have")
			})
		}
	}
}

// unknownKeys lists the dotted paths of vals that defaults lacks. Under a
// key whose default is an empty map (labels, podAnnotations) anything goes.
func unknownKeys(prefix string, vals, defaults map[string]any) []string {
	var out []string
	for k, v := range vals {
		d, ok := defaults[k]
		if !ok {
			out = append(out, prefix+k)
			continue
		}
		sub, isMap := v.(map[string]any)
		dsub, dIsMap := d.(map[string]any)
		if isMap && dIsMap && len(dsub) > 0 {
			out = append(out, unknownKeys(prefix+k+".", sub, dsub)...)
		}
	}
	return out
}

func TestUnknownKeys_FindsMisspeltNestedKeys(t *testing.T) {
	defaults := map[string]any{
		"service": map[string]any{"type": "ClusterIP", "port": 8080},
		"labels":  map[string]any{},
	}
	vals := map[string]any{
		"service": map[string]any{"typ": "NodePort", "port": 80},
		"labels":  map[string]any{"anything": "1"},
		"replica": 2,
	}
	assert.ElementsMatch(t, []string{"service.typ", "replica"}, unknownKeys("", vals, defaults))
}
