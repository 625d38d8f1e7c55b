package chart

import (
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// charts/users, rendered with each cluster's value files, as Argo CD
// renders them.

func usersChart(t testing.TB) string { return filepath.Join(repoRoot(t), "charts", "users") }

func renderUsers(t *testing.T, cluster string, sets ...string) (*rendered, error) {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "clusters", cluster, "users")
	return renderChart(t, renderOptions{chart: usersChart(t), release: "users", apiVersions: monitoringAPIs}, sets,
		filepath.Join(dir, "values.yaml"), filepath.Join(dir, "image.yaml"))
}

func TestUsers_EveryClusterRendersRestrictedPodsWithProbesAndNoCredentials(t *testing.T) {
	for _, cluster := range []string{"minikube", "prod"} {
		t.Run(cluster, func(t *testing.T) {
			r, err := renderUsers(t, cluster)
			require.NoError(t, err)
			pods := workloadPods(t, r)
			require.Contains(t, pods, "Deployment/users")
			for name, pod := range pods {
				assert.Empty(t, restrictedViolations(t, pod), "%s violates the restricted Pod Security Standard", name)
			}
			c := pods["Deployment/users"].Spec.Containers[0]
			require.NotNil(t, c.ReadinessProbe)
			require.NotNil(t, c.LivenessProbe)
			assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
			assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
			assert.False(t, r.has("Secret") || r.has("SealedSecret"), "AWS credentials come from the role, never a Secret")
			for _, e := range c.EnvFrom {
				assert.Nil(t, e.SecretRef)
			}
		})
	}
}

// TestUsers_ProdAssumesItsRoleAndMinikubeUsesCompatibleStores: the role
// ARN of prod's values lands on the ServiceAccount the Pods run as (IRSA),
// and only minikube overrides the AWS endpoints.
func TestUsers_ProdAssumesItsRoleAndMinikubeUsesCompatibleStores(t *testing.T) {
	for _, tc := range []struct {
		cluster, role string
		endpoints     bool
	}{
		{"prod", "arn:aws:iam::111122223333:role/doc-search-users", false},
		{"minikube", "", true},
	} {
		t.Run(tc.cluster, func(t *testing.T) {
			r, err := renderUsers(t, tc.cluster)
			require.NoError(t, err)
			var sa corev1.ServiceAccount
			r.one(t, "ServiceAccount", &sa)
			role, annotated := sa.Annotations["eks.amazonaws.com/role-arn"]
			assert.Equal(t, tc.role != "", annotated)
			assert.Equal(t, tc.role, role)

			var d appsv1.Deployment
			r.one(t, "Deployment", &d)
			assert.Equal(t, sa.Name, d.Spec.Template.Spec.ServiceAccountName)

			var cm corev1.ConfigMap
			r.one(t, "ConfigMap", &cm)
			for _, k := range []string{"USERS_TABLE", "USERS_BUCKET", "AWS_REGION"} {
				assert.NotEmpty(t, cm.Data[k], k)
			}
			_, dynamo := cm.Data["AWS_ENDPOINT_URL_DYNAMODB"]
			_, s3 := cm.Data["AWS_ENDPOINT_URL_S3"]
			assert.Equal(t, tc.endpoints, dynamo)
			assert.Equal(t, tc.endpoints, s3)
		})
	}
}

func TestUsers_SchemaRejectsBadValues(t *testing.T) {
	for _, tc := range []struct{ name, set, want string }{
		{"role not an IAM role ARN", "serviceAccount.roleArn=users", "roleArn"},
		{"endpoint not a URL", "aws.endpoints.s3=s3.local", "s3"},
		{"page size over DynamoDB's", "pageSize=5000", "pageSize"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := renderUsers(t, "prod", tc.set)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := renderChart(t, renderOptions{chart: usersChart(t), release: "users"}, nil)
	require.Error(t, err, "without a table, bucket and region the chart does not render")
	assert.Contains(t, err.Error(), "aws.")
}

func TestDockerfile_UsersBuildsAPinnedStaticNonRootImage(t *testing.T) {
	stages := parseDockerfile(t, filepath.Join(repoRoot(t), "app", "users", "Dockerfile"))
	assert.Empty(t, dockerfileProblems(stages, goModVersion(t)))
}

// usersMetrics are the series of the service (asserted on its real /metrics
// in app/users/cmd/users) its rules may query.
var usersMetrics = map[string]bool{
	"users_http_requests_total": true, "users_http_request_duration_seconds_bucket": true,
	"users_aws_request_errors_total": true, "users_aws_request_duration_seconds_bucket": true,
	"users_store_failures_total": true,
}

func TestUsers_RulesQueryItsMetrics(t *testing.T) {
	r, err := renderUsers(t, "prod")
	require.NoError(t, err)
	var rule monitoringv1.PrometheusRule
	r.one(t, "PrometheusRule", &rule)
	queried := map[string]bool{}
	for _, g := range rule.Spec.Groups {
		for _, rl := range g.Rules {
			expr, err := parser.ParseExpr(rl.Expr.String())
			require.NoError(t, err, rl.Expr.String())
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok && strings.HasPrefix(vs.Name, "users_") {
					queried[vs.Name] = true
				}
				return nil
			})
		}
	}
	require.NotEmpty(t, queried)
	for m := range queried {
		assert.True(t, usersMetrics[m], "the rules query %s, which users does not export", m)
	}
	assert.True(t, queried["users_aws_request_errors_total"], "an alert watches the AWS calls")
}
