//go:build !unix

package kvstore

// settleDisk has no portable equivalent of sync(2) here; see the Unix
// version.
func settleDisk() {}
