package tui

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// A file its owner made read-only (chmod a-w) is not replaced unasked: its
// saves fail with kvstore.ErrReadOnlyFile, and ctrl+s asks whether to save
// anyway. Yes holds for the rest of the session, as the file's mode does
// not change by saving it.

// readOnlyOverride is a Source that can be told to replace a read-only
// file, as FileSource can.
type readOnlyOverride interface {
	SetWriteReadOnlyFile(allow bool)
}

// writeReadOnlyMsg is yes to "FILE is read-only. Save anyway?".
type writeReadOnlyMsg struct{}

// readOnlyRefusal returns the refusal in err of a save into a read-only
// file, if src can be told to save anyway.
func readOnlyRefusal(src Source, err error) (*kvstore.ReadOnlyFileError, bool) {
	var rof *kvstore.ReadOnlyFileError
	if _, ok := src.(readOnlyOverride); !ok || !errors.As(err, &rof) {
		return nil, false
	}
	return rof, true
}

// askWriteReadOnly asks whether to save over the read-only file that
// refused a save.
func (m *Model) askWriteReadOnly(rof *kvstore.ReadOnlyFileError) {
	text := fmt.Sprintf("%s is read-only (mode %04o). Save anyway?", display.Escape(m.src.Name()), rof.Mode)
	m.open(newQuestion(m.keys, text, writeReadOnlyMsg{}, nil))
}

// writeReadOnly answers yes: from now on saves may replace the file, and
// one saves now.
func (m Model) writeReadOnly() (tea.Model, tea.Cmd) {
	m.src.(readOnlyOverride).SetWriteReadOnlyFile(true)
	return m, m.enqueue(operation{kind: opSave})
}

// readOnlyReason is the status bar's account of a save refused because the
// file is read-only, or "" if err is no such refusal.
func readOnlyReason(err error, name string) string {
	var rof *kvstore.ReadOnlyFileError
	if !errors.As(err, &rof) {
		return ""
	}
	return fmt.Sprintf("%s is read-only (mode %04o; ctrl+s to save anyway)", name, rof.Mode)
}
