package corpus

import (
	"io/fs"
	"os"
)

// Dir is a corpus directory on the operating system's file system: an fs.FS
// that behaves as os.DirFS(string(d)). Unlike the fs.FS os.DirFS returns, a
// Dir says which directory it is, so the indexer can open its files relative
// to one descriptor of it with plain system calls (see index.Build).
type Dir string

// Open opens name as os.DirFS does.
func (d Dir) Open(name string) (fs.File, error) { return os.DirFS(string(d)).Open(name) }

// ReadDir lists the directory name as os.DirFS does.
func (d Dir) ReadDir(name string) ([]fs.DirEntry, error) {
	return fs.ReadDir(os.DirFS(string(d)), name)
}
