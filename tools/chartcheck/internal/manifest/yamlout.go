package manifest

import (
	"fmt"
	"math"

	"github.com/doc-search/gitops/tools/chartcheck/internal/parallel"

	yaml "go.yaml.in/yaml/v2"
	sigsyaml "sigs.k8s.io/yaml"
)

// MarshalYAML writes an object's content exactly as sigs.k8s.io/yaml.Marshal
// (what Argo CD and kubectl print with) would: that function writes JSON,
// reads it back with go-yaml v2 and writes YAML. The values Parse and the
// unstructured setters produce have the same JSON and YAML forms, so they go
// to go-yaml v2 directly, skipping the two intermediate texts; anything else
// takes the long way. (Like sigs.k8s.io/yaml, it inherits go-yaml's
// run-to-run order of keys its comparison cannot rank, such as "9", "16"
// and "1A01" in one map.)
func MarshalYAML(obj map[string]any) ([]byte, error) {
	v, ok := yamlValue(obj)
	if !ok {
		return sigsyaml.Marshal(obj)
	}
	return yaml.Marshal(v)
}

// MarshalAll writes each object as MarshalYAML does, on every CPU: with
// many Applications, printing costs about as much as rendering.
func MarshalAll(objs []Object) ([][]byte, error) {
	type doc struct {
		data []byte
		err  error
	}
	docs := parallel.Map(len(objs), func(i int) doc {
		data, err := MarshalYAML(objs[i].Object.Object)
		return doc{data, err}
	})
	out := make([][]byte, len(objs))
	for i, d := range docs {
		if d.err != nil {
			return nil, fmt.Errorf("writing %s: %w", objs[i].Ref(), d.err)
		}
		out[i] = d.data
	}
	return out, nil
}

// yamlValue is v as go-yaml v2 reads the JSON encoding/json writes for it;
// ok is false for values it does not know.
func yamlValue(v any) (any, bool) {
	switch v := v.(type) {
	case nil, bool, int64:
		return v, true
	case string:
		return v, validUTF8(v) == v
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case float64:
		// Integral floats are written by encoding/json as integers, which
		// go-yaml reads back as int; keep those (and the rest) to the
		// round trip.
		if math.IsInf(v, 0) || math.IsNaN(v) || v == math.Trunc(v) {
			return nil, false
		}
		return v, true
	case map[string]any:
		if v == nil {
			return nil, true // JSON null
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			if validUTF8(k) != k {
				return nil, false
			}
			c, ok := yamlValue(e)
			if !ok {
				return nil, false
			}
			out[k] = c
		}
		return out, true
	case []any:
		if v == nil {
			return nil, true // JSON null
		}
		out := make([]any, len(v))
		for i, e := range v {
			c, ok := yamlValue(e)
			if !ok {
				return nil, false
			}
			out[i] = c
		}
		return out, true
	default:
		return nil, false
	}
}
