package chart

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

func shoutChart(t testing.TB) renderOptions {
	return renderOptions{chart: filepath.Join(repoRoot(t), "charts", "shout"), release: "shout"}
}

// nginxRetry are the ingress-nginx annotations of the edge retries.
var nginxRetry = []string{
	"nginx.ingress.kubernetes.io/proxy-next-upstream",
	"nginx.ingress.kubernetes.io/proxy-next-upstream-tries",
	"nginx.ingress.kubernetes.io/proxy-next-upstream-timeout",
	"nginx.ingress.kubernetes.io/proxy-connect-timeout",
	"nginx.ingress.kubernetes.io/proxy-read-timeout",
}

func TestShoutChart_EdgeRetriesAreIngressNginxAnnotations(t *testing.T) {
	var ing networkingv1.Ingress
	mustRender(t, shoutChart(t), "ingress.enabled=true").one(t, "Ingress", &ing)
	assert.Equal(t, map[string]string{
		"nginx.ingress.kubernetes.io/proxy-next-upstream":         "error timeout non_idempotent",
		"nginx.ingress.kubernetes.io/proxy-next-upstream-tries":   "3",
		"nginx.ingress.kubernetes.io/proxy-next-upstream-timeout": "10",
		"nginx.ingress.kubernetes.io/proxy-connect-timeout":       "2",
		"nginx.ingress.kubernetes.io/proxy-read-timeout":          "15",
	}, ing.Annotations, "connection failures retried, POST included, never shout's own 5xx")

	mustRender(t, shoutChart(t), "ingress.enabled=true", "ingress.className=traefik").one(t, "Ingress", &ing)
	for _, a := range nginxRetry {
		assert.NotContains(t, ing.Annotations, a, "another controller ignores ingress-nginx's annotations: none rendered")
	}

	mustRender(t, shoutChart(t), "ingress.enabled=true",
		`ingress.annotations.nginx\.ingress\.kubernetes\.io/proxy-next-upstream=error`).one(t, "Ingress", &ing)
	assert.Equal(t, "error", ing.Annotations["nginx.ingress.kubernetes.io/proxy-next-upstream"], "a cluster's annotation wins")

	mustRender(t, shoutChart(t), "ingress.enabled=true", "ingress.edgeRetries.enabled=false").one(t, "Ingress", &ing)
	assert.Empty(t, ing.Annotations)
}

func TestShoutChart_EgressOnlyToDNSRedisAndTheUpstream(t *testing.T) {
	var np networkingv1.NetworkPolicy
	mustRender(t, shoutChart(t), "cache.redis=redis:6379", "networkPolicy.redis.podLabels.app=redis").one(t, "NetworkPolicy", &np)
	assert.Contains(t, np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
	require.Len(t, np.Spec.Egress, 3, "DNS, Redis, the upstream")

	dns, redis, upstream := np.Spec.Egress[0], np.Spec.Egress[1], np.Spec.Egress[2]
	assert.Equal(t, map[string]string{"k8s-app": "kube-dns"}, dns.To[0].PodSelector.MatchLabels)
	assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": "kube-system"}, dns.To[0].NamespaceSelector.MatchLabels)
	assert.Equal(t, 53, dns.Ports[0].Port.IntValue())

	assert.Equal(t, map[string]string{"app": "redis"}, redis.To[0].PodSelector.MatchLabels)
	assert.Equal(t, map[string]string{"kubernetes.io/metadata.name": namespace}, redis.To[0].NamespaceSelector.MatchLabels)
	require.Len(t, redis.Ports, 1)
	assert.Equal(t, 6379, redis.Ports[0].Port.IntValue())

	require.Len(t, upstream.To, 1)
	require.NotNil(t, upstream.To[0].IPBlock)
	assert.Equal(t, "0.0.0.0/0", upstream.To[0].IPBlock.CIDR)
	assert.ElementsMatch(t, []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}, upstream.To[0].IPBlock.Except,
		"the upstream is public: no private address through this rule")

	mustRender(t, shoutChart(t), "cache.redis=cache.example:6379", "networkPolicy.redis.cidrs={10.40.0.0/28}").one(t, "NetworkPolicy", &np)
	require.Len(t, np.Spec.Egress, 3)
	assert.Equal(t, "10.40.0.0/28", np.Spec.Egress[1].To[0].IPBlock.CIDR, "a managed Redis by its addresses")

	mustRender(t, shoutChart(t)).one(t, "NetworkPolicy", &np)
	assert.Len(t, np.Spec.Egress, 2, "no cache: no Redis rule")

	_, err := renderChart(t, shoutChart(t), []string{"cache.redis=redis:6379"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "networkPolicy.redis: set podLabels")
}

func TestShoutChart_ReadinessDoesNotDependOnTheUpstream(t *testing.T) {
	var d appsv1.Deployment
	mustRender(t, shoutChart(t), "cache.redis=redis:6379", "networkPolicy.redis.podLabels.app=redis").one(t, "Deployment", &d)
	c := d.Spec.Template.Spec.Containers[0]
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	assert.Equal(t, "redis:6379", env["SHOUT_REDIS"])
	assert.Equal(t, "http://api.shoutcloud.io", env["SHOUT_UPSTREAM"])
	assert.Equal(t, "5s", env["SHOUT_DRAIN_DELAY"])
	assert.Equal(t, int64(20), *d.Spec.Template.Spec.TerminationGracePeriodSeconds, "drain + shutdown + margin")
}

func TestShoutChart_RendersWithEachClustersValues(t *testing.T) {
	root := repoRoot(t)
	for _, cluster := range []string{"minikube", "prod"} {
		t.Run(cluster, func(t *testing.T) {
			dir := filepath.Join(root, "clusters", cluster, "shout")
			r, err := renderChart(t, renderOptions{chart: filepath.Join(repoRoot(t), "charts", "shout"), release: "shout", apiVersions: monitoringAPIs}, nil,
				filepath.Join(dir, "values.yaml"), filepath.Join(dir, "image.yaml"))
			require.NoError(t, err)
			var d appsv1.Deployment
			r.one(t, "Deployment", &d)
			assert.Contains(t, d.Spec.Template.Spec.Containers[0].Image, "ghcr.io/doc-search/shout")
			assert.True(t, r.has("ServiceMonitor"))
			assert.True(t, r.has("PrometheusRule"))
		})
	}
}

func TestRedisChart_NoPersistenceAndRestrictedPods(t *testing.T) {
	r := mustRender(t, renderOptions{chart: filepath.Join(repoRoot(t), "charts", "redis"), release: "redis"})
	var d appsv1.Deployment
	r.one(t, "Deployment", &d)
	c := d.Spec.Template.Spec.Containers[0]
	assert.Subset(t, c.Args, []string{"--save", "", "--appendonly", "no", "--maxmemory-policy", "allkeys-lru"})
	assert.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
	assert.Equal(t, []corev1.Capability{"ALL"}, c.SecurityContext.Capabilities.Drop)
	var svc corev1.Service
	r.one(t, "Service", &svc)
	assert.Equal(t, "redis", svc.Name, "minikube's shout points at redis:6379")
	assert.Equal(t, int32(6379), svc.Spec.Ports[0].Port)
}
