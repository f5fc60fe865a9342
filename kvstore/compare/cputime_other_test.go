//go:build !unix

package compare

import "time"

// cpuTime cannot read the process's processor time on this system.
func cpuTime() (time.Duration, bool) { return 0, false }
