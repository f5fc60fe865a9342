package tui

import (
	"encoding/json"
	"slices"
)

// undoEntry is one step of the undo history: the operation that undoes a
// change, and the change itself, which is put back if the undo fails.
type undoEntry struct {
	undo operation
	redo operation
}

// undoHistory is this session's changes, newest last, and the changes undone
// since the last new one, most recently undone last. Undo and redo go
// through the Source like any change, so they are saved like one.
//
// It also keeps, for each key a change touched since the data was last
// saved, what the key held then: the pending-changes view compares that
// with the data now.
type undoHistory struct {
	entries []undoEntry
	undone  []operation
	saved   map[string]savedValue
	// net is the number of changes since the last save as the
	// pending-changes view lists them, counted after each write from
	// saved.
	net int
}

// savedValue is what a key held when the data was last saved: its JSON
// text, or nothing when it did not exist.
type savedValue struct {
	raw    json.RawMessage
	exists bool
}

// noteChanged remembers what the keys op changed held before it, unless a
// change since the last save already did: that earlier value is the saved
// one. undo is what undoes op; moved is the value a rename moved.
func (h *undoHistory) noteChanged(op, undo operation, moved json.RawMessage) {
	if h.saved == nil {
		h.saved = map[string]savedValue{}
	}
	keep := func(k string, v savedValue) {
		if _, ok := h.saved[k]; !ok {
			h.saved[k] = v
		}
	}
	switch op.kind {
	case opBatch:
		// undo holds the inverse of each change made, last first.
		for i, u := range undo.batch {
			h.noteChanged(op.batch[len(undo.batch)-1-i], u, nil)
		}
	case opSet, opDelete:
		keep(op.key, savedValue{raw: undo.raw, exists: undo.kind == opSet})
	case opRename:
		keep(op.key, savedValue{raw: moved, exists: true})
		keep(op.to, savedValue{})
	}
}

// markSaved forgets the saved values: the data on disk is the data now.
func (h *undoHistory) markSaved() { h.saved = nil }

// Len returns the number of changes that can be undone.
func (h *undoHistory) Len() int { return len(h.entries) }

// Redoable returns the number of undone changes that can be made again.
func (h *undoHistory) Redoable() int { return len(h.undone) }

// record adds a change that was made, with what undoes it. A change the
// user makes anew starts a new line of history: what was undone before it
// can no longer be redone, since it would apply over the new change.
func (h *undoHistory) record(done, undo operation) {
	if !done.redoing {
		h.undone = nil
	}
	if undo.kind == 0 {
		return
	}
	done.from, undo.from = byKeys, byKeys
	done.redoing = false
	h.entries = append(h.entries, undoEntry{undo: undo, redo: done})
}

// pop takes the newest entry off the history as the operation that undoes
// it.
func (h *undoHistory) pop() (operation, bool) {
	n := len(h.entries)
	if n == 0 {
		return operation{}, false
	}
	e := h.entries[n-1]
	h.entries = h.entries[:n-1]
	op := e.undo
	op.redo = &e.redo
	return op, true
}

// restore puts back the entry of an undo that was refused, so the user can
// try again.
func (h *undoHistory) restore(undo operation) {
	redo := *undo.redo
	undo.redo = nil
	h.entries = append(h.entries, undoEntry{undo: undo, redo: redo})
}

// undid records that an undo was stored, so the change it undid can be made
// again.
func (h *undoHistory) undid(undo operation) {
	h.undone = append(h.undone, *undo.redo)
}

// popRedo takes the most recently undone change, to make it again. Once
// stored, record puts it back on the undo history with what undoes it then.
func (h *undoHistory) popRedo() (operation, bool) {
	n := len(h.undone)
	if n == 0 {
		return operation{}, false
	}
	op := h.undone[n-1]
	h.undone = h.undone[:n-1]
	op.redoing = true
	return op, true
}

// restoreRedo puts back a redo that was refused, so the user can try again.
func (h *undoHistory) restoreRedo(op operation) {
	op.redoing = false
	h.undone = append(h.undone, op)
}

// forget drops the entries that change one of keys, and returns how many
// it dropped. After a merge the file's values of those keys replaced what
// the entries would put back, and undoing them would silently write over
// another writer's change; redoing an undone change of them would too.
func (h *undoHistory) forget(keys map[string]json.RawMessage) int {
	kept := h.entries[:0]
	for _, e := range h.entries {
		if !touches(e.redo, keys) {
			kept = append(kept, e)
		}
	}
	dropped := len(h.entries) - len(kept)
	clear(h.entries[len(kept):])
	h.entries = kept
	undone := h.undone[:0]
	for _, op := range h.undone {
		if !touches(op, keys) {
			undone = append(undone, op)
		}
	}
	dropped += len(h.undone) - len(undone)
	clear(h.undone[len(undone):])
	h.undone = undone
	// The file's values of those keys are what it holds now.
	for k := range keys {
		delete(h.saved, k)
	}
	return dropped
}

// touches reports whether op changes one of keys.
func touches(op operation, keys map[string]json.RawMessage) bool {
	if op.kind == opBatch {
		return slices.ContainsFunc(op.batch, func(sub operation) bool { return touches(sub, keys) })
	}
	if _, ok := keys[op.key]; ok {
		return true
	}
	_, ok := keys[op.to]
	return op.kind == opRename && ok
}

// clear forgets the history: after the data was read again it describes a
// state the data no longer has.
func (h *undoHistory) clear() { h.entries, h.undone, h.saved = nil, nil, nil }
