package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/doc-search/gitops/app/internal/corpus"
)

// evict drops the files' clean pages from the page cache
// (posix_fadvise DONTNEED), as if they had never been read.
func evict(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		f, err := os.Open(p)
		require.NoError(t, err)
		require.NoError(t, unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED))
		require.NoError(t, f.Close())
	}
}

func writeSynced(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = f.Write(data)
	require.NoError(t, err)
	require.NoError(t, f.Sync()) // clean pages, which DONTNEED can drop
	require.NoError(t, f.Close())
}

func TestCachedAndPrefetch_FollowThePageCache(t *testing.T) {
	dir := t.TempDir()
	writeSynced(t, filepath.Join(dir, "1.doc.txt"), []byte("hello world"))
	fsys := os.DirFS(dir)
	_, err := os.ReadFile(filepath.Join(dir, "1.doc.txt"))
	require.NoError(t, err)
	require.True(t, cached(fsys, "1.doc.txt"), "a file just read")

	evict(t, filepath.Join(dir, "1.doc.txt"))
	if cached(fsys, "1.doc.txt") {
		t.Skip("this file system keeps the pages: nothing to observe")
	}
	prefetch(fsys, "1.doc.txt")
	assert.Eventually(t, func() bool { return cached(fsys, "1.doc.txt") }, 5*time.Second, 10*time.Millisecond,
		"the file is in the page cache after prefetch")
	assert.True(t, cached(fsys, "missing.txt"), "what cannot be asked counts as cached")
}

func TestBuild_ReadsAheadOnlyWhenThePageCacheMisses(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := range 2 * prefetchAhead {
		p := filepath.Join(dir, fmt.Sprintf("%d.doc.txt", i))
		writeSynced(t, p, fmt.Appendf(nil, "word%d common", i))
		paths = append(paths, p)
	}
	fsys := os.DirFS(dir)
	docs, err := corpus.List(fsys)
	require.NoError(t, err)

	for _, p := range paths {
		_, err := os.ReadFile(p)
		require.NoError(t, err)
	}
	idx, err := Build(context.Background(), fsys, docs, Options{})
	require.NoError(t, err)
	assert.False(t, idx.Stats().ReadAhead, "every file was in the page cache")

	evict(t, paths...)
	if cached(fsys, docs[prefetchAhead].Name) {
		t.Skip("this file system keeps the pages: nothing to observe")
	}
	idx, err = Build(context.Background(), fsys, docs, Options{})
	require.NoError(t, err)
	assert.True(t, idx.Stats().ReadAhead, "the files were out of the page cache")
	assert.Equal(t, len(paths), idx.Stats().Documents)
	assert.Len(t, idx.Search([]string{"common"}), len(paths))
}
