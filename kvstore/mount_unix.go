//go:build unix

package kvstore

import (
	"os"
	"path/filepath"
	"syscall"
)

// otherDevice reports whether the file at name is on another device than
// its directory, as a file mounted there from another file system is.
func otherDevice(name string) (bool, error) {
	file, err := os.Stat(name)
	if err != nil {
		return false, err
	}
	dir, err := os.Stat(filepath.Dir(name))
	if err != nil {
		return false, err
	}
	f, ok1 := file.Sys().(*syscall.Stat_t)
	d, ok2 := dir.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && f.Dev != d.Dev, nil
}
