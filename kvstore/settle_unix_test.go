//go:build unix

package kvstore

import (
	"syscall"
	"time"
)

// settleDisk writes all dirty data to disk (sync(2)), so that writeback of
// what the benchmark's setup or an earlier variant wrote does not land in
// the fsyncs a variant times. On ext4 an fsync commits the file system's
// journal, which can wait for other files' dirty data and for the discards
// of deleted ones, such as the baseline's unsynced 22 MB rewrites.
func settleDisk() { syscall.Sync() }

// processCPU returns the CPU time the process has used, user and system,
// for benchmarks that report it beside the time by the clock: on a machine
// shared with other work the clock also counts the time spent waiting for
// a core.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
