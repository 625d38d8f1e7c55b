// Package imagefile reads and rewrites a service's image file in a cluster
// (clusters/<cluster>/<service>/image.yaml), a Helm values file that holds only
// image.tag and image.digest, leaving every other byte of it as it was.
package imagefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"

	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/doc-search/gitops/tools/promote/internal/imagetag"
)

// Image is what a cluster runs.
type Image struct {
	Tag    string
	Digest string // "sha256:<64 hex>", or empty when the cluster pins the tag only
}

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// Validate checks the tag is a build tag and the digest, if any, a sha256 digest.
func (i Image) Validate() error {
	if _, err := imagetag.Parse(i.Tag); err != nil {
		return err
	}
	if i.Digest != "" && !digestPattern.MatchString(i.Digest) {
		return fmt.Errorf("image digest %q: want sha256:<64 lowercase hex digits>", i.Digest)
	}
	return nil
}

// Read loads the image file at path.
func Read(path string) (Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Image{}, fmt.Errorf("reading image file: %w", err)
	}
	img, err := Parse(data)
	if err != nil {
		return Image{}, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// Parse reads image.tag and image.digest from an image file's contents.
func Parse(data []byte) (Image, error) {
	root, err := yaml.Parse(string(data))
	if err != nil {
		return Image{}, fmt.Errorf("parsing YAML: %w", err)
	}
	image, err := root.Pipe(yaml.Lookup("image"))
	if err != nil || image == nil {
		return Image{}, fmt.Errorf("no image: mapping")
	}
	if image.YNode().Kind != yaml.MappingNode {
		return Image{}, fmt.Errorf("image: want a mapping with tag and digest")
	}
	var img Image
	for field, dst := range map[string]*string{"tag": &img.Tag, "digest": &img.Digest} {
		node, err := image.Pipe(yaml.Lookup(field))
		if err != nil {
			return Image{}, fmt.Errorf("image.%s: %w", field, err)
		}
		if node == nil || yaml.IsMissingOrNull(node) {
			continue
		}
		if node.YNode().Kind != yaml.ScalarNode {
			return Image{}, fmt.Errorf("image.%s: want a string", field)
		}
		*dst = node.YNode().Value
	}
	if img.Tag == "" {
		return Image{}, fmt.Errorf("image.tag is missing or empty")
	}
	return img, nil
}

// Write sets the image in the file at path, keeping its mode.
func Write(path string, img Image) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading image file: %w", err)
	}
	out, err := Update(data, img)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("reading image file: %w", err)
	}
	if err := os.WriteFile(path, out, info.Mode().Perm()); err != nil {
		return fmt.Errorf("writing image file: %w", err)
	}
	return nil
}

// Update returns data with image.tag and image.digest set to img.
//
// kyaml finds the values; when both are single-line scalars the new values are
// spliced into the original bytes at the positions kyaml reports, so comments,
// their alignment, indentation and quoting stay exactly as a person wrote them
// (re-encoding the document would normalise spacing before inline comments).
// Only when a field is missing or not a one-line scalar does the document go
// through kyaml's encoder, which still keeps every comment.
func Update(data []byte, img Image) ([]byte, error) {
	if err := img.Validate(); err != nil {
		return nil, err
	}
	if _, err := Parse(data); err != nil {
		return nil, err
	}
	root, err := yaml.Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	out, ok := splice(data, root, img)
	if !ok {
		if out, err = reencode(root, img); err != nil {
			return nil, err
		}
	}
	got, err := Parse(out)
	if err != nil || got != img {
		return nil, fmt.Errorf("rewriting the image file did not give tag %q digest %q back (got %+v, %v)", img.Tag, img.Digest, got, err)
	}
	// The encoder can change what it does not understand (a null key
	// became ""): refuse rather than lose a person's value.
	before, err := valuesBesideImage(data)
	if err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	after, err := valuesBesideImage(out)
	if err != nil || !reflect.DeepEqual(before, after) {
		return nil, fmt.Errorf("rewriting the image file would change values other than image.tag and image.digest: set them by hand")
	}
	return out, nil
}

// valuesBesideImage decodes every document of data, leaving out image.tag
// and image.digest of the first.
func valuesBesideImage(data []byte) ([]any, error) {
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, v)
	}
	if len(docs) > 0 {
		if m, ok := docs[0].(map[string]any); ok {
			if image, ok := m["image"].(map[string]any); ok {
				delete(image, "tag")
				delete(image, "digest")
			}
		}
	}
	return docs, nil
}

type edit struct {
	line, start, end int // 0-based line, byte range within it
	text             string
}

func splice(data []byte, root *yaml.RNode, img Image) ([]byte, bool) {
	lines := strings.SplitAfter(string(data), "\n")
	var edits []edit
	for _, f := range []struct{ name, value string }{{"tag", img.Tag}, {"digest", img.Digest}} {
		node, err := root.Pipe(yaml.Lookup("image", f.name))
		if err != nil || node == nil {
			return nil, false
		}
		e, ok := scalarEdit(lines, node.YNode(), f.value)
		if !ok {
			return nil, false
		}
		edits = append(edits, e)
	}
	if edits[0].line == edits[1].line {
		return nil, false // flow mapping on one line: let the encoder handle it
	}
	for _, e := range edits {
		l := lines[e.line]
		lines[e.line] = l[:e.start] + e.text + l[e.end:]
	}
	return []byte(strings.Join(lines, "")), true
}

// scalarEdit locates the source text of a one-line scalar and the text that
// replaces it with value in the same quoting style.
func scalarEdit(lines []string, n *yaml.Node, value string) (edit, bool) {
	if n.Kind != yaml.ScalarNode || n.Line < 1 || n.Line > len(lines) || n.Column < 1 {
		return edit{}, false
	}
	line := lines[n.Line-1]
	start := n.Column - 1
	if start >= len(line) || !isASCII(line[:start]) {
		return edit{}, false // columns count characters; stay safe with bytes
	}
	var end int
	var text string
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		end = closingQuote(line, start, '"')
		text = `"` + value + `"`
	case yaml.SingleQuotedStyle:
		end = closingQuote(line, start, '\'')
		text = "'" + value + "'"
	case 0: // plain
		if n.Value == "" || !strings.HasPrefix(line[start:], n.Value) {
			return edit{}, false
		}
		end = start + len(n.Value)
		text = value
		if value == "" {
			text = `""`
		}
	default:
		return edit{}, false
	}
	if end < 0 {
		return edit{}, false
	}
	return edit{line: n.Line - 1, start: start, end: end, text: text}, true
}

// closingQuote returns the index just past the quote that closes the quoted
// scalar opening at line[start], or -1 if it does not close on this line.
func closingQuote(line string, start int, q byte) int {
	if line[start] != q {
		return -1
	}
	for i := start + 1; i < len(line); i++ {
		switch {
		case q == '"' && line[i] == '\\':
			i++
		case q == '\'' && line[i] == '\'' && i+1 < len(line) && line[i+1] == '\'':
			i++
		case line[i] == q:
			return i + 1
		}
	}
	return -1
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func reencode(root *yaml.RNode, img Image) ([]byte, error) {
	image, err := root.Pipe(yaml.LookupCreate(yaml.MappingNode, "image"))
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	for _, f := range []struct{ name, value string }{{"tag", img.Tag}, {"digest", img.Digest}} {
		node, err := image.Pipe(yaml.Lookup(f.name))
		if err != nil {
			return nil, fmt.Errorf("image.%s: %w", f.name, err)
		}
		if node != nil && node.YNode().Kind == yaml.ScalarNode {
			// Edit the node in place so its comments stay attached to it.
			node.YNode().Value = f.value
			node.YNode().Tag = yaml.NodeTagString
			node.YNode().Style = yaml.DoubleQuotedStyle
			continue
		}
		value := yaml.NewStringRNode(f.value)
		value.YNode().Style = yaml.DoubleQuotedStyle
		if err := image.PipeE(yaml.SetField(f.name, value)); err != nil {
			return nil, fmt.Errorf("image.%s: %w", f.name, err)
		}
	}
	s, err := root.String()
	if err != nil {
		return nil, fmt.Errorf("encoding YAML: %w", err)
	}
	return bytes.TrimLeft([]byte(s), "\n"), nil
}
