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
		if w = olderWorkload(o, w); w == nil {
			return nil
		}
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

	// Built on first use by the rules that need them.
	byName map[string][]*workload // long-running workloads by "Kind/name", in order
	all    []*workload            // long-running workloads, then managed pods
	byNS   map[string][]*workload // all by namespace, in order
	pos    map[*workload]int      // index in all
	hpas   []hpa
	hpaOf  map[*workload]*hpa
}

// byKindName returns the long-running workloads by "Kind/name", each list
// in the order of the cluster's objects.
func (ix *index) byKindName() map[string][]*workload {
	if ix.byName == nil {
		ix.byName = map[string][]*workload{}
		for _, w := range ix.workloads {
			if w.longRunning {
				u := w.obj.Object.Object
				k := u.GetKind() + "/" + u.GetName()
				ix.byName[k] = append(ix.byName[k], w)
			}
		}
	}
	return ix.byName
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
	for _, w := range c.index().longRunningIn(ns) {
		if sel.Matches(labels.Set(w.template.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

// longRunningIn returns the long-running workloads, then the
// operator-managed pods, that sameNamespace puts in namespace ns, in the
// cluster's order. They are grouped by namespace once: every Service and
// PDB asks, and a pass over every workload each time was quadratic in the
// size of the cluster.
func (ix *index) longRunningIn(ns string) []*workload {
	if ix.byNS == nil {
		ix.byNS = map[string][]*workload{}
		for _, w := range append(append([]*workload(nil), ix.workloads...), ix.managed...) {
			if w.longRunning {
				ix.all = append(ix.all, w)
				n := w.obj.Object.Object.GetNamespace()
				ix.byNS[n] = append(ix.byNS[n], w)
			}
		}
		ix.pos = make(map[*workload]int, len(ix.all))
		for i, w := range ix.all {
			ix.pos[w] = i
		}
	}
	if ns == "" {
		return ix.all
	}
	// Those of ns and those of no namespace, merged back into order.
	a, b := ix.byNS[ns], ix.byNS[""]
	if len(b) == 0 {
		return a
	}
	out := make([]*workload, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if ix.pos[a[0]] < ix.pos[b[0]] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
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
