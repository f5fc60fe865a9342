//go:build windows

package kvstore

// mountPoint reports false: Windows has no single-file mounts. A rename
// that fails as it would over one still sends the save in place.
func mountPoint(string) (bool, error) { return false, nil }
