package rules

import (
	corev1 "k8s.io/api/core/v1"
)

func init() {
	register("resources-requests-missing", checkResourcesRequestsMissing)
	register("resources-memory-limit-missing", checkResourcesMemoryLimitMissing)
	register("resources-cpu-limit-missing", checkResourcesCpuLimitMissing)
	register("resources-requests-exceed-limits", checkResourcesRequestsExceedLimits)
}

func checkResourcesRequestsMissing(c *Cluster) {
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := ct.Resources.Requests[r]; !ok {
				c.report(w.obj, containerPath(w, init, ct.Name)+".resources.requests."+string(r),
					"container %q has no %s request", ct.Name, r)
			}
		}
	})
}

func checkResourcesMemoryLimitMissing(c *Cluster) {
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		if _, ok := ct.Resources.Limits[corev1.ResourceMemory]; !ok {
			c.report(w.obj, containerPath(w, init, ct.Name)+".resources.limits.memory", "container %q has no memory limit", ct.Name)
		}
	})
}

func checkResourcesCpuLimitMissing(c *Cluster) {
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		if _, ok := ct.Resources.Limits[corev1.ResourceCPU]; !ok {
			c.report(w.obj, containerPath(w, init, ct.Name)+".resources.limits.cpu", "container %q has no CPU limit", ct.Name)
		}
	})
}

func checkResourcesRequestsExceedLimits(c *Cluster) {
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		for name, req := range ct.Resources.Requests {
			lim, ok := ct.Resources.Limits[name]
			if ok && req.Cmp(lim) > 0 {
				c.report(w.obj, containerPath(w, init, ct.Name)+".resources.requests."+string(name),
					"container %q requests %s %s, more than its limit %s", ct.Name, req.String(), name, lim.String())
			}
		}
	})
}

// eachContainer calls f for every container and init container of every
// workload, hooks included: they use the node's resources as well.
func eachContainer(c *Cluster, f func(w *workload, init bool, ct *corev1.Container)) {
	for _, w := range c.index().workloads {
		for i := range w.template.Spec.InitContainers {
			f(w, true, &w.template.Spec.InitContainers[i])
		}
		for i := range w.template.Spec.Containers {
			f(w, false, &w.template.Spec.Containers[i])
		}
	}
}
