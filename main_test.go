package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/cli"
	"github.com/kvstore-dev/kvstore/kvstore/schema"
)

// The UI looks for other writers' changes every 2 s on a file, as the
// README says, and every second on an etcd prefix, whose watch has them
// already; the schemas' check reaches it.
func TestUIOptions(t *testing.T) {
	file := uiOptionsFor(cli.TUIOptions{Path: "data.json", Separator: "/"}, "")
	if file.Refresh != 2*time.Second || file.Validate != nil || file.Separator != "/" {
		t.Errorf("a file's UI options: refresh %v, validate set %v, separator %q; want 2s, no check, /",
			file.Refresh, file.Validate != nil, file.Separator)
	}
	store, err := kvstore.Open(filepath.Join(t.TempDir(), "other.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	prefix := uiOptionsFor(cli.TUIOptions{Backend: store}, "")
	if prefix.Refresh != time.Second {
		t.Errorf("a backend's refresh is %v; want 1s", prefix.Refresh)
	}

	path := filepath.Join(t.TempDir(), "data.schemas.json")
	if err := os.WriteFile(path, []byte(`{"n": {"type": "integer"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := schema.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	checked := uiOptionsFor(cli.TUIOptions{Path: "data.json", Schemas: set}, "")
	if checked.Validate == nil || checked.Validate("n", []byte(`"x"`)) == nil {
		t.Error("the schemas' check does not reach the UI")
	}
}
