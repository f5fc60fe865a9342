package kvstore

import (
	"os"
	"path/filepath"
	"testing"
)

// mountPoint on real files: /proc is mounted on /, and a file in a temp
// directory is no mount point.
func TestMountPointDetection(t *testing.T) {
	if got, err := mountPoint("/proc"); err != nil || !got {
		t.Errorf("mountPoint(/proc) = %v, %v, want true", got, err)
	}
	path := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := mountPoint(path); err != nil || got {
		t.Errorf("mountPoint(%s) = %v, %v, want false", path, got, err)
	}
}
