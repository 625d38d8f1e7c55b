package rules

import (
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// annotationJobMarker is the relabelling source every annotation-based
// Service scrape job keeps targets by (the prometheus chart's
// kubernetes-service-endpoints job, Prometheus' own example configs).
const annotationJobMarker = "__meta_kubernetes_service_annotation_prometheus_io_scrape"

// annotationScraping reports whether a Prometheus configuration in the
// cluster (a ConfigMap or Secret: the prometheus chart's prometheus.yml, the
// Prometheus Operator's additionalScrapeConfigs) has a job that scrapes
// Services by their prometheus.io/scrape annotation.
func (c *Cluster) annotationScraping() bool {
	return memoized(c, "annotationScraping", func() bool {
		for _, o := range c.Objects {
			switch t := o.Typed.(type) {
			case *corev1.ConfigMap:
				for _, v := range t.Data {
					if strings.Contains(v, annotationJobMarker) {
						return true
					}
				}
			case *corev1.Secret:
				for _, v := range t.Data {
					if strings.Contains(string(v), annotationJobMarker) {
						return true
					}
				}
				for _, v := range t.StringData {
					if strings.Contains(v, annotationJobMarker) {
						return true
					}
				}
			}
		}
		return false
	})
}

// podMonitored reports whether a PodMonitor selects the pods behind svc.
func (c *Cluster) podMonitored(svc *corev1.Service) bool {
	pms := memoized(c, "podMonitors", func() []*monitoringv1.PodMonitor {
		var out []*monitoringv1.PodMonitor
		for _, o := range c.ofKind("monitoring.coreos.com", "PodMonitor") {
			if pm, ok := o.Typed.(*monitoringv1.PodMonitor); ok {
				out = append(out, pm)
			}
		}
		return out
	})
	if len(pms) == 0 || len(svc.Spec.Selector) == 0 {
		return false
	}
	for _, w := range c.podsSelectedBy(svc.Namespace, labels.SelectorFromSet(withoutControllerLabels(svc.Spec.Selector))) {
		ns := w.obj.Object.Object.GetNamespace()
		for _, pm := range pms {
			if !pmCoversNamespace(pm, ns) {
				continue
			}
			sel, err := metav1.LabelSelectorAsSelector(&pm.Spec.Selector)
			if err == nil && sel.Matches(labels.Set(w.template.Labels)) {
				return true
			}
		}
	}
	return false
}

func pmCoversNamespace(pm *monitoringv1.PodMonitor, ns string) bool {
	sel := pm.Spec.NamespaceSelector
	if sel.Any {
		return true
	}
	if len(sel.MatchNames) == 0 {
		return sameNamespace(pm.Namespace, ns)
	}
	for _, n := range sel.MatchNames {
		if sameNamespace(n, ns) {
			return true
		}
	}
	return false
}
