package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// newTestLoader returns a loading screen whose data is ready when ready
// is closed, at 80x24.
func newTestLoader(ready chan struct{}, opened func() (Source, error)) Loader {
	l := NewLoader(LoaderOptions{Name: "data.json", Size: 70 << 20, Ready: ready, Opened: opened, UI: Options{Keys: testKeyMap()}})
	l.tick = func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }
	next, _ := l.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return next.(Loader)
}

// The loading screen says what loads, takes q, and becomes the UI at the
// terminal's size once the data is there.
func TestLoaderBecomesTheUI(t *testing.T) {
	s := openStore(t, map[string]string{"a": "1", "b": "2"}, nil)
	ready := make(chan struct{})
	l := newTestLoader(ready, func() (Source, error) { return FileSource(s), nil })
	if got := ansi.Strip(l.View().Content); !strings.Contains(got, "loading data.json (70 MB)… 0.0 s") || !strings.Contains(got, "q quits") {
		t.Fatalf("the loading screen:\n%s", got)
	}
	next, _ := l.Update(loadTickMsg{at: l.started.Add(1500 * time.Millisecond)})
	if got := ansi.Strip(next.View().Content); !strings.Contains(got, "1.5 s") {
		t.Fatalf("after 1.5 s the loading screen shows:\n%s", got)
	}
	close(ready)
	next, _ = next.Update(loadedMsg{})
	m, ok := next.(Model)
	if !ok {
		t.Fatalf("loaded, the model is a %T", next)
	}
	if got := ansi.Strip(m.View().Content); !strings.Contains(got, "2 keys") || !strings.Contains(got, "▸ a") {
		t.Fatalf("the UI after loading:\n%s", got)
	}
}

func TestLoaderQuits(t *testing.T) {
	for _, msg := range []tea.Msg{keyText("q"), keyCtrlC, ShutdownMsg{}} {
		l := newTestLoader(make(chan struct{}), nil)
		next, cmd := l.Update(msg)
		if !next.(Loader).Quit() || cmd == nil {
			t.Fatalf("%v while loading did not quit", msg)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Fatalf("%v while loading: %T", msg, cmd())
		}
	}
	ready := make(chan struct{})
	close(ready)
	l := newTestLoader(ready, func() (Source, error) { return nil, errors.New("bad file") })
	next, cmd := l.Update(loadedMsg{})
	if _, ok := next.(Loader); !ok || cmd == nil {
		t.Fatal("a failed open did not end the program")
	}
}
