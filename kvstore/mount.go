package kvstore

import (
	"errors"
	"syscall"
)

// A single file bind-mounted into a container (docker run -v
// /host/settings.json:/app/settings.json, a Kubernetes subPath) is a mount
// point: rename cannot replace it (EBUSY), since the directory entry is
// covered by the mount, and the directory around it, where the temp file,
// lock and journal would go, is the container's, which the host never sees.
//
// Such a file is saved in place instead: the new content is first written
// to a temp file beside it and made durable, then copied over the file's
// own content, which is truncated to the new length and fsynced, and only
// then is the temp file removed. A crash during the copy can leave the file
// torn, part new and part old (usually invalid JSON, which Open then
// refuses without touching it); the temp file then still holds the
// complete new content. And always-save writes skip the journal, since one
// beside the mount point is no write to the file: each returns once the
// file itself holds it, at the cost of a whole-file write per batch.
//
// Open detects the mount (mountPoint). A rename that fails with EBUSY or
// EXDEV also finds one, and the save, and every later one, goes in place.

// isMountedErr reports whether a rename over the data file failed because
// it is a mount point.
func isMountedErr(err error) bool {
	return errors.Is(err, syscall.EBUSY) || errors.Is(err, syscall.EXDEV)
}
