//go:build !linux

package kvstore

import "os"

// datasync is a full sync where fdatasync is not available; on macOS
// (*os.File).Sync uses F_FULLFSYNC.
func datasync(f *os.File) error { return f.Sync() }
