package etcdstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
)

// A rescue file keeps the changes a Backend has not committed, which its
// Close would drop. It is one JSON object:
//
//	{
//	  "source": "etcd://127.0.0.1:2379/app/",
//	  "set": {"key": value, ...},
//	  "delete": ["key", ...],
//	  "revisions": {"key": 42, ...}
//	}
//
// set holds each key added or changed with its new value, delete each key
// removed (a rename is both), so a deletion is never mistaken for a null
// value; revisions holds the revision in etcd each change was based on (0:
// the key did not exist). `kvstore import --changes SRC < FILE` applies
// it with the same revision checks the Backend would have made.
type rescueFile struct {
	Source    string                     `json:"source"`
	Set       map[string]json.RawMessage `json:"set"`
	Delete    []string                   `json:"delete"`
	Revisions map[string]int64           `json:"revisions"`
}

// WritePending writes the pending changes to a new file at path, in the
// format `kvstore import --changes` reads, and returns how many it wrote.
// The file is written atomically and only if path does not exist: the
// text goes to a temporary file beside it, which is synced and then
// linked to path, an operation that fails rather than replace a file.
func (b *Backend) WritePending(path string) (int, error) {
	f := rescueFile{Source: b.name, Set: map[string]json.RawMessage{}, Delete: []string{}, Revisions: map[string]int64{}}
	b.mu.Lock()
	for _, k := range slices.Sorted(maps.Keys(b.pending)) {
		p := b.pending[k]
		if p.v != nil {
			f.Set[k] = p.v.shown
		} else {
			f.Delete = append(f.Delete, k)
		}
		f.Revisions[k] = p.base
	}
	b.mu.Unlock()
	return len(f.Set) + len(f.Delete), writeNewFile(path, f)
}

func writeNewFile(path string, f rescueFile) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".kvstore-pending-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; choose another name", filepath.Base(path))
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a new name in dir durable. Windows has no directory sync,
// and there the link is as durable as the file system makes it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
