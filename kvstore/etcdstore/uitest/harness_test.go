package uitest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui"
)

// update rewrites the golden files in testdata.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Keys as the terminal delivers them.
var (
	keyEnter     = tea.KeyPressMsg{Code: tea.KeyEnter}
	keyEsc       = tea.KeyPressMsg{Code: tea.KeyEscape}
	keyUp        = tea.KeyPressMsg{Code: tea.KeyUp}
	keyDown      = tea.KeyPressMsg{Code: tea.KeyDown}
	keyEnd       = tea.KeyPressMsg{Code: tea.KeyEnd}
	keyBackspace = tea.KeyPressMsg{Code: tea.KeyBackspace}
	keyCtrlEnd   = tea.KeyPressMsg{Code: tea.KeyEnd, Mod: tea.ModCtrl}
	keyCtrlS     = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	keyCtrlU     = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	keyCtrlY     = tea.KeyPressMsg{Code: 'y', Mod: tea.ModCtrl}
)

// keyText is a printable key.
func keyText(s string) tea.KeyPressMsg {
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

// timer is a timer the model started (through Options.Tick) and the
// harness holds: after d it would send msg.
type timer struct {
	d   time.Duration
	msg tea.Msg
}

// timerMsg is what a held timer's Cmd returns to the harness.
type timerMsg timer

// harness drives a tui.Model through its exported API, one message at a
// time, the way a user waits for the screen to settle between keys: after
// each message every Cmd it started has run and its message has been
// handled, except the two kinds that wait. Timers are held (fire them
// with fireRefresh and fireRetry), and the wait for the Source's next
// event stays blocked; an event it returns is held until nextEvent
// hands it to the model.
type harness struct {
	t     testing.TB
	m     tea.Model
	store tui.Source

	timers []timer
	quit   bool
	copied []string // what the model put on the clipboard, in order

	// Cmds run on goroutines of their own; their messages come back on
	// results. running counts those not returned yet, and waiting those
	// of them that wait for the Source's next event.
	results chan tea.Msg
	done    chan struct{}
	wg      sync.WaitGroup
	running int
	waiting int
	events  []tea.Msg // events returned by the wait, not handed on yet
}

// newHarness shows src in a w×h terminal; Init does not run, so nothing
// waits for events or refreshes.
func newHarness(t testing.TB, src tui.Source, w, h int) *harness {
	t.Helper()
	return newHarnessWith(t, src, w, h, 0)
}

func newHarnessWith(t testing.TB, src tui.Source, w, h int, refresh time.Duration) *harness {
	t.Helper()
	hs := &harness{t: t, store: src, results: make(chan tea.Msg), done: make(chan struct{})}
	hs.m = tui.New(src, tui.Options{
		Keys:    tui.DefaultKeyMap(),
		Refresh: refresh,
		Tick: func(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
			return func() tea.Msg { return timerMsg{d: d, msg: fn(time.Now().Add(d))} }
		},
	})
	t.Cleanup(func() {
		close(hs.done)
		if hs.waiting > 0 {
			// Closing the Source ends the wait for its next event.
			src.Close()
		}
		hs.wg.Wait()
	})
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// watching returns a harness, wide enough for the status bar to show the
// prefix and a whole message, whose model looks at the data every second
// and waits for the Source's events.
func watching(t *testing.T, src tui.Source) *harness {
	t.Helper()
	h := newHarnessWith(t, src, 160, 24, time.Second)
	h.start(h.m.Init())
	h.handle(<-h.results) // Init's batch: its Cmds start
	h.waiting++           // one of them waits for the next event
	h.settle()
	return h
}

// model is the tui.Model as it stands.
func (h *harness) model() tui.Model { return h.m.(tui.Model) }

// kind names a message's type, for the model's own (unexported) messages.
func kind(msg tea.Msg) string { return fmt.Sprintf("%T", msg) }

// send hands each message to Update and, before the next one, everything
// that follows from it.
func (h *harness) send(msgs ...tea.Msg) {
	h.t.Helper()
	for _, msg := range msgs {
		h.update(msg)
		h.settle()
	}
}

func (h *harness) update(msg tea.Msg) {
	next, cmd := h.m.Update(msg)
	h.m = next
	h.start(cmd)
}

func (h *harness) start(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	h.running++
	h.wg.Go(func() {
		msg := cmd()
		select {
		case h.results <- msg:
		case <-h.done:
		}
	})
}

// settle handles the Cmds' messages until only the wait for an event is
// still running. A Cmd that never returns fails the test after a minute,
// far longer than any write's timeout here.
func (h *harness) settle() {
	h.t.Helper()
	var timeout <-chan time.Time
	for h.running > h.waiting {
		select {
		case msg := <-h.results:
			h.handle(msg)
		default:
			if timeout == nil {
				timeout = time.After(time.Minute)
			}
			select {
			case msg := <-h.results:
				h.handle(msg)
			case <-timeout:
				h.t.Fatalf("%d Cmds still running after a minute:\n%s", h.running-h.waiting, h.screen())
			}
		}
	}
}

// handle takes one Cmd's message.
func (h *harness) handle(msg tea.Msg) {
	h.running--
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			h.start(c)
		}
	case timerMsg:
		h.timers = append(h.timers, timer(msg))
	case tea.QuitMsg:
		h.quit = true
	default:
		switch kind(msg) {
		case "tui.flushEventMsg":
			h.waiting--
			h.events = append(h.events, msg)
		case "tui.eventsClosedMsg":
			h.waiting--
		case "tea.setClipboardMsg":
			h.copied = append(h.copied, reflect.ValueOf(msg).String())
		default:
			h.update(msg)
		}
	}
}

// nextEvent hands the Source's next flush event to the model, as the
// program's wait would, and waits for it for at most 5 seconds.
func (h *harness) nextEvent() {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for len(h.events) == 0 {
		select {
		case msg := <-h.results:
			h.handle(msg)
		case <-timeout:
			h.t.Fatal("no flush event within 5s")
		}
	}
	ev := h.events[0]
	h.events = h.events[1:]
	h.waiting++ // the model waits for the next one
	h.update(ev)
	h.settle()
}

// fire sends the message of the first held timer whose message is of
// kind k, as if it went off, and returns its wait; ok is false if none is
// held.
func (h *harness) fire(k string) (time.Duration, bool) {
	h.t.Helper()
	for i, tm := range h.timers {
		if kind(tm.msg) == k {
			h.timers = append(h.timers[:i], h.timers[i+1:]...)
			h.send(tm.msg)
			return tm.d, true
		}
	}
	return 0, false
}

// fireRefresh sends the refresh timer's message, as if it went off.
func (h *harness) fireRefresh() {
	h.t.Helper()
	if _, ok := h.fire("tui.refreshTickMsg"); !ok {
		h.t.Fatal("no refresh timer is running")
	}
}

// fireRetry fires the automatic retry's timer and returns the wait it
// was set for.
func (h *harness) fireRetry() time.Duration {
	h.t.Helper()
	d, ok := h.fire("tui.retryTickMsg")
	if !ok {
		h.t.Fatalf("no retry timer is running; status %q", h.statusLine())
	}
	return d
}

// retryDelay is the wait of the retry timer now held, and whether one
// is. The model drops a retry timer's message once it is stale, so only
// the newest counts.
func (h *harness) retryDelay() (time.Duration, bool) {
	for i := len(h.timers) - 1; i >= 0; i-- {
		if kind(h.timers[i].msg) == "tui.retryTickMsg" {
			return h.timers[i].d, true
		}
	}
	return 0, false
}

// retryArmed reports whether a retry timer is running. The model starts
// one only while changes wait for the cluster, and the tests fire it
// rather than let it go stale.
func (h *harness) retryArmed() bool {
	_, ok := h.retryDelay()
	return ok
}

// waitingForCluster reports whether changes wait for the cluster: some
// are pending, and the last save failed because it was out of reach.
func (h *harness) waitingForCluster() bool {
	return h.store.Pending() > 0 && errors.Is(h.store.LastSaveError(), kvstore.ErrUnreachable)
}

// retryUntilSaved fires the retry timer until nothing waits: the
// cluster's client reconnects by itself, within a few attempts.
func (h *harness) retryUntilSaved() {
	h.t.Helper()
	for range 20 {
		if !h.waitingForCluster() {
			return
		}
		h.fireRetry()
	}
	h.t.Fatalf("still waiting after 20 retries: %q", h.statusLine())
}

// refreshUntil fires refreshes until the status line holds want, for at
// most 30 seconds: the store reconnects and reads again on its own time.
func (h *harness) refreshUntil(want string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		h.fireRefresh()
		if strings.Contains(h.statusLine(), want) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the status line never said %q; it says %q", want, h.statusLine())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// typeText sends each character of s as a key press.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(keyText(string(r)))
	}
}

// screen returns the view without styles.
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

// statusLine returns the status bar without styles: the line above the
// key hints.
func (h *harness) statusLine() string {
	lines := strings.Split(h.screen(), "\n")
	return lines[len(lines)-2]
}

func (h *harness) wantStatus(want string) {
	h.t.Helper()
	if got := h.statusLine(); !strings.Contains(got, want) {
		h.t.Fatalf("status line %q does not contain %q", got, want)
	}
}

func (h *harness) wantScreen(want string) {
	h.t.Helper()
	if got := h.screen(); !strings.Contains(got, want) {
		h.t.Fatalf("screen does not contain %q:\n%s", want, got)
	}
}

// savedAt is the status bar's report of a save, with its time: the time
// tells it from "no unsaved changes" and "1 unsaved change".
var savedAt = regexp.MustCompile(`saved \d\d:\d\d:\d\d`)

// wantSaved checks that the status bar reports a save with its time.
func (h *harness) wantSaved() {
	h.t.Helper()
	if got := h.statusLine(); !savedAt.MatchString(got) {
		h.t.Fatalf("status line %q does not report a save with its time", got)
	}
}

// editing reports whether the editor is open: its title says what it
// edits.
func (h *harness) editing() bool { return strings.Contains(h.screen(), "Editing ") }

// wantEditorText checks that the editor's one line holds text.
func (h *harness) wantEditorText(text string) {
	h.t.Helper()
	if !h.editing() {
		h.t.Fatalf("the editor is not open:\n%s", h.screen())
	}
	h.wantScreen("1 │ " + text + " ")
}

// conflictShown reports whether the conflict screen is open.
func (h *harness) conflictShown() bool {
	s := h.screen()
	return strings.Contains(s, "changed keys you changed") && strings.Contains(s, "mine: ")
}

// editValue opens the editor on the selected key, replaces its one line
// of text with text and applies it.
func (h *harness) editValue(text string) {
	h.t.Helper()
	h.send(keyText("e"), keyCtrlEnd)
	for range 200 {
		h.send(keyBackspace)
	}
	h.typeText(text)
	h.send(keyCtrlS)
	if h.editing() {
		h.t.Fatalf("the editor did not apply %q:\n%s", text, h.screen())
	}
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./kvstore/etcdstore/uitest -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run go test ./kvstore/etcdstore/uitest -update if the change is intended)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}
