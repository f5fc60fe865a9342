package kvstore

import (
	"strconv"
	"strings"
)

// lockHolder reads the process id a writer recorded in the lock file at
// path; 0 if there is none.
func lockHolder(fsys fileSystem, path string) int {
	data, err := fsys.ReadSidecar(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
