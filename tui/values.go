package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// Values read when shown. A Source that is a kvstore.ValueLoader (an etcd
// prefix opened keys-only) holds its keys but reads a value only when
// asked: the UI never asks while drawing or handling a key. The value pane
// says a value is loading, and after each message the keys on screen whose
// values are not loaded are read by one Cmd, one round trip for the lot;
// their message shows the selected value and the marks of the rows.

// valueLoader reads values on demand (see above).
type valueLoader = kvstore.ValueLoader

// leaseSource has keys that expire with a lease: the value pane's title
// says how long a shown key's lease has left.
type leaseSource = kvstore.Leases

// valueLoads is what the UI asked a valueLoader for. It is shared by the
// Model's copies: only Update touches it.
type valueLoads struct {
	loader valueLoader
	// asked holds the keys of the reads in flight, and failed those whose
	// read failed: they are asked again at the next refresh, not at each
	// message.
	asked, failed map[string]bool
	// sizing is set from S until the list is sorted by the sizes read;
	// remeasure asks for them again after the keys or values changed.
	sizing, remeasure bool
}

// sizesMsg brings the size of each of keys' values, or why not.
type sizesMsg struct {
	keys  *kvstore.KeyList
	sizes []int
	err   error
}

// valuesLoadedMsg says the values of keys were read, or why not.
type valuesLoadedMsg struct {
	keys []string
	err  error
}

// leaseMsg says how long the lease of the key shown has left.
type leaseMsg struct {
	key string
	ttl time.Duration
	err error
}

// loadTimeout bounds one read of the values on screen.
const loadTimeout = 10 * time.Second

// newValueLoads returns the loads of src, nil when it holds every value.
func newValueLoads(src Source) *valueLoads {
	l, ok := src.(valueLoader)
	if !ok {
		return nil
	}
	return &valueLoads{loader: l, asked: map[string]bool{}, failed: map[string]bool{}}
}

// loaded reports whether the value of key can be read without waiting.
func (m *Model) loaded(key string) bool {
	return m.loads == nil || m.loads.loader.Loaded(key)
}

// stillLoading is the message for an action on a value not read yet.
func (m *Model) stillLoading(key string) tea.Cmd {
	return m.flash("the value of "+display.KeyLabel(key)+" is still loading", true)
}

// loadShown returns the Cmd that reads the values of the keys on screen,
// the selected one first, that are neither loaded nor asked for already.
func (m *Model) loadShown() tea.Cmd {
	l := m.loads
	if l == nil {
		return nil
	}
	var cmds []tea.Cmd
	if l.remeasure && m.list.BySize() {
		cmds = append(cmds, m.measureCmd())
	}
	var keys []string
	add := func(k string) {
		if !l.asked[k] && !l.failed[k] && !l.loader.Loaded(k) {
			l.asked[k] = true
			keys = append(keys, k)
		}
	}
	if k, ok := m.list.Selected(); ok {
		add(k)
	}
	for _, k := range m.list.Shown() {
		add(k)
	}
	if len(keys) > 0 {
		loader := l.loader
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
			defer cancel()
			return valuesLoadedMsg{keys: keys, err: loader.LoadValues(ctx, keys)}
		})
	}
	return tea.Batch(cmds...)
}

// onValuesLoaded shows what a read brought: the selected value, and the
// marks of the rows, which the next frame draws.
func (m Model) onValuesLoaded(msg valuesLoadedMsg) (tea.Model, tea.Cmd) {
	for _, k := range msg.keys {
		delete(m.loads.asked, k)
		if msg.err != nil {
			m.loads.failed[k] = true
		}
	}
	if msg.err != nil {
		if k, ok := m.list.Selected(); ok && !m.value.Shows(k) {
			m.value.SetNote("the value of " + display.KeyLabel(k) + " could not be read; it is read again at the next refresh")
		}
		return m, m.flash("could not read values: "+msg.err.Error(), true)
	}
	// A value read again after another client changed it may be one
	// an editor is open on.
	m.noticeChanges()
	return m, m.followSelection()
}

// retryLoads lets the reads that failed be asked again.
func (m *Model) retryLoads() {
	if m.loads != nil {
		clear(m.loads.failed)
	}
}

// leaseCmd asks how long the lease of key, shown now, has left, if it has
// one.
func (m *Model) leaseCmd(key string) tea.Cmd {
	ls, ok := m.src.(leaseSource)
	if !ok || !ls.Leased(key) {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		ttl, ok, err := ls.LeaseTTL(ctx, key)
		if !ok && err == nil {
			return nil
		}
		return leaseMsg{key: key, ttl: ttl, err: err}
	}
}

// onLease puts the lease's time left in the value pane's title.
func (m Model) onLease(msg leaseMsg) (tea.Model, tea.Cmd) {
	if !m.value.Shows(msg.key) {
		return m, nil
	}
	tag := leaseTag(msg.ttl, msg.err)
	if notJSON(m.src, msg.key) {
		tag = notJSONTag + " · " + tag
	}
	m.value.SetTag(tag)
	return m, nil
}

// leaseTag says how long a lease had left when asked.
func leaseTag(ttl time.Duration, err error) string {
	switch {
	case err != nil:
		return "leased (time left unknown)"
	case ttl <= 0:
		return "lease expired"
	}
	return fmt.Sprintf("lease: %s left", ttl.Round(time.Second))
}

// toggleSortBySizeLoading is S for a valueLoader, whose values are not all
// in memory: sorting by size reads every value once, in pages, in the
// background; the list is sorted when the sizes are in, and says so.
func (m Model) toggleSortBySizeLoading() (tea.Model, tea.Cmd) {
	if m.list.BySize() || m.loads.sizing {
		m.loads.sizing = false
		m.list.SetBySize(false, nil)
		return m, tea.Batch(m.followSelection(), m.flash("keys sorted by key", false))
	}
	m.loads.sizing = true
	return m, tea.Batch(m.measureCmd(), m.flash("reading every value's size to sort by it…", false))
}

// measureCmd reads the size of every key's value in pages, keeping none of
// the values.
func (m *Model) measureCmd() tea.Cmd {
	m.loads.remeasure = false
	loader, keys := m.loads.loader, m.list.Keys()
	return func() tea.Msg {
		n := keys.Len()
		sizes := make([]int, n)
		i := 0
		err := loader.ScanValues(context.Background(), func(k string, _ []byte, size int) bool {
			for i < n && keys.At(i) < k {
				i++
			}
			if i < n && keys.At(i) == k {
				sizes[i] = size
			}
			return i < n
		})
		return sizesMsg{keys: keys, sizes: sizes, err: err}
	}
}

// onSizes sorts the list by the sizes read, if it is still to be.
func (m Model) onSizes(msg sizesMsg) (tea.Model, tea.Cmd) {
	if !m.loads.sizing && !m.list.BySize() {
		return m, nil
	}
	if msg.err != nil {
		m.loads.sizing = false
		m.list.SetBySize(false, nil)
		return m, m.flash("cannot sort by size, values could not be read: "+msg.err.Error(), true)
	}
	if !sameKeys(msg.keys, m.list.Keys()) {
		return m, m.measureCmd()
	}
	first := !m.list.BySize()
	m.loads.sizing = false
	src := m.src
	keys, sizes := msg.keys, msg.sizes
	m.list.SetBySize(true, func(k string) int {
		if i, ok := keys.Index(k); ok {
			return sizes[i]
		}
		if l, ok := src.(valueLoader); ok && l.Loaded(k) {
			return valueSize(src, k)
		}
		return 0
	})
	if !first {
		return m, nil
	}
	return m, tea.Batch(m.followSelection(), m.flash("keys sorted by value size, largest first", false))
}
