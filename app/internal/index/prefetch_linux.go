package index

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// prefetch asks the kernel to start reading name into the page cache
// (posix_fadvise WILLNEED), so that the worker that reads it later does not
// wait on the disk. Only a hint, and only for files of the operating system.
func prefetch(fsys fs.FS, name string) {
	f, err := fsys.Open(name)
	if err != nil {
		return
	}
	defer f.Close()
	if osf, ok := f.(interface{ Fd() uintptr }); ok {
		_ = unix.Fadvise(int(osf.Fd()), 0, 0, unix.FADV_WILLNEED)
	}
}

// cached reports whether the first byte of name is in the page cache: a
// read of it that may not wait on the disk (preadv2 RWF_NOWAIT) succeeds.
// Anything it cannot ask counts as cached.
func cached(fsys fs.FS, name string) bool {
	f, err := fsys.Open(name)
	if err != nil {
		return true
	}
	defer f.Close()
	osf, ok := f.(interface{ Fd() uintptr })
	if !ok {
		return true
	}
	var b [1]byte
	_, err = unix.Preadv2(int(osf.Fd()), [][]byte{b[:]}, 0, unix.RWF_NOWAIT)
	return err != unix.EAGAIN
}
