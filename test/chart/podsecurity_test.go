package chart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

// podTemplates returns every pod the release would create: Deployment pod
// templates and bare Pods (the helm test hook).
func podTemplates(t *testing.T, r *rendered) map[string]corev1.PodTemplateSpec {
	t.Helper()
	pods := map[string]corev1.PodTemplateSpec{}
	for _, o := range r.find("Deployment") {
		var d appsv1.Deployment
		decodeStrict(t, o, &d)
		pods["Deployment/"+d.Name] = d.Spec.Template
	}
	for _, o := range r.find("Pod") {
		var p corev1.Pod
		decodeStrict(t, o, &p)
		pods["Pod/"+p.Name] = corev1.PodTemplateSpec{ObjectMeta: p.ObjectMeta, Spec: p.Spec}
	}
	return pods
}

func restrictedViolations(t *testing.T, pod corev1.PodTemplateSpec) []string {
	t.Helper()
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks())
	require.NoError(t, err)
	level := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	var out []string
	for _, res := range evaluator.EvaluatePod(level, &pod.ObjectMeta, &pod.Spec) {
		if !res.Allowed {
			out = append(out, res.ForbiddenReason+": "+res.ForbiddenDetail)
		}
	}
	return out
}

func TestPodSecurity_EveryPodPassesRestricted(t *testing.T) {
	data, err := yaml.Marshal(everythingOn)
	require.NoError(t, err)
	tests := []struct {
		name   string
		values string
	}{
		{name: "defaults"},
		{name: "everything_on", values: string(data)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []string
			if tt.values != "" {
				f := filepath.Join(t.TempDir(), "values.yaml")
				require.NoError(t, os.WriteFile(f, []byte(tt.values), 0o600))
				files = append(files, f)
			}
			r, err := renderChart(t, renderOptions{apiVersions: monitoringAPIs}, nil, files...)
			require.NoError(t, err)
			pods := podTemplates(t, r)
			require.Len(t, pods, 2, "the Deployment and the helm test pod")
			for name, pod := range pods {
				assert.Empty(t, restrictedViolations(t, pod), name)
			}
		})
	}
}

// The check must be able to fail: a hostPath corpus (minikube) is exactly
// what restricted forbids, and the chart says so in NOTES.txt.
func TestPodSecurity_HostPathCorpusIsNotRestricted(t *testing.T) {
	r := mustRender(t, renderOptions{}, "corpus.hostPath=/data/corpus")
	pod := podTemplates(t, r)["Deployment/doc-search"]
	violations := restrictedViolations(t, pod)
	require.NotEmpty(t, violations)
	assert.Contains(t, strings.Join(violations, "\n"), "hostPath")

	// Baseline forbids hostPath too; only "privileged" admits it.
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks())
	require.NoError(t, err)
	res := policy.AggregateCheckResults(evaluator.EvaluatePod(
		psaapi.LevelVersion{Level: psaapi.LevelBaseline, Version: psaapi.LatestVersion()}, &metav1.ObjectMeta{}, &pod.Spec))
	assert.False(t, res.Allowed)
}
