package tui

import (
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
)

// A read-only view follows the writer's saves: every Options.Refresh it
// stats the file in a Cmd and reads it again only if its size or
// modification time changed. A stat every few seconds costs nothing
// measurable; reading a large file each time would. The first look, right
// at start, always reads the file: the writer may have saved between Open
// and the first stat.
type (
	// refreshTickMsg says it is time to look at the file.
	refreshTickMsg struct{}
	// refreshedMsg is what the look found and did.
	refreshedMsg struct {
		stamp    fileStamp
		reloaded bool // the file changed and was read again
		first    bool // the look made at start
		err      error
	}
)

// fileStamp identifies a version of the file well enough to notice a save.
type fileStamp struct {
	seen  bool
	size  int64
	mtime time.Time
}

// scheduleRefresh starts the timer for the next look, in a read-only view
// with a refresh interval.
func (m Model) scheduleRefresh() tea.Cmd {
	if m.refresh <= 0 || !m.store.ReadOnly() {
		return nil
	}
	return m.tick(m.refresh, func(time.Time) tea.Msg { return refreshTickMsg{} })
}

// startRefresh is the first look, made by Init in a read-only view.
func (m Model) startRefresh() tea.Cmd {
	if m.refresh <= 0 || !m.store.ReadOnly() {
		return nil
	}
	return refreshCmd(m.store, fileStamp{})
}

// refreshCmd stats the file and, if it changed since last, reads it again.
// The stat comes first, so a save that lands during the read is seen as a
// change by the next look instead of being missed.
func refreshCmd(s Store, last fileStamp) tea.Cmd {
	return func() tea.Msg {
		st := fileStamp{seen: true}
		if fi, err := os.Stat(s.Path()); err == nil {
			st.size, st.mtime = fi.Size(), fi.ModTime()
		}
		if last.seen && st.size == last.size && st.mtime.Equal(last.mtime) {
			return refreshedMsg{stamp: st}
		}
		if err := s.Reload(); err != nil {
			// Keep the old stamp, so the next look tries again.
			return refreshedMsg{stamp: last, err: err}
		}
		return refreshedMsg{stamp: st, reloaded: true, first: !last.seen}
	}
}

func (m Model) onRefreshed(msg refreshedMsg) (tea.Model, tea.Cmd) {
	m.fileSeen = msg.stamp
	next := m.scheduleRefresh()
	switch {
	case msg.err != nil:
		return m, tea.Batch(next, m.flash("cannot read the file: "+cleanError(msg.err), true))
	case !msg.reloaded:
		return m, next
	}
	m.refreshKeys()
	m.syncValueForce()
	if msg.first {
		return m, next
	}
	return m, tea.Batch(next, m.flash("the writer saved; view updated", false))
}
