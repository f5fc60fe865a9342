package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// maxBatchBytes keeps each transaction well under etcd's default request
// limit of 1.5 MiB.
const maxBatchBytes = 1 << 20

// etcdSource is an etcd prefix as a command's source. Like a file opened
// by a writer, it keeps the command's changes in memory and commits them
// when it is closed: in one transaction that holds only if every key it
// changes is still at the revision the command saw, so a command never
// overwrites what another client wrote meanwhile, and del, mv and import
// change all their keys or none. A change of more than etcdstore.MaxApply
// keys (or over a MiB) is committed in several such transactions, in key
// order; should one fail, the ones before it stay.
type etcdSource struct {
	store   *etcdstore.Store
	name    string
	pending map[string]pendingWrite
}

// pendingWrite is a key's change not yet committed.
type pendingWrite struct {
	raw     []byte          // the bytes to store, exactly
	shown   json.RawMessage // raw as the kvstore.Store methods show it
	deleted bool
	rev     int64 // the key's revision when the command first changed it
}

var (
	_ source          = (*etcdSource)(nil)
	_ revisionChecker = (*etcdSource)(nil)
)

func newEtcdSource(store *etcdstore.Store, name string) *etcdSource {
	return &etcdSource{store: store, name: name, pending: map[string]pendingWrite{}}
}

// Path names the source in messages, as the command line gave it.
func (e *etcdSource) Path() string { return e.name }

// Dirty reports whether changes wait to be committed.
func (e *etcdSource) Dirty() bool { return len(e.pending) > 0 }

// Reload drops the changes not yet committed.
func (e *etcdSource) Reload() error {
	clear(e.pending)
	return nil
}

// Overwrite commits the changes whatever etcd holds now.
func (e *etcdSource) Overwrite() error { return e.commit(false) }

// Close commits the changes, each key only if it is unchanged since the
// command saw it, and closes the connection.
func (e *etcdSource) Close() error {
	err := e.commit(true)
	if cerr := e.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// Events reports the writes committed.
func (e *etcdSource) Events() <-chan kvstore.FlushEvent { return e.store.Events() }

// touch records the revision of key the command saw before changing it.
func (e *etcdSource) touch(key string) pendingWrite {
	if p, ok := e.pending[key]; ok {
		return p
	}
	return pendingWrite{rev: e.store.Revision(key)}
}

// requireRevision makes the change of key, if the command made one,
// commit only while etcd holds key at revision rev (0: absent), rather
// than the revision the command read.
func (e *etcdSource) requireRevision(key string, rev int64) {
	if p, ok := e.pending[key]; ok {
		p.rev = rev
		e.pending[key] = p
	}
}

// Set stores value encoded as the file store encodes it.
func (e *etcdSource) Set(key string, value any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return fmt.Errorf("set %q: value cannot be stored as JSON: %w", key, err)
	}
	return e.SetRaw(key, buf.Bytes())
}

// SetRaw validates raw now, so that bad JSON fails the command before
// anything is sent, and stores it compact on Close.
func (e *etcdSource) SetRaw(key string, raw []byte) error {
	c, err := etcdstore.Compact(raw)
	if err != nil {
		return fmt.Errorf("set %q: %w", key, err)
	}
	p := e.touch(key)
	p.raw, p.shown, p.deleted = c, c, false
	e.pending[key] = p
	return nil
}

// Delete removes key on Close.
func (e *etcdSource) Delete(key string) error {
	if !e.Has(key) {
		return nil
	}
	p := e.touch(key)
	p.raw, p.shown, p.deleted = nil, nil, true
	e.pending[key] = p
	return nil
}

// Rename moves from's bytes, exactly, to to on Close.
func (e *etcdSource) Rename(from, to string) error {
	switch {
	case !e.Has(from):
		return fmt.Errorf("rename %q: %w", from, kvstore.ErrNotFound)
	case from == to:
		return nil
	case e.Has(to):
		return fmt.Errorf("rename %q to %q: %w", from, to, kvstore.ErrExists)
	}
	src := e.touch(from)
	dst := e.touch(to)
	if p, ok := e.pending[from]; ok {
		dst.raw, dst.shown = p.raw, p.shown
	} else {
		item, _ := e.store.Item(from)
		shown, _ := e.store.GetRaw(from)
		dst.raw, dst.shown = item.Value, shown
	}
	dst.deleted = false
	src.raw, src.shown, src.deleted = nil, nil, true
	e.pending[to], e.pending[from] = dst, src
	return nil
}

// GetRaw returns key's JSON, with the command's changes.
func (e *etcdSource) GetRaw(key string) (json.RawMessage, bool) {
	if p, ok := e.pending[key]; ok {
		return bytes.Clone(p.shown), !p.deleted
	}
	return e.store.GetRaw(key)
}

// Get returns key's value decoded, with the command's changes.
func (e *etcdSource) Get(key string) (interface{}, bool) {
	raw, ok := e.GetRaw(key)
	if !ok {
		return nil, false
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil, false
	}
	return v, true
}

// Has reports whether key exists, with the command's changes.
func (e *etcdSource) Has(key string) bool {
	if p, ok := e.pending[key]; ok {
		return !p.deleted
	}
	return e.store.Has(key)
}

// Keys returns the keys in order, with the command's changes.
func (e *etcdSource) Keys() []string {
	var keys []string
	for k := range e.Prefix("") {
		keys = append(keys, k)
	}
	return keys
}

// Len returns the number of keys, with the command's changes.
func (e *etcdSource) Len() int { return len(e.Keys()) }

// All iterates over every key and its JSON, with the command's changes.
func (e *etcdSource) All() iter.Seq2[string, json.RawMessage] { return e.Prefix("") }

// Prefix is All for the keys that start with prefix.
func (e *etcdSource) Prefix(prefix string) iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		merged := map[string]json.RawMessage{}
		for k, v := range e.store.Prefix(prefix) {
			merged[k] = v
		}
		for k, p := range e.pending {
			switch {
			case !strings.HasPrefix(k, prefix):
			case p.deleted:
				delete(merged, k)
			default:
				merged[k] = bytes.Clone(p.shown)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(merged)) {
			if !yield(k, merged[k]) {
				return
			}
		}
	}
}

// commit sends the pending changes, checking each key's revision when
// check is set, in as few transactions as etcd takes. A change etcd
// already holds is not sent, so that importing what is there writes
// nothing and disturbs no watcher.
func (e *etcdSource) commit(check bool) error {
	var writes []etcdstore.Write
	for _, key := range slices.Sorted(maps.Keys(e.pending)) {
		p := e.pending[key]
		item, exists := e.store.Item(key)
		if p.deleted && !exists && p.rev == 0 || !p.deleted && exists && bytes.Equal(item.Value, p.raw) {
			continue
		}
		w := etcdstore.Write{Key: key, Value: p.raw, Delete: p.deleted, Revision: p.rev}
		if !check {
			w.Revision = etcdstore.AnyRevision
		}
		writes = append(writes, w)
	}
	clear(e.pending)
	batches := batch(writes)
	for i, b := range batches {
		if _, err := e.store.Apply(context.Background(), b); err != nil {
			if i > 0 {
				done := 0
				for _, b := range batches[:i] {
					done += len(b)
				}
				return fmt.Errorf("only the first %d of %d changes were committed: %w", done, len(writes), err)
			}
			return err
		}
	}
	return nil
}

// batch splits writes into transactions etcd accepts.
func batch(writes []etcdstore.Write) [][]etcdstore.Write {
	var out [][]etcdstore.Write
	start, size := 0, 0
	for i, w := range writes {
		if i > start && (i-start == etcdstore.MaxApply || size+len(w.Value) > maxBatchBytes) {
			out = append(out, writes[start:i])
			start, size = i, 0
		}
		size += len(w.Value)
	}
	if start < len(writes) {
		out = append(out, writes[start:])
	}
	return out
}
