//go:build !unix

package loader

import "os"

func stateOf(fi os.FileInfo) fileState {
	return fileState{size: fi.Size(), modTime: fi.ModTime()}
}
