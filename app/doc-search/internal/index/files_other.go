//go:build !linux

package index

import "io/fs"

func openFiles(fsys fs.FS) (files, error) { return fsFiles{fsys}, nil }
