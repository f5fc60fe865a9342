package kvstore

// The other programs of the model in others_model_test.go: each acts on the
// file the store's path names, the way a common tool does, and tells the
// model what the file now holds.

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"pgregory.net/rapid"
)

// otherAct records an edit by another program: the file the path names
// now holds st (nil: there is none).
func (m *othersModel) otherAct(t *rapid.T, st state) {
	m.w.file = st
	m.w.stale, m.w.edited = stale, true
	if st == nil && !m.w.had && !m.w.moved {
		// Gone again, as the store last saw it: nothing it can tell.
		m.w.stale, m.w.edited = fresh, false
	}
	if st != nil {
		m.remember(st)
	}
	m.pfs.resync(t)
	m.points = nil
}

// drawState draws another program's content for the file: some of the
// keys, with new values.
func (m *othersModel) drawState(t *rapid.T) state {
	st := state{}
	for _, k := range othersKeys {
		if rapid.Bool().Draw(t, "has "+k) {
			st[k] = m.value()
		}
	}
	// A fresh key of its own, so that no two versions have equal content.
	st["edit"] = m.value()
	return st
}

// writeJSON writes st to path as another program would (its own layout),
// through a temp file renamed into place.
func (m *othersModel) writeJSON(t *rapid.T, path string, st state, mode os.FileMode) {
	var b strings.Builder
	b.WriteString("{")
	for i, k := range slices.Sorted(maps.Keys(st)) {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n    %q : %s", k, st[k])
	}
	b.WriteString("\n}\n")
	tmp := filepath.Join(filepath.Dir(path), ".other-program-tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// OtherRewrite saves the file the way editors do: a new file renamed over
// it, with the same mode.
func (m *othersModel) OtherRewrite(t *rapid.T) {
	st := m.drawState(t)
	m.writeJSON(t, m.cur, st, m.w.mode)
	m.otherAct(t, st)
}

var valueText = regexp.MustCompile(`"v[0-9]{5}"`)

// OtherEditInPlace changes one value in place, keeping the file's size,
// and puts its modification time back: only its change time tells.
func (m *othersModel) OtherEditInPlace(t *rapid.T) {
	data, err := os.ReadFile(m.cur)
	if err != nil {
		t.Skip("no file to edit")
	}
	found := valueText.FindAllIndex(data, -1)
	if len(found) == 0 {
		t.Skip("no value to edit in place")
	}
	at := found[rapid.IntRange(0, len(found)-1).Draw(t, "value")]
	info, err := os.Stat(m.cur)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(m.cur, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(m.value()), int64(at[0])); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(m.cur, time.Time{}, info.ModTime()); err != nil {
		t.Fatal(err)
	}
	edited, _ := os.ReadFile(m.cur)
	st, ok := oracleState(edited)
	if !ok {
		t.Fatalf("the in-place edit broke the file: %q", edited)
	}
	m.otherAct(t, st)
}

// OtherDelete removes the file.
func (m *othersModel) OtherDelete(t *rapid.T) {
	if m.w.file == nil {
		t.Skip("no file to delete")
	}
	if err := os.Remove(m.cur); err != nil {
		t.Fatal(err)
	}
	m.w.mode = 0o644
	m.otherAct(t, nil)
}

// OtherChmod changes the file's mode, which no save may undo. Its content
// is the same, so a store may take it as changed or not.
func (m *othersModel) OtherChmod(t *rapid.T) {
	if m.w.file == nil {
		t.Skip("no file to chmod")
	}
	mode := os.FileMode(0o600)
	if m.w.mode == mode {
		mode = 0o644
	}
	if err := os.Chmod(m.cur, mode); err != nil {
		t.Fatal(err)
	}
	m.w.mode = mode
	if m.w.stale == fresh {
		m.w.stale = touched
	}
	m.points = nil
}

// ReplaceLink replaces the link with a regular file, as sed -i and many
// editors do.
func (m *othersModel) ReplaceLink(t *rapid.T) {
	if !m.linked {
		t.Skip("no link to replace")
	}
	st := m.drawState(t)
	m.writeJSON(t, m.link, st, 0o644)
	m.linked = false
	m.moveTo(m.link)
	m.w.mode = 0o644
	m.otherAct(t, st)
}

// moveTo records that the path now leads to path: to a file other than
// the store's, or back to it.
func (m *othersModel) moveTo(path string) {
	if !m.w.moved {
		m.w.own = maps.Clone(m.w.file)
	}
	m.cur = path
	m.w.moved = m.cur != m.target
}

// RepointLink points the link at another file, with new content, as a
// dotfiles manager switching profiles does.
func (m *othersModel) RepointLink(t *rapid.T) {
	if !m.linked {
		t.Skip("no link to re-point")
	}
	to, text := m.alt, m.away
	if m.cur == m.alt {
		to, text = filepath.Join(filepath.Dir(m.link), m.home), m.home
	}
	st := m.drawState(t)
	m.writeJSON(t, to, st, 0o644)
	tmp := m.link + ".other-program-link"
	if err := os.Symlink(text, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, m.link); err != nil {
		t.Fatal(err)
	}
	m.moveTo(to)
	m.w.mode = 0o644
	m.otherAct(t, st)
}
