package corpus

import (
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestID_IsNameUpToFirstDot(t *testing.T) {
	tests := []struct {
		name   string
		wantID string
		wantOK bool
	}{
		{"993945.female.25.HumanResources.Leo.xml", "993945", true},
		{"1.hello.xml", "1", true},
		{"42.txt", "42", true},
		{"notes.md", "", false},
		{"1.hello.xml.bak", "", false},
		{".hidden.xml", "", false},
		{"data.json", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := ID(tt.name)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.wantID, id)
		})
	}
}

func TestList_SortsNumericIDsNumericallyAndIgnoresOtherFiles(t *testing.T) {
	docs, err := List(os.DirFS("testdata/blog"))
	require.NoError(t, err)
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	assert.Equal(t, []string{"42", "5114", "993945", "1000331"}, ids)
	assert.Equal(t, "993945.female.25.HumanResources.Leo.xml", docs[2].Name)
}

func TestList_DuplicateIDNamesBothFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"7.a.xml": {Data: []byte("one")},
		"7.b.txt": {Data: []byte("two")},
		"8.c.xml": {Data: []byte("three")},
	}
	_, err := List(fsys)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `duplicate document ID "7"`)
	assert.Contains(t, err.Error(), "7.a.xml")
	assert.Contains(t, err.Error(), "7.b.txt")
}

func TestList_EmptyCorpusIsAnError(t *testing.T) {
	tests := []struct {
		name string
		fsys fstest.MapFS
	}{
		{"no files", fstest.MapFS{}},
		{"no documents", fstest.MapFS{"README.md": {Data: []byte("x")}, "sub/1.a.xml": {Data: []byte("x")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := List(tt.fsys)
			assert.ErrorIs(t, err, ErrEmpty)
		})
	}
	_, err := List(os.DirFS(t.TempDir()))
	assert.ErrorIs(t, err, ErrEmpty)
}

func TestList_MissingDirectoryIsAnError(t *testing.T) {
	_, err := List(os.DirFS("testdata/no-such-dir"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listing corpus")
}

func TestCompareIDs(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2", "10", -1},
		{"10", "2", 1},
		{"10", "10", 0},
		{"007", "7", -1}, // same number: byte order breaks the tie
		{"99", "abc", -1},
		{"abc", "99", 1},
		{"abc", "abd", -1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CompareIDs(tt.a, tt.b), "%s vs %s", tt.a, tt.b)
	}
}

// A Dir is an fs.FS with os.DirFS's behaviour, and List reads it the same.
func TestDir_IsAnFSLikeOSDirFS(t *testing.T) {
	require.NoError(t, fstest.TestFS(Dir("testdata/blog"), "42.txt", "993945.female.25.HumanResources.Leo.xml"))
	want, err := List(os.DirFS("testdata/blog"))
	require.NoError(t, err)
	got, err := List(Dir("testdata/blog"))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	_, err = List(Dir("testdata/no-such-dir"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}
