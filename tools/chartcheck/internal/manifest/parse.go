package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Parse reads a multi-document YAML stream into objects, recording the line
// each object starts on. Empty documents are skipped; "List" kinds are
// expanded into their items. src is copied into every object's Source with
// Line set. Errors name the file and line.
//
// Documents are decoded the way Argo CD and kubectl decode them: split like
// k8s.io/apimachinery's YAMLReader, read with go-yaml v2 (YAML 1.1 scalars),
// and given the values sigs.k8s.io/yaml's YAML-to-JSON conversion followed by
// unstructured's JSON decoding would give, so a rendered value compares equal
// to what Argo CD would apply. The values are built straight from the YAML,
// without the JSON text in between: that round trip was most of the cost of
// reading a large manifest. The fuzz test holds the two paths equal.
func Parse(data []byte, src Source) ([]Object, error) {
	objs, err := ParseStreams([]Stream{{Data: data, Source: src}})
	if err != nil {
		return nil, err
	}
	return objs[0], nil
}

// Stream is one multi-document YAML stream and where it came from.
type Stream struct {
	Data   []byte
	Source Source
}

// ParseStreams parses each stream as Parse does, all together: the
// documents of every stream are read on every CPU, largest first, and a
// document that occurs more than once, byte for byte, is read once and its
// objects deep-copied for the other places. Rendered clusters and chart
// bundles repeat whole documents (the same CRDs in two clusters or two
// variants of a chart), and reading YAML is most of the cost of checking
// them. The result holds each stream's objects; the error is the first one
// in stream order, naming that stream's file and line.
func ParseStreams(streams []Stream) ([][]Object, error) {
	type occurrence struct {
		stream int
		doc    document
		unique int // index into uniq; -1 for an empty document
	}
	errs := make([]error, len(streams))
	var occ []occurrence
	var uniq []occurrence // the first occurrence of each distinct document
	seed := maphash.MakeSeed()
	byHash := map[uint64][]int{}
	total := 0
	for s, st := range streams {
		docs, err := splitDocuments(st.Data)
		if err != nil {
			errs[s] = fmt.Errorf("%s: parsing YAML: %w", st.Source.File, err)
			continue
		}
		for _, d := range docs {
			o := occurrence{stream: s, doc: d, unique: -1}
			if d.line != 0 {
				h := maphash.Bytes(seed, d.data)
				for _, u := range byHash[h] {
					if bytes.Equal(uniq[u].doc.data, d.data) {
						o.unique = u
						break
					}
				}
				if o.unique < 0 {
					o.unique = len(uniq)
					byHash[h] = append(byHash[h], o.unique)
					uniq = append(uniq, o)
					total += len(d.data)
				}
			}
			occ = append(occ, o)
		}
	}

	parsed := make([][]Object, len(uniq))
	parseErrs := make([]error, len(uniq))
	each := func(u int) {
		o := uniq[u]
		parsed[u], parseErrs[u] = parseDocument(o.doc, streams[o.stream].Source)
	}
	if workers := min(runtime.GOMAXPROCS(0), len(uniq)); workers > 1 && total >= parallelBytes {
		// Largest first, so no worker is left reading a big CRD alone
		// at the end.
		order := make([]int, len(uniq))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return len(uniq[order[a]].doc.data) > len(uniq[order[b]].doc.data) })
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < len(order); i = int(next.Add(1)) - 1 {
					each(order[i])
				}
			}()
		}
		wg.Wait()
	} else {
		for u := range uniq {
			each(u)
		}
	}

	out := make([][]Object, len(streams))
	first := make([]bool, len(uniq)) // whether the parsed objects were handed out
	for _, o := range occ {
		s := o.stream
		if errs[s] != nil || o.unique < 0 {
			continue
		}
		u := o.unique
		src := streams[s].Source
		switch {
		case parseErrs[u] != nil && uniq[u].stream == s && uniq[u].doc.line == o.doc.line:
			errs[s] = parseErrs[u]
		case parseErrs[u] != nil:
			// The same bad document elsewhere: its own error names
			// its own file and line.
			_, errs[s] = parseDocument(o.doc, src)
		case !first[u]:
			first[u] = true
			out[s] = append(out[s], parsed[u]...)
		default:
			src.Line = o.doc.line
			for _, obj := range parsed[u] {
				out[s] = append(out[s], Object{Source: src, Object: obj.Object.DeepCopy()})
			}
		}
	}
	for s := range streams {
		if errs[s] != nil {
			return nil, errs[s]
		}
	}
	return out, nil
}

// parallelBytes is the size of the distinct documents from which
// ParseStreams reads them in parallel: below it, starting goroutines costs
// more than it saves.
const parallelBytes = 256 << 10

// parseDocument reads one document: no object when it is empty, the items
// of a List, or the object.
func parseDocument(doc document, src Source) ([]Object, error) {
	if doc.line == 0 {
		return nil, nil
	}
	var y any
	if err := yaml.Unmarshal(doc.data, &y); err != nil {
		return nil, fmt.Errorf("%s: parsing YAML (document at line %d): %w", src.File, doc.line, err)
	}
	v, err := jsonValue(y)
	if err != nil {
		return nil, fmt.Errorf("%s: parsing YAML (document at line %d): %w", src.File, doc.line, err)
	}
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s:%d: document is a %s, not a Kubernetes object", src.File, doc.line, valueKind(v))
	}
	obj := &unstructured.Unstructured{Object: m}
	if obj.GroupVersionKind().Kind == "" {
		// The error unstructured's JSON decoder gives (also when
		// apiVersion does not parse), with the JSON it would have read.
		raw, _ := json.Marshal(m)
		return nil, fmt.Errorf("%s:%d: reading object: %w", src.File, doc.line, k8sruntime.NewMissingKindErr(string(raw)))
	}
	s := src
	s.Line = doc.line
	if obj.IsList() {
		list, err := obj.ToList()
		if err != nil {
			return nil, fmt.Errorf("%s:%d: reading List: %w", src.File, doc.line, err)
		}
		out := make([]Object, len(list.Items))
		for i := range list.Items {
			out[i] = Object{Source: s, Object: &list.Items[i]}
		}
		return out, nil
	}
	return []Object{{Source: s, Object: obj}}, nil
}

// jsonValue converts what go-yaml v2 decodes into the value JSON decoding
// of sigs.k8s.io/yaml.YAMLToJSON's output would give: string keys, int64 for
// every number JSON writes as an integer, float64 for the others, strings
// with invalid UTF-8 bytes replaced as encoding/json replaces them.
func jsonValue(y any) (any, error) {
	switch v := y.(type) {
	case nil, bool:
		return v, nil
	case string:
		return validUTF8(v), nil
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
		f, _ := strconv.ParseFloat(strconv.FormatUint(v, 10), 64)
		return f, nil
	case float64:
		return jsonFloat(v)
	case []any:
		// go-yaml's slice is ours alone: convert it in place.
		for i, e := range v {
			c, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			v[i] = c
		}
		return v, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			key, err := jsonKey(k, e)
			if err != nil {
				return nil, err
			}
			c, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			if prev, dup := out[key]; dup && !reflect.DeepEqual(prev, c) {
				return nil, newKeyCollisionError(v, k, key)
			}
			out[key] = c
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unsupported value of type %T", y)
	}
}

// jsonFloat is a float after encoding/json wrote it and unstructured read
// it back: an int64 when the text is an integer that fits, else the float.
// The integer comes from the text, not from the float: json writes the
// shortest digits that read back as the same float, so beyond 2^53 the
// text (100000000000008020) is not the float's exact value
// (100000000000008016).
func jsonFloat(f float64) (any, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	// encoding/json's format: exponent notation, which never reads back
	// as an integer, when the exponent is large or small.
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return f, nil
	}
	if f != math.Trunc(f) {
		return f, nil
	}
	if i, err := strconv.ParseInt(strconv.FormatFloat(f, 'f', -1, 64), 10, 64); err == nil {
		return i, nil
	}
	return f, nil
}

// keyCollisionError is a mapping with two keys that are different in YAML
// but the same string in JSON (0 and .0, or 1 and "1"), holding different
// values. sigs.k8s.io/yaml keeps whichever its walk over a Go map meets
// last, so Argo CD would apply either value from one run to the next:
// chartcheck refuses the document rather than check one of them.
type keyCollisionError struct {
	Key  string // the JSON key
	YAML [2]string
}

func (e *keyCollisionError) Error() string {
	return fmt.Sprintf("keys %s and %s are both %q in JSON and hold different values: Argo CD would apply either one; keep one key", e.YAML[0], e.YAML[1], e.Key)
}

func newKeyCollisionError(m map[any]any, k any, key string) *keyCollisionError {
	e := &keyCollisionError{Key: key, YAML: [2]string{yamlKey(k)}}
	var others []string
	for other := range m {
		if s, err := jsonKey(other, nil); err == nil && s == key && other != k {
			others = append(others, yamlKey(other))
		}
	}
	sort.Strings(others)
	e.YAML[1] = others[0]
	sort.Strings(e.YAML[:])
	return e
}

// yamlKey names a decoded YAML key with its type: the JSON key alone
// cannot tell two colliding keys apart.
func yamlKey(k any) string {
	if s, ok := k.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%v (%T)", k, k)
}

// jsonKey is sigs.k8s.io/yaml's string form of a YAML map key.
func jsonKey(k, v any) (string, error) {
	switch key := k.(type) {
	case string:
		return validUTF8(key), nil
	case int:
		return strconv.Itoa(key), nil
	case int64:
		return strconv.FormatInt(key, 10), nil
	case float64:
		s := strconv.FormatFloat(key, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s, nil
	case bool:
		return strconv.FormatBool(key), nil
	default:
		return "", fmt.Errorf("unsupported map key of type: %s, key: %+#v, value: %+#v", reflect.TypeOf(k), k, v)
	}
}

// validUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\ufffd")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func valueKind(v any) string {
	switch v.(type) {
	case []any:
		return "!!seq"
	case string:
		return "!!str"
	case bool:
		return "!!bool"
	default:
		return "!!number"
	}
}

type document struct {
	data []byte
	// line is the 1-based line of the document's first content line (not a
	// comment, blank line or "---"); 0 when the document has no content.
	line int
}

// separatorError is the error YAMLReader gives for text after "---".
type separatorError struct{ rest string }

func (e separatorError) Error() string { return "invalid Yaml document separator: " + e.rest }

// splitDocuments splits a YAML stream into documents exactly as
// k8s.io/apimachinery's YAMLReader does (lines end at "\n", a "\r" before it
// is dropped, the last line gets a "\n"; a line starting with "---" ends a
// non-empty document and is dropped, or starts the first one), in one pass
// that also records the line where each document's content starts. The
// documents share data's memory: the reader copies every line, and on large
// manifests that was most of the splitting time.
func splitDocuments(data []byte) ([]document, error) {
	if len(data)-(bytes.LastIndexByte(data, '\n')+1) >= readerBufferSize {
		return readerSplit(data)
	}
	if bytes.Contains(data, []byte("\r\n")) {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data[:len(data):len(data)], '\n')
	}
	var docs []document
	cur := document{}
	// chunkStart is the number of lines before the current document, as
	// the error for a bad separator reports it.
	lineNo, chunkStart := 0, 0
	docStart := 0
	for pos := 0; pos < len(data); {
		end := pos + bytes.IndexByte(data[pos:], '\n') // data ends with '\n'
		line := data[pos:end]
		lineStart := pos
		pos = end + 1
		lineNo++
		if bytes.HasPrefix(line, []byte("---")) {
			rest := strings.TrimSpace(string(line[3:]))
			if rest != "" && rest[0] != '#' {
				return nil, fmt.Errorf("after line %d: %w", chunkStart, separatorError{rest: rest})
			}
			if lineStart > docStart {
				cur.data = data[docStart:lineStart]
				docs = append(docs, cur)
				cur = document{}
				docStart, chunkStart = pos, lineNo
			}
			continue
		}
		if cur.line == 0 {
			if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
				cur.line = lineNo
			}
		}
	}
	if len(data) > docStart {
		cur.data = data[docStart:]
		docs = append(docs, cur)
	}
	return docs, nil
}

// readerBufferSize is the buffer of the bufio.Reader Argo CD hands the
// YAMLReader (bufio's default, 4096 bytes).
const readerBufferSize = 4096

// readerSplit splits with apimachinery's YAMLReader itself, for a stream
// whose last line has no "\n" and fills the reader's buffer: then the
// reader can meet the end of the stream inside that line and drop it (a
// 4,096-byte single-line stream gives no document at all), which only the
// reader reproduces.
func readerSplit(data []byte) ([]document, error) {
	var docs []document
	r := utilyaml.NewYAMLReader(bufio.NewReaderSize(bytes.NewReader(data), readerBufferSize))
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
		for i, l := range strings.Split(strings.TrimSuffix(string(chunk), "\n"), "\n") {
			if t := strings.TrimSpace(l); d.line == 0 && t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(l, "---") {
				d.line = lineNo + i + 1
			}
		}
		lineNo += strings.Count(string(chunk), "\n") + 1 // the reader drops the "---" line
		docs = append(docs, d)
	}
}
