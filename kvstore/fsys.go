package kvstore

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// fileSystem is every file operation the store performs on its data file.
// Production code uses osFS; tests substitute an implementation that fails
// chosen steps to prove that each failure is reported and loses nothing.
type fileSystem interface {
	// ReadFile returns the content of name and the FileInfo of the very file
	// that was read, so the two always belong together.
	ReadFile(name string) ([]byte, os.FileInfo, error)
	Stat(name string) (os.FileInfo, error)
	// Open opens the data file for a save to copy what it keeps from.
	Open(name string) (sourceFile, error)
	CreateTemp(dir, pattern string) (tempFile, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
	ReadDir(dir string) ([]os.DirEntry, error)
	// SyncDir makes a rename in dir durable; a no-op where the OS has no
	// such operation.
	SyncDir(dir string) error
	// OpenAppend opens the journal file name for appending, creating it
	// with perm if needed. Like every sidecar it is never reached through a
	// link and must be a regular file of its own (see sidecar.go).
	OpenAppend(name string, perm os.FileMode) (appendFile, error)
	// ReadSidecar reads a journal or the lock file, refusing links as
	// OpenAppend does.
	ReadSidecar(name string) ([]byte, error)
	// JournalEnd returns the length of the content of the journal file
	// name, without the zeros allocated after it, reading only its end.
	JournalEnd(name string) (int64, error)
	// MountPoint reports whether name is a mount point, such as a file
	// bind-mounted over another: rename cannot replace it (see mount.go).
	MountPoint(name string) (bool, error)
	// WriteInPlace overwrites the content of name with that of the file
	// from, keeping name itself: written from the start, truncated to the
	// new length and fsynced. It returns name's FileInfo afterwards, also
	// with an error once name was opened, since name may then be changed.
	WriteInPlace(name, from string) (os.FileInfo, error)
	// Lock takes the exclusive writer lock held in the file at name,
	// creating it with perm; it returns errLockHeld if another writer has
	// it.
	Lock(name string, perm os.FileMode) (release func() error, err error)
}

// appendFile is a journal file open for appending. Its content may be
// followed by zero bytes that Allocate reserved (see journal.go): Write puts
// its bytes right after the content, over those zeros, not after them.
type appendFile interface {
	io.Writer
	// End is the offset at which the next Write goes: the end of the
	// content, before the zeros that may follow it.
	End() int64
	// Allocate makes the file size bytes long if it is shorter, the new
	// bytes zeros written to the file, so that a later Write within them
	// changes neither the file's size nor its blocks and its fdatasync
	// carries the data alone. If it fails, the file grows with each Write
	// as it would without it.
	Allocate(size int64) error
	Sync() error
	Close() error
}

// tempFile is the part of *os.File a save uses.
type tempFile interface {
	io.Writer
	Name() string
	Chmod(mode os.FileMode) error
	Chown(uid, gid int) error
	Sync() error
	// Stat describes the open file itself, so the save learns the identity
	// of the file it is about to rename without looking it up by name.
	Stat() (os.FileInfo, error)
	Close() error
}

type osFS struct{}

func (osFS) ReadFile(name string) ([]byte, os.FileInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if info.IsDir() {
		return nil, info, nil
	}
	data := make([]byte, 0, info.Size()+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, info, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if len(data) == cap(data) { // the file grew while we read it
			data = append(data, 0)[:len(data)]
		}
	}
}

func (osFS) Stat(name string) (os.FileInfo, error) { return os.Stat(name) }

func (osFS) Open(name string) (sourceFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (osFS) CreateTemp(dir, pattern string) (tempFile, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &saveFile{File: f}, nil
}

// writebackChunk is how much a save writes before it asks the kernel to
// start writing that part to disk.
const writebackChunk = 4 << 20

// saveFile is the temp file of a save. As each writebackChunk is written it
// starts the disk writing it (where the OS can), so that the disk works
// while the rest of the file is encoded and the final fsync waits only for
// the tail. Without this the kernel holds the whole file in the page cache
// until the fsync, which then waits for all of it.
type saveFile struct {
	*os.File
	written, started int64
}

func (f *saveFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.written += int64(n)
	if f.written-f.started >= writebackChunk {
		startWriteback(f.File, f.started, f.written-f.started)
		f.started = f.written
	}
	return n, err
}

func (osFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

func (osFS) Remove(name string) error { return os.Remove(name) }

func (osFS) MountPoint(name string) (bool, error) { return mountPoint(name) }

func (osFS) WriteInPlace(name, from string) (os.FileInfo, error) {
	src, err := os.Open(from)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	dst, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(dst, src)
	if err == nil {
		err = dst.Truncate(n)
	}
	if err == nil {
		err = dst.Sync()
	}
	info, serr := dst.Stat()
	if err == nil {
		err = serr
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return info, describeErr("write in place", name, err)
	}
	return info, nil
}

func (osFS) ReadDir(dir string) ([]os.DirEntry, error) { return os.ReadDir(dir) }

func (osFS) SyncDir(dir string) error { return syncDir(dir) }

func (osFS) OpenAppend(name string, perm os.FileMode) (appendFile, error) {
	// A new journal is created exclusively, so nothing planted at its name
	// is ever opened; an existing one (a segment that a save records its
	// new file in) must pass openSidecar's checks, and is read to find the
	// end of its content.
	f, err := openSidecar(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err == nil {
		return &journalFile{File: f}, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	if f, err = openSidecar(name, os.O_RDWR, 0); err != nil {
		return nil, err
	}
	end, err := contentEnd(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &journalFile{File: f, end: end}, nil
}

func (osFS) ReadSidecar(name string) ([]byte, error) { return readSidecar(name) }

func (osFS) JournalEnd(name string) (int64, error) {
	f, err := openSidecar(name, os.O_RDONLY, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return contentEnd(f)
}

// journalFile writes at the end of its content, which Allocate may have
// followed with zeros, and syncs with fdatasync where the OS has it: an
// append needs its data on disk (and the file's size, when it grew), not
// its modification time.
type journalFile struct {
	*os.File
	end int64 // offset of the next write
}

func (f *journalFile) Write(p []byte) (int, error) {
	n, err := f.File.WriteAt(p, f.end)
	f.end += int64(n)
	return n, err
}

func (f *journalFile) End() int64 { return f.end }

// Allocate writes the zeros from the file's length to size. They are
// written, not reserved with fallocate: a write into a reserved block still
// converts it from unwritten to written, a metadata change the next
// fdatasync must commit, and readers of a file with unwritten blocks were
// measured several times slower than of one with written zeros (see
// PERFORMANCE.md). Written zeros are plain data on every file system and OS.
func (f *journalFile) Allocate(size int64) error {
	info, err := f.File.Stat()
	if err != nil {
		return err
	}
	if n := size - info.Size(); n > 0 {
		_, err = f.File.WriteAt(make([]byte, n), info.Size())
	}
	return err
}

func (f *journalFile) Sync() error { return datasync(f.File) }

// contentEnd returns the offset just after the last nonzero byte of f: the
// end of a journal's content, before any zeros that Allocate left after it
// (the journal never writes a zero byte; see tornHole). It reads back from
// the end, so it reads little more than those zeros.
func contentEnd(f *os.File) (int64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 64<<10)
	for end := info.Size(); end > 0; {
		start := max(0, end-int64(len(buf)))
		b := buf[:end-start]
		if _, err := f.ReadAt(b, start); err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		for i := len(b) - 1; i >= 0; i-- {
			if b[i] != 0 {
				return start + int64(i) + 1, nil
			}
		}
		end = start
	}
	return 0, nil
}

func (osFS) Lock(name string, perm os.FileMode) (func() error, error) { return lockFile(name, perm) }
