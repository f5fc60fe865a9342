package kvstore

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// This file holds faultFS, a fileSystem that wraps the real one and fails
// chosen calls, so tests can prove what the store does when a disk fills up,
// turns read-only or returns I/O errors at any step of a save.
//
// The package's TestMain (main_test.go) runs goleak over every test in this
// binary, so the tests built on faultFS also prove that no failure path
// leaks the background saver.

// fsOp names one operation of the fileSystem seam, including the methods of
// the files it returns.
type fsOp string

const (
	opReadFile   fsOp = "ReadFile"
	opStat       fsOp = "Stat"
	opOpen       fsOp = "Open"
	opReadAt     fsOp = "ReadAt" // a read of the data file a save copies from
	opCreateTemp fsOp = "CreateTemp"
	opRename     fsOp = "Rename"
	opRemove     fsOp = "Remove"
	opReadDir    fsOp = "ReadDir"
	opSyncDir    fsOp = "SyncDir"
	opOpenAppend fsOp = "OpenAppend"
	opLock       fsOp = "Lock"
	opMountPoint fsOp = "MountPoint"
	opInPlace    fsOp = "WriteInPlace"
	opUnlock     fsOp = "Unlock" // the release func returned by Lock

	// Methods of the temp file a save writes.
	opWrite    fsOp = "Write"
	opChmod    fsOp = "Chmod"
	opChown    fsOp = "Chown"
	opSync     fsOp = "Sync"
	opTempStat fsOp = "TempStat"
	opClose    fsOp = "Close"

	// Methods of a file opened with OpenAppend (the journal).
	opAppendWrite fsOp = "AppendWrite"
	opAppendSync  fsOp = "AppendSync"
	opAllocate    fsOp = "Allocate"
	opAppendClose fsOp = "AppendClose"
)

// fsCall is one recorded call: which operation, on which file.
type fsCall struct {
	op   fsOp
	name string
}

func (c fsCall) String() string { return fmt.Sprintf("%s(%s)", c.op, filepath.Base(c.name)) }

// fault makes one call fail.
type fault struct {
	op  fsOp
	nth int   // fail the nth matching call after the fault was armed (1-based); 0 fails every one
	err error // the errno to return, e.g. syscall.ENOSPC
	// short makes a failing Write or AppendWrite first write half of its
	// bytes, as a write that runs out of space part way does.
	short bool
	// only restricts the fault to calls whose file name has this base name
	// prefix; "" matches every file.
	only string

	seen  int // matching calls so far
	fired int // calls failed so far
}

// faultFS wraps a fileSystem and fails the calls chosen by its faults. It
// also records every call, so a test can list the steps of an operation and
// then fail each one in turn.
type faultFS struct {
	base fileSystem

	mu     sync.Mutex
	faults []*fault
	calls  []fsCall
	// afterRename, if set, runs right after a successful Rename, as another
	// process acting at that instant would.
	afterRename func(newpath string)
	// mount, if set, is a data file that behaves as a file bind-mounted
	// over another: a rename over it fails with EBUSY, and MountPoint
	// reports it unless mountHidden (a mount Open cannot detect).
	mount       string
	mountHidden bool
	// before, if set, runs at the start of every call, outside the lock,
	// so a test can act (or wait) at a chosen step, as another process or
	// a slow disk would.
	before func(op fsOp, name string)
}

// setBefore installs the before hook.
func (f *faultFS) setBefore(fn func(op fsOp, name string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.before = fn
}

func newFaultFS() *faultFS { return &faultFS{base: osFS{}} }

// inject arms a fault and returns it, so the test can check that it fired.
func (f *faultFS) inject(op fsOp, nth int, err error) *fault {
	return f.add(&fault{op: op, nth: nth, err: err})
}

func (f *faultFS) add(ft *fault) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, ft)
	return ft
}

// heal removes every fault: the disk works again.
func (f *faultFS) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// record returns the calls made since the last record and starts a new list.
func (f *faultFS) record() []fsCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls
	f.calls = nil
	return c
}

// check records a call and returns the fault that fails it, if any.
func (f *faultFS) check(op fsOp, name string) *fault {
	f.mu.Lock()
	before := f.before
	f.mu.Unlock()
	if before != nil {
		before(op, name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fsCall{op, name})
	for _, ft := range f.faults {
		if ft.op != op || ft.only != "" && !strings.HasPrefix(filepath.Base(name), ft.only) {
			continue
		}
		ft.seen++
		if ft.nth == 0 || ft.seen == ft.nth {
			ft.fired++
			return ft
		}
	}
	return nil
}

// fired reports how many calls a fault has failed, under the lock.
func (f *faultFS) fired(ft *fault) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return ft.fired
}

func pathErr(op fsOp, name string, err error) error {
	return &fs.PathError{Op: strings.ToLower(string(op)), Path: name, Err: err}
}

func (f *faultFS) ReadFile(name string) ([]byte, os.FileInfo, error) {
	if ft := f.check(opReadFile, name); ft != nil {
		return nil, nil, pathErr(opReadFile, name, ft.err)
	}
	return f.base.ReadFile(name)
}

func (f *faultFS) Stat(name string) (os.FileInfo, error) {
	if ft := f.check(opStat, name); ft != nil {
		return nil, pathErr(opStat, name, ft.err)
	}
	return f.base.Stat(name)
}

func (f *faultFS) Open(name string) (sourceFile, error) {
	if ft := f.check(opOpen, name); ft != nil {
		return nil, pathErr(opOpen, name, ft.err)
	}
	src, err := f.base.Open(name)
	if err != nil {
		return nil, err
	}
	return &faultSource{fs: f, f: src, name: name}, nil
}

// faultSource is the data file as a save reads it, with its reads behind
// faults.
type faultSource struct {
	fs   *faultFS
	f    sourceFile
	name string
}

func (s *faultSource) Name() string { return s.name }

func (s *faultSource) ReadAt(p []byte, off int64) (int, error) {
	if ft := s.fs.check(opReadAt, s.name); ft != nil {
		return 0, pathErr(opReadAt, s.name, ft.err)
	}
	return s.f.ReadAt(p, off)
}

func (s *faultSource) Stat() (os.FileInfo, error) { return s.f.Stat() }

func (s *faultSource) Close() error { return s.f.Close() }

func (f *faultFS) CreateTemp(dir, pattern string) (tempFile, error) {
	if ft := f.check(opCreateTemp, filepath.Join(dir, pattern)); ft != nil {
		return nil, pathErr(opCreateTemp, filepath.Join(dir, pattern), ft.err)
	}
	t, err := f.base.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &faultTemp{fs: f, f: t}, nil
}

func (f *faultFS) Rename(oldpath, newpath string) error {
	if ft := f.check(opRename, newpath); ft != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: ft.err}
	}
	if f.mount != "" && newpath == f.mount {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EBUSY}
	}
	if err := f.base.Rename(oldpath, newpath); err != nil {
		return err
	}
	f.mu.Lock()
	after := f.afterRename
	f.mu.Unlock()
	if after != nil {
		after(newpath)
	}
	return nil
}

func (f *faultFS) Remove(name string) error {
	if ft := f.check(opRemove, name); ft != nil {
		return pathErr(opRemove, name, ft.err)
	}
	return f.base.Remove(name)
}

func (f *faultFS) ReadDir(dir string) ([]os.DirEntry, error) {
	if ft := f.check(opReadDir, dir); ft != nil {
		return nil, pathErr(opReadDir, dir, ft.err)
	}
	return f.base.ReadDir(dir)
}

func (f *faultFS) SyncDir(dir string) error {
	if ft := f.check(opSyncDir, dir); ft != nil {
		return pathErr(opSyncDir, dir, ft.err)
	}
	return f.base.SyncDir(dir)
}

func (f *faultFS) MountPoint(name string) (bool, error) {
	if ft := f.check(opMountPoint, name); ft != nil {
		return false, pathErr(opMountPoint, name, ft.err)
	}
	if f.mount != "" && name == f.mount {
		return !f.mountHidden, nil
	}
	return f.base.MountPoint(name)
}

func (f *faultFS) WriteInPlace(name, from string) (os.FileInfo, error) {
	if ft := f.check(opInPlace, name); ft != nil {
		if !ft.short {
			return nil, pathErr(opInPlace, name, ft.err)
		}
		// The copy got part way: the file holds the first half of the
		// new content.
		if b, err := os.ReadFile(from); err == nil {
			os.WriteFile(name, b[:len(b)/2], 0)
		}
		info, _ := os.Stat(name)
		return info, pathErr(opInPlace, name, ft.err)
	}
	return f.base.WriteInPlace(name, from)
}

func (f *faultFS) OpenAppend(name string, perm os.FileMode) (appendFile, error) {
	if ft := f.check(opOpenAppend, name); ft != nil {
		return nil, pathErr(opOpenAppend, name, ft.err)
	}
	a, err := f.base.OpenAppend(name, perm)
	if err != nil {
		return nil, err
	}
	return &faultAppend{fs: f, f: a, name: name}, nil
}

func (f *faultFS) ReadSidecar(name string) ([]byte, error) {
	if ft := f.check(opReadFile, name); ft != nil {
		return nil, pathErr(opReadFile, name, ft.err)
	}
	return f.base.ReadSidecar(name)
}

func (f *faultFS) JournalEnd(name string) (int64, error) {
	if ft := f.check(opReadFile, name); ft != nil {
		return 0, pathErr(opReadFile, name, ft.err)
	}
	return f.base.JournalEnd(name)
}

func (f *faultFS) Lock(name string, perm os.FileMode) (func() error, error) {
	if ft := f.check(opLock, name); ft != nil {
		return nil, pathErr(opLock, name, ft.err)
	}
	release, err := f.base.Lock(name, perm)
	if err != nil {
		return nil, err
	}
	return func() error {
		// The real lock is always released, so a failed release cannot keep
		// the next Open out; the error is still reported.
		err := release()
		if ft := f.check(opUnlock, name); ft != nil {
			return pathErr(opUnlock, name, ft.err)
		}
		return err
	}, nil
}

// faultTemp is the temp file of a save, with its methods behind faults.
type faultTemp struct {
	fs *faultFS
	f  tempFile
}

func (t *faultTemp) Name() string { return t.f.Name() }

func (t *faultTemp) Write(p []byte) (int, error) {
	if ft := t.fs.check(opWrite, t.f.Name()); ft != nil {
		n := 0
		if ft.short && len(p) > 1 {
			n, _ = t.f.Write(p[:len(p)/2])
		}
		return n, pathErr(opWrite, t.f.Name(), ft.err)
	}
	return t.f.Write(p)
}

func (t *faultTemp) Chmod(mode os.FileMode) error {
	if ft := t.fs.check(opChmod, t.f.Name()); ft != nil {
		return pathErr(opChmod, t.f.Name(), ft.err)
	}
	return t.f.Chmod(mode)
}

func (t *faultTemp) Chown(uid, gid int) error {
	if ft := t.fs.check(opChown, t.f.Name()); ft != nil {
		return pathErr(opChown, t.f.Name(), ft.err)
	}
	return t.f.Chown(uid, gid)
}

func (t *faultTemp) Sync() error {
	if ft := t.fs.check(opSync, t.f.Name()); ft != nil {
		return pathErr(opSync, t.f.Name(), ft.err)
	}
	return t.f.Sync()
}

func (t *faultTemp) Stat() (os.FileInfo, error) {
	if ft := t.fs.check(opTempStat, t.f.Name()); ft != nil {
		return nil, pathErr(opTempStat, t.f.Name(), ft.err)
	}
	return t.f.Stat()
}

func (t *faultTemp) Close() error {
	if ft := t.fs.check(opClose, t.f.Name()); ft != nil {
		// Like a real close that reports a deferred write error, the
		// descriptor is gone either way.
		t.f.Close()
		return pathErr(opClose, t.f.Name(), ft.err)
	}
	return t.f.Close()
}

// faultAppend is a file opened for appending, with its methods behind
// faults.
type faultAppend struct {
	fs   *faultFS
	f    appendFile
	name string
}

func (a *faultAppend) Write(p []byte) (int, error) {
	if ft := a.fs.check(opAppendWrite, a.name); ft != nil {
		n := 0
		if ft.short && len(p) > 1 {
			n, _ = a.f.Write(p[:len(p)/2])
		}
		return n, pathErr(opAppendWrite, a.name, ft.err)
	}
	return a.f.Write(p)
}

func (a *faultAppend) End() int64 { return a.f.End() }

func (a *faultAppend) Allocate(size int64) error {
	if ft := a.fs.check(opAllocate, a.name); ft != nil {
		return pathErr(opAllocate, a.name, ft.err)
	}
	return a.f.Allocate(size)
}

func (a *faultAppend) Sync() error {
	if ft := a.fs.check(opAppendSync, a.name); ft != nil {
		return pathErr(opAppendSync, a.name, ft.err)
	}
	return a.f.Sync()
}

func (a *faultAppend) Close() error {
	if ft := a.fs.check(opAppendClose, a.name); ft != nil {
		a.f.Close()
		return pathErr(opAppendClose, a.name, ft.err)
	}
	return a.f.Close()
}

// errnos are the failures every fault test tries: a full disk, a file
// system remounted read-only, a failing device and a permission change.
var errnos = []syscall.Errno{syscall.ENOSPC, syscall.EROFS, syscall.EIO, syscall.EACCES}
