//go:build unix

package kvstore

import (
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the regular file at name, of at least mapMin bytes, into
// memory, read-only, and returns its bytes, its FileInfo, and the function
// that unmaps it. It returns nil data where findInMapped should read the
// file instead.
func mapFile(name string) (data []byte, info os.FileInfo, unmap func()) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, nil
	}
	defer f.Close()
	info, err = f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() < mapMin || info.Size() > math.MaxInt {
		return nil, nil, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, nil, nil
	}
	var merr error
	err = rc.Control(func(fd uintptr) {
		data, merr = unix.Mmap(int(fd), 0, int(info.Size()), unix.PROT_READ, unix.MAP_SHARED)
	})
	if err != nil || merr != nil {
		return nil, nil, nil
	}
	return data, info, func() { _ = unix.Munmap(data) }
}
