package rules

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// StartupAnnotation declares, on a workload or its pod template, how many
// seconds the app may take to start. Probe rules compare probes with it.
const StartupAnnotation = "chartcheck.dev/startup-seconds"

// slowStartSeconds is the declared start-up time above which an app needs a
// startupProbe rather than a delayed liveness probe.
const slowStartSeconds = 30

func init() {
	register("probe-readiness-missing", checkProbeReadinessMissing)
	register("probe-liveness-missing", checkProbeLivenessMissing)
	register("probe-startup-missing", checkProbeStartupMissing)
	register("probe-startup-too-short", checkProbeStartupTooShort)
	register("probe-liveness-delay-short", checkProbeLivenessDelayShort)
	register("probe-port-unknown", checkProbePortUnknown)
	register("probe-liveness-equals-readiness", checkProbeLivenessEqualsReadiness)
}

func checkProbeReadinessMissing(c *Cluster) {
	eachLongRunningContainer(c, func(w *workload, ct *corev1.Container) {
		if ct.ReadinessProbe == nil {
			c.report(w.obj, containerPath(w, false, ct.Name)+".readinessProbe", "container %q has no readinessProbe", ct.Name)
		}
	})
}

func checkProbeLivenessMissing(c *Cluster) {
	eachLongRunningContainer(c, func(w *workload, ct *corev1.Container) {
		if ct.LivenessProbe == nil {
			c.report(w.obj, containerPath(w, false, ct.Name)+".livenessProbe", "container %q has no livenessProbe", ct.Name)
		}
	})
}

func checkProbeStartupMissing(c *Cluster) {
	eachLongRunningContainer(c, func(w *workload, ct *corev1.Container) {
		secs, ok := declaredStartup(w)
		if ok && secs > slowStartSeconds && ct.StartupProbe == nil {
			c.report(w.obj, containerPath(w, false, ct.Name)+".startupProbe",
				"container %q declares a %ds start-up (%s) but has no startupProbe", ct.Name, secs, StartupAnnotation)
		}
	})
}

func checkProbeStartupTooShort(c *Cluster) {
	eachLongRunningContainer(c, func(w *workload, ct *corev1.Container) {
		secs, ok := declaredStartup(w)
		if !ok || ct.StartupProbe == nil {
			return
		}
		if budget := probeBudget(ct.StartupProbe); budget < secs {
			c.report(w.obj, containerPath(w, false, ct.Name)+".startupProbe",
				"startupProbe of container %q gives up after %ds, shorter than the declared %ds start-up", ct.Name, budget, secs)
		}
	})
}

func checkProbeLivenessDelayShort(c *Cluster) {
	eachLongRunningContainer(c, func(w *workload, ct *corev1.Container) {
		secs, ok := declaredStartup(w)
		if !ok || ct.LivenessProbe == nil || ct.StartupProbe != nil {
			return
		}
		if budget := probeBudget(ct.LivenessProbe); budget < secs {
			c.report(w.obj, containerPath(w, false, ct.Name)+".livenessProbe",
				"livenessProbe of container %q restarts it after %ds, before the declared %ds start-up ends, and there is no startupProbe", ct.Name, budget, secs)
		}
	})
}

func checkProbePortUnknown(c *Cluster) {
	eachLongRunningContainer(c, func(w *workload, ct *corev1.Container) {
		for _, p := range []struct {
			name  string
			probe *corev1.Probe
		}{{"readinessProbe", ct.ReadinessProbe}, {"livenessProbe", ct.LivenessProbe}, {"startupProbe", ct.StartupProbe}} {
			port, field, ok := probePort(p.probe)
			// A number needs no declaration: the kubelet probes it
			// whether or not ports lists it. A name must resolve.
			if !ok || port.Type == intstr.Int || containerHasPort(ct, port) {
				continue
			}
			c.report(w.obj, containerPath(w, false, ct.Name)+"."+p.name+"."+field,
				"%s of container %q uses port %s, which the container does not declare", p.name, ct.Name, port.String())
		}
	})
}

func checkProbeLivenessEqualsReadiness(c *Cluster) {
	eachLongRunningContainer(c, func(w *workload, ct *corev1.Container) {
		if ct.LivenessProbe != nil && ct.ReadinessProbe != nil && equality.Semantic.DeepEqual(ct.LivenessProbe, ct.ReadinessProbe) {
			c.report(w.obj, containerPath(w, false, ct.Name)+".livenessProbe",
				"livenessProbe and readinessProbe of container %q are identical", ct.Name)
		}
	})
}

// eachLongRunningContainer calls f for every main container of every
// long-running workload (not hooks, Jobs or bare Pods).
func eachLongRunningContainer(c *Cluster, f func(w *workload, ct *corev1.Container)) {
	for _, w := range c.index().workloads {
		if !w.longRunning {
			continue
		}
		for i := range w.template.Spec.Containers {
			f(w, &w.template.Spec.Containers[i])
		}
	}
}

// declaredStartup reads the start-up time annotation from the pod template,
// then from the workload.
func declaredStartup(w *workload) (int, bool) {
	v, ok := w.template.Annotations[StartupAnnotation]
	if !ok {
		v, ok = w.obj.Object.Object.GetAnnotations()[StartupAnnotation]
	}
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// probeBudget is how long a probe lets a starting container fail before
// acting, using the API's defaults for unset fields.
func probeBudget(p *corev1.Probe) int {
	period, failures := p.PeriodSeconds, p.FailureThreshold
	if period == 0 {
		period = 10
	}
	if failures == 0 {
		failures = 3
	}
	return int(p.InitialDelaySeconds + period*failures)
}

// probePort is the port an HTTP, TCP or gRPC probe connects to.
func probePort(p *corev1.Probe) (intstr.IntOrString, string, bool) {
	switch {
	case p == nil:
		return intstr.IntOrString{}, "", false
	case p.HTTPGet != nil:
		return p.HTTPGet.Port, "httpGet.port", true
	case p.TCPSocket != nil:
		return p.TCPSocket.Port, "tcpSocket.port", true
	case p.GRPC != nil:
		return intstr.FromInt32(p.GRPC.Port), "grpc.port", true
	}
	return intstr.IntOrString{}, "", false
}

func containerHasPort(ct *corev1.Container, port intstr.IntOrString) bool {
	for _, cp := range ct.Ports {
		if port.Type == intstr.String && cp.Name == port.StrVal {
			return true
		}
		if port.Type == intstr.Int && cp.ContainerPort == port.IntVal {
			return true
		}
	}
	return false
}
