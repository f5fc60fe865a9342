package tui

import (
	"errors"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// startPrompt asks for a key's name on the help line.
func (m Model) startPrompt(p promptPurpose) (tea.Model, tea.Cmd) {
	if m.store.ReadOnly() {
		return m, m.flash("read-only: keys cannot be changed", true)
	}
	switch p {
	case promptNew:
		m.prompt = prompt{purpose: p, label: "New key:"}
	case promptRename:
		k, ok := m.list.Selected()
		if !ok {
			return m, nil
		}
		m.prompt = prompt{purpose: p, label: "Rename " + keyLabel(k) + " to:", text: k, from: k}
	}
	m.mode = modePrompt
	return m, nil
}

// promptKey types into the prompt; enter takes the name, esc gives up.
func (m Model) promptKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Accept):
		return m.acceptPrompt()
	case key.Matches(msg, m.keys.Cancel):
		m.mode = modeBrowse
		m.prompt = prompt{}
		return m, nil
	}
	m.prompt.Update(msg)
	return m, nil
}

// acceptPrompt checks the name typed. An existing name is refused and the
// prompt stays open with the text, so it can be corrected.
func (m Model) acceptPrompt() (tea.Model, tea.Cmd) {
	p := m.prompt
	if p.purpose == promptRename && p.text == p.from {
		m.mode, m.prompt = modeBrowse, prompt{}
		return m, m.flash("name unchanged", false)
	}
	if m.store.Has(p.text) {
		return m, m.flash(keyLabel(p.text)+" already exists; choose another name", true)
	}
	m.mode, m.prompt = modeBrowse, prompt{}
	if p.purpose == promptRename {
		return m.makeChange(change{kind: changeRename, key: p.from, to: p.text})
	}
	return m.startNewValue(p.text)
}

// askDeleteSelected asks before deleting the selected key, naming it.
func (m Model) askDeleteSelected() (tea.Model, tea.Cmd) {
	if m.store.ReadOnly() {
		return m, m.flash("read-only: keys cannot be deleted", true)
	}
	k, ok := m.list.Selected()
	if !ok {
		return m, nil
	}
	m.ask(askDelete, "Delete "+keyLabel(k)+"?")
	m.askKey = k
	return m, nil
}

// copySelected copies the selected value (pretty-printed) or key to the
// terminal's clipboard with OSC 52, which carries the text base64-encoded,
// so the copied data cannot act on the terminal, and works over SSH.
func (m Model) copySelected(value bool) (tea.Model, tea.Cmd) {
	k, ok := m.list.Selected()
	if !ok {
		return m, m.flash("nothing to copy", true)
	}
	if !value {
		return m, tea.Batch(m.clip(k), m.flash("copied the key "+keyLabel(k), false))
	}
	raw, ok := m.store.GetRaw(k)
	if !ok {
		return m, m.flash(keyLabel(k)+" no longer exists", true)
	}
	text := prettyJSON(raw)
	msg := fmt.Sprintf("copied the value of %s (%s)", keyLabel(k), plural(len(text), "byte"))
	return m, tea.Batch(m.clip(text), m.flash(msg, false))
}

// reload reads the file again. Pending changes would be dropped, so it asks
// first when there are any.
func (m Model) reload() (tea.Model, tea.Cmd) {
	if n := m.store.Pending(); n > 0 && !m.store.ReadOnly() {
		m.ask(askReload, fmt.Sprintf("Reload the file and drop %s?", plural(n, "unsaved change")))
		return m, nil
	}
	return m, reloadCmd(m.store)
}

func (m Model) onReloaded(msg reloadedMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.flash("reload failed: "+cleanError(msg.err), true)
	}
	st := &m.status.state
	st.pending = m.store.Pending()
	if errors.Is(st.err, kvstore.ErrConflict) {
		st.err = nil
	}
	// The history refers to a state the file no longer has.
	m.undo = nil
	m.refreshKeys()
	m.syncValueForce()
	return m, m.flash("reloaded "+keyLabel(m.fileName()), false)
}

// onConflict opens the conflict screen.
func (m Model) onConflict(msg conflictMsg) (tea.Model, tea.Cmd) {
	m.status.state.saving = false
	if msg.err != nil {
		return m, m.flash("cannot read the file: "+cleanError(msg.err), true)
	}
	m.resolver = newResolver(msg.c, msg.again)
	m.resolver.SetSize(m.width, max(m.height-2, 1))
	m.mode = modeResolve
	return m, nil
}

// resolveKey handles a key on the conflict screen.
func (m Model) resolveKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.resolver.MoveBy(-1)
	case key.Matches(msg, k.Down):
		m.resolver.MoveBy(1)
	case key.Matches(msg, k.KeepMine):
		m.resolver.Choose(true)
	case key.Matches(msg, k.KeepTheirs):
		m.resolver.Choose(false)
	case key.Matches(msg, k.Merge):
		if n := m.resolver.Undecided(); n > 0 {
			verb := " still needs a choice"
			if n > 1 {
				verb = " still need a choice"
			}
			m.resolver.note = plural(n, "collision") + verb + " (m: mine, t: theirs)"
			return m, nil
		}
		m.mode = modeBrowse
		m.status.state.saving = true
		return m, mergeCmd(m.store, m.resolver.Choices(), m.now)
	case key.Matches(msg, k.Overwrite):
		m.ask(askOverwrite, fmt.Sprintf("Replace the file with your version, dropping the file's changes to %s?",
			plural(len(m.resolver.c.Theirs), "key")))
	case key.Matches(msg, k.Later):
		m.mode = modeBrowse
	case key.Matches(msg, k.Reload):
		// Take the file as it is, dropping our changes (after asking).
		m.mode = modeBrowse
		return m.reload()
	case key.Matches(msg, k.Quit):
		m.mode = modeBrowse
		return m.startQuit()
	}
	return m, nil
}
