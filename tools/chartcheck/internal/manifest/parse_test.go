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
		"colliding keys": {
			data: "---\nkind: ConfigMap\ndata:\n  1: a\n  \"1\": b\n",
			want: `bad.yaml: parsing YAML (document at line 2): keys "1" and 1 (int) are both "1" in JSON`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.data), Source{File: "bad.yaml"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseStreams_ReadsRepeatedDocumentsOnceAndCopiesThem(t *testing.T) {
	crd := "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n"
	cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: only-in-b\n"
	streams := []Stream{
		{Data: []byte(crd), Source: Source{File: "a.yaml"}},
		{Data: []byte(cm + "---\n" + crd), Source: Source{File: "b.yaml"}},
		{Data: []byte(crd + "---\n" + crd), Source: Source{File: "c.yaml"}},
	}
	got, err := ParseStreams(streams)
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Len(t, got[0], 1)
	require.Len(t, got[1], 2)
	require.Len(t, got[2], 2)
	assert.Equal(t, "a.yaml:1", got[0][0].Source.String())
	assert.Equal(t, "b.yaml:1", got[1][0].Source.String())
	assert.Equal(t, "b.yaml:6", got[1][1].Source.String())
	assert.Equal(t, "c.yaml:1", got[2][0].Source.String())
	assert.Equal(t, "c.yaml:8", got[2][1].Source.String())

	copies := []Object{got[0][0], got[1][1], got[2][0], got[2][1]}
	for _, o := range copies[1:] {
		assert.Equal(t, copies[0].Object.Object, o.Object.Object)
	}
	// Each place owns its object: changing one leaves the others alone.
	copies[0].Object.SetName("changed")
	for _, o := range copies[1:] {
		assert.Equal(t, "widgets.example.com", o.Object.GetName())
	}
}

func TestParseStreams_ErrorNamesTheFirstStreamWithABadDocument(t *testing.T) {
	good := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
	bad := "apiVersion: v1\nmetadata:\n  name: no-kind\n"
	tests := map[string]struct {
		streams []Stream
		want    string
	}{
		"repeated bad document": {
			streams: []Stream{
				{Data: []byte(good), Source: Source{File: "a.yaml"}},
				{Data: []byte(good + "---\n" + bad), Source: Source{File: "b.yaml"}},
				{Data: []byte(bad), Source: Source{File: "c.yaml"}},
			},
			want: "b.yaml:6:",
		},
		"bad document first seen in a later stream": {
			streams: []Stream{
				{Data: []byte(good + "---\n" + good + "---\n" + bad), Source: Source{File: "a.yaml"}},
				{Data: []byte(bad), Source: Source{File: "b.yaml"}},
			},
			want: "a.yaml:11:",
		},
		"bad separator before a bad document": {
			streams: []Stream{
				{Data: []byte(good + "--- x\n"), Source: Source{File: "a.yaml"}},
				{Data: []byte(bad), Source: Source{File: "b.yaml"}},
			},
			want: "a.yaml: parsing YAML",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseStreams(tc.streams)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
