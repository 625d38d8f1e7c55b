package rules

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	autoscalingv2beta1 "k8s.io/api/autoscaling/v2beta1"
	autoscalingv2beta2 "k8s.io/api/autoscaling/v2beta2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The rules read every version of a kind an API server has served, so an
// object of an old version (which api-version-removed reports) is still
// checked for what it says, not skipped. Each function below reads older
// versions into the current one; the fields the rules use kept their names.

// pdbV1 returns a PodDisruptionBudget of policy/v1 or policy/v1beta1 as v1.
func pdbV1(o *Object) *policyv1.PodDisruptionBudget {
	switch t := o.Typed.(type) {
	case *policyv1.PodDisruptionBudget:
		return t
	case *policyv1beta1.PodDisruptionBudget:
		// An empty v1beta1 selector selects nothing, a v1 one every pod:
		// selected() treats an empty selector as selecting nothing.
		return &policyv1.PodDisruptionBudget{ObjectMeta: t.ObjectMeta, Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: t.Spec.MinAvailable, MaxUnavailable: t.Spec.MaxUnavailable, Selector: t.Spec.Selector,
		}}
	}
	return nil
}

// olderHPA reads autoscaling/v2beta2 and v2beta1 HPAs.
func olderHPA(o *Object) (hpa, bool) {
	switch t := o.Typed.(type) {
	case *autoscalingv2beta2.HorizontalPodAutoscaler:
		r := t.Spec.ScaleTargetRef
		h := hpa{obj: o, namespace: t.Namespace, ref: autoscalingv2.CrossVersionObjectReference{Kind: r.Kind, Name: r.Name, APIVersion: r.APIVersion}, minReplicas: 1, maxReplicas: t.Spec.MaxReplicas}
		if t.Spec.MinReplicas != nil {
			h.minReplicas = *t.Spec.MinReplicas
		}
		for _, m := range t.Spec.Metrics {
			if m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.Target.Type == autoscalingv2beta2.UtilizationMetricType {
				h.cpuUtilization = true
			}
		}
		return h, true
	case *autoscalingv2beta1.HorizontalPodAutoscaler:
		r := t.Spec.ScaleTargetRef
		h := hpa{obj: o, namespace: t.Namespace, ref: autoscalingv2.CrossVersionObjectReference{Kind: r.Kind, Name: r.Name, APIVersion: r.APIVersion}, minReplicas: 1, maxReplicas: t.Spec.MaxReplicas}
		if t.Spec.MinReplicas != nil {
			h.minReplicas = *t.Spec.MinReplicas
		}
		for _, m := range t.Spec.Metrics {
			if m.Resource != nil && m.Resource.Name == corev1.ResourceCPU && m.Resource.TargetAverageUtilization != nil {
				h.cpuUtilization = true
			}
		}
		return h, true
	}
	return hpa{}, false
}

// olderWorkload reads Deployments, StatefulSets, DaemonSets and
// ReplicaSets of apps/v1beta1, apps/v1beta2 and extensions/v1beta1 into
// w: their pod template is the core one in every version.
func olderWorkload(o *Object, w *workload) *workload {
	gvk := o.Object.Object.GroupVersionKind()
	if o.Typed == nil || gvk.Group != "apps" && gvk.Group != "extensions" || gvk.Version == "v1" {
		return nil
	}
	var spec struct {
		Replicas *int32                 `json:"replicas"`
		Template corev1.PodTemplateSpec `json:"template"`
	}
	m, ok := o.Object.Object.Object["spec"].(map[string]any)
	if !ok || runtime.DefaultUnstructuredConverter.FromUnstructured(m, &spec) != nil {
		return nil
	}
	switch gvk.Kind {
	case "Deployment", "StatefulSet", "ReplicaSet":
		w.replicas = spec.Replicas
	case "DaemonSet":
	default:
		return nil
	}
	w.template, w.longRunning = &spec.Template, true
	return w
}
