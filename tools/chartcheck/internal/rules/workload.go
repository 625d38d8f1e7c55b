package rules

import (
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// workload is an object that runs pods, with its pod template.
type workload struct {
	obj      *Object
	template *corev1.PodTemplateSpec
	// path is the field path of the pod template ("spec.template"; "" for
	// a Pod, whose own metadata and spec are the template).
	path string
	// replicas is spec.replicas as written; nil when left out.
	replicas *int32
	// longRunning is true for Deployments, StatefulSets, DaemonSets,
	// ReplicaSets and Argo Rollouts that are not hooks: pods expected to
	// stay up, that need probes and count as Service backends.
	longRunning bool
	// hook is true for Helm hooks (e.g. test pods) and Argo CD hooks: they
	// run once, and are checked as what they are, not as workloads.
	hook bool
}

// specPath is the field path of the pod spec.
func (w *workload) specPath() string {
	if w.path == "" {
		return "spec"
	}
	return w.path + ".spec"
}

// isHook reports Helm and Argo CD hook resources.
func isHook(o *Object) bool {
	a := o.Object.Object.GetAnnotations()
	return a["helm.sh/hook"] != "" || a["argocd.argoproj.io/hook"] != ""
}

// asWorkload returns the object's pod template, or nil when it runs no pods.
func asWorkload(o *Object) *workload {
	w := &workload{obj: o, path: "spec.template"}
	switch t := o.Typed.(type) {
	case *appsv1.Deployment:
		w.template, w.replicas, w.longRunning = &t.Spec.Template, t.Spec.Replicas, true
	case *appsv1.StatefulSet:
		w.template, w.replicas, w.longRunning = &t.Spec.Template, t.Spec.Replicas, true
	case *appsv1.DaemonSet:
		w.template, w.longRunning = &t.Spec.Template, true
	case *appsv1.ReplicaSet:
		w.template, w.replicas, w.longRunning = &t.Spec.Template, t.Spec.Replicas, true
	case *batchv1.Job:
		w.template = &t.Spec.Template
	case *batchv1.CronJob:
		w.template, w.path = &t.Spec.JobTemplate.Spec.Template, "spec.jobTemplate.spec.template"
	case *corev1.Pod:
		w.template, w.path = &corev1.PodTemplateSpec{ObjectMeta: t.ObjectMeta, Spec: t.Spec}, ""
	case nil:
		// Argo Rollouts have no Go type in this module: read the pod
		// template (a core PodTemplateSpec) from the unstructured object.
		u := o.Object.Object
		if u.GroupVersionKind().Group != "argoproj.io" || u.GetKind() != "Rollout" {
			return nil
		}
		m, found, err := unstructured.NestedMap(u.Object, "spec", "template")
		if err != nil || !found {
			return nil
		}
		tmpl := &corev1.PodTemplateSpec{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, tmpl); err != nil {
			return nil
		}
		w.template, w.longRunning = tmpl, true
		if r, found, err := unstructured.NestedInt64(u.Object, "spec", "replicas"); err == nil && found {
			n := int32(r)
			w.replicas = &n
		}
	default:
		return nil
	}
	if isHook(o) {
		w.hook, w.longRunning = true, false
	}
	return w
}

// index holds the lookups several rules share, built on first use.
type index struct {
	workloads []*workload
	// managed are the pods operators run for custom resources (Prometheus,
	// Alertmanager): Services and PDBs select them, but their pod specs are
	// the operator's, so no container rule looks at them.
	managed []*workload
}

func (c *Cluster) index() *index {
	if c.idx != nil {
		return c.idx
	}
	ix := &index{}
	for _, o := range c.Objects {
		if w := asWorkload(o); w != nil {
			ix.workloads = append(ix.workloads, w)
		}
		if w := operatorPods(o); w != nil {
			ix.managed = append(ix.managed, w)
		}
	}
	c.idx = ix
	return ix
}

// ofKind returns the objects of the given group and kind.
func (c *Cluster) ofKind(group, kind string) []*Object {
	var out []*Object
	for _, o := range c.Objects {
		gvk := o.Object.Object.GroupVersionKind()
		if gvk.Group == group && gvk.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

// podsSelectedBy returns the long-running workloads in namespace ns whose
// pod template labels match sel.
func (c *Cluster) podsSelectedBy(ns string, sel labels.Selector) []*workload {
	var out []*workload
	ix := c.index()
	for _, w := range append(append([]*workload(nil), ix.workloads...), ix.managed...) {
		if !w.longRunning || !sameNamespace(w.obj.Object.Object.GetNamespace(), ns) {
			continue
		}
		if sel.Matches(labels.Set(w.template.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

// containerPath names a container in messages and paths by its name, which
// stays stable when containers are reordered.
func containerPath(w *workload, init bool, name string) string {
	if init {
		return w.specPath() + ".initContainers[" + name + "]"
	}
	return w.specPath() + ".containers[" + name + "]"
}

// sameNamespace compares namespaces, an empty one matching any: plain
// rendered manifests often leave the namespace to the apply step.
func sameNamespace(a, b string) bool { return a == b || a == "" || b == "" }

// operatorPods describes the pods the Prometheus Operator runs for a
// Prometheus or Alertmanager, with the labels it gives them.
func operatorPods(o *Object) *workload {
	var name string
	var replicas *int32
	var podMeta *monitoringv1.EmbeddedObjectMetadata
	lbl := map[string]string{"app.kubernetes.io/managed-by": "prometheus-operator"}
	switch t := o.Typed.(type) {
	case *monitoringv1.Prometheus:
		name, replicas, podMeta = t.Name, t.Spec.Replicas, t.Spec.PodMetadata
		lbl["app.kubernetes.io/name"] = "prometheus"
		lbl["prometheus"] = name
		lbl["operator.prometheus.io/name"] = name
		lbl["operator.prometheus.io/shard"] = "0"
	case *monitoringv1.Alertmanager:
		name, replicas, podMeta = t.Name, t.Spec.Replicas, t.Spec.PodMetadata
		lbl["app.kubernetes.io/name"] = "alertmanager"
		lbl["alertmanager"] = name
	default:
		return nil
	}
	lbl["app.kubernetes.io/instance"] = name
	if podMeta != nil {
		for k, v := range podMeta.Labels {
			lbl[k] = v
		}
	}
	return &workload{obj: o, replicas: replicas, longRunning: true,
		template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl}}}
}
