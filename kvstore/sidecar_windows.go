//go:build windows

package kvstore

import "os"

// noFollow is 0: Windows has no O_NOFOLLOW, so openSidecar relies on its
// Lstat check before the open, which a link planted in the instant between
// the two can still defeat. Creating a symbolic link on Windows takes a
// privilege (or developer mode) that most accounts lack.
const noFollow = 0

// linkCount returns 1: a FileInfo on Windows does not carry the link count.
func linkCount(os.FileInfo) uint64 { return 1 }
