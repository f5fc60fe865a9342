package tui

import (
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
)

// A read-only view follows the writer's saves: every Options.Refresh it
// stats the file in a Cmd and reads it again only if its size or
// modification time changed. A stat every few seconds costs nothing
// measurable; reading a large file each time would.
type (
	// refreshTickMsg says it is time to look at the file.
	refreshTickMsg struct{}
	// fileCheckedMsg is what the look found.
	fileCheckedMsg struct {
		stamp   fileStamp
		changed bool
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

// checkFileCmd stats the file and compares it with the last look.
func checkFileCmd(path string, last fileStamp) tea.Cmd {
	return func() tea.Msg {
		st := fileStamp{seen: true}
		if fi, err := os.Stat(path); err == nil {
			st.size, st.mtime = fi.Size(), fi.ModTime()
		}
		changed := last.seen && (st.size != last.size || !st.mtime.Equal(last.mtime))
		return fileCheckedMsg{stamp: st, changed: changed}
	}
}

func (m Model) onFileChecked(msg fileCheckedMsg) (tea.Model, tea.Cmd) {
	if msg.changed && m.mode != modeBrowse {
		// Busy (a question, the help...): look again later, still seeing
		// the change as new.
		return m, m.scheduleRefresh()
	}
	m.fileSeen = msg.stamp
	if msg.changed {
		return m, reloadCmd(m.store, true)
	}
	return m, m.scheduleRefresh()
}
