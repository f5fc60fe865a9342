package kvstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// A save replaces the data file with a new file, which the process creates
// and so owns. Where the OS has owners (Unix), the new file is given the
// old one's owner and group before the rename, as it is given its mode. A
// process may not always do that: only root may give a file away, and a
// user may only give one to a group of theirs. A careful tool then still
// saves when the owner stays the same (the user's own file; the group may
// change) and refuses when the file would change hands: a file of
// someone else's, in a directory this user may write to, would become this
// user's, possibly unreadable to its owner. The refusal wraps the chown
// error (errors.Is(err, fs.ErrPermission)), and the changes stay pending.

// fileMeta is what a save keeps of the file it replaces.
type fileMeta struct {
	perm     os.FileMode
	uid, gid int
	owned    bool // uid and gid are known and are to be kept
	// bestEffort makes a failure to keep the owner no error: a rescue file
	// is better written under this process's name than not at all.
	bestEffort bool
	// mounted: the file is a mount point, written in place (mount.go).
	mounted bool
}

// metaOf returns what a save keeps of the file described by info, or of
// a new file if info is nil.
func metaOf(info os.FileInfo) fileMeta {
	if info == nil {
		return fileMeta{perm: 0o644}
	}
	m := fileMeta{perm: info.Mode().Perm()}
	m.uid, m.gid, m.owned = fileOwner(info)
	return m
}

// keepOwner gives the temp file tmp the owner and group in m, where they
// differ from its own, as the policy above asks.
func keepOwner(tmp tempFile, m fileMeta) error {
	if !m.owned {
		return nil
	}
	info, err := tmp.Stat()
	if err != nil {
		return describeErr("stat", tmp.Name(), err)
	}
	uid, gid, ok := fileOwner(info)
	if !ok || uid == m.uid && gid == m.gid {
		return nil
	}
	err = tmp.Chown(m.uid, m.gid)
	switch {
	case err == nil || m.bestEffort:
		return nil
	case uid == m.uid && errors.Is(err, fs.ErrPermission):
		return nil // the owner stays; only the group changes
	}
	return fmt.Errorf("the file belongs to user %d, group %d, and its replacement cannot be given to them, so saving would take it from them: %w", m.uid, m.gid, describeErr("chown", tmp.Name(), err))
}
