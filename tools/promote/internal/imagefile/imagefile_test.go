package imagefile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestUpdate_PreservesCommentsAndFormatting(t *testing.T) {
	for _, name := range []string{"contract", "plain-indent4", "missing-digest"} {
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", name+".yaml"))
			require.NoError(t, err)
			want, err := os.ReadFile(filepath.Join("testdata", name+".golden.yaml"))
			require.NoError(t, err)

			got, err := Update(in, Image{Tag: "1.4.0-build.57", Digest: testDigest})
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

func TestUpdate_ClearsDigestWithQuotedEmptyString(t *testing.T) {
	in := "image:\n  tag: 1.0.0-build.1\n  digest: sha256:" + testDigest[7:] + " # pinned\n"
	got, err := Update([]byte(in), Image{Tag: "1.0.0-build.2"})
	require.NoError(t, err)
	assert.Equal(t, "image:\n  tag: 1.0.0-build.2\n  digest: \"\" # pinned\n", string(got))
}

func TestUpdate_RejectsInvalidImage(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "contract.yaml"))
	require.NoError(t, err)
	tests := map[string]Image{
		"tag without build":   {Tag: "1.4.0", Digest: testDigest},
		"tag latest":          {Tag: "latest"},
		"digest not sha256":   {Tag: "1.4.0-build.1", Digest: "md5:abc"},
		"digest in uppercase": {Tag: "1.4.0-build.1", Digest: "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"},
	}
	for name, img := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Update(in, img)
			assert.Error(t, err)
		})
	}
}

func TestParse_ReadsTagAndDigest(t *testing.T) {
	img, err := Read(filepath.Join("testdata", "plain-indent4.yaml"))
	require.NoError(t, err)
	assert.Equal(t, Image{Tag: "1.0.0-build.1", Digest: "sha256:" + strings.Repeat("a", 64)}, img)
}

func TestParse_ErrorsNameTheProblem(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"no image":      {"replicaCount: 2\n", "no image"},
		"image scalar":  {"image: foo\n", "image: want a mapping"},
		"empty tag":     {"image:\n  tag: \"\"\n", "image.tag is missing"},
		"tag is a list": {"image:\n  tag: [a]\n", "image.tag: want a string"},
		"not YAML":      {"image: [\n", "parsing YAML"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestWrite_KeepsFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "image.yaml")
	require.NoError(t, os.WriteFile(path, []byte("image:\n  tag: \"1.0.0-build.1\"\n  digest: \"\"\n"), 0o640))
	require.NoError(t, Write(path, Image{Tag: "1.0.0-build.2"}))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm())
	img, err := Read(path)
	require.NoError(t, err)
	assert.Equal(t, Image{Tag: "1.0.0-build.2"}, img)
}
