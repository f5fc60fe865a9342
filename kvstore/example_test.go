package kvstore_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// exampleDir returns a fresh directory for an example's data file.
func exampleDir() string {
	dir, err := os.MkdirTemp("", "kvstore-example")
	if err != nil {
		log.Fatal(err)
	}
	return dir
}

// The original API: open with always-save, set, get, delete, list.
func ExampleNewKVStore() {
	dir := exampleDir()
	defer os.RemoveAll(dir)

	store, err := kvstore.NewKVStore(filepath.Join(dir, "data.json"), true)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	store.Set("user1", map[string]interface{}{"name": "John Doe", "age": 30})
	value, exists := store.Get("user1")
	fmt.Println(value, exists)
	store.Delete("user1")
	fmt.Println(store.Keys())
	// Output:
	// map[age:30 name:John Doe] true
	// []
}

func ExampleOpen() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "settings.json")

	store, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		log.Fatal(err)
	}
	store.Set("theme", map[string]any{"name": "dark", "size": 14})
	store.Set("recent", []string{"a.txt", "b.txt"})
	if err := store.Close(); err != nil { // saves the pending changes
		log.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	fmt.Print(string(data))
	// Output:
	// {
	//   "recent": [
	//     "a.txt",
	//     "b.txt"
	//   ],
	//   "theme": {
	//     "name": "dark",
	//     "size": 14
	//   }
	// }
}

func ExampleGetAs() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	store, _ := kvstore.Open(filepath.Join(dir, "data.json"), nil)
	defer store.Close()

	type Window struct {
		Width, Height int
	}
	store.Set("window", Window{1280, 800})
	w, err := kvstore.GetAs[Window](store, "window")
	fmt.Println(w.Width, w.Height, err)
	_, err = kvstore.GetAs[Window](store, "nope")
	fmt.Println(errors.Is(err, kvstore.ErrNotFound))
	// Output:
	// 1280 800 <nil>
	// true
}

func ExampleKVStore_SetRaw() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	store, _ := kvstore.Open(filepath.Join(dir, "data.json"), nil)
	defer store.Close()

	store.SetRaw("price", []byte(`{"amount": 10.50, "currency": "EUR"}`))
	raw, _ := store.GetRaw("price")
	fmt.Println(string(raw))

	err := store.SetRaw("broken", []byte("{\n  \"amount\": 10.50,\n  \"currency\": EUR\n}"))
	var syntax *kvstore.SyntaxError
	if errors.As(err, &syntax) {
		fmt.Printf("line %d, column %d: %s\n", syntax.Line, syntax.Column, syntax.Msg)
	}
	// Output:
	// {"amount":10.50,"currency":"EUR"}
	// line 3, column 15: invalid character 'E' looking for beginning of value
}

func ExampleKVStore_Prefix() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	store, _ := kvstore.Open(filepath.Join(dir, "data.json"), nil)
	defer store.Close()

	for _, k := range []string{"user/2", "session/9", "user/1"} {
		store.Set(k, len(k))
	}
	for key, raw := range store.Prefix("user/") {
		fmt.Println(key, string(raw))
	}
	// Output:
	// user/1 6
	// user/2 6
}

func ExampleKVStore_Events() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	store, _ := kvstore.Open(filepath.Join(dir, "data.json"), &kvstore.Options{SaveInterval: -1})

	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range store.Events() { // closed by Close
			fmt.Println(ev.Reason, ev.Keys, ev.Err)
		}
	}()
	store.Set("a", 1)
	store.Flush()
	store.Set("b", 2)
	store.Close()
	<-done
	// Output:
	// manual 1 <nil>
	// close 2 <nil>
}

// A second writer is refused; a program that only needs to look can fall
// back to a read-only store, which takes no lock.
func ExampleLockedError() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "data.json")

	writer, err := kvstore.Open(path, &kvstore.Options{AlwaysSave: true})
	if err != nil {
		log.Fatal(err)
	}
	defer writer.Close()
	writer.Set("status", "running")

	store, err := kvstore.Open(path, nil)
	var locked *kvstore.LockedError
	if errors.As(err, &locked) {
		// locked.PID, where known, says which process has the file.
		fmt.Println("in use:", filepath.Base(locked.Path))
		store, err = kvstore.Open(path, &kvstore.Options{ReadOnly: true})
	}
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	fmt.Println(store.Get("status"))
	// Output:
	// in use: data.json
	// running true
}

// Indent lays a value out as the store writes it in its file.
func ExampleIndent() {
	fmt.Printf("%s\n", kvstore.Indent([]byte(`{"name":"dark","sizes":[12,14],"extra":{}}`)))
	// Output:
	// {
	//   "name": "dark",
	//   "sizes": [
	//     12,
	//     14
	//   ],
	//   "extra": {}
	// }
}

// Compact checks a value as SetRaw would, and says where it is wrong.
func ExampleCompact() {
	c, err := kvstore.Compact([]byte("{\n  \"port\": 8080\n}"))
	fmt.Printf("%s %v\n", c, err)
	_, err = kvstore.Compact([]byte("{\n  \"port\": 8080,\n}"))
	var syn *kvstore.SyntaxError
	if errors.As(err, &syn) {
		fmt.Printf("line %d, column %d: %s\n", syn.Line, syn.Column, syn.Msg)
	}
	// Output:
	// {"port":8080} <nil>
	// line 3, column 1: invalid character '}' looking for beginning of object key string
}

// ReadKey prints one value of a data file without opening a store: what
// `kvstore get FILE KEY` does. It checks the whole file as Open would.
func ExampleReadKey() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "settings.json")
	if err := os.WriteFile(path, []byte(`{
  "theme": "dark",
  "window": {"width": 1280, "height": 800}
}
`), 0o644); err != nil {
		log.Fatal(err)
	}

	got, err := kvstore.ReadKey(path, "window")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(got.Value), got.Found)
	got, err = kvstore.ReadKey(path, "font")
	fmt.Println(got.Found, err)
	// Output:
	// {"width":1280,"height":800} true
	// false <nil>
}

// A KeyList is read by index and searched, as a terminal UI scrolls and
// jumps through a long list of keys; ListKeys gives any backend's.
func ExampleKeyList() {
	dir := exampleDir()
	defer os.RemoveAll(dir)
	store, err := kvstore.Open(filepath.Join(dir, "data.json"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	for _, k := range []string{"user/3", "user/1", "config", "user/2"} {
		store.Set(k, true)
	}

	keys := kvstore.ListKeys(store)
	fmt.Println(keys.Len(), keys.At(0))
	i := keys.Search("user/")
	fmt.Println(i, keys.At(i))
	for _, k := range keys.All() {
		fmt.Print(k, " ")
	}
	fmt.Println()
	// Output:
	// 4 config
	// 1 user/1
	// config user/1 user/2 user/3
}
