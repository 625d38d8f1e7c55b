package rules

import (
	"regexp"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func init() {
	register("env-secret-literal", checkEnvSecretLiteral)
	register("container-root-filesystem-writable", checkContainerRootFilesystemWritable)
	register("resources-ephemeral-storage-missing", checkResourcesEphemeralStorageMissing)
	register("job-no-ttl", checkJobNoTtl)
	register("prod-replicas-no-pdb", checkProdReplicasNoPdb)
	register("probe-timeout-exceeds-period", checkProbeTimeoutExceedsPeriod)
	register("service-targetport-unknown", checkServiceTargetportUnknown)
}

// secretEnvName matches environment variable names that hold credentials.
var secretEnvName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)`)

// secretEnvExempt are names that hold where a credential is, not the
// credential: the *_FILE convention of official images, paths and names.
var secretEnvExempt = regexp.MustCompile(`(?i)(_FILE|_PATH|_DIR|_NAME|_URL|_ENDPOINT|_REF|_KEY_ID)$`)

func checkEnvSecretLiteral(c *Cluster) {
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		for _, e := range ct.Env {
			if e.ValueFrom != nil || e.Value == "" || !secretEnvName.MatchString(e.Name) || secretEnvExempt.MatchString(e.Name) {
				continue
			}
			// $(OTHER) expands another variable; a path names a file.
			if strings.HasPrefix(e.Value, "$(") || strings.HasPrefix(e.Value, "/") {
				continue
			}
			c.report(w.obj, containerPath(w, init, ct.Name)+".env["+e.Name+"].value",
				"container %q sets %s to a literal value: it is readable in the manifest, the pod spec and the repository; use valueFrom.secretKeyRef", ct.Name, e.Name)
		}
	})
}

func checkContainerRootFilesystemWritable(c *Cluster) {
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		if sc := ct.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			c.report(w.obj, containerPath(w, init, ct.Name)+".securityContext.readOnlyRootFilesystem",
				"container %q can write to its root filesystem", ct.Name)
		}
	})
}

func checkResourcesEphemeralStorageMissing(c *Cluster) {
	eachContainer(c, func(w *workload, init bool, ct *corev1.Container) {
		if _, ok := ct.Resources.Requests[corev1.ResourceEphemeralStorage]; !ok {
			c.report(w.obj, containerPath(w, init, ct.Name)+".resources.requests.ephemeral-storage",
				"container %q has no ephemeral-storage request", ct.Name)
		}
	})
}

// hookDeletePolicies are the annotations that make a hook Job deleted.
var hookDeletePolicies = []string{"helm.sh/hook-delete-policy", "argocd.argoproj.io/hook-delete-policy"}

func checkJobNoTtl(c *Cluster) {
	for _, o := range c.ofKind("batch", "Job") {
		j, ok := o.Typed.(*batchv1.Job)
		if !ok || j.Spec.TTLSecondsAfterFinished != nil {
			continue
		}
		deleted := false
		for _, a := range hookDeletePolicies {
			deleted = deleted || j.Annotations[a] != ""
		}
		if deleted {
			continue
		}
		c.report(o, "spec.ttlSecondsAfterFinished",
			"Job has neither ttlSecondsAfterFinished nor a hook delete policy: it stays after it finishes, and a changed pod template cannot be applied to it (spec.template is immutable)")
	}
}

func checkProdReplicasNoPdb(c *Cluster) {
	if !c.Prod {
		return
	}
	covered := map[*workload]bool{}
	for _, p := range c.pdbs() {
		for _, w := range p.selected(c) {
			covered[w] = true
		}
	}
	for _, w := range c.index().workloads {
		if !w.longRunning || covered[w] || c.maxReplicas(w) <= 1 {
			continue
		}
		c.report(w.obj, w.specPath(), "%d replicas in a prod cluster and no PodDisruptionBudget selects them: a node drain may evict them all at once", c.maxReplicas(w))
	}
}

func checkProbeTimeoutExceedsPeriod(c *Cluster) {
	eachLongRunningContainer(c, func(w *workload, ct *corev1.Container) {
		for _, p := range []struct {
			name  string
			probe *corev1.Probe
		}{{"readinessProbe", ct.ReadinessProbe}, {"livenessProbe", ct.LivenessProbe}, {"startupProbe", ct.StartupProbe}} {
			if p.probe == nil {
				continue
			}
			timeout, period := p.probe.TimeoutSeconds, p.probe.PeriodSeconds
			if timeout == 0 {
				timeout = 1
			}
			if period == 0 {
				period = 10
			}
			if timeout > period {
				c.report(w.obj, containerPath(w, false, ct.Name)+"."+p.name+".timeoutSeconds",
					"%s of container %q waits %ds for an answer but runs every %ds: probes overlap, and a slow one counts as a failure only after the next has started", p.name, ct.Name, timeout, period)
			}
		}
	})
}

func checkServiceTargetportUnknown(c *Cluster) {
	for _, o := range c.ofKind("", "Service") {
		svc, ok := o.Typed.(*corev1.Service)
		if !ok || len(svc.Spec.Selector) == 0 {
			continue
		}
		selected := c.podsSelectedBy(svc.Namespace, labels.SelectorFromSet(withoutControllerLabels(svc.Spec.Selector)))
		var declared []*workload // the workloads whose containers we know
		for _, w := range selected {
			if len(w.template.Spec.Containers) > 0 {
				declared = append(declared, w)
			}
		}
		if len(declared) == 0 {
			continue // nothing selected (service-selects-nothing) or operator pods only
		}
		for i, p := range svc.Spec.Ports {
			if p.TargetPort.Type != intstr.String || p.TargetPort.StrVal == "" {
				continue
			}
			found := false
			for _, w := range declared {
				for _, ct := range w.template.Spec.Containers {
					found = found || containerHasPort(&ct, p.TargetPort)
				}
			}
			if !found {
				c.report(o, "spec.ports["+itoa(i)+"].targetPort",
					"targetPort %q is not a port name of any container of %s: the Service has no endpoints on it", p.TargetPort.StrVal, workloadRefs(declared))
			}
		}
	}
}

func workloadRefs(ws []*workload) string {
	refs := make([]string, len(ws))
	for i, w := range ws {
		refs[i] = w.obj.Ref()
	}
	return strings.Join(refs, ", ")
}
