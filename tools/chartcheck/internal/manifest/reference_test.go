package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// referenceParse is Parse built from the libraries Argo CD and kubectl read
// manifests with: apimachinery's YAMLReader, sigs.k8s.io/yaml.YAMLToJSON
// and unstructured's JSON decoding. Parse must give the same objects.
func referenceParse(data []byte, src Source) ([]Object, error) {
	docs, err := referenceSplit(data)
	if err != nil {
		return nil, fmt.Errorf("%s: parsing YAML: %w", src.File, err)
	}
	var out []Object
	for _, doc := range docs {
		if doc.line == 0 {
			continue
		}
		raw, err := yaml.YAMLToJSON(doc.data)
		if err != nil {
			return nil, fmt.Errorf("%s: parsing YAML (document at line %d): %w", src.File, doc.line, err)
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if raw[0] != '{' {
			return nil, fmt.Errorf("%s:%d: document is not a Kubernetes object", src.File, doc.line)
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("%s:%d: reading object: %w", src.File, doc.line, err)
		}
		s := src
		s.Line = doc.line
		if obj.IsList() {
			list, err := obj.ToList()
			if err != nil {
				return nil, fmt.Errorf("%s:%d: reading List: %w", src.File, doc.line, err)
			}
			for i := range list.Items {
				out = append(out, Object{Source: s, Object: &list.Items[i]})
			}
			continue
		}
		out = append(out, Object{Source: s, Object: obj})
	}
	return out, nil
}

// referenceSplit splits with apimachinery's YAMLReader and counts lines.
func referenceSplit(data []byte) ([]document, error) {
	var docs []document
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	lineNo := 0
	for {
		chunk, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("after line %d: %w", lineNo, err)
		}
		d := document{data: chunk}
		start := lineNo
		for i, l := range strings.Split(strings.TrimSuffix(string(chunk), "\n"), "\n") {
			t := strings.TrimSpace(l)
			if d.line == 0 && t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(l, "---") {
				d.line = start + i + 1
			}
		}
		lineNo += strings.Count(string(chunk), "\n")
		lineNo++ // the reader drops the "---" separator line itself
		docs = append(docs, d)
	}
}
