package tui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"go.uber.org/goleak"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/termsafe"

	"github.com/kvstore-dev/kvstore/tui/internal/display"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// The -update flag rewrites the golden files. teatest's golden package
// defines a flag of that name already; both then mean the same thing.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files in testdata")
	}
}

func updating() bool { return flag.Lookup("update").Value.String() == "true" }

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// teatest starts a goroutine per program that waits for SIGINT for
		// the rest of the process; it is the test library's, not ours.
		goleak.IgnoreTopFunction("github.com/charmbracelet/x/exp/teatest/v2.NewTestModel.func2"),
		goleak.Cleanup(func(int) {
			tmuxtest.Cleanup()
			removeBenchFiles()
		}))
}

// fixedNow is the clock of every test model, so golden files are stable.
var fixedNow = time.Date(2026, 11, 25, 14, 3, 22, 0, time.UTC)

// testKeyMap is the program's key map.
func testKeyMap() KeyMap { return DefaultKeyMap() }

// Keys as the terminal delivers them.
var (
	keyEnter     = tea.KeyPressMsg{Code: tea.KeyEnter}
	keyEsc       = tea.KeyPressMsg{Code: tea.KeyEscape}
	keyTab       = tea.KeyPressMsg{Code: tea.KeyTab}
	keyUp        = tea.KeyPressMsg{Code: tea.KeyUp}
	keyDown      = tea.KeyPressMsg{Code: tea.KeyDown}
	keyHome      = tea.KeyPressMsg{Code: tea.KeyHome}
	keyEnd       = tea.KeyPressMsg{Code: tea.KeyEnd}
	keyPgUp      = tea.KeyPressMsg{Code: tea.KeyPgUp}
	keyPgDown    = tea.KeyPressMsg{Code: tea.KeyPgDown}
	keyBackspace = tea.KeyPressMsg{Code: tea.KeyBackspace}
	keyCtrlS     = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	keyCtrlC     = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
)

// keyText is a printable key.
func keyText(s string) tea.KeyPressMsg {
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

// openStore writes values (raw JSON text by key) to a file and opens it.
func openStore(t testing.TB, values map[string]string, opts *kvstore.Options) *kvstore.KVStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.json")
	if values != nil {
		w, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range values {
			if err := w.SetRaw(k, []byte(v)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if opts == nil {
		opts = &kvstore.Options{SaveInterval: -1}
	}
	s, err := kvstore.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openDemo opens the demo store.
func openDemo(t testing.TB) *kvstore.KVStore {
	t.Helper()
	path, err := WriteDemo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Messages the harness records instead of feeding back.
type (
	armedMsg struct{} // the model started waiting for an event
	// timerMsg says a timer was started: after d, fn makes what it sends.
	timerMsg struct {
		d  time.Duration
		fn func(time.Time) tea.Msg
	}
)

// pendingTimer is a timer the model started and the harness holds: it
// goes off at at, on the harness's clock, and sends msg.
type pendingTimer struct {
	at  time.Time
	msg tea.Msg
}

// harness drives a Model with plain Update calls. It runs every Cmd the
// model returns inline and feeds the messages back, except the two that
// wait: timers are held on a fake clock (advance it with advance, or send
// one's message at once) and event waits are counted (deliver events with
// nextEvent).
type harness struct {
	t      testing.TB
	m      Model
	store  Source
	armed  int
	now    time.Time // the fake clock the timers run on
	timers []pendingTimer
	quit   bool
}

func newHarness(t testing.TB, store Source, w, h int) *harness {
	t.Helper()
	m := New(store, Options{Keys: testKeyMap()})
	hs := &harness{t: t, store: store, now: fixedNow}
	m.tick = func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return timerMsg{d: d, fn: fn} }
	}
	m.waitEvents = func() tea.Cmd { return func() tea.Msg { return armedMsg{} } }
	hs.m = m
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// send passes each message to Update and, before the next one, everything
// that follows from it, as if the user waited for the screen to settle.
func (h *harness) send(msgs ...tea.Msg) {
	h.t.Helper()
	for _, msg := range msgs {
		next, cmd := h.m.Update(msg)
		h.m = next.(Model)
		h.send(h.run(cmd)...)
	}
}

func (h *harness) run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, h.run(c)...)
		}
		return out
	case armedMsg:
		h.armed++
		return nil
	case timerMsg:
		at := h.now.Add(msg.d)
		h.timers = append(h.timers, pendingTimer{at: at, msg: msg.fn(at)})
		return nil
	case tea.QuitMsg:
		h.quit = true
		return nil
	default:
		return []tea.Msg{msg}
	}
}

// advance moves the fake clock on by d, sending the message of every timer
// that goes off meanwhile, earliest first, at its own time: a timer one of
// them starts goes off within d too if it is due by then.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	end := h.now.Add(d)
	for {
		next := -1
		for i, tm := range h.timers {
			if !tm.at.After(end) && (next < 0 || tm.at.Before(h.timers[next].at)) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		tm := h.timers[next]
		h.timers = append(h.timers[:next], h.timers[next+1:]...)
		h.now = tm.at
		h.send(tm.msg)
	}
	h.now = end
}

// typeText sends each character of s as a key press.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(keyText(string(r)))
	}
}

// nextEvent delivers the store's next flush event, as the event wait would.
func (h *harness) nextEvent() kvstore.FlushEvent {
	h.t.Helper()
	select {
	case ev := <-h.store.Events():
		h.send(flushEventMsg{ev: ev})
		return ev
	case <-time.After(5 * time.Second):
		h.t.Fatal("no flush event within 5s")
		return kvstore.FlushEvent{}
	}
}

// screen returns the view without styles.
func (h *harness) screen() string {
	return ansi.Strip(h.m.View().Content)
}

// statusLine returns the status bar without styles.
func (h *harness) statusLine() string {
	lines := strings.Split(h.screen(), "\n")
	if _, ok := h.m.top().(*fullHelp); ok {
		return lines[len(lines)-1]
	}
	return lines[len(lines)-2]
}

// topIs reports whether the top overlay is a T; with T = overlay, whether
// any overlay is open.
func topIs[T overlay](h *harness) bool {
	_, ok := h.m.top().(T)
	return ok
}

// browsing reports whether no overlay is open and no filter is typed.
func (h *harness) browsing() bool { return h.m.top() == nil && !h.m.list.Typing() }

// editor returns the open editor, or nil.
func (h *harness) editor() *editOverlay {
	for _, o := range h.m.overlays {
		if e, ok := o.(*editOverlay); ok {
			return e
		}
	}
	return nil
}

// editing reports whether the editor is open, under a question or not.
func (h *harness) editing() bool { return h.editor() != nil }

// selected returns the selected key.
func (h *harness) selected() string {
	k, _ := h.m.list.Selected()
	return k
}

func (h *harness) wantStatus(want string) {
	h.t.Helper()
	if got := h.statusLine(); !strings.Contains(got, want) {
		h.t.Fatalf("status line %q does not contain %q", got, want)
	}
}

// wantSaved checks that the status bar reports the save of ev with its
// time, which neither "no unsaved changes" nor "1 unsaved change" shows.
func (h *harness) wantSaved(ev kvstore.FlushEvent) {
	h.t.Helper()
	h.wantStatus("saved " + ev.Time.Format("15:04:05"))
}

func (h *harness) wantScreen(want string) {
	h.t.Helper()
	if got := h.screen(); !strings.Contains(got, want) {
		h.t.Fatalf("screen does not contain %q:\n%s", want, got)
	}
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run go test ./tui -update if the change is intended)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// firstUnsafe returns the first unsafe character of s, written the way
// displayEscape writes it, or "" if there is none.
func firstUnsafe(s string) string {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || termsafe.Unsafe(r) {
			return display.Escape(s[i : i+size])
		}
		i += size
	}
	return ""
}
