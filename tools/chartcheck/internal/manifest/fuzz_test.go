package manifest

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// sameAsReference fails t unless Parse and referenceParse agree on data:
// both fail, or both give the same objects from the same lines, which
// MarshalYAML prints as sigs.k8s.io/yaml.Marshal does.
func sameAsReference(t *testing.T, data []byte) {
	t.Helper()
	src := Source{Cluster: "c", File: "f.yaml"}
	got, err := Parse(data, src)
	want, refErr := referenceParse(data, src)
	if refErr != nil {
		require.Error(t, err, "the libraries refuse this input: %v", refErr)
		return
	}
	var collision *keyCollisionError
	if errors.As(err, &collision) {
		// Parse refuses what the libraries read at random: they must
		// then give different objects for the same bytes. Go's map
		// order differs between runs with odds of about one half, so
		// 64 runs that agree mean the refusal was wrong.
		for range 64 {
			again, againErr := referenceParse(data, src)
			require.NoError(t, againErr)
			if !reflect.DeepEqual(objectsOf(want), objectsOf(again)) {
				return
			}
		}
		require.Fail(t, "Parse refused a document the libraries always read the same", "%v", err)
	}
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		require.Equal(t, want[i].Source, got[i].Source, "object %d", i)
		require.Equal(t, want[i].Object.Object, got[i].Object.Object, "object %d at line %d", i, want[i].Source.Line)
		// And it prints as Argo CD's libraries print it.
		wantYAML, err := yaml.Marshal(want[i].Object.Object)
		require.NoError(t, err)
		gotYAML, err := MarshalYAML(got[i].Object.Object)
		require.NoError(t, err)
		if string(wantYAML) != string(gotYAML) {
			// go-yaml v2 cannot order some mixes of numeric and
			// alphanumeric keys ("9", "16", "1A01"): its comparison is
			// not transitive, so the order follows Go's random map
			// iteration, in sigs.k8s.io/yaml too. Then the lines must be
			// the same, in another order, and mean the same.
			require.ElementsMatch(t, strings.Split(string(wantYAML), "\n"), strings.Split(string(gotYAML), "\n"), "object %d at line %d", i, want[i].Source.Line)
			wantJSON, err := yaml.YAMLToJSON(wantYAML)
			require.NoError(t, err)
			gotJSON, err := yaml.YAMLToJSON(gotYAML)
			require.NoError(t, err)
			require.JSONEq(t, string(wantJSON), string(gotJSON), "object %d at line %d", i, want[i].Source.Line)
		}
	}
}

func objectsOf(objs []Object) []map[string]any {
	out := make([]map[string]any, len(objs))
	for i, o := range objs {
		out[i] = o.Object.Object
	}
	return out
}

// FuzzParse holds Parse to what Argo CD's libraries make of the same bytes
// (see referenceParse), and so checks it never panics. Seeds:
// testdata/fuzz/FuzzParse plus every manifest under testdata. Run it with
// a short -fuzzminimizetime (e.g. 5s): the default minute spent shrinking
// each new input shows as a fuzzer making no progress.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	require.NoError(f, err)
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsReference(t, data)
		// The splitter alone must agree with apimachinery's YAMLReader,
		// errors included.
		docs, err := splitDocuments(data)
		ref, refErr := referenceSplit(data)
		if refErr != nil {
			require.EqualError(t, err, refErr.Error())
			return
		}
		require.NoError(t, err)
		require.Len(t, docs, len(ref))
		for i := range ref {
			assert.Equal(t, ref[i].line, docs[i].line, "document %d", i)
			assert.True(t, bytes.Equal(ref[i].data, docs[i].data), "document %d: %q, want %q", i, docs[i].data, ref[i].data)
		}
	})
}

// TestParse_SameAsArgoCDLibraries runs the comparison on manifests that
// exercise the conversions: YAML 1.1 booleans, numbers JSON writes as
// integers, large and special floats, non-string keys, invalid UTF-8,
// CRLF line ends, odd separators and Lists.
func TestParse_SameAsArgoCDLibraries(t *testing.T) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, seeds)
	for _, s := range seeds {
		t.Run(filepath.Base(s), func(t *testing.T) {
			data, err := os.ReadFile(s)
			require.NoError(t, err)
			sameAsReference(t, data)
		})
	}
	// The real-world corpus, when this machine has it.
	corpus, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "..", "shared", "bench", "real-charts", "*.yaml"))
	if len(corpus) == 0 {
		t.Log("../shared/bench/real-charts is absent: compared on testdata only")
	}
	for _, s := range corpus {
		t.Run("real-charts/"+filepath.Base(s), func(t *testing.T) {
			data, err := os.ReadFile(s)
			require.NoError(t, err)
			sameAsReference(t, data)
		})
	}
}

// TestMarshalYAML_SameAsSigsYAML covers values Parse never produces but
// code that edits objects may: Go ints, nil slices and maps, integral and
// special floats (those take sigs.k8s.io/yaml's own path).
func TestMarshalYAML_SameAsSigsYAML(t *testing.T) {
	tests := map[string]map[string]any{
		"go ints":         {"a": 1, "b": int32(2), "c": int64(-3)},
		"nil collections": {"a": []any(nil), "b": map[string]any(nil), "c": nil},
		"floats":          {"a": 1.5, "b": 2.0, "c": 1e21, "d": 1e-7, "e": math.Copysign(0, -1)},
		"odd strings":     {"yes": "yes", "n": "1", "e": "", "x": "a: b", "u": "\xff"},
		"nested":          {"spec": map[string]any{"list": []any{map[string]any{"k": "v"}, "s", int64(1)}}},
		"other types":     {"a": []string{"x"}, "b": uint8(3)},
	}
	for name, obj := range tests {
		t.Run(name, func(t *testing.T) {
			want, err := yaml.Marshal(obj)
			require.NoError(t, err)
			got, err := MarshalYAML(obj)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}
