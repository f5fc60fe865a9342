//go:build unix

package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// End-to-end tests of following changes made by other programs, in the
// built program in a real terminal.

// TestE2EReadOnlyFollowsAlwaysSaveWriter runs an always-save writer in this
// process that keeps writing, so its changes stay in the journal (the
// journal is folded into the file only after a pause), and checks that a
// --read-only view shows them within the refresh interval.
func TestE2EReadOnlyFollowsAlwaysSaveWriter(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"a": 1}`)
	w, err := kvstore.Open(data, &kvstore.Options{AlwaysSave: true, SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s := tmuxtest.StartProgram(t, "--read-only", data)
	s.WaitFor("1 key")

	// A heartbeat key written every 100 ms keeps the writer from pausing.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if err := w.Set("heartbeat", i); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	for i := range 3 {
		if err := w.Set(fmt.Sprintf("k%d", i), i); err != nil {
			t.Fatal(err)
		}
	}
	s.WaitFor("5 keys") // a, the heartbeat, k0-k2
	s.WaitFor("the writer saved; view updated")
	if got := readFile(t, data); strings.Contains(got, "k2") {
		t.Fatalf("the writes reached the data file, so the test proves nothing about the journal:\n%s", got)
	}
	s.Quit()
}

// TestE2EWritableFollowsOutsideChange changes the file behind a writable
// view: with nothing pending the view takes the change by itself; with a
// change pending it says so at once, and ctrl+s opens the conflict screen
// before any save has failed.
func TestE2EWritableFollowsOutsideChange(t *testing.T) {
	t.Parallel() // each test has its own tmux server
	data := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, data, `{"a": 1}`)
	s := tmuxtest.StartProgram(t, "--interval", "0", data)
	s.WaitFor("1 key")

	writeFile(t, data, `{"a": 1, "b": 2}`)
	s.WaitFor("the file changed on disk; view updated")
	s.WaitFor("2 keys")

	s.Keys("e", "End", "0", "C-s") // a: 10
	s.WaitFor("1 unsaved change")
	hand := `{"a": 1, "b": 2, "hand": true}`
	writeFile(t, data, hand)
	s.WaitFor("the file changed on disk (ctrl+s to resolve)")
	if got := readFile(t, data); got != hand {
		t.Fatalf("the file was touched:\n%s", got)
	}
	s.Keys("C-s")
	s.WaitFor("The file changed on disk since it was loaded.")
	s.WaitFor("The file changed 1 key, you changed 1 key")
	s.Keys("Enter")
	s.WaitFor("merged with the file")
	s.WaitFor("3 keys")
	s.Quit()
	want := "{\n  \"a\": 10,\n  \"b\": 2,\n  \"hand\": true\n}\n"
	if got := readFile(t, data); got != want {
		t.Fatalf("file:\n%s\nwant:\n%s", got, want)
	}
}
