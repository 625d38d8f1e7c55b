package corpus

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// Dir is a corpus directory on the operating system's file system. Its
// documents are opened beneath it through an os.Root: no name, `..` or
// symbolic link reaches a file outside the directory, and a document must be
// a regular file (see OpenDocument).
type Dir string

// ErrNotRegular is the reason a document that is no regular file is skipped.
var ErrNotRegular = errors.New("not a regular file")

// Root opens the directory as an os.Root, for reading many documents
// through one descriptor. The error names the directory.
func (d Dir) Root() (*os.Root, error) {
	root, err := os.OpenRoot(string(d))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("corpus directory %s: %w", string(d), err)
	}
	return root, nil
}

// Open opens name beneath the directory as OpenDocument does.
func (d Dir) Open(name string) (fs.File, error) {
	root, err := d.Root()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return OpenDocument(root, name)
}

// ReadDir lists the directory name beneath d.
func (d Dir) ReadDir(name string) ([]fs.DirEntry, error) {
	root, err := d.Root()
	if err != nil {
		return nil, err
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), name)
	if err != nil {
		return nil, fmt.Errorf("corpus directory %s: %w", string(d), err)
	}
	return entries, nil
}

// OpenDocument opens name beneath root for reading. A symbolic link is
// followed only while it stays beneath root (os.Root's rule), and what it
// opens must be a regular file or a directory (which then fails to read):
// a named pipe, socket or device is refused with ErrNotRegular. The open is
// non-blocking, so a named pipe cannot hang the caller before the check.
func OpenDocument(root *os.Root, name string) (*os.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if mode := st.Mode(); !mode.IsRegular() && !mode.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, fileKind(mode))}
	}
	return f, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return m.Type().String()
}
