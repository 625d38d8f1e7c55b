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
