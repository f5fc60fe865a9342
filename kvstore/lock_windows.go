//go:build windows

package kvstore

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes an exclusive lock on the file at path with LockFileEx,
// creating it with perm if needed. It returns errLockHeld if another writer
// holds it.
func lockFile(path string, perm os.FileMode) (release func() error, err error) {
	f, err := openSidecar(path, os.O_RDWR|os.O_CREATE, perm)
	if err != nil {
		return nil, err
	}
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, errLockHeld
		}
		return nil, err
	}
	return func() error {
		windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
		// The lock file stays: removing it while another process has it
		// open to try the lock would let two processes lock different files.
		return f.Close()
	}, nil
}

// syncDir is a no-op: Windows cannot fsync a directory, and MoveFileEx
// (used by os.Rename) is the durability boundary there.
func syncDir(string) error { return nil }
