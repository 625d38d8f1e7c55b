package chart

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The charts of visitors and its development database, rendered with each
// cluster's value files, as Argo CD renders them.

func visitorsChart(t testing.TB) string   { return filepath.Join(repoRoot(t), "charts", "visitors") }
func postgresqlChart(t testing.TB) string { return filepath.Join(repoRoot(t), "charts", "postgresql") }

// renderVisitors renders charts/visitors with clusters/<cluster>/visitors'
// value files and sets.
func renderVisitors(t *testing.T, cluster string, sets ...string) (*rendered, error) {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "clusters", cluster, "visitors")
	return renderChart(t, renderOptions{chart: visitorsChart(t), release: "visitors", apiVersions: monitoringAPIs}, sets,
		filepath.Join(dir, "values.yaml"), filepath.Join(dir, "image.yaml"), filepath.Join(dir, "secret.yaml"))
}

// workloadPods are the pod templates of every workload kind a chart renders.
func workloadPods(t *testing.T, r *rendered) map[string]corev1.PodTemplateSpec {
	t.Helper()
	pods := podTemplates(t, r)
	for _, o := range r.find("StatefulSet") {
		var s appsv1.StatefulSet
		decodeStrict(t, o, &s)
		pods["StatefulSet/"+s.Name] = s.Spec.Template
	}
	for _, o := range r.find("Job") {
		var j batchv1.Job
		decodeStrict(t, o, &j)
		pods["Job/"+j.Name] = j.Spec.Template
	}
	return pods
}

func syncWaveOf(t *testing.T, o *unstructured.Unstructured) int {
	t.Helper()
	w, err := strconv.Atoi(o.GetAnnotations()["argocd.argoproj.io/sync-wave"])
	require.NoError(t, err, "%s/%s sync wave", o.GetKind(), o.GetName())
	return w
}

func TestVisitors_EveryClusterRendersRestrictedPodsWithProbes(t *testing.T) {
	for _, cluster := range []string{"minikube", "prod"} {
		t.Run(cluster, func(t *testing.T) {
			r, err := renderVisitors(t, cluster)
			require.NoError(t, err)
			pods := workloadPods(t, r)
			require.Contains(t, pods, "Deployment/visitors")
			require.Contains(t, pods, "Job/visitors-migrate")
			for name, pod := range pods {
				assert.Empty(t, restrictedViolations(t, pod), "%s violates the restricted Pod Security Standard", name)
				for _, c := range pod.Spec.Containers {
					assert.NotEmpty(t, c.Resources.Limits.Memory().String(), "%s/%s memory limit", name, c.Name)
				}
			}
			c := pods["Deployment/visitors"].Spec.Containers[0]
			require.NotNil(t, c.ReadinessProbe)
			require.NotNil(t, c.LivenessProbe)
			assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path, "readiness includes the database")
			assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path, "liveness never restarts for a database outage")
			assert.Equal(t, "http", c.ReadinessProbe.HTTPGet.Port.String())
			ports := map[string]int32{}
			for _, p := range c.Ports {
				ports[p.Name] = p.ContainerPort
			}
			assert.Equal(t, map[string]int32{"http": 8080, "metrics": 8000}, ports)
		})
	}
}

// TestVisitors_MigrationRunsBeforeTheRolloutWithWhatItNeeds checks the
// order of a sync: the ConfigMap and SealedSecret the Job reads are PreSync
// hooks of an earlier wave, the Job a PreSync hook with the new image, the
// Deployment an ordinary object, applied after every PreSync hook succeeded.
func TestVisitors_MigrationRunsBeforeTheRolloutWithWhatItNeeds(t *testing.T) {
	r, err := renderVisitors(t, "prod")
	require.NoError(t, err)
	jobs := r.find("Job")
	require.Len(t, jobs, 1)
	job := jobs[0]
	var j batchv1.Job
	decodeStrict(t, job, &j)
	assert.Equal(t, "PreSync", job.GetAnnotations()["argocd.argoproj.io/hook"])
	assert.Equal(t, "BeforeHookCreation", job.GetAnnotations()["argocd.argoproj.io/hook-delete-policy"], "a re-sync recreates the Job")
	require.NotNil(t, j.Spec.BackoffLimit)
	assert.Equal(t, int32(2), *j.Spec.BackoffLimit)
	require.NotNil(t, j.Spec.ActiveDeadlineSeconds)
	assert.Equal(t, corev1.RestartPolicyNever, j.Spec.Template.Spec.RestartPolicy)
	migrate := j.Spec.Template.Spec.Containers[0]
	assert.Equal(t, []string{"migrate"}, migrate.Args)

	var d appsv1.Deployment
	r.one(t, "Deployment", &d)
	app := d.Spec.Template.Spec.Containers[0]
	assert.Equal(t, app.Image, migrate.Image, "the Job migrates with the image being rolled out")
	assert.Contains(t, app.Image, "@sha256:", "prod runs its image by digest")
	assert.Equal(t, app.EnvFrom, migrate.EnvFrom, "both read the same ConfigMap and Secret")
	_, isHook := d.Annotations["argocd.argoproj.io/hook"]
	assert.False(t, isHook, "the Deployment is an ordinary object: applied after the PreSync hooks")

	needs := map[string]bool{}
	for _, e := range migrate.EnvFrom {
		switch {
		case e.ConfigMapRef != nil:
			needs["ConfigMap/"+e.ConfigMapRef.Name] = true
		case e.SecretRef != nil:
			needs["SealedSecret/"+e.SecretRef.Name] = true // the controller makes the Secret of the same name
		}
	}
	require.Len(t, needs, 2)
	for _, kind := range []string{"ConfigMap", "SealedSecret"} {
		var o *unstructured.Unstructured
		for _, c := range r.find(kind) {
			if needs[kind+"/"+c.GetName()] {
				o = c
			}
		}
		require.NotNil(t, o, "the %s the Job reads is rendered", kind)
		assert.Equal(t, "PreSync", o.GetAnnotations()["argocd.argoproj.io/hook"],
			"%s is a PreSync hook: an ordinary object would not exist yet when the Job starts on a first sync", kind)
		assert.Less(t, syncWaveOf(t, o), syncWaveOf(t, job), "%s comes a wave before the Job", kind)
	}
}

func TestVisitors_ConfigChangeRollsThePods(t *testing.T) {
	checksum := func(sets ...string) string {
		r, err := renderVisitors(t, "minikube", sets...)
		require.NoError(t, err)
		var d appsv1.Deployment
		r.one(t, "Deployment", &d)
		return d.Spec.Template.Annotations["checksum/config"]
	}
	base := checksum()
	require.NotEmpty(t, base)
	assert.Equal(t, base, checksum(), "stable")
	assert.NotEqual(t, base, checksum("database.queryTimeout=5s"), "a new setting rolls the Pods")
}

func TestVisitors_CredentialsMustBeSealedOrExternal(t *testing.T) {
	tests := []struct {
		name string
		sets []string
		want string // error; "" renders
	}{
		{"plain value rejected", []string{"secret.encryptedData.DATABASE_URL=postgres://u:pw@db/x"}, "does not match pattern"},
		{"existing Secret instead", []string{"secret.existingSecret=visitors-db"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := renderVisitors(t, "prod", tt.sets...)
			if tt.want != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.want)
				return
			}
			require.NoError(t, err)
			assert.Empty(t, r.find("SealedSecret"))
			var d appsv1.Deployment
			r.one(t, "Deployment", &d)
			assert.Equal(t, "visitors-db", d.Spec.Template.Spec.Containers[0].EnvFrom[1].SecretRef.Name)
		})
	}
	_, err := renderChart(t, renderOptions{chart: visitorsChart(t), release: "visitors"}, nil)
	require.Error(t, err, "no credentials at all")
	assert.Contains(t, err.Error(), "secret.encryptedData.DATABASE_URL is required unless secret.existingSecret is set")
}

func TestPostgreSQL_MinikubeDatabaseIsRestrictedAndSealed(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "clusters", "minikube", "postgresql")
	r, err := renderChart(t, renderOptions{chart: postgresqlChart(t), release: "postgresql"}, nil,
		filepath.Join(dir, "values.yaml"), filepath.Join(dir, "secret.yaml"))
	require.NoError(t, err)
	pods := workloadPods(t, r)
	require.Contains(t, pods, "StatefulSet/postgresql")
	assert.Empty(t, restrictedViolations(t, pods["StatefulSet/postgresql"]))
	sealed := r.find("SealedSecret")
	require.Len(t, sealed, 1)
	var sts appsv1.StatefulSet
	r.one(t, "StatefulSet", &sts)
	assert.Less(t, syncWaveOf(t, sealed[0]), 0, "unsealed before the StatefulSet's wave")
	c := sts.Spec.Template.Spec.Containers[0]
	var ref *corev1.SecretKeySelector
	for _, e := range c.Env {
		if e.Name == "POSTGRES_PASSWORD" {
			ref = e.ValueFrom.SecretKeyRef
		}
	}
	require.NotNil(t, ref)
	assert.Equal(t, sealed[0].GetName(), ref.Name)

	var svc corev1.Service
	r.one(t, "Service", &svc)
	assert.Equal(t, "postgresql", svc.Name, "minikube's DATABASE_URL names postgresql.visitors.svc")
}

// visitorsMetrics are the series the service exports (asserted on its real
// /metrics in app/visitors/cmd/visitors) that its rules and dashboard query.
var visitorsMetrics = []string{
	"visitors_http_request_duration_seconds_bucket", "visitors_http_requests_total", "visitors_store_failures_total",
	"visitors_db_pool_connections", "visitors_db_pool_max_connections",
}

func TestVisitors_RulesAndDashboardQueryItsMetrics(t *testing.T) {
	r, err := renderVisitors(t, "prod")
	require.NoError(t, err)
	var exprs []string
	var rule monitoringv1.PrometheusRule
	r.one(t, "PrometheusRule", &rule)
	for _, g := range rule.Spec.Groups {
		for _, rl := range g.Rules {
			exprs = append(exprs, rl.Expr.String())
		}
	}
	var cm corev1.ConfigMap
	for _, o := range r.find("ConfigMap") {
		if o.GetName() == "visitors-dashboard" {
			decodeStrict(t, o, &cm)
		}
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal([]byte(cm.Data["visitors.json"]), &dash), "the dashboard ConfigMap holds visitors.json")
	require.NotEmpty(t, dash.Panels)
	assert.Equal(t, "1", cm.Labels["grafana_dashboard"])
	for _, p := range dash.Panels {
		require.NotEmpty(t, p.Targets, "panel %q", p.Title)
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	all := strings.Join(exprs, "\n")
	for _, e := range exprs {
		_, err := parser.ParseExpr(e)
		assert.NoError(t, err, e)
	}
	for _, m := range visitorsMetrics {
		assert.Contains(t, all, m)
	}
}
