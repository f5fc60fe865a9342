package kvstore_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/schema"
)

var errNegative = errors.New("must not be negative")

// refuseNegative accepts any value but a negative number.
func refuseNegative(key string, raw []byte) error {
	if strings.HasPrefix(string(raw), "-") {
		return errNegative
	}
	return nil
}

func TestValidateRefusesWritesAndChangesNothing(t *testing.T) {
	for _, always := range []bool{false, true} {
		t.Run(fmt.Sprintf("always-save=%v", always), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "data.json")
			var asked []string
			store, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: always, Validate: func(key string, raw []byte) error {
				asked = append(asked, key+"="+string(raw))
				return refuseNegative(key, raw)
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			if err := store.Set("n", 1); err != nil {
				t.Fatal(err)
			}
			if err := store.Set("n", -1); !errors.Is(err, errNegative) || !strings.Contains(err.Error(), `"n"`) {
				t.Errorf("Set(n, -1) = %v; want the validator's error naming the key", err)
			}
			if err := store.SetRaw("m", []byte(" -2.50 ")); !errors.Is(err, errNegative) {
				t.Errorf("SetRaw(m, -2.50) = %v; want the validator's error", err)
			}
			if err := store.Set("neg", 5); err != nil {
				t.Fatal(err)
			}
			if got, _ := store.GetRaw("n"); string(got) != "1" || store.Has("m") {
				t.Errorf("a refused write changed the store: n=%s, m present %v", got, store.Has("m"))
			}
			if err := store.Flush(); err != nil {
				t.Fatal(err)
			}
			// The validator saw compact JSON, SetRaw's included.
			want := []string{"n=1", "n=-1", "m=-2.50", "neg=5"}
			if strings.Join(asked, " ") != strings.Join(want, " ") {
				t.Errorf("Validate was asked %q; want %q", asked, want)
			}
		})
	}
}

func TestValidateChecksRenameUnderTheNewKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	store, err := kvstore.Open(path, &kvstore.Options{Validate: func(key string, raw []byte) error {
		if strings.HasPrefix(key, "num/") && !strings.ContainsAny(string(raw[:1]), "0123456789-") {
			return fmt.Errorf("%s must hold a number", key)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Set("text", "hello"); err != nil {
		t.Fatal(err)
	}
	err = store.Rename("text", "num/1")
	if err == nil || !strings.Contains(err.Error(), "num/1 must hold a number") || !strings.Contains(err.Error(), `rename "text" to "num/1"`) {
		t.Fatalf("Rename(text, num/1) = %v; want the validator's error for the new key", err)
	}
	if !store.Has("text") || store.Has("num/1") {
		t.Error("a refused rename moved the value")
	}
	if err := store.Rename("text", "plain"); err != nil {
		t.Errorf("Rename to an unchecked key: %v", err)
	}
}

func TestValidateWithSchemas(t *testing.T) {
	dir := t.TempDir()
	schemas := filepath.Join(dir, "data.schemas.json")
	if err := os.WriteFile(schemas, []byte(`{"user/*": {"type": "object", "required": ["name"]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := schema.Load(schemas)
	if err != nil {
		t.Fatal(err)
	}
	store, err := kvstore.Open(filepath.Join(dir, "data.json"), &kvstore.Options{Validate: set.Validate})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Set("user/1", map[string]any{"name": "Ann"}); err != nil {
		t.Fatal(err)
	}
	err = store.Set("user/2", map[string]any{"age": 3})
	var ve *schema.ValidationError
	if !errors.As(err, &ve) || ve.Violations[0].Pointer != "" || !strings.Contains(err.Error(), "user/2: /: missing property 'name'") {
		t.Fatalf("Set(user/2) = %v; want a schema violation at the value's root", err)
	}
}

// Options.Validate refuses values before the store takes them; the
// kvstore/schema package checks them against JSON Schemas by key pattern.
func ExampleOptions_validate() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	store, err := kvstore.Open(filepath.Join(dir, "data.json"), &kvstore.Options{
		Validate: func(key string, raw []byte) error {
			if key == "port" && string(raw) == "0" {
				return errors.New("port 0 is not a port")
			}
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	defer store.Close()
	fmt.Println(store.Set("port", 0))
	fmt.Println(store.Set("port", 8080))
	// Output:
	// kvstore: set "port": port 0 is not a port
	// <nil>
}
