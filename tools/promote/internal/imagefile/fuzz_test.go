package imagefile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
	yamlv3 "gopkg.in/yaml.v3"
)

// FuzzUpdate reads arbitrary bytes as an image file and, when Parse accepts
// them, promotes a new image into them. Update may refuse, but what it
// writes must read back as the new image and hold every other value of
// every document as it was: a promotion never loses a person's values.
// Seeds: testdata/*.yaml, the clusters' image files and
// testdata/fuzz/FuzzUpdate.
func FuzzUpdate(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	require.NoError(f, err)
	clusters, err := filepath.Glob(filepath.Join("..", "..", "..", "..", "clusters", "*", "doc-search", "image.yaml"))
	require.NoError(f, err)
	require.NotEmpty(f, clusters, "the clusters' image files are seeds")
	for _, p := range append(seeds, clusters...) {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data, uint64(2), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, build uint64, pin bool) {
		if _, err := Parse(data); err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		img := Image{Tag: "1.0.0-build." + strconv.FormatUint(build, 10)}
		if pin {
			img.Digest = testDigest
		}
		out, err := Update(data, img)
		if err != nil {
			return
		}
		got, err := Parse(out)
		require.NoError(t, err, "the rewritten file does not parse:\n%s", out)
		require.Equal(t, img, got)
		// Update compares the other values itself since the seed
		// anchored-null-key (kyaml's encoder wrote a null key as ''):
		// hold it to that.
		before, err := documentsWithoutImage(data)
		if err != nil {
			return // not YAML that yaml.v3 reads in full: nothing to compare with
		}
		after, err := documentsWithoutImage(out)
		require.NoError(t, err, "the rewritten file:\n%s", out)
		require.Equal(t, before, after, "values other than image.tag and image.digest changed:\n%s\nbecame\n%s", data, out)
	})
}

// documentsWithoutImage decodes every document of data, with image.tag and
// image.digest left out of the first.
func documentsWithoutImage(data []byte) ([]any, error) {
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
