package rules

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func init() {
	register("service-selects-nothing", checkServiceSelectsNothing)
	register("hpa-target-missing", checkHpaTargetMissing)
	register("hpa-target-no-cpu-request", checkHpaTargetNoCpuRequest)
	register("hpa-replicas-set", checkHpaReplicasSet)
	register("pdb-selects-nothing", checkPdbSelectsNothing)
	register("pdb-blocks-eviction", checkPdbBlocksEviction)
	register("prod-replicas-no-spread", checkProdReplicasNoSpread)
}

func checkServiceSelectsNothing(c *Cluster) {
	for _, o := range c.ofKind("", "Service") {
		svc, ok := o.Typed.(*corev1.Service)
		// kube-system Services (kube-prometheus-stack's exporters for
		// etcd, the scheduler, kube-dns...) front control-plane pods that
		// no chart renders.
		if !ok || len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Namespace == "kube-system" {
			continue
		}
		if len(c.podsSelectedBy(svc.Namespace, labels.SelectorFromSet(withoutControllerLabels(svc.Spec.Selector)))) == 0 {
			c.report(o, "spec.selector", "Service selector %s matches no pod template of a long-running workload in the cluster", labels.Set(svc.Spec.Selector).String())
		}
	}
}

func checkHpaTargetMissing(c *Cluster) {
	for _, h := range c.hpas() {
		if h.target(c) == nil {
			c.report(h.obj, "spec.scaleTargetRef", "scale target %s/%s is not in the cluster", h.ref.Kind, h.ref.Name)
		}
	}
}

func checkHpaTargetNoCpuRequest(c *Cluster) {
	for _, h := range c.hpas() {
		w := h.target(c)
		if w == nil || !h.cpuUtilization {
			continue
		}
		for _, ct := range w.template.Spec.Containers {
			if _, ok := ct.Resources.Requests[corev1.ResourceCPU]; !ok {
				c.report(h.obj, "spec.metrics", "scales on CPU utilization but container %q of %s has no CPU request", ct.Name, w.obj.Ref())
			}
		}
	}
}

func checkHpaReplicasSet(c *Cluster) {
	for _, h := range c.hpas() {
		if w := h.target(c); w != nil && w.replicas != nil {
			c.report(w.obj, "spec.replicas", "replicas is set to %d although %s scales this workload; every sync resets the HPA's choice", *w.replicas, h.obj.Ref())
		}
	}
}

func checkPdbSelectsNothing(c *Cluster) {
	for _, p := range c.pdbs() {
		if len(p.selected(c)) == 0 {
			c.report(p.obj, "spec.selector", "PodDisruptionBudget selects no pod template of a long-running workload")
		}
	}
}

func checkPdbBlocksEviction(c *Cluster) {
	for _, p := range c.pdbs() {
		spec := p.pdb.Spec
		if spec.MaxUnavailable != nil {
			if v, err := intstr.GetScaledValueFromIntOrPercent(spec.MaxUnavailable, 100, false); err == nil && v == 0 {
				c.report(p.obj, "spec.maxUnavailable", "maxUnavailable %s allows no eviction: node drains block", spec.MaxUnavailable.String())
			}
			continue
		}
		if spec.MinAvailable == nil {
			continue
		}
		for _, w := range p.selected(c) {
			replicas := c.minReplicas(w)
			v, err := intstr.GetScaledValueFromIntOrPercent(spec.MinAvailable, int(replicas), true)
			if err == nil && v >= int(replicas) {
				c.report(p.obj, "spec.minAvailable", "minAvailable %s with %d replica(s) of %s allows no eviction: node drains block", spec.MinAvailable.String(), replicas, w.obj.Ref())
			}
		}
	}
}

func checkProdReplicasNoSpread(c *Cluster) {
	if !c.Prod {
		return
	}
	for _, w := range c.index().workloads {
		if !w.longRunning || c.maxReplicas(w) <= 1 {
			continue
		}
		s := w.template.Spec
		if len(s.TopologySpreadConstraints) == 0 && (s.Affinity == nil || s.Affinity.PodAntiAffinity == nil) {
			c.report(w.obj, w.specPath(), "%d replicas in a prod cluster with neither topologySpreadConstraints nor podAntiAffinity: they may all land on one node", c.maxReplicas(w))
		}
	}
}

// hpa is either HPA API version, reduced to what the rules need.
type hpa struct {
	obj            *Object
	namespace      string
	ref            autoscalingv2.CrossVersionObjectReference
	minReplicas    int32
	maxReplicas    int32
	cpuUtilization bool
}

func (c *Cluster) hpas() []hpa {
	ix := c.index()
	if ix.hpas == nil {
		ix.hpas = c.findHPAs()
	}
	return ix.hpas
}

func (c *Cluster) findHPAs() []hpa {
	out := []hpa{} // not nil: found, maybe none
	for _, o := range c.ofKind("autoscaling", "HorizontalPodAutoscaler") {
		switch t := o.Typed.(type) {
		case *autoscalingv2.HorizontalPodAutoscaler:
			h := hpa{obj: o, namespace: t.Namespace, ref: t.Spec.ScaleTargetRef, minReplicas: 1, maxReplicas: t.Spec.MaxReplicas}
			if t.Spec.MinReplicas != nil {
				h.minReplicas = *t.Spec.MinReplicas
			}
			for _, m := range t.Spec.Metrics {
				if m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType {
					h.cpuUtilization = true
				}
			}
			out = append(out, h)
		case *autoscalingv1.HorizontalPodAutoscaler:
			r := t.Spec.ScaleTargetRef
			h := hpa{obj: o, namespace: t.Namespace, ref: autoscalingv2.CrossVersionObjectReference{Kind: r.Kind, Name: r.Name, APIVersion: r.APIVersion}, minReplicas: 1, maxReplicas: t.Spec.MaxReplicas}
			if t.Spec.MinReplicas != nil {
				h.minReplicas = *t.Spec.MinReplicas
			}
			h.cpuUtilization = true // v1 HPAs scale on CPU utilization only
			out = append(out, h)
		default:
			if h, ok := olderHPA(o); ok {
				out = append(out, h)
			}
		}
	}
	return out
}

// target finds the long-running workload the HPA scales.
func (h hpa) target(c *Cluster) *workload {
	for _, w := range c.index().byKindName()[h.ref.Kind+"/"+h.ref.Name] {
		if sameNamespace(w.obj.Object.Object.GetNamespace(), h.namespace) {
			return w
		}
	}
	return nil
}

// hpaOf returns the HPA scaling w, if any: the first whose target it is.
// The map is built once per cluster: the rules ask for every workload, and
// looking through every HPA's target each time was cubic in the number of
// Applications (30 s for a cluster of 1,000).
func (c *Cluster) hpaOf(w *workload) *hpa {
	ix := c.index()
	if ix.hpaOf == nil {
		ix.hpaOf = map[*workload]*hpa{}
		hs := c.hpas()
		for i := range hs {
			if t := hs[i].target(c); t != nil && ix.hpaOf[t] == nil {
				ix.hpaOf[t] = &hs[i]
			}
		}
	}
	return ix.hpaOf[w]
}

// minReplicas is the fewest replicas w runs: the HPA's minimum, else
// spec.replicas (default 1).
func (c *Cluster) minReplicas(w *workload) int32 {
	if h := c.hpaOf(w); h != nil {
		return h.minReplicas
	}
	if w.replicas != nil {
		return *w.replicas
	}
	return 1
}

// maxReplicas is the most replicas w runs: the HPA's maximum, else
// spec.replicas (default 1).
func (c *Cluster) maxReplicas(w *workload) int32 {
	if h := c.hpaOf(w); h != nil {
		return h.maxReplicas
	}
	if w.replicas != nil {
		return *w.replicas
	}
	return 1
}

type pdb struct {
	obj *Object
	pdb *policyv1.PodDisruptionBudget
}

func (c *Cluster) pdbs() []pdb {
	var out []pdb
	for _, o := range c.ofKind("policy", "PodDisruptionBudget") {
		if p := pdbV1(o); p != nil {
			out = append(out, pdb{o, p})
		}
	}
	return out
}

func (p pdb) selected(c *Cluster) []*workload {
	if p.pdb.Spec.Selector == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(p.pdb.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil
	}
	return c.podsSelectedBy(p.pdb.Namespace, sel)
}

// controllerLabels are put on pods by their controllers, not by the pod
// template; a selector naming them (e.g. one Service per StatefulSet pod)
// is matched on its other labels.
var controllerLabels = []string{"statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index", "pod-template-hash", "controller-revision-hash"}

func withoutControllerLabels(sel map[string]string) map[string]string {
	out := make(map[string]string, len(sel))
	for k, v := range sel {
		out[k] = v
	}
	for _, k := range controllerLabels {
		delete(out, k)
	}
	return out
}
