package index

import (
	"fmt"
	"io"
	"io/fs"
	"slices"
)

// files reads the documents for the workers and, where it can, reads ahead
// of them.
type files interface {
	// read returns the content of name, in buf's memory when it fits.
	read(name string, buf []byte) ([]byte, error)
	// prefetch asks for name to be read into memory before read needs it.
	// Only a hint: errors are read's to report.
	prefetch(name string)
	close()
}

// fsFiles reads through any fs.FS, with no read-ahead.
type fsFiles struct{ fsys fs.FS }

func (f fsFiles) read(name string, buf []byte) ([]byte, error) {
	file, err := f.fsys.Open(name)
	if err != nil {
		return buf[:0], err
	}
	defer file.Close()
	return readAll(name, buf, file.Read)
}

func (fsFiles) prefetch(string) {}

func (fsFiles) close() {}

// readAll reads until EOF into buf, reusing its memory. No Stat for the size:
// a worker's buffer soon fits any document, and a system call less per file
// counts over tens of thousands of them.
func readAll(name string, buf []byte, read func([]byte) (int, error)) ([]byte, error) {
	buf = buf[:0]
	if cap(buf) == 0 {
		buf = make([]byte, 0, 1<<20)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		n, err := read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf[:0], fmt.Errorf("reading %s: %w", name, err)
		}
	}
}
