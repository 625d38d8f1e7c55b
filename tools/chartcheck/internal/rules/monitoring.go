package rules

import (
	"sort"
	"strings"

	argov1alpha1 "github.com/argoproj/argo-cd/v2/pkg/apis/application/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/json"
)

// ScrapeAnnotation marks a Service as meant to be scraped.
const ScrapeAnnotation = "prometheus.io/scrape"

func init() {
	register("svc-metrics-no-servicemonitor", checkSvcMetricsNoServicemonitor)
	register("servicemonitor-selects-nothing", checkServicemonitorSelectsNothing)
	register("servicemonitor-port-unknown", checkServicemonitorPortUnknown)
	register("servicemonitor-labels-unmatched", checkServicemonitorLabelsUnmatched)
	register("prometheusrule-expr-invalid", checkPrometheusruleExprInvalid)
}

func checkSvcMetricsNoServicemonitor(c *Cluster) {
	sms := c.serviceMonitors()
	for _, o := range c.ofKind("", "Service") {
		svc, ok := o.Typed.(*corev1.Service)
		if !ok {
			continue
		}
		var ports []string
		for _, p := range svc.Spec.Ports {
			if p.Name == "metrics" || (svc.Annotations[ScrapeAnnotation] == "true" && len(ports) == 0) {
				ports = append(ports, p.Name)
			}
		}
		if len(ports) == 0 {
			continue
		}
		selected := false
		for _, sm := range sms {
			selected = selected || smSelects(sm.sm, svc)
		}
		// A Prometheus with an annotation-based job scrapes the
		// annotated Service; a PodMonitor may scrape its pods directly.
		if selected || (svc.Annotations[ScrapeAnnotation] == "true" && c.annotationScraping()) || c.podMonitored(svc) {
			continue
		}
		c.report(o, "spec.ports", "Service port %q is meant to be scraped but no ServiceMonitor selects the Service, no PodMonitor its pods, and no Prometheus job scrapes by prometheus.io annotations", ports[0])
	}
}

func checkServicemonitorSelectsNothing(c *Cluster) {
	svcs := c.services()
	for _, sm := range c.serviceMonitors() {
		if len(sm.selected(svcs)) == 0 {
			c.report(sm.obj, "spec.selector", "ServiceMonitor selects no Service in the namespaces it covers (%s)", describeNamespaces(sm.sm))
		}
	}
}

func checkServicemonitorPortUnknown(c *Cluster) {
	svcs := c.services()
	for _, sm := range c.serviceMonitors() {
		selected := sm.selected(svcs)
		for i, ep := range sm.sm.Spec.Endpoints {
			if ep.Port == "" {
				continue
			}
			// A broad selector may pick Services without that port; the
			// operator skips them. What matters is that some have it.
			var names []string
			found := false
			for _, svc := range selected {
				found = found || serviceHasPortName(svc, ep.Port)
				names = append(names, svc.Namespace+"/"+svc.Name)
			}
			if len(selected) > 0 && !found {
				c.report(sm.obj, "spec.endpoints["+itoa(i)+"].port",
					"endpoint port %q is not a port name of the selected Service(s) %s", ep.Port, strings.Join(names, ", "))
			}
		}
	}
}

func checkServicemonitorLabelsUnmatched(c *Cluster) {
	proms := c.prometheusSelectors()
	if len(proms) == 0 {
		return // no Prometheus rendered or configured here: nothing to compare with
	}
	for _, sm := range c.serviceMonitors() {
		picked := false
		for _, p := range proms {
			picked = picked || p.picks(sm.obj.Object.Object.GetNamespace(), sm.sm.Labels)
		}
		if !picked {
			var names []string
			for _, p := range proms {
				names = append(names, p.name+" ("+p.describe()+")")
			}
			c.report(sm.obj, "metadata.labels", "ServiceMonitor labels %v are not selected by %s", labels.Set(sm.sm.Labels).String(), strings.Join(names, ", "))
		}
	}
}

func checkPrometheusruleExprInvalid(c *Cluster) {
	for _, o := range c.ofKind("monitoring.coreos.com", "PrometheusRule") {
		pr, ok := o.Typed.(*monitoringv1.PrometheusRule)
		if !ok {
			continue
		}
		for gi, g := range pr.Spec.Groups {
			for ri, r := range g.Rules {
				if _, err := parser.ParseExpr(r.Expr.String()); err != nil {
					name := r.Alert
					if name == "" {
						name = r.Record
					}
					c.report(o, "spec.groups["+itoa(gi)+"].rules["+itoa(ri)+"].expr",
						"group %q rule %q: PromQL does not parse: %v", g.Name, name, err)
				}
			}
		}
	}
}

type serviceMonitor struct {
	obj *Object
	sm  *monitoringv1.ServiceMonitor
}

func (c *Cluster) serviceMonitors() []serviceMonitor {
	var out []serviceMonitor
	for _, o := range c.ofKind("monitoring.coreos.com", "ServiceMonitor") {
		if sm, ok := o.Typed.(*monitoringv1.ServiceMonitor); ok {
			out = append(out, serviceMonitor{o, sm})
		}
	}
	return out
}

// platformServices exist in every cluster without being rendered: the API
// server's Service, and the kubelet Service the Prometheus Operator keeps.
var platformServices = []*corev1.Service{
	{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "https", Port: 443}}},
	},
	{
		ObjectMeta: metav1.ObjectMeta{Name: "kubelet", Namespace: "kube-system", Labels: map[string]string{"app.kubernetes.io/name": "kubelet", "k8s-app": "kubelet", "app.kubernetes.io/managed-by": "prometheus-operator"}},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "https-metrics", Port: 10250}, {Name: "http-metrics", Port: 10255}, {Name: "cadvisor", Port: 4194}}},
	},
}

func (c *Cluster) services() []*corev1.Service {
	out := append([]*corev1.Service(nil), platformServices...)
	for _, o := range c.ofKind("", "Service") {
		if svc, ok := o.Typed.(*corev1.Service); ok {
			out = append(out, svc)
		}
	}
	return out
}

func (s serviceMonitor) selected(svcs []*corev1.Service) []*corev1.Service {
	var out []*corev1.Service
	for _, svc := range svcs {
		if smSelects(s.sm, svc) {
			out = append(out, svc)
		}
	}
	return out
}

// smSelects reports whether the ServiceMonitor's namespace selector covers
// the Service's namespace and its label selector matches the Service.
func smSelects(sm *monitoringv1.ServiceMonitor, svc *corev1.Service) bool {
	ns := sm.Spec.NamespaceSelector
	switch {
	case ns.Any:
	case len(ns.MatchNames) > 0:
		found := false
		for _, n := range ns.MatchNames {
			found = found || sameNamespace(n, svc.Namespace)
		}
		if !found {
			return false
		}
	default:
		if !sameNamespace(sm.Namespace, svc.Namespace) {
			return false
		}
	}
	sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	if err != nil {
		return false
	}
	return sel.Matches(labels.Set(svc.Labels))
}

func describeNamespaces(sm *monitoringv1.ServiceMonitor) string {
	switch {
	case sm.Spec.NamespaceSelector.Any:
		return "any namespace"
	case len(sm.Spec.NamespaceSelector.MatchNames) > 0:
		return "namespaces " + strings.Join(sm.Spec.NamespaceSelector.MatchNames, ", ")
	case sm.Namespace == "":
		return "its own namespace"
	}
	return "namespace " + sm.Namespace
}

func serviceHasPortName(svc *corev1.Service, name string) bool {
	for _, p := range svc.Spec.Ports {
		if p.Name == name {
			return true
		}
	}
	return false
}

// promSelector is which ServiceMonitors one Prometheus picks up.
type promSelector struct {
	name      string
	namespace string
	// sel nil means the Prometheus selects no ServiceMonitor at all.
	sel labels.Selector
	// allNamespaces is true for an empty namespace selector; otherwise only
	// the Prometheus' own namespace is watched (label-based namespace
	// selectors cannot be evaluated without the Namespace objects).
	allNamespaces bool
}

func (p promSelector) picks(ns string, l map[string]string) bool {
	if p.sel == nil || !(p.allNamespaces || sameNamespace(ns, p.namespace)) {
		return false
	}
	return p.sel.Matches(labels.Set(l))
}

func (p promSelector) describe() string {
	if p.sel == nil {
		return "selects no ServiceMonitor"
	}
	return "selector " + p.sel.String()
}

// prometheusSelectors collects the ServiceMonitor selectors of every
// rendered Prometheus, or, when none is rendered, of every
// kube-prometheus-stack Application's Helm values.
func (c *Cluster) prometheusSelectors() []promSelector {
	var out []promSelector
	for _, o := range c.ofKind("monitoring.coreos.com", "Prometheus") {
		p, ok := o.Typed.(*monitoringv1.Prometheus)
		if !ok {
			continue
		}
		ps := promSelector{name: o.Ref(), namespace: p.Namespace}
		if p.Spec.ServiceMonitorSelector != nil {
			if sel, err := metav1.LabelSelectorAsSelector(p.Spec.ServiceMonitorSelector); err == nil {
				ps.sel = sel
			}
		}
		nsSel := p.Spec.ServiceMonitorNamespaceSelector
		ps.allNamespaces = nsSel != nil && len(nsSel.MatchLabels) == 0 && len(nsSel.MatchExpressions) == 0
		if nsSel != nil && !ps.allNamespaces {
			ps.allNamespaces = true // label-selected namespaces: assume covered
		}
		out = append(out, ps)
	}
	if len(out) > 0 {
		return out
	}
	for _, o := range c.ofKind("argoproj.io", "Application") {
		app, ok := o.Typed.(*argov1alpha1.Application)
		if !ok {
			continue
		}
		for _, src := range app.Spec.GetSources() {
			if src.Chart != "kube-prometheus-stack" {
				continue
			}
			out = append(out, stackSelector(o, app, src))
		}
	}
	return out
}

// stackValues is the part of kube-prometheus-stack's values that decides
// which ServiceMonitors its Prometheus selects.
type stackValues struct {
	Prometheus struct {
		PrometheusSpec struct {
			ServiceMonitorSelectorNilUsesHelmValues *bool                 `json:"serviceMonitorSelectorNilUsesHelmValues"`
			ServiceMonitorSelector                  *metav1.LabelSelector `json:"serviceMonitorSelector"`
			ServiceMonitorNamespaceSelector         *metav1.LabelSelector `json:"serviceMonitorNamespaceSelector"`
		} `json:"prometheusSpec"`
	} `json:"prometheus"`
}

// stackSelector mirrors the chart's logic: an explicit selector wins;
// otherwise, with serviceMonitorSelectorNilUsesHelmValues (the default),
// the selector is release=<Helm release name>; otherwise all.
func stackSelector(o *Object, app *argov1alpha1.Application, src argov1alpha1.ApplicationSource) promSelector {
	release := app.Name
	var v stackValues
	if h := src.Helm; h != nil {
		if h.ReleaseName != "" {
			release = h.ReleaseName
		}
		if h.ValuesObject != nil && len(h.ValuesObject.Raw) > 0 {
			_ = json.UnmarshalCaseSensitivePreserveInts(h.ValuesObject.Raw, &v)
		} else if h.Values != "" {
			var m any
			if yaml.Unmarshal([]byte(h.Values), &m) == nil {
				if raw, err := jsonMarshal(m); err == nil {
					_ = json.UnmarshalCaseSensitivePreserveInts(raw, &v)
				}
			}
		}
	}
	spec := v.Prometheus.PrometheusSpec
	ps := promSelector{name: "kube-prometheus-stack Application " + o.Ref(), namespace: app.Spec.Destination.Namespace, allNamespaces: true}
	switch {
	case spec.ServiceMonitorSelector != nil && (len(spec.ServiceMonitorSelector.MatchLabels) > 0 || len(spec.ServiceMonitorSelector.MatchExpressions) > 0):
		ps.sel, _ = metav1.LabelSelectorAsSelector(spec.ServiceMonitorSelector)
	case spec.ServiceMonitorSelectorNilUsesHelmValues == nil || *spec.ServiceMonitorSelectorNilUsesHelmValues:
		ps.sel = labels.SelectorFromSet(labels.Set{"release": release})
	default:
		ps.sel = labels.Everything()
	}
	if ns := spec.ServiceMonitorNamespaceSelector; ns != nil && (len(ns.MatchLabels) > 0 || len(ns.MatchExpressions) > 0) {
		ps.allNamespaces = true // label-selected namespaces: assume covered
	}
	return ps
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
