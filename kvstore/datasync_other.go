//go:build !linux

package kvstore

import "os"

// datasync is a full sync where fdatasync is not available; on macOS
// (*os.File).Sync uses F_FULLFSYNC.
func datasync(f *os.File) error { return f.Sync() }

// startWriteback does nothing where there is no sync_file_range; the fsync
// after a save writes everything.
func startWriteback(*os.File, int64, int64) {}
