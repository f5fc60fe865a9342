//go:build unix

package compare

import (
	"syscall"
	"time"
)

// cpuTime returns the processor time, user and system, that this process
// has used so far; ok is false where it cannot be read. On a machine shared
// with other work it measures a load's cost more steadily than the wall
// clock does.
func cpuTime() (d time.Duration, ok bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
