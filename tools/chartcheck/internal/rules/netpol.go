package rules

import (
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func init() {
	register("networkpolicy-selects-nothing", checkNetworkpolicySelectsNothing)
	register("networkpolicy-pods-uncovered", checkNetworkpolicyPodsUncovered)
}

// netpol is a NetworkPolicy with its pod selector.
type netpol struct {
	obj *Object
	np  *networkingv1.NetworkPolicy
	sel labels.Selector
}

func (c *Cluster) netpols() []netpol {
	return memoized(c, "netpols", func() []netpol {
		var out []netpol
		for _, o := range c.ofKind("networking.k8s.io", "NetworkPolicy") {
			np, ok := o.Typed.(*networkingv1.NetworkPolicy)
			if !ok {
				continue
			}
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			if err != nil {
				continue
			}
			out = append(out, netpol{o, np, sel})
		}
		return out
	})
}

func checkNetworkpolicySelectsNothing(c *Cluster) {
	for _, p := range c.netpols() {
		if p.sel.Empty() {
			continue // every pod of the namespace, present or future
		}
		if len(c.podsSelectedBy(p.np.Namespace, p.sel)) == 0 {
			c.report(p.obj, "spec.podSelector", "NetworkPolicy podSelector %s matches no pod template of a long-running workload in its namespace", p.sel.String())
		}
	}
}

func checkNetworkpolicyPodsUncovered(c *Cluster) {
	if !c.Prod {
		return
	}
	for _, w := range c.index().workloads {
		if !w.longRunning {
			continue
		}
		ns := w.obj.Object.Object.GetNamespace()
		covered := false
		for _, p := range c.netpols() {
			covered = covered || (sameNamespace(p.np.Namespace, ns) && p.sel.Matches(labels.Set(w.template.Labels)))
		}
		if !covered {
			c.report(w.obj, strings.TrimPrefix(w.path+".metadata.labels", "."), "no NetworkPolicy selects these pods in a prod cluster: any pod of any namespace can reach them, and they can reach anything")
		}
	}
}
