package corpus

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A document is a regular file beneath the directory: links are followed
// only while they stay inside it, and nothing else is read.
func TestDir_OpensOnlyRegularFilesBeneathIt(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(outside, []byte("outside words"), 0o644))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1.ok.txt"), []byte("inside words"), 0o644))
	require.NoError(t, os.Symlink("1.ok.txt", filepath.Join(dir, "2.inner-link.txt")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "3.outer-link.txt")))
	require.NoError(t, os.Symlink("../"+filepath.Base(filepath.Dir(outside))+"/secret.txt", filepath.Join(dir, "4.relative-out.txt")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "5.pipe.txt"), 0o644))
	require.NoError(t, os.Symlink("missing", filepath.Join(dir, "6.dangling.txt")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "7.dir.txt"), 0o755))

	tests := []struct {
		name    string
		want    string
		wantErr string
	}{
		{name: "1.ok.txt", want: "inside words"},
		{name: "2.inner-link.txt", want: "inside words"},
		{name: "3.outer-link.txt", wantErr: "path escapes from parent"},
		{name: "4.relative-out.txt", wantErr: "path escapes from parent"},
		{name: "5.pipe.txt", wantErr: "open 5.pipe.txt: not a regular file (named pipe)"},
		{name: "6.dangling.txt", wantErr: "no such file or directory"},
		{name: "7.dir.txt", wantErr: "is a directory"},
		{name: "../escape.txt", wantErr: "open ../escape.txt: invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Dir(dir).Open(tt.name)
			if err == nil {
				defer f.Close()
				var data []byte
				data, err = io.ReadAll(f)
				if err == nil {
					require.Empty(t, tt.wantErr, "read %q", data)
					assert.Equal(t, tt.want, string(data))
					return
				}
			}
			require.NotEmpty(t, tt.wantErr, "unexpected error %v", err)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestDir_ErrorsNameTheDirectory(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := List(Dir(missing))
	assert.EqualError(t, err, "listing corpus: corpus directory "+missing+": no such file or directory")

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = Dir(file).Root()
	assert.EqualError(t, err, "corpus directory "+file+": not a directory")
}
