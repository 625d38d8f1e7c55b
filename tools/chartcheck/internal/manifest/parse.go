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

// Parse reads a multi-document YAML stream into objects, recording the line
// each object starts on. Empty documents are skipped; "List" kinds are
// expanded into their items. src is copied into every object's Source with
// Line set. Errors name the file and line.
//
// Documents are decoded the way Argo CD and kubectl decode them
// (sigs.k8s.io/yaml, i.e. YAML 1.1 scalars), so a rendered value compares
// equal to what Argo CD would apply.
func Parse(data []byte, src Source) ([]Object, error) {
	docs, err := splitDocuments(data)
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
			return nil, fmt.Errorf("%s:%d: document is a %s, not a Kubernetes object", src.File, doc.line, jsonKind(raw))
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

type document struct {
	data []byte
	// line is the 1-based line of the document's first content line (not a
	// comment, blank line or "---"); 0 when the document has no content.
	line int
}

// splitDocuments splits a YAML stream on "---" lines the way the Kubernetes
// YAML reader does, keeping the line number where each document's content
// starts.
func splitDocuments(data []byte) ([]document, error) {
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
		// The reader drops the "---" separator line itself.
		lineNo++
		docs = append(docs, d)
	}
}

func jsonKind(raw []byte) string {
	switch raw[0] {
	case '[':
		return "!!seq"
	case '"':
		return "!!str"
	case 't', 'f':
		return "!!bool"
	default:
		return "!!" + "number"
	}
}
