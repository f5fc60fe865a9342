package kvstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The data file may be a symbolic link (a settings file linked in from a
// dotfiles repository): Open resolves it once, and every file the store
// writes (temp files, lock, journal, segments, rescue files) lives beside
// the target, so a save replaces the target and the link stays a link.
//
// The sidecars themselves are never followed: in a directory that others can
// write to, a link planted at data.json.lock or data.json.journal would
// otherwise make the store write into whatever it points at. They are opened
// with O_NOFOLLOW (and O_NONBLOCK, so a planted FIFO cannot hang the open),
// created exclusively where they should be new, and refused unless they are
// regular files with no other hard link. Temp files are created exclusively
// under random names, and rescue files are put in place by rename, which
// replaces a link rather than following it.

// sidecarPerm returns the permission bits of the sidecars of a data file
// with mode m: its own (a 0600 file never gets a readable journal or rescue
// file), plus the owner's read and write, which the store needs to append
// to and replace them.
func sidecarPerm(m os.FileMode) os.FileMode { return m.Perm() | 0o600 }

// maxLinks bounds the chain of symbolic links Open follows, as the kernel
// does (ELOOP).
const maxLinks = 40

// resolveLinks returns the file that path names once every symbolic link
// in it is followed, as the kernel follows them: a relative target is taken
// from the real directory of the link, so ".." in it leaves that directory
// and not the one the path spells (config/app/settings.json, where
// config/app leads to dotfiles/app and settings.json to ../settings.json,
// is dotfiles/settings.json). The file itself need not exist: a dangling
// link resolves to the target it names, which the first save creates, and
// a missing directory is left for Open to report.
func resolveLinks(path string) (string, error) {
	for range maxLinks {
		real, err := filepath.EvalSymlinks(path)
		if !errors.Is(err, fs.ErrNotExist) {
			return real, err
		}
		// The last component is missing, or is a link to something missing:
		// follow that link by hand from its real directory.
		dir, name := filepath.Split(path)
		if dir == "" {
			dir = "."
		}
		realDir, err := filepath.EvalSymlinks(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.Clean(path), nil
		}
		if err != nil {
			return "", err
		}
		full := filepath.Join(realDir, name)
		info, err := os.Lstat(full)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return full, nil
		case err != nil:
			return "", err
		case info.Mode()&fs.ModeSymlink == 0:
			return full, nil // created since EvalSymlinks looked
		}
		target, err := os.Readlink(full)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			// Not filepath.Join: it would cancel "sub/.." in a target
			// as text, where sub may itself be a link.
			target = realDir + string(filepath.Separator) + target
		}
		path = target
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// openSidecar opens the sidecar file name with flag (plus the no-follow
// flags), creating it with perm if flag says so, and checks that what it
// opened is a regular file with no other hard link.
func openSidecar(name string, flag int, perm os.FileMode) (*os.File, error) {
	if err := refuseLink(name); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(name, flag|noFollow, perm)
	if err != nil {
		if lerr := refuseLink(name); lerr != nil {
			return nil, lerr
		}
		return nil, err
	}
	info, err := f.Stat()
	if err == nil {
		err = checkSidecar(name, info)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// refuseLink returns an error if name is a symbolic link.
func refuseLink(name string) error {
	if info, err := os.Lstat(name); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		return &fs.PathError{Op: "open", Path: name, Err: errSidecarLink}
	}
	return nil
}

// checkSidecar refuses an opened sidecar that is not a regular file of its
// own.
func checkSidecar(name string, info os.FileInfo) error {
	switch {
	case !info.Mode().IsRegular():
		return &fs.PathError{Op: "open", Path: name, Err: errSidecarNotRegular}
	case linkCount(info) > 1:
		return &fs.PathError{Op: "open", Path: name, Err: errSidecarHardLink}
	}
	return nil
}

var (
	errSidecarLink       = errors.New("is a symbolic link; kvstore never writes through one (remove it)")
	errSidecarNotRegular = errors.New("is not a regular file (remove it)")
	errSidecarHardLink   = errors.New("has other hard links; kvstore never writes into a file shared that way (remove it)")
)

// readSidecar reads a sidecar (a journal or the lock file) the way
// openSidecar opens it.
func readSidecar(name string) ([]byte, error) {
	f, err := openSidecar(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
