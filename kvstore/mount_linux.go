package kvstore

import (
	"errors"
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// mountPoint reports whether the file at name is a mount point. The kernel
// numbers each mount (statx's mount id, Linux 5.8 and later), so a file
// whose mount differs from its directory's is mounted there, even from the
// same file system. Older kernels give only the device, which finds a file
// mounted from another file system (the usual container case); a bind
// mount within one file system is then found at the first save.
func mountPoint(name string) (bool, error) {
	var file, dir unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, name, 0, unix.STATX_MNT_ID, &file)
	if err == nil {
		err = unix.Statx(unix.AT_FDCWD, filepath.Dir(name), 0, unix.STATX_MNT_ID, &dir)
	}
	switch {
	case errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM):
		// No statx (before Linux 4.11, or filtered by a seccomp policy).
		return otherDevice(name)
	case err != nil:
		return false, &fs.PathError{Op: "statx", Path: name, Err: err}
	case file.Mask&dir.Mask&unix.STATX_MNT_ID != 0:
		return file.Mnt_id != dir.Mnt_id, nil
	}
	return file.Dev_major != dir.Dev_major || file.Dev_minor != dir.Dev_minor, nil
}
