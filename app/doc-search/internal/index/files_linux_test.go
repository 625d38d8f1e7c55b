package index

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
)

// cached reports whether the first byte of path is in the page cache: a read
// of it that may not wait on the disk (preadv2 RWF_NOWAIT) succeeds.
func cached(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var b [1]byte
	_, err = unix.Preadv2(int(f.Fd()), [][]byte{b[:]}, 0, unix.RWF_NOWAIT)
	if err == unix.EAGAIN {
		return false
	}
	require.NoError(t, err)
	return true
}

// evict drops the file's clean pages from the page cache
// (posix_fadvise DONTNEED), as if it had never been read.
func evict(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, f.Sync()) // clean pages, which DONTNEED can drop
	require.NoError(t, unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
}

func openDir(t *testing.T, dir string) dirFiles {
	t.Helper()
	f, err := openFiles(corpus.Dir(dir))
	require.NoError(t, err)
	t.Cleanup(f.close)
	require.IsType(t, dirFiles{}, f, "a corpus.Dir is read with system calls on Linux")
	return f.(dirFiles)
}

func TestDirFiles_PrefetchFillsThePageCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "1.doc.txt")
	require.NoError(t, os.WriteFile(path, []byte("hello world"), 0o644))
	evict(t, path)
	if cached(t, path) {
		t.Skip("this file system keeps the pages: nothing to observe")
	}
	openDir(t, dir).prefetch("1.doc.txt")
	assert.Eventually(t, func() bool { return cached(t, path) }, 5*time.Second, 10*time.Millisecond,
		"the file is in the page cache after prefetch")
}

func TestDirFiles_ReadsAsOSDirFS(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("0123456789", 300_000) // three times a worker's first buffer
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1.big.txt"), []byte(big), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "2.empty.txt"), nil, 0o644))
	require.NoError(t, os.Symlink("missing", filepath.Join(dir, "3.dangling.txt")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "4.dir.txt"), 0o755))
	f := openDir(t, dir)
	tests := []struct {
		name    string
		want    string
		wantErr string
	}{
		{name: "1.big.txt", want: big},
		{name: "2.empty.txt", want: ""},
		{name: "3.dangling.txt", wantErr: "open 3.dangling.txt: no such file or directory"},
		{name: "4.dir.txt", wantErr: "reading 4.dir.txt: is a directory"},
		{name: "../escape.txt", wantErr: "open ../escape.txt: invalid argument"},
		{name: "missing.txt", wantErr: "open missing.txt: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.read(tt.name, make([]byte, 0, 16))
			plain, plainErr := fsFiles{os.DirFS(dir)}.read(tt.name, nil)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				assert.Error(t, plainErr, "os.DirFS fails too")
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			require.NoError(t, plainErr)
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, string(plain), string(got))
			f.prefetch(tt.name) // a hint on any file is harmless
		})
	}
}
