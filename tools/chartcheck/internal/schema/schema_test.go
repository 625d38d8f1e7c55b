package schema

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/doc-search/gitops/tools/chartcheck/internal/manifest"
)

func TestValidateAll_RepeatedObjectsGetTheSameResult(t *testing.T) {
	deploy := func(name, extra string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\nspec:\n  replicas: 2\n" + extra
	}
	data := deploy("web", "  replica: 3\n") + "---\n" +
		deploy("api", "") + "---\n" +
		deploy("web", "  replica: 3\n") + "---\n" +
		"apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
	objs, err := manifest.Parse([]byte(data), manifest.Source{File: "x.yaml"})
	require.NoError(t, err)
	require.Len(t, objs, 4)

	res := ValidateAll(objs)
	require.Len(t, res, 4)
	for _, i := range []int{0, 2} {
		assert.Equal(t, []string{`unknown field "spec.replica"`}, res[i].Errors, "object %d", i)
		require.IsType(t, &appsv1.Deployment{}, res[i].Typed)
		assert.Equal(t, "web", res[i].Typed.(*appsv1.Deployment).Name)
	}
	assert.Empty(t, res[1].Errors)
	require.IsType(t, &appsv1.Deployment{}, res[1].Typed)
	assert.Equal(t, "api", res[1].Typed.(*appsv1.Deployment).Name)
	assert.True(t, res[3].Unchecked)
	assert.Nil(t, res[3].Typed)
}

// Every type error of an object is reported at once, with list indices,
// beside its unknown fields, and the rest of the object is still decoded.
func TestValidateAll_EveryTypeErrorInOnePass(t *testing.T) {
	data := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec:
  replicas: two
  replica: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: example.com/web:1.0.0
          ports: [{name: http, containerPort: "8080"}, {name: metrics, containerPort: 8000}]
          resources: {requests: {cpu: lots}}
          readinessProbe: {httpGet: {port: http, path: /readyz}, periodSeconds: 10}
`
	objs, err := manifest.Parse([]byte(data), manifest.Source{File: "x.yaml"})
	require.NoError(t, err)
	res := ValidateAll(objs)
	require.Len(t, res, 1)
	assert.Equal(t, []string{
		`field spec.replicas: cannot decode string "two": want int32`,
		`field spec.template.spec.containers[0].ports[0].containerPort: cannot decode string "8080": want int32`,
		`field spec.template.spec.containers[0].resources.requests.cpu: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
		`unknown field "spec.replica"`,
	}, res[0].Errors)
	d, ok := res[0].Typed.(*appsv1.Deployment)
	require.True(t, ok, "the rest of the object is decoded")
	assert.Equal(t, map[string]string{"app": "web"}, d.Spec.Template.Labels)
	require.Len(t, d.Spec.Template.Spec.Containers, 1)
	assert.Equal(t, int32(8000), d.Spec.Template.Spec.Containers[0].Ports[1].ContainerPort)
	assert.Equal(t, int32(10), d.Spec.Template.Spec.Containers[0].ReadinessProbe.PeriodSeconds)
}
