package tui

import (
	"encoding/json"
	"errors"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/schema"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// opKind is what an operation does to the data.
type opKind uint8

const (
	opSet       opKind = iota + 1 // store raw under key
	opDelete                      // remove key
	opRename                      // move key's value to to
	opSave                        // save pending changes
	opMerge                       // settle a conflict: the file's changes, and ours where keepMine says
	opOverwrite                   // settle a conflict: replace the file with our version
	opReload                      // read the data again, dropping pending changes
	opRefresh                     // read the data again if it changed elsewhere and nothing is pending
	opBatch                       // make the changes of batch in order, as one change
)

// origin is who asked for an operation, and so who hears how it went.
type origin uint8

const (
	byKeys     origin = iota // the application's keys, a prompt or a question
	byEditor                 // the editor overlay
	byExternal               // a value edited in $EDITOR
)

// operation is one change of the data, or one save or read of it. Every
// write the UI makes is one: the editor's apply, $EDITOR, new, rename,
// delete, undo, redo, the conflict screen's choices, saving, reloading. Each runs
// in the Cmd that run makes and is answered by Model.onOpDone, which
// records undo, refreshes the list and sets the status.
type operation struct {
	kind     opKind
	key      string
	to       string          // opRename: the new name
	raw      []byte          // opSet: the JSON text
	keepMine map[string]bool // opMerge: the choice for each collision
	from     origin
	quit     bool        // opSave: quit once saved; opReload: quit once the changes are dropped
	batch    []operation // opBatch: the sets and deletions, in order
	label    string      // opBatch: what it did, for the status bar
	redo     *operation  // set on an undo: the change it undoes, put back if the undo fails
	redoing  bool        // makes again a change that was undone

	// bytes, for an opSet that puts back a value that is not JSON (see
	// byteSource), are its exact bytes, stored instead of raw, which is
	// then their text as a JSON string.
	bytes []byte
	// check is Options.Validate: asked about the value an opSet stores or
	// an opRename moves, except when an undo puts back what was there.
	check func(key string, raw []byte) error
}

// opMsg asks the root to run an operation.
type opMsg struct{ op operation }

// opDoneMsg is how an operation went.
type opDoneMsg struct {
	op   operation
	undo operation // opSet, opDelete, opRename: what undoes it
	err  error
	// conflict is set when opMerge found collisions the user was not asked
	// about (the file changed again); nothing was merged.
	conflict *kvstore.Conflict
	// theirs is what the file changed, for opMerge: undo must not put back
	// a value over one of those.
	theirs   map[string]json.RawMessage
	changed  bool // opRefresh: the data had changed elsewhere
	deleted  bool // opRefresh: it was deleted, and is not read again
	reloaded bool // opRefresh: and was read again
	// live, for opRefresh of a liveSource with changes pending: the
	// others' changes to keys with no pending change show already, and
	// reloaded says that none of ours was changed underneath.
	live bool

	// watch is, for opRefresh of a liveSource, the state of its watch.
	watch *kvstore.WatchState
}

// undoing reports whether the operation undoes an earlier one.
func (op operation) undoing() bool { return op.redo != nil }

// saves reports whether the operation may write to disk, so the status
// bar says "saving…" while it runs. A change of a key saves only in
// always-save mode; otherwise it returns at once and the word never shows.
func (op operation) saves() bool {
	return op.kind != opReload && op.kind != opRefresh
}

// describe says what a change did, for the status bar.
func (op operation) describe() string {
	switch op.kind {
	case opSet:
		return "set " + display.KeyLabel(op.key)
	case opDelete:
		return "deleted " + display.KeyLabel(op.key)
	case opRename:
		return "renamed " + display.KeyLabel(op.key) + " to " + display.KeyLabel(op.to)
	case opBatch:
		return op.label
	}
	return ""
}

// run does the operation. Operations run one at a time (see writeQueue), so
// what run reads of the data before changing it, such as the value that
// undoes a change, is what the change replaces.
func (op operation) run(src Source) opDoneMsg {
	done := opDoneMsg{op: op}
	switch op.kind {
	case opSet, opDelete, opRename:
		if err := op.validate(src); err != nil {
			done.err = err
			return done
		}
		done.undo = inverseOf(src, op)
		switch op.kind {
		case opSet:
			if bs, ok := src.(byteSource); ok && op.bytes != nil {
				done.err = bs.SetBytes(op.key, op.bytes)
			} else {
				done.err = src.SetRaw(op.key, op.raw)
			}
		case opDelete:
			done.err = src.Delete(op.key)
		case opRename:
			done.err = src.Rename(op.key, op.to)
		}
	case opBatch:
		// Undone as one: the inverse of each change made, last first. A
		// change refused stops the batch, and what was made stays, with
		// its undo.
		undo := operation{kind: opBatch, label: "put back " + display.Plural(len(op.batch), "key")}
		for _, sub := range op.batch {
			d := sub.run(src)
			if d.err != nil && notStored(d.err) {
				done.err = d.err
				break
			}
			undo.batch = append(undo.batch, d.undo)
			if d.err != nil {
				done.err = d.err
			}
		}
		slices.Reverse(undo.batch)
		done.undo = undo
	case opSave:
		done.err = src.Flush()
	case opMerge:
		c, err := src.Conflict()
		if err != nil {
			done.err = err
			return done
		}
		c = realChanges(src, c)
		// The file may have changed again since the conflict screen was
		// drawn: a key the user was not asked about stops the merge, so no
		// value is dropped without a choice.
		for _, k := range c.Collisions {
			if _, asked := op.keepMine[k]; !asked {
				done.conflict = c
				return done
			}
		}
		done.theirs = c.Theirs
		done.err = src.Merge(func(k string) bool { return op.keepMine[k] })
	case opOverwrite:
		done.err = src.Overwrite()
	case opReload:
		done.err = src.Reload()
	case opRefresh:
		changed, err := src.Changed()
		if l, ok := src.(liveSource); ok {
			w := l.Watch()
			done.watch = &w
		}
		if err != nil || !changed {
			done.err = err
			return done
		}
		done.changed = true
		if d, ok := src.(deletionAware); ok && !src.ReadOnly() {
			if done.deleted, done.err = d.Deleted(); done.err != nil || done.deleted {
				return done
			}
		}
		_, done.live = src.(liveSource)
		switch {
		case src.ReadOnly() || notInData(src) == 0:
			done.err = src.Reload()
			done.reloaded = done.err == nil
		case done.live:
			// Only the keys we changed wait for the conflict screen.
			c, err := src.Conflict()
			done.err = err
			done.reloaded = err == nil && len(c.Theirs) == 0
		}
	}
	return done
}

// validate asks op.check about the value a change stores under its key: a
// set's, or the value a rename moves under its new name.
func (op operation) validate(src Source) error {
	if op.check == nil || op.undoing() || op.bytes != nil {
		return nil
	}
	switch op.kind {
	case opSet:
		compact, err := kvstore.Compact(op.raw)
		if err != nil {
			// The store refuses it with its own, located error.
			return nil
		}
		return op.check(op.key, compact)
	case opRename:
		if raw, ok := src.GetRaw(op.key); ok {
			return op.check(op.to, raw)
		}
	}
	return nil
}

// inverseOf returns the operation that undoes op, from the data as it is
// before op runs.
func inverseOf(src Source, op operation) operation {
	switch op.kind {
	case opSet, opDelete:
		if prev, ok := src.GetRaw(op.key); ok {
			undo := operation{kind: opSet, key: op.key, raw: prev}
			if bs, ok := src.(byteSource); ok && bs.NotJSON(op.key) {
				undo.bytes, _ = bs.Bytes(op.key)
			}
			return undo
		}
		return operation{kind: opDelete, key: op.key}
	case opRename:
		return operation{kind: opRename, key: op.to, to: op.key}
	}
	return operation{}
}

// notStored reports whether a change's error means the Source refused it,
// as opposed to storing it and then failing to save it.
func notStored(err error) bool {
	var syn *kvstore.SyntaxError
	var ve *schema.ValidationError
	return errors.As(err, &syn) || errors.As(err, &ve) ||
		errors.Is(err, kvstore.ErrReadOnly) || errors.Is(err, kvstore.ErrClosed) ||
		errors.Is(err, kvstore.ErrNotFound) || errors.Is(err, kvstore.ErrExists)
}

// writeQueue runs operations one at a time, in the order asked. A refresh
// that reads the data again when nothing is pending must not run beside a
// change that makes something pending, or the change would be dropped; and
// an undo must see the state its change left.
type writeQueue struct {
	running *operation
	waiting []operation
}

// saving reports whether an operation that may write to disk is running.
func (q *writeQueue) saving() bool { return q.running != nil && q.running.saves() }

// enqueue runs op now if nothing runs, or after the operations before it.
func (m *Model) enqueue(op operation) tea.Cmd {
	if m.writes.running != nil {
		if op.kind == opRefresh && m.writes.refreshQueued() {
			return nil
		}
		m.writes.waiting = append(m.writes.waiting, op)
		return nil
	}
	if op.check == nil {
		op.check = m.validate
	}
	m.writes.running = &op
	src := m.src
	return func() tea.Msg { return op.run(src) }
}

// refreshQueued reports whether a refresh is already waiting.
func (q *writeQueue) refreshQueued() bool {
	for _, op := range q.waiting {
		if op.kind == opRefresh {
			return true
		}
	}
	return false
}

// runNext starts the next waiting operation once one finished.
func (m *Model) runNext() tea.Cmd {
	m.writes.running = nil
	if len(m.writes.waiting) == 0 {
		return nil
	}
	next := m.writes.waiting[0]
	m.writes.waiting = m.writes.waiting[1:]
	return m.enqueue(next)
}
