package chart

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func deployment(t *testing.T, r *rendered) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	r.one(t, "Deployment", &d)
	return &d
}

func appContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	require.Len(t, d.Spec.Template.Spec.Containers, 1)
	c := d.Spec.Template.Spec.Containers[0]
	require.Equal(t, "doc-search", c.Name)
	return c
}

func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

func envFieldRef(c corev1.Container, name string) *corev1.ResourceFieldSelector {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil {
			return e.ValueFrom.ResourceFieldRef
		}
	}
	return nil
}

func TestRender_DefaultsRenderTheServiceAndNothingOptional(t *testing.T) {
	r := mustRender(t, renderOptions{})
	assert.ElementsMatch(t, []string{
		"ServiceAccount/doc-search",
		"Service/doc-search",
		"Deployment/doc-search",
		"PodDisruptionBudget/doc-search",
		"NetworkPolicy/doc-search",
		"ConfigMap/doc-search-dashboard",
		"Pod/doc-search-test-search",
	}, r.kinds(), "no HPA, Ingress, or monitoring.coreos.com objects without the API")

	for _, o := range r.objects {
		ref := o.GetKind() + "/" + o.GetName()
		assert.Equal(t, namespace, o.GetNamespace(), ref)
		labels := o.GetLabels()
		assert.Equal(t, "doc-search-0.1.0", labels["helm.sh/chart"], ref)
		assert.Equal(t, releaseName, labels["app.kubernetes.io/instance"], ref)
		assert.Equal(t, "Helm", labels["app.kubernetes.io/managed-by"], ref)
		if o.GetKind() != "Pod" {
			assert.Equal(t, "doc-search", labels["app.kubernetes.io/name"], ref)
			assert.Equal(t, "1.0.0", labels["app.kubernetes.io/version"], ref)
		}
	}
}

func TestRender_FullnameFollowsHelmCreate(t *testing.T) {
	tests := []struct {
		release string
		sets    []string
		want    string
	}{
		{release: "doc-search", want: "doc-search"},
		{release: "doc-search-prod", want: "doc-search-prod"},
		{release: "prod", want: "prod-doc-search"},
		{release: "prod", sets: []string{"fullnameOverride=search"}, want: "search"},
	}
	for _, tt := range tests {
		t.Run(tt.release+"_"+tt.want, func(t *testing.T) {
			r := mustRender(t, renderOptions{release: tt.release}, tt.sets...)
			for _, kind := range []string{"Deployment", "Service", "ServiceAccount", "NetworkPolicy"} {
				objs := r.find(kind)
				require.Len(t, objs, 1, kind)
				assert.Equal(t, tt.want, objs[0].GetName(), kind)
			}
		})
	}
}

func TestRender_StartupProbeBudgetComesFromMaxSeconds(t *testing.T) {
	tests := []struct {
		maxSeconds, period int32
		wantFailures       int32
	}{
		{maxSeconds: 600, period: 5, wantFailures: 120},
		{maxSeconds: 62, period: 5, wantFailures: 13}, // rounds up: never less than asked
		{maxSeconds: 1, period: 5, wantFailures: 1},
		{maxSeconds: 30, period: 1, wantFailures: 30},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%ds_every_%ds", tt.maxSeconds, tt.period), func(t *testing.T) {
			r := mustRender(t, renderOptions{},
				fmt.Sprintf("startup.maxSeconds=%d", tt.maxSeconds), fmt.Sprintf("startup.periodSeconds=%d", tt.period))
			c := appContainer(t, deployment(t, r))
			require.NotNil(t, c.StartupProbe)
			p := c.StartupProbe
			require.NotNil(t, p.HTTPGet)
			assert.Equal(t, "/readyz", p.HTTPGet.Path)
			assert.Equal(t, intstr.FromString("http"), p.HTTPGet.Port)
			assert.Equal(t, tt.period, p.PeriodSeconds)
			assert.Equal(t, tt.wantFailures, p.FailureThreshold)
			assert.GreaterOrEqual(t, p.PeriodSeconds*p.FailureThreshold, tt.maxSeconds, "budget covers maxSeconds")
			assert.Equal(t, int32(1), p.SuccessThreshold, "kubelet requires successThreshold 1 on startup probes")
		})
	}
}

func TestRender_ReadinessOnIndexLivenessOnProcessOnly(t *testing.T) {
	c := appContainer(t, deployment(t, mustRender(t, renderOptions{})))
	require.NotNil(t, c.ReadinessProbe)
	require.NotNil(t, c.LivenessProbe)
	require.NotNil(t, c.ReadinessProbe.HTTPGet)
	require.NotNil(t, c.LivenessProbe.HTTPGet)
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path, "liveness must never depend on the index")
	assert.Equal(t, intstr.FromString("http"), c.ReadinessProbe.HTTPGet.Port)
	assert.Equal(t, intstr.FromString("http"), c.LivenessProbe.HTTPGet.Port)
	assert.Equal(t, int32(1), c.LivenessProbe.SuccessThreshold)
	assert.Zero(t, c.LivenessProbe.InitialDelaySeconds, "the startup probe, not a guessed delay, gates liveness")
}

func TestRender_GracePeriodCoversDrainAndShutdown(t *testing.T) {
	tests := []struct{ drain, timeout int64 }{{5, 10}, {0, 1}, {20, 30}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("drain%d_timeout%d", tt.drain, tt.timeout), func(t *testing.T) {
			d := deployment(t, mustRender(t, renderOptions{},
				fmt.Sprintf("shutdown.drainSeconds=%d", tt.drain), fmt.Sprintf("shutdown.timeoutSeconds=%d", tt.timeout)))
			c := appContainer(t, d)
			drain, ok := envValue(c, "DOCSEARCH_DRAIN_DELAY")
			require.True(t, ok)
			assert.Equal(t, fmt.Sprintf("%ds", tt.drain), drain)
			timeout, ok := envValue(c, "DOCSEARCH_SHUTDOWN_TIMEOUT")
			require.True(t, ok)
			assert.Equal(t, fmt.Sprintf("%ds", tt.timeout), timeout)
			require.NotNil(t, d.Spec.Template.Spec.TerminationGracePeriodSeconds)
			assert.Greater(t, *d.Spec.Template.Spec.TerminationGracePeriodSeconds, tt.drain+tt.timeout)
		})
	}
}

func TestRender_GoRuntimeSizedFromContainerLimits(t *testing.T) {
	c := appContainer(t, deployment(t, mustRender(t, renderOptions{},
		"resources.limits.memory=512Mi", "resources.limits.cpu=1500m")))
	assert.Equal(t, "512Mi", c.Resources.Limits.Memory().String())
	assert.Equal(t, "1500m", c.Resources.Limits.Cpu().String())
	assert.False(t, c.Resources.Requests.Cpu().IsZero(), "cpu request")
	assert.False(t, c.Resources.Requests.Memory().IsZero(), "memory request")

	mem := envFieldRef(c, "GOMEMLIMIT")
	require.NotNil(t, mem, "GOMEMLIMIT from the downward API")
	assert.Equal(t, "limits.memory", mem.Resource)
	assert.Equal(t, "doc-search", mem.ContainerName)
	assert.Equal(t, "1", mem.Divisor.String(), "bytes: what GOMEMLIMIT reads without a unit")

	procs := envFieldRef(c, "GOMAXPROCS")
	require.NotNil(t, procs, "GOMAXPROCS from the downward API")
	assert.Equal(t, "limits.cpu", procs.Resource)
	assert.Equal(t, "1", procs.Divisor.String(), "whole CPUs, rounded up by the kubelet")
}

func TestRender_AppSettingsReachTheContainer(t *testing.T) {
	tests := []struct {
		name string
		sets []string
		want map[string]string
		not  []string
	}{
		{
			name: "defaults",
			want: map[string]string{"DOCSEARCH_MAX_QUERY_WORDS": "32", "DOCSEARCH_MAX_QUERY_BYTES": "1024", "DOCSEARCH_LOG_LEVEL": "info"},
			not:  []string{"DOCSEARCH_STARTUP_DELAY", "DOCSEARCH_DATA"},
		},
		{
			name: "set",
			sets: []string{"search.maxQueryWords=8", "search.maxQueryBytes=2000000", "logLevel=debug", "startup.delay=45s"},
			want: map[string]string{"DOCSEARCH_MAX_QUERY_WORDS": "8", "DOCSEARCH_MAX_QUERY_BYTES": "2000000", "DOCSEARCH_LOG_LEVEL": "debug", "DOCSEARCH_STARTUP_DELAY": "45s"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := appContainer(t, deployment(t, mustRender(t, renderOptions{}, tt.sets...)))
			for k, v := range tt.want {
				got, ok := envValue(c, k)
				assert.True(t, ok, k)
				assert.Equal(t, v, got, k)
			}
			for _, k := range tt.not {
				_, ok := envValue(c, k)
				assert.False(t, ok, k)
			}
			assert.Equal(t, []string{"--addr=:8080", "--metrics-addr=:8000"}, c.Args)
		})
	}
}

func TestRender_RestrictedSecurityAndNoServiceAccountToken(t *testing.T) {
	r := mustRender(t, renderOptions{})
	d := deployment(t, r)
	pod := d.Spec.Template.Spec
	require.NotNil(t, pod.AutomountServiceAccountToken)
	assert.False(t, *pod.AutomountServiceAccountToken)
	assert.Equal(t, "doc-search", pod.ServiceAccountName)
	require.NotNil(t, pod.SecurityContext)
	require.NotNil(t, pod.SecurityContext.RunAsNonRoot)
	assert.True(t, *pod.SecurityContext.RunAsNonRoot)
	require.NotNil(t, pod.SecurityContext.SeccompProfile)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, pod.SecurityContext.SeccompProfile.Type)

	sc := appContainer(t, d).SecurityContext
	require.NotNil(t, sc)
	require.NotNil(t, sc.ReadOnlyRootFilesystem)
	assert.True(t, *sc.ReadOnlyRootFilesystem)
	require.NotNil(t, sc.AllowPrivilegeEscalation)
	assert.False(t, *sc.AllowPrivilegeEscalation)
	require.NotNil(t, sc.Capabilities)
	assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)

	var sa corev1.ServiceAccount
	r.one(t, "ServiceAccount", &sa)
	require.NotNil(t, sa.AutomountServiceAccountToken)
	assert.False(t, *sa.AutomountServiceAccountToken)
}

func TestRender_RollingUpdateNeverDropsCapacity(t *testing.T) {
	d := deployment(t, mustRender(t, renderOptions{}))
	assert.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, d.Spec.Strategy.Type)
	require.NotNil(t, d.Spec.Strategy.RollingUpdate)
	require.NotNil(t, d.Spec.Strategy.RollingUpdate.MaxUnavailable)
	assert.Equal(t, intstr.FromInt32(0), *d.Spec.Strategy.RollingUpdate.MaxUnavailable)
	require.NotNil(t, d.Spec.Strategy.RollingUpdate.MaxSurge)
	assert.NotEqual(t, intstr.FromInt32(0), *d.Spec.Strategy.RollingUpdate.MaxSurge, "a surge pod is what lets the rollout progress")
}

func TestRender_TopologySpreadAcrossNodes(t *testing.T) {
	tests := []struct {
		name        string
		sets        []string
		kubeVersion string
		wantSpread  bool
		wantWhen    corev1.UnsatisfiableConstraintAction
		wantKeys    []string
	}{
		{name: "default", wantSpread: true, wantWhen: corev1.ScheduleAnyway, wantKeys: []string{"pod-template-hash"}},
		{name: "hard", sets: []string{"topologySpread.whenUnsatisfiable=DoNotSchedule"}, wantSpread: true, wantWhen: corev1.DoNotSchedule, wantKeys: []string{"pod-template-hash"}},
		{name: "old_cluster_without_matchLabelKeys", kubeVersion: "v1.26.5", wantSpread: true, wantWhen: corev1.ScheduleAnyway},
		{name: "off", sets: []string{"topologySpread.enabled=false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(t, mustRender(t, renderOptions{kubeVersion: tt.kubeVersion}, tt.sets...))
			spread := d.Spec.Template.Spec.TopologySpreadConstraints
			if !tt.wantSpread {
				assert.Empty(t, spread)
				return
			}
			require.Len(t, spread, 1)
			assert.Equal(t, "kubernetes.io/hostname", spread[0].TopologyKey)
			assert.Equal(t, int32(1), spread[0].MaxSkew)
			assert.Equal(t, tt.wantWhen, spread[0].WhenUnsatisfiable)
			assert.Equal(t, tt.wantKeys, spread[0].MatchLabelKeys)
			require.NotNil(t, spread[0].LabelSelector)
			assert.Equal(t, d.Spec.Selector.MatchLabels, spread[0].LabelSelector.MatchLabels)
		})
	}
}

func TestRender_AutoscalerOwnsReplicasWhenEnabled(t *testing.T) {
	t.Run("enabled", func(t *testing.T) {
		r := mustRender(t, renderOptions{}, "autoscaling.enabled=true", "autoscaling.minReplicas=3",
			"autoscaling.maxReplicas=9", "autoscaling.targetCPUUtilizationPercentage=60")
		assert.Nil(t, deployment(t, r).Spec.Replicas, "replicas left to the HPA, so a sync does not reset its choice")
		var hpa autoscalingv2.HorizontalPodAutoscaler
		r.one(t, "HorizontalPodAutoscaler", &hpa)
		assert.Equal(t, "autoscaling/v2", r.find("HorizontalPodAutoscaler")[0].GetAPIVersion())
		assert.Equal(t, "Deployment", hpa.Spec.ScaleTargetRef.Kind)
		assert.Equal(t, "doc-search", hpa.Spec.ScaleTargetRef.Name)
		require.NotNil(t, hpa.Spec.MinReplicas)
		assert.Equal(t, int32(3), *hpa.Spec.MinReplicas)
		assert.Equal(t, int32(9), hpa.Spec.MaxReplicas)
		require.Len(t, hpa.Spec.Metrics, 1)
		require.NotNil(t, hpa.Spec.Metrics[0].Resource)
		assert.Equal(t, corev1.ResourceCPU, hpa.Spec.Metrics[0].Resource.Name)
		require.NotNil(t, hpa.Spec.Metrics[0].Resource.Target.AverageUtilization)
		assert.Equal(t, int32(60), *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization)
	})
	t.Run("disabled", func(t *testing.T) {
		r := mustRender(t, renderOptions{}, "replicaCount=4")
		assert.False(t, r.has("HorizontalPodAutoscaler"))
		d := deployment(t, r)
		require.NotNil(t, d.Spec.Replicas)
		assert.Equal(t, int32(4), *d.Spec.Replicas)
	})
}

func TestRender_DisruptionBudgetOnlyWhenItCannotBlockDrains(t *testing.T) {
	tests := []struct {
		name string
		sets []string
		want bool
	}{
		{name: "two_replicas", sets: []string{"replicaCount=2"}, want: true},
		{name: "one_replica", sets: []string{"replicaCount=1"}, want: false},
		{name: "disabled", sets: []string{"podDisruptionBudget.enabled=false"}, want: false},
		{name: "autoscaled_from_two", sets: []string{"replicaCount=1", "autoscaling.enabled=true", "autoscaling.minReplicas=2"}, want: true},
		{name: "autoscaled_from_one", sets: []string{"replicaCount=3", "autoscaling.enabled=true", "autoscaling.minReplicas=1"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRender(t, renderOptions{}, tt.sets...)
			if !tt.want {
				assert.False(t, r.has("PodDisruptionBudget"), "%v", r.kinds())
				return
			}
			var pdb policyv1.PodDisruptionBudget
			r.one(t, "PodDisruptionBudget", &pdb)
			require.NotNil(t, pdb.Spec.MinAvailable)
			assert.Equal(t, intstr.FromInt32(1), *pdb.Spec.MinAvailable)
			assert.Equal(t, deployment(t, r).Spec.Selector.MatchLabels, pdb.Spec.Selector.MatchLabels)
		})
	}
}

func TestRender_DisruptionBudgetThatBlocksEveryEvictionIsRefused(t *testing.T) {
	tests := []struct {
		name string
		sets []string
	}{
		{name: "replicas", sets: []string{"replicaCount=3", "podDisruptionBudget.minAvailable=3"}},
		{name: "autoscaling_min", sets: []string{"autoscaling.enabled=true", "autoscaling.minReplicas=2", "podDisruptionBudget.minAvailable=5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderChart(t, renderOptions{}, tt.sets)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "podDisruptionBudget.minAvailable")
			assert.Contains(t, err.Error(), "must be less than the fewest replicas")
		})
	}
	// A percentage scales with the replicas: accepted.
	r := mustRender(t, renderOptions{}, "replicaCount=3", "podDisruptionBudget.minAvailable=50%")
	var pdb policyv1.PodDisruptionBudget
	r.one(t, "PodDisruptionBudget", &pdb)
	assert.Equal(t, intstr.FromString("50%"), *pdb.Spec.MinAvailable)
}

func TestRender_ServiceHasNamedHTTPAndMetricsPorts(t *testing.T) {
	tests := []struct {
		name         string
		sets         []string
		wantType     corev1.ServiceType
		wantNodePort int32
	}{
		{name: "cluster_ip", wantType: corev1.ServiceTypeClusterIP},
		{name: "node_port", sets: []string{"service.type=NodePort", "service.nodePort=30080"}, wantType: corev1.ServiceTypeNodePort, wantNodePort: 30080},
		{name: "node_port_ignored_for_cluster_ip", sets: []string{"service.nodePort=30080"}, wantType: corev1.ServiceTypeClusterIP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRender(t, renderOptions{}, tt.sets...)
			var svc corev1.Service
			r.one(t, "Service", &svc)
			assert.Equal(t, tt.wantType, svc.Spec.Type)
			assert.Equal(t, deployment(t, r).Spec.Selector.MatchLabels, svc.Spec.Selector)
			require.Len(t, svc.Spec.Ports, 2)
			assert.Equal(t, "http", svc.Spec.Ports[0].Name)
			assert.Equal(t, int32(8080), svc.Spec.Ports[0].Port)
			assert.Equal(t, intstr.FromString("http"), svc.Spec.Ports[0].TargetPort)
			assert.Equal(t, tt.wantNodePort, svc.Spec.Ports[0].NodePort)
			assert.Equal(t, "metrics", svc.Spec.Ports[1].Name)
			assert.Equal(t, int32(8000), svc.Spec.Ports[1].Port)
			assert.Equal(t, intstr.FromString("metrics"), svc.Spec.Ports[1].TargetPort)

			ports := map[string]int32{}
			for _, p := range appContainer(t, deployment(t, r)).Ports {
				ports[p.Name] = p.ContainerPort
			}
			assert.Equal(t, map[string]int32{"http": 8080, "metrics": 8000}, ports)
		})
	}
}

func TestRender_IngressOnlyWhenEnabled(t *testing.T) {
	assert.False(t, mustRender(t, renderOptions{}).has("Ingress"))

	r := mustRender(t, renderOptions{}, "ingress.enabled=true", "ingress.className=nginx",
		"ingress.hosts[0].host=search.example.org", "ingress.hosts[0].paths[0].path=/",
		"ingress.hosts[0].paths[0].pathType=Prefix",
		"ingress.tls[0].secretName=search-tls", "ingress.tls[0].hosts[0]=search.example.org")
	var ing networkingv1.Ingress
	r.one(t, "Ingress", &ing)
	require.NotNil(t, ing.Spec.IngressClassName)
	assert.Equal(t, "nginx", *ing.Spec.IngressClassName)
	require.Len(t, ing.Spec.Rules, 1)
	assert.Equal(t, "search.example.org", ing.Spec.Rules[0].Host)
	require.Len(t, ing.Spec.Rules[0].HTTP.Paths, 1)
	backend := ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service
	require.NotNil(t, backend)
	assert.Equal(t, "doc-search", backend.Name)
	assert.Equal(t, "http", backend.Port.Name)
	require.Len(t, ing.Spec.TLS, 1)
	assert.Equal(t, "search-tls", ing.Spec.TLS[0].SecretName)
	assert.Contains(t, r.notes, "https://search.example.org/?q=hello+world")
}

func TestRender_NetworkPolicyAdmitsAPIFromClusterAndMetricsFromMonitoring(t *testing.T) {
	assert.False(t, mustRender(t, renderOptions{}, "networkPolicy.enabled=false").has("NetworkPolicy"))

	for _, external := range []bool{false, true} {
		t.Run(fmt.Sprintf("allowExternal_%v", external), func(t *testing.T) {
			r := mustRender(t, renderOptions{}, "networkPolicy.monitoringNamespace=observability",
				fmt.Sprintf("networkPolicy.allowExternal=%v", external))
			var np networkingv1.NetworkPolicy
			r.one(t, "NetworkPolicy", &np)
			assert.Equal(t, deployment(t, r).Spec.Selector.MatchLabels, np.Spec.PodSelector.MatchLabels)
			assert.Equal(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, np.Spec.PolicyTypes)
			require.Len(t, np.Spec.Ingress, 2)

			api := np.Spec.Ingress[0]
			require.Len(t, api.Ports, 1)
			assert.Equal(t, intstr.FromString("http"), *api.Ports[0].Port)
			require.NotEmpty(t, api.From)
			require.NotNil(t, api.From[0].NamespaceSelector)
			assert.Empty(t, api.From[0].NamespaceSelector.MatchLabels, "every namespace")
			assert.Nil(t, api.From[0].PodSelector)
			if external {
				require.Len(t, api.From, 2)
				require.NotNil(t, api.From[1].IPBlock)
				assert.Equal(t, "0.0.0.0/0", api.From[1].IPBlock.CIDR)
			} else {
				assert.Len(t, api.From, 1)
			}

			metrics := np.Spec.Ingress[1]
			require.Len(t, metrics.Ports, 1)
			assert.Equal(t, intstr.FromString("metrics"), *metrics.Ports[0].Port)
			require.Len(t, metrics.From, 1)
			require.NotNil(t, metrics.From[0].NamespaceSelector)
			assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": "observability"}, metrics.From[0].NamespaceSelector.MatchLabels)
		})
	}
}

func TestRender_ServiceMonitorNeedsTheAPIOrForce(t *testing.T) {
	tests := []struct {
		name string
		apis []string
		sets []string
		want bool
	}{
		{name: "api_available", apis: monitoringAPIs, want: true},
		{name: "no_api", want: false},
		{name: "no_api_forced", sets: []string{"serviceMonitor.force=true"}, want: true},
		{name: "disabled", apis: monitoringAPIs, sets: []string{"serviceMonitor.enabled=false"}, want: false},
		{name: "disabled_wins_over_force", sets: []string{"serviceMonitor.enabled=false", "serviceMonitor.force=true"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRender(t, renderOptions{apiVersions: tt.apis}, append(tt.sets, "serviceMonitor.labels.release=kube-prometheus-stack", "serviceMonitor.interval=15s")...)
			if !tt.want {
				assert.False(t, r.has("ServiceMonitor"))
				return
			}
			var sm monitoringv1.ServiceMonitor
			r.one(t, "ServiceMonitor", &sm)
			assert.Equal(t, "kube-prometheus-stack", sm.Labels["release"], "matches the Prometheus selector")
			assert.Equal(t, "doc-search", sm.Labels["app.kubernetes.io/name"])
			assert.Equal(t, deployment(t, r).Spec.Selector.MatchLabels, sm.Spec.Selector.MatchLabels)
			assert.Equal(t, []string{namespace}, sm.Spec.NamespaceSelector.MatchNames)
			require.Len(t, sm.Spec.Endpoints, 1)
			assert.Equal(t, "metrics", sm.Spec.Endpoints[0].Port)
			assert.Equal(t, "/metrics", sm.Spec.Endpoints[0].Path)
			assert.Equal(t, monitoringv1.Duration("15s"), sm.Spec.Endpoints[0].Interval)
		})
	}
}

func TestRender_PrometheusRuleRecordsLatencyAndRatesAndAlerts(t *testing.T) {
	assert.False(t, mustRender(t, renderOptions{}).has("PrometheusRule"), "no API, not forced")
	assert.False(t, mustRender(t, renderOptions{apiVersions: monitoringAPIs}, "prometheusRule.enabled=false").has("PrometheusRule"))
	assert.True(t, mustRender(t, renderOptions{}, "prometheusRule.force=true").has("PrometheusRule"))

	r := mustRender(t, renderOptions{apiVersions: monitoringAPIs},
		"prometheusRule.labels.release=kube-prometheus-stack", "prometheusRule.latencySLOSeconds=0.5")
	var rule monitoringv1.PrometheusRule
	r.one(t, "PrometheusRule", &rule)
	assert.Equal(t, "kube-prometheus-stack", rule.Labels["release"])

	exprs := map[string]string{}
	for _, g := range rule.Spec.Groups {
		for _, rr := range g.Rules {
			name := rr.Record + rr.Alert
			require.NotEmpty(t, name, "group %s has a rule without record or alert", g.Name)
			exprs[name] = rr.Expr.String()
		}
	}
	for _, q := range []string{"0.50", "0.90", "0.99"} {
		name := "docsearch:search_latency_seconds:p" + strings.TrimPrefix(q, "0.")
		require.Contains(t, exprs, name)
		assert.Contains(t, exprs[name], "histogram_quantile("+q[:4]+",")
		assert.Contains(t, exprs[name], `rate(docsearch_http_request_duration_seconds_bucket{handler="search"}[5m])`)
		assert.Contains(t, exprs[name], "by (namespace, job, le)")
	}
	assert.Contains(t, exprs["docsearch:requests:rate5m"], `docsearch_http_requests_total{handler="search"}`)
	assert.Contains(t, exprs["docsearch:errors:rate5m"], `code=~"5.."`)
	assert.Equal(t, "(docsearch:errors:rate5m or docsearch:requests:rate5m * 0) / docsearch:requests:rate5m", exprs["docsearch:errors:ratio_rate5m"])
	assert.Equal(t, `docsearch:search_latency_seconds:p99{namespace="search"} > 0.5`, exprs["DocSearchHighLatencyP99"])
	assert.Equal(t, `docsearch:errors:ratio_rate5m{namespace="search"} > 0.05`, exprs["DocSearchHighErrorRatio"])
	assert.Contains(t, exprs["DocSearchNoReadyReplicas"], `kube_deployment_status_replicas_ready{namespace="search", deployment="doc-search"} == 0`)
	for name, expr := range exprs {
		_, err := parser.ParseExpr(expr)
		assert.NoError(t, err, "%s: %s", name, expr)
	}
}

func TestRender_DashboardConfigMapForGrafanaSidecar(t *testing.T) {
	assert.False(t, mustRender(t, renderOptions{}, "dashboard.enabled=false").has("ConfigMap"))

	r := mustRender(t, renderOptions{}, "dashboard.labels.team=search")
	var cm corev1.ConfigMap
	r.one(t, "ConfigMap", &cm)
	assert.Equal(t, "1", cm.Labels["grafana_dashboard"])
	assert.Equal(t, "search", cm.Labels["team"])
	raw, ok := cm.Data["doc-search.json"]
	require.True(t, ok, "dashboard key, got %v", cm.Data)

	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &dash))
	assert.Equal(t, "doc-search", dash.Title)
	var titles, exprs []string
	for _, p := range dash.Panels {
		titles = append(titles, p.Title)
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
			assert.NotContains(t, tg.Expr, "$", "panel %q: plain PromQL, no Grafana variables", p.Title)
		}
	}
	for _, expr := range exprs {
		_, err := parser.ParseExpr(expr)
		assert.NoError(t, err, expr)
	}
	all := strings.Join(exprs, "\n")
	for _, want := range []string{"histogram_quantile(0.5,", "histogram_quantile(0.9,", "histogram_quantile(0.99,",
		"docsearch_http_requests_total", `code=~"5.."`, "docsearch_http_requests_in_flight", "docsearch_index_bytes", "docsearch_index_documents"} {
		assert.Contains(t, all, want)
	}
	assert.Contains(t, strings.Join(titles, "\n"), "p99")
}

func TestRender_CorpusFromClaimOrHostPath(t *testing.T) {
	tests := []struct {
		name      string
		sets      []string
		wantClaim string
		wantHost  string
	}{
		{name: "builtin"},
		{name: "claim", sets: []string{"corpus.existingClaim=corpus-pvc"}, wantClaim: "corpus-pvc"},
		{name: "host_path", sets: []string{"corpus.hostPath=/data/corpus", "corpus.mountPath=/srv/corpus"}, wantHost: "/data/corpus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(t, mustRender(t, renderOptions{}, tt.sets...))
			c := appContainer(t, d)
			var vol *corev1.Volume
			for i := range d.Spec.Template.Spec.Volumes {
				if d.Spec.Template.Spec.Volumes[i].Name == "corpus" {
					vol = &d.Spec.Template.Spec.Volumes[i]
				}
			}
			data, hasData := envValue(c, "DOCSEARCH_DATA")
			if tt.wantClaim == "" && tt.wantHost == "" {
				assert.Nil(t, vol, "the built-in corpus needs no volume")
				assert.False(t, hasData)
				return
			}
			require.NotNil(t, vol)
			var mount *corev1.VolumeMount
			for i := range c.VolumeMounts {
				if c.VolumeMounts[i].Name == "corpus" {
					mount = &c.VolumeMounts[i]
				}
			}
			require.NotNil(t, mount)
			assert.True(t, mount.ReadOnly)
			assert.Equal(t, mount.MountPath, data, "--data points at the mount")
			if tt.wantClaim != "" {
				require.NotNil(t, vol.PersistentVolumeClaim)
				assert.Equal(t, tt.wantClaim, vol.PersistentVolumeClaim.ClaimName)
				assert.Equal(t, "/corpus", data)
			} else {
				require.NotNil(t, vol.HostPath)
				assert.Equal(t, tt.wantHost, vol.HostPath.Path)
				assert.Equal(t, "/srv/corpus", data)
			}
		})
	}
}

func TestRender_SchedulingAndPodAnnotationsPassThrough(t *testing.T) {
	empty := deployment(t, mustRender(t, renderOptions{})).Spec.Template
	assert.Empty(t, empty.Annotations)
	assert.Empty(t, empty.Spec.NodeSelector)
	assert.Empty(t, empty.Spec.Tolerations)
	assert.Nil(t, empty.Spec.Affinity)

	tmpl := deployment(t, mustRender(t, renderOptions{},
		"podAnnotations.team=search",
		"nodeSelector.kubernetes\\.io/arch=amd64",
		"tolerations[0].key=dedicated", "tolerations[0].operator=Equal", "tolerations[0].value=search", "tolerations[0].effect=NoSchedule",
		"affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key=pool",
		"affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator=In",
		"affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[0]=search",
	)).Spec.Template
	assert.Equal(t, map[string]string{"team": "search"}, tmpl.Annotations)
	assert.Equal(t, map[string]string{"kubernetes.io/arch": "amd64"}, tmpl.Spec.NodeSelector)
	assert.Equal(t, []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "search", Effect: corev1.TaintEffectNoSchedule}}, tmpl.Spec.Tolerations)
	require.NotNil(t, tmpl.Spec.Affinity)
	require.NotNil(t, tmpl.Spec.Affinity.NodeAffinity)
	terms := tmpl.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	require.Len(t, terms, 1)
	assert.Equal(t, []string{"search"}, terms[0].MatchExpressions[0].Values)
}

func TestRender_ImageDigestWinsOverTag(t *testing.T) {
	const digest = "sha256:4c1b1fbc4ae0e4c19cbbd1d1d9b6bd2a3e3c0f0b1ad4fb6bd1c2c5d6e7f80912"
	tests := []struct {
		name string
		sets []string
		want string
	}{
		{name: "app_version", want: "ghcr.io/doc-search/doc-search:1.0.0"},
		{name: "tag", sets: []string{"image.tag=1.0.0-build.57"}, want: "ghcr.io/doc-search/doc-search:1.0.0-build.57"},
		{name: "digest", sets: []string{"image.tag=1.0.0-build.57", "image.digest=" + digest}, want: "ghcr.io/doc-search/doc-search@" + digest},
		{name: "repository", sets: []string{"image.repository=registry.local/ds", "image.tag=2.0.0"}, want: "registry.local/ds:2.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRender(t, renderOptions{}, tt.sets...)
			assert.Equal(t, tt.want, appContainer(t, deployment(t, r)).Image)
			var hook corev1.Pod
			r.one(t, "Pod", &hook)
			assert.Equal(t, tt.want, hook.Spec.Containers[0].Image, "the test hook runs the same image")
		})
	}
}

func TestRender_ClusterImageFileSetsTheImage(t *testing.T) {
	tests := []struct{ file, want string }{
		{file: "image-minikube.yaml", want: "ghcr.io/doc-search/doc-search:1.0.0-build.1"},
		{file: "image-prod.yaml", want: "ghcr.io/doc-search/doc-search@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := renderChart(t, renderOptions{}, nil, filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			d := deployment(t, r)
			assert.Equal(t, tt.want, appContainer(t, d).Image)
			assert.Equal(t, "1.0.0-build.1", d.Labels["app.kubernetes.io/version"])
		})
	}
}

func TestRender_HelmTestHookSearchesWithTheImageItself(t *testing.T) {
	r := mustRender(t, renderOptions{release: "prod"}, "service.port=9090")
	var pod corev1.Pod
	r.one(t, "Pod", &pod)
	assert.Equal(t, "test", pod.Annotations["helm.sh/hook"])
	assert.Equal(t, corev1.RestartPolicyNever, pod.Spec.RestartPolicy)
	require.Len(t, pod.Spec.Containers, 1)
	assert.Equal(t, []string{"query", "--server", "http://prod-doc-search:9090", "--q", "thank you", "--min-results", "1"},
		pod.Spec.Containers[0].Args)
	assert.Empty(t, pod.Spec.Containers[0].Command, "the image's entrypoint is doc-search")
	_, selected := pod.Labels["app.kubernetes.io/name"]
	assert.False(t, selected, "the Service selector must not match the test pod")
}

func TestRender_NotesSayHowToCallFromOutside(t *testing.T) {
	tests := []struct {
		name string
		sets []string
		want []string
	}{
		{name: "cluster_ip", want: []string{"kubectl -n search port-forward svc/doc-search 8080:8080", "curl 'http://localhost:8080/search?q=hello+world'"}},
		{name: "node_port", sets: []string{"service.type=NodePort"}, want: []string{"minikube service -n search doc-search --url"}},
		{name: "host_path", sets: []string{"corpus.hostPath=/data"}, want: []string{"privileged"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notes := mustRender(t, renderOptions{}, tt.sets...).notes
			for _, w := range tt.want {
				assert.Contains(t, notes, w)
			}
			assert.Contains(t, notes, "helm test doc-search -n search")
		})
	}
}
