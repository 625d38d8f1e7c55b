package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/check"
	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
	"github.com/doc-search/gitops/tools/chartcheck/internal/ruleconfig"
	"github.com/doc-search/gitops/tools/chartcheck/internal/rules"
)

// findings checks doc with only the given rules on, in a cluster of the
// given Kubernetes version, and returns "rule object: message" lines.
func findings(t *testing.T, doc, kube string, prod bool, ids ...string) []string {
	t.Helper()
	objs, err := manifest.Parse([]byte(doc), manifest.Source{File: "test.yaml"})
	require.NoError(t, err)
	var got []string
	for _, f := range check.Run(check.Input{Prod: prod, KubeVersion: kube, Objects: objs, Settings: onlyRules(ids...)}) {
		got = append(got, f.Rule+" "+f.Object+": "+f.Message)
	}
	return got
}

func onlyRules(ids ...string) ruleconfig.Settings {
	s := ruleconfig.Settings{Enable: ids}
	on := map[string]bool{}
	for _, id := range ids {
		on[id] = true
	}
	for _, r := range allRules() {
		if !on[r] {
			s.Disable = append(s.Disable, r)
		}
	}
	return s
}

const oldPDB = `
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: web, namespace: app}
spec:
  maxUnavailable: 0
  selector: {matchLabels: {app: web}}
`

func TestAPIVersions_JudgedAtTheClusterVersion(t *testing.T) {
	for _, tc := range []struct {
		kube string
		want []string
	}{
		{"1.20.0", nil},
		{"1.21.0", []string{"api-version-deprecated PodDisruptionBudget/app/web: policy/v1beta1 PodDisruptionBudget is deprecated since Kubernetes 1.21 and removed in 1.25: use policy/v1 PodDisruptionBudget"}},
		{"1.24.9", []string{"api-version-deprecated PodDisruptionBudget/app/web: policy/v1beta1 PodDisruptionBudget is deprecated since Kubernetes 1.21 and removed in 1.25: use policy/v1 PodDisruptionBudget"}},
		{"1.25.0", []string{"api-version-removed PodDisruptionBudget/app/web: policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25 and the cluster runs 1.25.0: use policy/v1 PodDisruptionBudget"}},
	} {
		t.Run(tc.kube, func(t *testing.T) {
			assert.Equal(t, tc.want, findings(t, oldPDB, tc.kube, false, "api-version-removed", "api-version-deprecated"))
		})
	}
}

// An object of a removed version is still read by the rules about its kind.
func TestAPIVersions_OldVersionsAreStillChecked(t *testing.T) {
	doc := oldPDB + `---
apiVersion: apps/v1beta2
kind: Deployment
metadata: {name: web, namespace: app}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: example.com/web:1.0.0}]
---
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: app}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
`
	assert.ElementsMatch(t, []string{
		`hpa-replicas-set Deployment/app/web: replicas is set to 2 although HorizontalPodAutoscaler/app/web scales this workload; every sync resets the HPA's choice`,
		`hpa-target-no-cpu-request HorizontalPodAutoscaler/app/web: scales on CPU utilization but container "web" of Deployment/app/web has no CPU request`,
		`pdb-blocks-eviction PodDisruptionBudget/app/web: maxUnavailable 0 allows no eviction: node drains block`,
	}, findings(t, doc, "", false, "pdb-blocks-eviction", "hpa-replicas-set", "hpa-target-no-cpu-request"))
}

// A rule's prodSeverity applies in prod clusters only, and an explicit
// grade in the settings holds in both.
func TestSeverity_PerClusterClass(t *testing.T) {
	doc := "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: app}\nstringData: {password: x}\n"
	objs, err := manifest.Parse([]byte(doc), manifest.Source{File: "test.yaml"})
	require.NoError(t, err)
	for _, tc := range []struct {
		prod     bool
		override bool
		want     rules.Severity
	}{
		{false, false, rules.Warning},
		{true, false, rules.Error},
		{true, true, rules.Info},
		{false, true, rules.Info},
	} {
		s := onlyRules("secret-data-in-git")
		if tc.override {
			s.Severity = map[string]rules.Severity{"secret-data-in-git": rules.Info}
		}
		fs := check.Run(check.Input{Prod: tc.prod, Objects: objs, Settings: s})
		require.Len(t, fs, 1)
		assert.Equal(t, tc.want, fs[0].Severity, "prod=%v override=%v", tc.prod, tc.override)
	}
}
