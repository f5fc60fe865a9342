//go:build unix

package kvstore

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive advisory lock on the file at path, creating it
// if needed. flock locks belong to an open file description, so a second
// Open in the same process is refused just like one in another process.
// It returns errLockHeld if another writer holds the lock. The holder
// writes its process id into the file, which is created with perm and is
// never reached through a link (see openSidecar).
func lockFile(path string, perm os.FileMode) (release func() error, err error) {
	for {
		f, err := openSidecar(path, os.O_RDWR|os.O_CREATE, perm)
		if err != nil {
			return nil, err
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, errLockHeld
			}
			return nil, err
		}
		// The previous holder removes the lock file when it closes. If it did
		// so between our open and our flock, we hold a lock on an orphan and
		// must try again on the file that is now at path.
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			// Record who holds the lock, for the error a second writer gets.
			// A crashed holder's id may still be there: replace it. Failing
			// to write it costs only that information.
			if f.Truncate(0) == nil {
				f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			}
			return func() error {
				rmErr := os.Remove(path)
				if err := f.Close(); err != nil {
					return err
				}
				return rmErr
			}, nil
		}
		f.Close()
	}
}

// syncDir fsyncs a directory so that a rename inside it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
