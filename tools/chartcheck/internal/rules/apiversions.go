package rules

import (
	"fmt"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/kubernetes/scheme"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregistrationv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"
)

func init() {
	register("api-version-removed", checkApiVersionRemoved)
	register("api-version-deprecated", checkApiVersionDeprecated)
}

// apiLifecycle is when Kubernetes deprecated and stopped serving one API
// version of a kind, and what replaces it.
type apiLifecycle struct {
	deprecated, removed [2]int // major, minor; zero when not planned
	replacement         schema.GroupVersionKind
	// note explains a removal without replacement.
	note string
	// crdWarning is a CRD's own deprecationWarning.
	crdWarning string
}

// retiredAPIs are versions whose Go types are gone from k8s.io/api, so no
// generated lifecycle describes them any more.
var retiredAPIs = map[schema.GroupVersionKind]apiLifecycle{
	{Group: "policy", Version: "v1beta1", Kind: "PodSecurityPolicy"}: {deprecated: [2]int{1, 21}, removed: [2]int{1, 25},
		note: "PodSecurityPolicy has no replacement kind: label namespaces for Pod Security Admission"},
	{Group: "extensions", Version: "v1beta1", Kind: "PodSecurityPolicy"}: {deprecated: [2]int{1, 11}, removed: [2]int{1, 16},
		note: "PodSecurityPolicy has no replacement kind: label namespaces for Pod Security Admission"},
	{Group: "batch", Version: "v2alpha1", Kind: "CronJob"}: {deprecated: [2]int{1, 8}, removed: [2]int{1, 21},
		replacement: schema.GroupVersionKind{Group: "batch", Version: "v1", Kind: "CronJob"}},
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1alpha1", Kind: "FlowSchema"}: {deprecated: [2]int{1, 20}, removed: [2]int{1, 21},
		replacement: schema.GroupVersionKind{Group: "flowcontrol.apiserver.k8s.io", Version: "v1", Kind: "FlowSchema"}},
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1alpha1", Kind: "PriorityLevelConfiguration"}: {deprecated: [2]int{1, 20}, removed: [2]int{1, 21},
		replacement: schema.GroupVersionKind{Group: "flowcontrol.apiserver.k8s.io", Version: "v1", Kind: "PriorityLevelConfiguration"}},
}

// aggregatorScheme holds the aggregator's APIService versions, which
// client-go's scheme (already built when the package loads) lacks. Their
// generated APILifecycle* methods, like those of every built-in type, are
// Kubernetes' own record of deprecations.
var aggregatorScheme = sync.OnceValue(func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{apiregistrationv1.AddToScheme, apiregistrationv1beta1.AddToScheme} {
		if err := add(s); err != nil {
			panic("aggregator scheme: " + err.Error()) // static registrations
		}
	}
	return s
})

// newBuiltin returns an empty object of a built-in kind.
func newBuiltin(gvk schema.GroupVersionKind) (runtime.Object, error) {
	if gvk.Group == apiregistrationv1.GroupName {
		return aggregatorScheme().New(gvk)
	}
	return scheme.Scheme.New(gvk)
}

type lifecycleDeprecated interface {
	APILifecycleDeprecated() (major, minor int)
}
type lifecycleRemoved interface {
	APILifecycleRemoved() (major, minor int)
}
type lifecycleReplacement interface {
	APILifecycleReplacement() schema.GroupVersionKind
}

// builtinLifecycle reads the generated lifecycle of a built-in kind.
func builtinLifecycle(gvk schema.GroupVersionKind) (apiLifecycle, bool) {
	if l, ok := retiredAPIs[gvk]; ok {
		return l, true
	}
	obj, err := newBuiltin(gvk)
	if err != nil {
		return apiLifecycle{}, false
	}
	var l apiLifecycle
	if d, ok := obj.(lifecycleDeprecated); ok {
		l.deprecated[0], l.deprecated[1] = d.APILifecycleDeprecated()
	}
	if r, ok := obj.(lifecycleRemoved); ok {
		l.removed[0], l.removed[1] = r.APILifecycleRemoved()
	}
	if r, ok := obj.(lifecycleReplacement); ok {
		l.replacement = r.APILifecycleReplacement()
	}
	if l.replacement.Empty() {
		// Some generated lifecycles name no replacement (e.g.
		// admissionregistration v1beta1 policies): the kind's stable
		// version is it.
		l.replacement = stableVersions()[gvk.GroupKind()]
	}
	return l, l.deprecated != [2]int{} || l.removed != [2]int{}
}

// stableVersions maps each built-in kind to its version without a planned
// deprecation, when it has exactly one.
var stableVersions = sync.OnceValue(func() map[schema.GroupKind]schema.GroupVersionKind {
	found := map[schema.GroupKind][]schema.GroupVersionKind{}
	for gvk := range scheme.Scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal {
			continue
		}
		obj, err := scheme.Scheme.New(gvk)
		if err != nil {
			continue
		}
		if _, planned := obj.(lifecycleDeprecated); !planned {
			found[gvk.GroupKind()] = append(found[gvk.GroupKind()], gvk)
		}
	}
	out := map[schema.GroupKind]schema.GroupVersionKind{}
	for gk, vs := range found {
		if len(vs) == 1 {
			out[gk] = vs[0]
		}
	}
	return out
})

// apiLifecycles finds the lifecycle of each object's API version: built-in
// kinds from Kubernetes' Go types, custom resources from the versions of
// their CRD rendered in the cluster (served: false is removed, deprecated:
// true deprecated, with the CRD's warning).
func (c *Cluster) apiLifecycles() map[*Object]apiLifecycle {
	crdVersions := map[schema.GroupVersionKind]apiextensionsv1.CustomResourceDefinitionVersion{}
	storage := map[schema.GroupKind]string{}
	for _, o := range c.ofKind("apiextensions.k8s.io", "CustomResourceDefinition") {
		crd, ok := o.Typed.(*apiextensionsv1.CustomResourceDefinition)
		if !ok {
			continue
		}
		for _, v := range crd.Spec.Versions {
			crdVersions[schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}] = v
			if v.Storage {
				storage[schema.GroupKind{Group: crd.Spec.Group, Kind: crd.Spec.Names.Kind}] = v.Name
			}
		}
	}
	cache := map[schema.GroupVersionKind]*apiLifecycle{}
	out := map[*Object]apiLifecycle{}
	for _, o := range c.Objects {
		gvk := o.Object.Object.GroupVersionKind()
		l, seen := cache[gvk]
		if !seen {
			if v, ok := crdVersions[gvk]; ok {
				cl := apiLifecycle{}
				if st := storage[gvk.GroupKind()]; st != "" && st != gvk.Version {
					cl.replacement = gvk.GroupKind().WithVersion(st)
				}
				if v.DeprecationWarning != nil {
					cl.crdWarning = *v.DeprecationWarning
				}
				switch {
				case !v.Served:
					cl.removed = [2]int{-1, -1} // not served, whatever the Kubernetes version
					l = &cl
				case v.Deprecated:
					cl.deprecated = [2]int{-1, -1}
					l = &cl
				}
			} else if bl, ok := builtinLifecycle(gvk); ok {
				l = &bl
			}
			cache[gvk] = l
		}
		if l != nil {
			out[o] = *l
		}
	}
	return out
}

// atOrBefore reports whether release (major, minor) is set and not after
// the cluster's version. CRD states ({-1, -1}) hold in every version.
func atOrBefore(release [2]int, kube *version.Version) bool {
	switch {
	case release == [2]int{}:
		return false
	case release[0] < 0:
		return true
	}
	return uint(release[0]) < kube.Major() || (uint(release[0]) == kube.Major() && uint(release[1]) <= kube.Minor())
}

func (c *Cluster) kubeVersion() *version.Version {
	v, err := version.ParseGeneric(c.KubeVersion)
	if err != nil {
		// check.Run always sets a version the command line or the cluster's
		// chartcheck.yaml validated; an empty one (tests) means the newest.
		v = version.MajorMinor(1, 1<<16)
	}
	return v
}

// replacementText names what to use instead, following replacements that
// are themselves removed in the cluster's version (extensions/v1beta1
// Ingress -> networking.k8s.io/v1beta1 -> networking.k8s.io/v1).
func (l apiLifecycle) replacementText(kube *version.Version) string {
	r := l.replacement
	for i := 0; i < 4 && !r.Empty(); i++ {
		next, ok := builtinLifecycle(r)
		if !ok || !atOrBefore(next.removed, kube) || next.replacement.Empty() {
			break
		}
		r = next.replacement
	}
	switch {
	case !r.Empty():
		return fmt.Sprintf("use %s %s", r.GroupVersion().String(), r.Kind)
	case l.note != "":
		return l.note
	}
	return "no replacement is named"
}

func checkApiVersionRemoved(c *Cluster) {
	kube := c.kubeVersion()
	for _, o := range c.Objects {
		l, ok := c.lifecycles()[o]
		if !ok || !atOrBefore(l.removed, kube) {
			continue
		}
		gvk := o.Object.Object.GroupVersionKind()
		if l.removed[0] < 0 {
			c.report(o, "apiVersion", "%s %s is not served by its CustomResourceDefinition (served: false): %s", gvk.GroupVersion(), gvk.Kind, l.replacementText(kube))
			continue
		}
		c.report(o, "apiVersion", "%s %s was removed in Kubernetes %d.%d and the cluster runs %s: %s", gvk.GroupVersion(), gvk.Kind, l.removed[0], l.removed[1], c.KubeVersion, l.replacementText(kube))
	}
}

func checkApiVersionDeprecated(c *Cluster) {
	kube := c.kubeVersion()
	for _, o := range c.Objects {
		l, ok := c.lifecycles()[o]
		if !ok || !atOrBefore(l.deprecated, kube) || atOrBefore(l.removed, kube) {
			continue
		}
		gvk := o.Object.Object.GroupVersionKind()
		switch {
		case l.deprecated[0] < 0 && l.crdWarning != "":
			c.report(o, "apiVersion", "%s %s is deprecated by its CustomResourceDefinition (%q): %s", gvk.GroupVersion(), gvk.Kind, l.crdWarning, l.replacementText(kube))
		case l.deprecated[0] < 0:
			c.report(o, "apiVersion", "%s %s is deprecated by its CustomResourceDefinition: %s", gvk.GroupVersion(), gvk.Kind, l.replacementText(kube))
		case l.removed != [2]int{}:
			c.report(o, "apiVersion", "%s %s is deprecated since Kubernetes %d.%d and removed in %d.%d: %s", gvk.GroupVersion(), gvk.Kind, l.deprecated[0], l.deprecated[1], l.removed[0], l.removed[1], l.replacementText(kube))
		default:
			c.report(o, "apiVersion", "%s %s is deprecated since Kubernetes %d.%d: %s", gvk.GroupVersion(), gvk.Kind, l.deprecated[0], l.deprecated[1], l.replacementText(kube))
		}
	}
}

// lifecycles is apiLifecycles computed once per cluster.
func (c *Cluster) lifecycles() map[*Object]apiLifecycle {
	return memoized(c, "lifecycles", c.apiLifecycles)
}
