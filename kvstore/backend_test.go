package kvstore_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/storetest"
)

// fileData is a data file for the backend conformance suite, opened as the
// command line opens it: changes wait for Flush or Close.
type fileData struct{ path string }

func (d fileData) Open(t *testing.T) kvstore.Backend {
	t.Helper()
	s, err := kvstore.Open(d.path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// WriteElsewhere rewrites the file as another program would, replacing it.
func (d fileData) WriteElsewhere(t *testing.T, key string, raw []byte) {
	t.Helper()
	object := map[string]json.RawMessage{}
	text, err := os.ReadFile(d.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		t.Fatal(err)
	default:
		if err := json.Unmarshal(text, &object); err != nil {
			t.Fatal(err)
		}
	}
	object[key] = raw
	text, err = json.MarshalIndent(object, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	tmp := d.path + ".elsewhere"
	if err := os.WriteFile(tmp, text, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, d.path); err != nil {
		t.Fatal(err)
	}
}

// The file store keeps the backend contract.
func TestBackendContract(t *testing.T) {
	storetest.TestBackend(t, func(t *testing.T) storetest.Data {
		return fileData{path: filepath.Join(t.TempDir(), "data.json")}
	})
}
