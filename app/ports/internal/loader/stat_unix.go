//go:build unix

package loader

import (
	"os"
	"syscall"
)

func stateOf(fi os.FileInfo) fileState {
	s := fileState{size: fi.Size(), modTime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ino = uint64(st.Ino) // uint32 on some systems
	}
	return s
}
