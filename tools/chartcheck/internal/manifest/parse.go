package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Parse reads a multi-document YAML stream into objects, recording the line
// each object starts on. Empty documents are skipped; "List" kinds are
// expanded into their items. src is copied into every object's Source with
// Line set. Errors name the file and line.
func Parse(data []byte, src Source) ([]Object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []Object
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: parsing YAML: %w", src.File, err)
		}
		if len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
			continue
		}
		root := doc.Content[0]
		line := root.Line
		var v any
		if err := root.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s:%d: decoding YAML: %w", src.File, line, err)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s:%d: document is a %s, not a Kubernetes object", src.File, line, root.ShortTag())
		}
		obj, err := toUnstructured(m)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", src.File, line, err)
		}
		s := src
		s.Line = line
		if obj.IsList() {
			list, err := obj.ToList()
			if err != nil {
				return nil, fmt.Errorf("%s:%d: reading List: %w", src.File, line, err)
			}
			for i := range list.Items {
				out = append(out, Object{Source: s, Object: &list.Items[i]})
			}
			continue
		}
		out = append(out, Object{Source: s, Object: obj})
	}
}

// toUnstructured round-trips through JSON so numbers and maps take the types
// the Kubernetes libraries expect (int64, float64, map[string]interface{}).
func toUnstructured(m map[string]any) (*unstructured.Unstructured, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("converting to JSON: %w", err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(raw); err != nil {
		return nil, fmt.Errorf("reading object: %w", err)
	}
	return obj, nil
}
