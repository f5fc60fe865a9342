package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// Loader is the first screen while a large file is read: it says what is
// loading and for how long, takes q and ctrl+c (so a key pressed meanwhile
// is never echoed into the shell), and once the data is there becomes the
// UI: Update returns the Model in its place, at the terminal's size.
type Loader struct {
	name  string
	size  int64
	ready <-chan struct{}
	open  func() (Source, error)
	opts  Options

	width, height int
	started       time.Time
	elapsed       time.Duration
	quit          bool
	tick          func(time.Duration, func(time.Time) tea.Msg) tea.Cmd
}

// LoaderOptions configures NewLoader.
type LoaderOptions struct {
	// Name and Size are the file's name and size in bytes, for the
	// loading line.
	Name string
	Size int64
	// Ready is closed once the data is opened; Opened then returns it,
	// or why it could not be. The opening runs elsewhere (the caller
	// started it), so that quitting meanwhile leaves the caller to wait
	// for it and close what it opened.
	Ready  <-chan struct{}
	Opened func() (Source, error)
	// UI configures the Model the loader becomes.
	UI Options
}

// NewLoader returns the loading screen for opts.
func NewLoader(opts LoaderOptions) Loader {
	return Loader{name: opts.Name, size: opts.Size, ready: opts.Ready, open: opts.Opened, opts: opts.UI,
		started: time.Now(), tick: tea.Tick}
}

// Messages of the loading screen.
type (
	// loadedMsg says the data is opened, or failed to open.
	loadedMsg struct{}
	// loadTickMsg redraws the time spent loading.
	loadTickMsg struct{ at time.Time }
)

// loadTick is how often the time spent loading is redrawn.
const loadTick = 100 * time.Millisecond

// Init waits for the data and starts the clock.
func (l Loader) Init() tea.Cmd {
	ready := l.ready
	return tea.Batch(
		func() tea.Msg { <-ready; return loadedMsg{} },
		l.tick(loadTick, func(t time.Time) tea.Msg { return loadTickMsg{at: t} }))
}

// Update quits on q or ctrl+c, counts the time, and becomes the UI once the
// data is opened; if it could not be, the program ends and Err says why.
func (l Loader) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		l.width, l.height = msg.Width, msg.Height
	case ShutdownMsg:
		l.quit = true
		return l, tea.Quit
	case tea.KeyPressMsg:
		if key.Matches(msg, l.opts.Keys.Quit) {
			l.quit = true
			return l, tea.Quit
		}
	case loadTickMsg:
		l.elapsed = msg.at.Sub(l.started)
		return l, l.tick(loadTick, func(t time.Time) tea.Msg { return loadTickMsg{at: t} })
	case loadedMsg:
		src, err := l.open()
		if err != nil {
			return l, tea.Quit
		}
		m := New(src, l.opts)
		cmd := m.Init()
		if l.width > 0 {
			next, sized := m.Update(tea.WindowSizeMsg{Width: l.width, Height: l.height})
			return next, tea.Batch(cmd, sized)
		}
		return m, cmd
	}
	return l, nil
}

// Quit reports whether the user quit before the data was opened.
func (l Loader) Quit() bool { return l.quit }

// View says what is loading, its size and for how long.
func (l Loader) View() tea.View {
	var b strings.Builder
	if l.width > 0 && l.height > 0 {
		lines := []string{
			fmt.Sprintf("loading %s (%s)… %.1f s", display.KeyLabel(l.name), megabytes(l.size), l.elapsed.Seconds()),
			"",
			l.opts.Keys.Quit.Help().Key + " quits",
		}
		for i := range l.height {
			if i > 0 {
				b.WriteByte('\n')
			}
			text := ""
			if i < len(lines) {
				text = lines[i]
			}
			b.WriteString(display.Fit(text, l.width))
		}
	}
	v := tea.NewView(b.String())
	v.AltScreen = true
	v.WindowTitle = "kvstore: " + display.Escape(l.name)
	return v
}

// megabytes writes a size in MB, or in KB below one MB.
func megabytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}
