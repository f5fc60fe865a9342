//go:build unix

package kvstore

import (
	"os"
	"syscall"
)

// noFollow makes an open fail on a symbolic link, and return at once on a
// FIFO instead of waiting for its other end.
const noFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// linkCount returns the number of hard links to the file.
func linkCount(info os.FileInfo) uint64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
