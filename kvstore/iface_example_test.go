package kvstore_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// rememberTheme is application code written against the Store interface:
// it works unchanged on a JSON file or an etcd prefix.
func rememberTheme(s kvstore.Store, name string, size int) error {
	return s.Set("theme", map[string]any{"name": name, "size": size})
}

func ExampleStore() {
	dir := exampleDir()
	defer os.RemoveAll(dir)

	var store kvstore.Store
	store, err := kvstore.Open(filepath.Join(dir, "settings.json"), &kvstore.Options{AlwaysSave: true})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	if err := rememberTheme(store, "dark", 14); err != nil {
		log.Fatal(err)
	}
	type theme struct {
		Name string `json:"name"`
		Size int    `json:"size"`
	}
	t, err := kvstore.Decode[theme](store, "theme")
	fmt.Println(t, err)
	for k, v := range store.All() {
		fmt.Println(k, string(v))
	}
	_, err = kvstore.Decode[theme](store, "missing")
	fmt.Println(err)
	// Output:
	// {dark 14} <nil>
	// theme {"name":"dark","size":14}
	// kvstore: key not found: "missing"
}
