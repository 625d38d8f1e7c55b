package manifest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse_RecordsStartLineOfEachDocument(t *testing.T) {
	data := []byte(`# leading comment
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  namespace: ns
data:
  n: "1"
---
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: b
spec:
  replicas: 3
`)
	objs, err := Parse(data, Source{Cluster: "prod", File: "x.yaml"})
	require.NoError(t, err)
	require.Len(t, objs, 2)
	assert.Equal(t, 2, objs[0].Source.Line)
	assert.Equal(t, "ConfigMap/ns/a", objs[0].Ref())
	assert.Equal(t, "/ConfigMap/ns/a", objs[0].ID())
	assert.Equal(t, 11, objs[1].Source.Line)
	assert.Equal(t, "prod", objs[1].Source.Cluster)
	assert.Equal(t, "x.yaml:11", objs[1].Source.String())
	replicas, found, err := unstructuredInt(objs[1], "spec", "replicas")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, int64(3), replicas)
}

func TestParse_ExpandsLists(t *testing.T) {
	data := []byte(`apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: s1}
- apiVersion: v1
  kind: Service
  metadata: {name: s2}
`)
	objs, err := Parse(data, Source{File: "list.yaml"})
	require.NoError(t, err)
	require.Len(t, objs, 2)
	assert.Equal(t, "Service/s2", objs[1].Ref())
}

func TestParse_ErrorsNameFileAndLine(t *testing.T) {
	tests := map[string]struct {
		data string
		want string
	}{
		"bad yaml":   {data: "a: [1,\n", want: "bad.yaml: parsing YAML"},
		"scalar doc": {data: "---\nhello\n", want: "bad.yaml:2: document is a !!str"},
		"no kind":    {data: "apiVersion: v1\nmetadata: {name: x}\n", want: "bad.yaml:1:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.data), Source{File: "bad.yaml"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
