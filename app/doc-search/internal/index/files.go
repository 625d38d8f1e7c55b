package index

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
)

// files opens the documents for the workers.
type files interface {
	open(name string) (fs.File, error)
	close()
}

// openFiles opens a corpus.Dir once as an os.Root, so that each document is
// one open beneath it; any other fs.FS is read through its Open.
func openFiles(fsys fs.FS) (files, error) {
	dir, ok := fsys.(corpus.Dir)
	if !ok {
		return fsFiles{fsys}, nil
	}
	root, err := dir.Root()
	if err != nil {
		return nil, err
	}
	return rootFiles{root}, nil
}

type fsFiles struct{ fsys fs.FS }

func (f fsFiles) open(name string) (fs.File, error) { return f.fsys.Open(name) }
func (fsFiles) close()                              {}

type rootFiles struct{ root *os.Root }

func (f rootFiles) open(name string) (fs.File, error) { return corpus.OpenDocument(f.root, name) }
func (f rootFiles) close()                            { _ = f.root.Close() }

// readFile reads name into buf's memory, growing it when the file does not fit.
func readFile(f files, name string, buf []byte) ([]byte, error) {
	file, err := f.open(name)
	if err != nil {
		return buf[:0], err
	}
	defer file.Close()
	return readAll(name, buf, file.Read)
}

// readAll reads until EOF into buf, reusing its memory. No Stat for the size:
// a worker's buffer soon fits any document.
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
