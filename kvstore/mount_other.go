//go:build unix && !linux

package kvstore

// mountPoint reports whether the file at name is a mount point, as far as
// the device tells: a file mounted from another file system. A bind mount
// within one file system is found at the first save, whose rename fails.
func mountPoint(name string) (bool, error) { return otherDevice(name) }
