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
	"unicode/utf8"

	"github.com/kvstore-dev/kvstore/kvstore/exactjson"
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
//
// Keys and values are kept exactly, as an export keeps them (package
// exactjson): set lists, in its member "kvstore:exact", each key and value
// its other members cannot carry as they are (bytes that are not JSON, or
// not compact, or not UTF-8); delete gives a key that is not UTF-8 as
// {"base64": "..."}; and the revisions of such keys, which cannot be
// member names, are in "exact revisions", [{"key": K, "revision": N}].
type rescueFile struct {
	Source         string                     `json:"source"`
	Set            map[string]json.RawMessage `json:"set"`
	Delete         []json.RawMessage          `json:"delete"`
	Revisions      map[string]int64           `json:"revisions"`
	ExactRevisions []exactRevision            `json:"exact revisions,omitempty"`
}

// exactRevision is the revision of a key that is not UTF-8.
type exactRevision struct {
	Key      json.RawMessage `json:"key"`
	Revision int64           `json:"revision"`
}

// WritePending writes the pending changes to a new file at path, in the
// format `kvstore import --changes` reads, and returns how many it wrote.
// The file is written atomically and only if path does not exist: the
// text goes to a temporary file beside it, which is synced and then
// linked to path, an operation that fails rather than replace a file.
func (b *Backend) WritePending(path string) (int, error) {
	f := rescueFile{Source: b.name, Set: map[string]json.RawMessage{}, Delete: []json.RawMessage{}, Revisions: map[string]int64{}}
	var exact []exactjson.Entry
	b.mu.Lock()
	for _, k := range slices.Sorted(maps.Keys(b.pending)) {
		p := b.pending[k]
		switch {
		case p.v == nil:
			f.Delete = append(f.Delete, exactjson.AppendBytes(nil, []byte(k)))
		case !exactjson.PlainKey(k):
			exact = append(exact, exactjson.Entry{Key: k, Value: p.v.raw})
		default:
			f.Set[k] = p.v.shown
			if !exactjson.PlainValue(p.v.raw) {
				exact = append(exact, exactjson.Entry{Key: k, Value: p.v.raw})
			}
		}
		if utf8.ValidString(k) {
			f.Revisions[k] = p.base
		} else {
			f.ExactRevisions = append(f.ExactRevisions, exactRevision{Key: exactjson.AppendBytes(nil, []byte(k)), Revision: p.base})
		}
	}
	b.mu.Unlock()
	if len(exact) > 0 {
		f.Set[exactjson.Member] = exactjson.Encode(exact)
	}
	return len(f.Revisions) + len(f.ExactRevisions), writeNewFile(path, f)
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
