package rules

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func init() {
	register("pod-reference-missing", checkPodReferenceMissing)
	register("ingress-backend-missing", checkIngressBackendMissing)
	register("statefulset-service-missing", checkStatefulsetServiceMissing)
	register("secret-data-in-git", checkSecretDataInGit)
}

// everyNamespace holds the objects Kubernetes creates in every namespace.
var everyNamespace = map[string]bool{
	"ServiceAccount/default":     true,
	"ConfigMap/kube-root-ca.crt": true,
}

// secretProducers are the kinds that make a Secret, and the field naming
// it (the object's own name when the field is empty or unset).
var secretProducers = []struct {
	group, kind string
	nameField   []string
}{
	{"bitnami.com", "SealedSecret", []string{"spec", "template", "metadata", "name"}},
	{"external-secrets.io", "ExternalSecret", []string{"spec", "target", "name"}},
	{"cert-manager.io", "Certificate", []string{"spec", "secretName"}},
}

// certgenFlags are the flags of the certificate generators charts run in
// hook Jobs (kube-webhook-certgen: ingress-nginx, kube-prometheus-stack):
// the Job creates the Secret named by it.
var certgenFlags = []string{"--secret-name"}

// commandOutputs are the Secrets known commands create, for charts that
// make a Secret in a hook Job rather than render it.
var commandOutputs = []struct{ command, secret string }{
	// argo-cd's redis-secret-init Job (chart 6.x and later).
	{"argocd admin redis-initial-password", "argocd-redis"},
}

// provided indexes what the cluster provides by "Kind/name", with the
// namespaces it exists in ("" for unknown: plain manifests).
type provided map[string][]string

func (p provided) add(kind, ns, name string) { p[kind+"/"+name] = append(p[kind+"/"+name], ns) }

func (p provided) has(kind, ns, name string) bool {
	if everyNamespace[kind+"/"+name] {
		return true
	}
	for _, n := range p[kind+"/"+name] {
		if sameNamespace(n, ns) {
			return true
		}
	}
	return false
}

// providers finds every ServiceAccount, ConfigMap, Secret and
// PersistentVolumeClaim the cluster's objects create, directly or through
// an object that generates them.
func (c *Cluster) providers() provided {
	return memoized(c, "providers", func() provided {
		p := provided{}
		for _, o := range c.Objects {
			u := o.Object.Object
			gvk := u.GroupVersionKind()
			ns := u.GetNamespace()
			if gvk.Group == "" {
				switch gvk.Kind {
				case "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim", "Service":
					p.add(gvk.Kind, ns, u.GetName())
				}
			}
			for _, sp := range secretProducers {
				if gvk.Group == sp.group && gvk.Kind == sp.kind {
					name, _, _ := unstructured.NestedString(u.Object, sp.nameField...)
					if name == "" {
						name = u.GetName()
					}
					p.add("Secret", ns, name)
				}
			}
			if t, ok := o.Typed.(*appsv1.StatefulSet); ok {
				// Each pod gets the claim <template>-<set>-<ordinal>, and
				// its volumes name the template.
				for _, vct := range t.Spec.VolumeClaimTemplates {
					p.add("PersistentVolumeClaim", ns, vct.Name)
				}
			}
		}
		for _, w := range c.index().workloads {
			for _, ct := range w.template.Spec.Containers {
				ns := w.obj.Object.Object.GetNamespace()
				for _, name := range flagValues(ct.Args, certgenFlags) {
					p.add("Secret", ns, name)
				}
				cmd := strings.Join(append(append([]string(nil), ct.Command...), ct.Args...), " ")
				for _, out := range commandOutputs {
					if strings.Contains(cmd, out.command) {
						p.add("Secret", ns, out.secret)
					}
				}
			}
		}
		return p
	})
}

// flagValues returns the values of the given flags in args, written
// "--flag=value" or "--flag value".
func flagValues(args, flags []string) []string {
	var out []string
	for i, a := range args {
		for _, f := range flags {
			switch {
			case strings.HasPrefix(a, f+"="):
				out = append(out, strings.TrimPrefix(a, f+"="))
			case a == f && i+1 < len(args):
				out = append(out, args[i+1])
			}
		}
	}
	return out
}

// podRef is one object a pod template names.
type podRef struct {
	kind, name, path string
	optional         *bool
}

// podRefs lists what a pod template references by name.
func podRefs(w *workload) []podRef {
	s := w.template.Spec
	sp := w.specPath()
	var out []podRef
	if s.ServiceAccountName != "" {
		out = append(out, podRef{kind: "ServiceAccount", name: s.ServiceAccountName, path: sp + ".serviceAccountName"})
	} else if s.DeprecatedServiceAccount != "" {
		out = append(out, podRef{kind: "ServiceAccount", name: s.DeprecatedServiceAccount, path: sp + ".serviceAccount"})
	}
	for _, ps := range s.ImagePullSecrets {
		out = append(out, podRef{kind: "Secret", name: ps.Name, path: sp + ".imagePullSecrets"})
	}
	for _, v := range s.Volumes {
		vp := sp + ".volumes[" + v.Name + "]"
		switch {
		case v.ConfigMap != nil:
			out = append(out, podRef{"ConfigMap", v.ConfigMap.Name, vp + ".configMap", v.ConfigMap.Optional})
		case v.Secret != nil:
			out = append(out, podRef{"Secret", v.Secret.SecretName, vp + ".secret", v.Secret.Optional})
		case v.PersistentVolumeClaim != nil:
			out = append(out, podRef{kind: "PersistentVolumeClaim", name: v.PersistentVolumeClaim.ClaimName, path: vp + ".persistentVolumeClaim"})
		case v.Projected != nil:
			for _, src := range v.Projected.Sources {
				if src.ConfigMap != nil {
					out = append(out, podRef{"ConfigMap", src.ConfigMap.Name, vp + ".projected.sources", src.ConfigMap.Optional})
				}
				if src.Secret != nil {
					out = append(out, podRef{"Secret", src.Secret.Name, vp + ".projected.sources", src.Secret.Optional})
				}
			}
		}
	}
	containers := func(init bool, cs []corev1.Container) {
		for _, ct := range cs {
			cp := containerPath(w, init, ct.Name)
			for _, e := range ct.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
					out = append(out, podRef{"ConfigMap", r.Name, cp + ".env[" + e.Name + "].valueFrom.configMapKeyRef", r.Optional})
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil {
					out = append(out, podRef{"Secret", r.Name, cp + ".env[" + e.Name + "].valueFrom.secretKeyRef", r.Optional})
				}
			}
			for i, e := range ct.EnvFrom {
				if r := e.ConfigMapRef; r != nil {
					out = append(out, podRef{"ConfigMap", r.Name, fmt.Sprintf("%s.envFrom[%d].configMapRef", cp, i), r.Optional})
				}
				if r := e.SecretRef; r != nil {
					out = append(out, podRef{"Secret", r.Name, fmt.Sprintf("%s.envFrom[%d].secretRef", cp, i), r.Optional})
				}
			}
		}
	}
	containers(true, s.InitContainers)
	containers(false, s.Containers)
	return out
}

func checkPodReferenceMissing(c *Cluster) {
	p := c.providers()
	for _, w := range c.index().workloads {
		ns := w.obj.Object.Object.GetNamespace()
		for _, r := range podRefs(w) {
			if r.name == "" || (r.optional != nil && *r.optional) || p.has(r.kind, ns, r.name) {
				continue
			}
			hint := ""
			if r.kind == "ConfigMap" || r.kind == "Secret" {
				hint = " (mark the reference optional: true if the pod may start without it)"
			}
			c.report(w.obj, r.path, "%s %q is not in the cluster and nothing in it creates one%s", r.kind, r.name, hint)
		}
	}
}

func checkIngressBackendMissing(c *Cluster) {
	svcs := map[string][]*corev1.Service{}
	for _, svc := range c.services() {
		svcs[svc.Name] = append(svcs[svc.Name], svc)
	}
	for _, o := range c.ofKind("networking.k8s.io", "Ingress") {
		ing, ok := o.Typed.(*networkingv1.Ingress)
		if !ok {
			continue
		}
		check := func(b *networkingv1.IngressBackend, path string) {
			if b == nil || b.Service == nil {
				return
			}
			var svc *corev1.Service
			for _, s := range svcs[b.Service.Name] {
				if sameNamespace(s.Namespace, ing.Namespace) {
					svc = s
				}
			}
			if svc == nil {
				c.report(o, path+".service.name", "backend Service %q is not in the cluster", b.Service.Name)
				return
			}
			port := b.Service.Port
			for _, sp := range svc.Spec.Ports {
				if (port.Name != "" && sp.Name == port.Name) || (port.Name == "" && sp.Port == port.Number) {
					return
				}
			}
			want := port.Name
			if want == "" {
				want = itoa(int(port.Number))
			}
			c.report(o, path+".service.port", "backend Service %q has no port %s", b.Service.Name, want)
		}
		check(ing.Spec.DefaultBackend, "spec.defaultBackend")
		for i, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for j := range r.HTTP.Paths {
				check(&r.HTTP.Paths[j].Backend, fmt.Sprintf("spec.rules[%d].http.paths[%d].backend", i, j))
			}
		}
	}
}

func checkStatefulsetServiceMissing(c *Cluster) {
	svcs := map[string][]*corev1.Service{}
	for _, svc := range c.services() {
		svcs[svc.Name] = append(svcs[svc.Name], svc)
	}
	for _, o := range c.ofKind("apps", "StatefulSet") {
		sts, ok := o.Typed.(*appsv1.StatefulSet)
		if !ok || sts.Spec.ServiceName == "" {
			continue
		}
		var found *corev1.Service
		for _, s := range svcs[sts.Spec.ServiceName] {
			if sameNamespace(s.Namespace, sts.Namespace) {
				found = s
			}
		}
		switch {
		case found == nil:
			c.report(o, "spec.serviceName", "governing Service %q is not in the cluster: pods get no stable DNS names", sts.Spec.ServiceName)
		case found.Spec.ClusterIP != corev1.ClusterIPNone:
			c.report(o, "spec.serviceName", "governing Service %q is not headless (clusterIP: None): pods get no per-pod DNS names", sts.Spec.ServiceName)
		}
	}
}

func checkSecretDataInGit(c *Cluster) {
	for _, o := range c.ofKind("", "Secret") {
		s, ok := o.Typed.(*corev1.Secret)
		if !ok || s.Type == corev1.SecretTypeServiceAccountToken {
			continue
		}
		var keys []string
		for k, v := range s.Data {
			if len(v) > 0 {
				keys = append(keys, k)
			}
		}
		for k, v := range s.StringData {
			if v != "" {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			continue
		}
		field := "data"
		if len(s.StringData) > 0 {
			field = "stringData"
		}
		c.report(o, field, "Secret holds %d key(s) (%s) in what the repository renders: anyone who reads it reads them; commit a SealedSecret or an ExternalSecret instead", len(keys), strings.Join(sortedKeys(setOf(keys)), ", "))
	}
}

func setOf(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}
