//go:build unix

package kvstore

import "syscall"

// settleDisk writes all dirty data to disk (sync(2)), so that writeback of
// what the benchmark's setup or an earlier variant wrote does not land in
// the fsyncs a variant times. On ext4 an fsync commits the file system's
// journal, which can wait for other files' dirty data and for the discards
// of deleted ones, such as the baseline's unsynced 22 MB rewrites.
func settleDisk() { syscall.Sync() }
