//go:build !unix

package kvstore

import "time"

// settleDisk has no portable equivalent of sync(2) here; see the Unix
// version.
func settleDisk() {}

// processCPU is not measured here; see the Unix version.
func processCPU() (time.Duration, bool) { return 0, false }
