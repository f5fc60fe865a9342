package etcdstore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// The Backend's write path: each change is staged with the revision it
// must find, then sent as a transaction that requires it; a change that
// cannot reach the cluster waits, its error wrapping
// kvstore.ErrUnreachable, for the next Flush.

// SetRaw stages raw under key, compact, to be written only where etcd
// still holds the revision the edit started from, or else the one shown.
// Invalid text is refused with an error wrapping a *kvstore.SyntaxError.
func (b *Backend) SetRaw(key string, raw []byte) error {
	c, err := b.acceptable(key, raw)
	if err != nil {
		return err
	}
	return b.set(key, entry{raw: c, shown: c, json: true})
}

// acceptable returns raw compact, once it is JSON, the backend takes
// writes, and Config.Validate accepts it under key.
func (b *Backend) acceptable(key string, raw []byte) ([]byte, error) {
	c, err := kvstore.Compact(raw)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: set %q: %w", key, err)
	}
	if err := b.writable(); err != nil {
		return nil, err
	}
	if err := b.store.cfg.validate("set", key, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Set encodes value as the file store's Set does and stages it like
// SetRaw.
func (b *Backend) Set(key string, value any) error {
	raw, err := encode(value)
	if err != nil {
		return fmt.Errorf("etcdstore: set %q: value cannot be stored as JSON: %w", key, err)
	}
	return b.SetRaw(key, raw)
}

// SetBytes stages b under key exactly, JSON or not, with SetRaw's checks.
// A Deferred Backend leaves a key alone that already holds these bytes,
// and writes one that holds the same JSON spaced otherwise.
func (b *Backend) SetBytes(key string, v []byte) error {
	if err := b.writable(); err != nil {
		return err
	}
	e := entryOf(bytes.Clone(v), 0, 0)
	e.exact = true
	return b.set(key, e)
}

// Put stages raw under key, compact, to be written whatever etcd holds
// for key then, keeping the lease the key has at that moment: a plain put,
// as etcdctl put makes, for a write that read nothing it could conflict
// with. Concurrent Puts of one key all succeed, the last one winning. A
// RequireRevision afterwards makes it a checked write after all.
func (b *Backend) Put(key string, raw []byte) error {
	c, err := b.acceptable(key, raw)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.pending[key] = staged{v: &entry{raw: c, shown: c, json: true}, base: b.baseLocked(key), blind: true}
	return b.commitUnlock(key)
}

// PutBytes is Put for bytes stored exactly as given, JSON or not, as
// etcdctl put stores them: nothing is checked or compacted.
func (b *Backend) PutBytes(key string, v []byte) error {
	if err := b.writable(); err != nil {
		return err
	}
	e := entryOf(bytes.Clone(v), 0, 0)
	b.mu.Lock()
	b.pending[key] = staged{v: &e, base: b.baseLocked(key), blind: true}
	return b.commitUnlock(key)
}

// set stages v under key, checked against the revision the edit of key
// started from, if one is under way, or else the revision shown. The key
// keeps its lease: a service's registration must still expire with the
// service after someone edits it.
func (b *Backend) set(key string, v entry) error {
	if e, ok := b.lookup(key); ok && e.lazy {
		// A key listed keys-only has no lease in the listing: the read
		// tells it, so the write keeps it.
		if _, ok := b.valued(key); !ok && b.Has(key) {
			return fmt.Errorf("etcdstore: set %q: cannot read its lease: %w", key, b.ListErr())
		}
	}
	b.mu.Lock()
	base, ok := b.editBase[key]
	if ok {
		delete(b.editBase, key)
	} else {
		base = b.baseLocked(key)
	}
	if cur, exists := b.lookupLocked(key); exists {
		v.lease = cur.lease
	}
	b.stageLocked(key, &v, base)
	return b.commitUnlock(key)
}

// Delete stages the removal of key, checked against the revision shown.
func (b *Backend) Delete(key string) error {
	if err := b.writable(); err != nil {
		return err
	}
	b.mu.Lock()
	if _, ok := b.lookupLocked(key); !ok {
		b.mu.Unlock()
		return nil
	}
	b.stageLocked(key, nil, b.baseLocked(key))
	return b.commitUnlock(key)
}

// Rename stages moving from's bytes to to, written in one transaction
// that requires from at the revision shown and to absent.
func (b *Backend) Rename(from, to string) error {
	if err := b.writable(); err != nil {
		return err
	}
	// The value moved is the one read now, if it was not loaded.
	if _, ok := b.valued(from); !ok && b.Has(from) {
		return fmt.Errorf("etcdstore: rename %q: %w", from, b.ListErr())
	}
	b.mu.Lock()
	v, ok := b.lookupLocked(from)
	switch {
	case ok && v.lazy:
		b.mu.Unlock()
		return b.Rename(from, to)
	case !ok:
		b.mu.Unlock()
		return fmt.Errorf("etcdstore: rename %q: %w", from, kvstore.ErrNotFound)
	case from == to:
		b.mu.Unlock()
		return nil
	}
	if _, exists := b.lookupLocked(to); exists {
		b.mu.Unlock()
		return fmt.Errorf("etcdstore: rename %q to %q: %w", from, to, kvstore.ErrExists)
	}
	if v.json && b.store.cfg.Validate != nil {
		// Validate runs without the lock; the value it saw is the one
		// moved, or the rename starts over.
		b.mu.Unlock()
		if err := b.store.cfg.validate("rename "+strconv.Quote(from)+" to", to, v.raw); err != nil {
			return err
		}
		b.mu.Lock()
		if now, ok := b.lookupLocked(from); !ok || !bytes.Equal(now.raw, v.raw) {
			b.mu.Unlock()
			return b.Rename(from, to)
		}
	}
	v.rev = 0
	b.stageLocked(to, &v, b.baseLocked(to))
	b.stageLocked(from, nil, b.baseLocked(from))
	return b.commitUnlock(from, to)
}

// RequireRevision makes the pending change of key, if there is one,
// commit only while etcd holds key at revision rev (0: absent), rather
// than the revision it was staged with: the one a change written to a
// rescue file was based on.
func (b *Backend) RequireRevision(key string, rev int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.pending[key]; ok {
		p.base = rev
		p.blind = false
		b.pending[key] = p
	}
}

// baseLocked is the revision a write of key must find: the one it had
// before our pending change, or the one shown.
func (b *Backend) baseLocked(key string) int64 {
	if p, ok := b.pending[key]; ok {
		return p.base
	}
	e, _ := b.shown.Get(key)
	return e.rev
}

// stageLocked makes a change of key (v nil: deletion) pending, to be
// written only where etcd holds revision base.
func (b *Backend) stageLocked(key string, v *entry, base int64) {
	b.pending[key] = staged{v: v, base: base}
}

// commitUnlock commits the change of keys just staged, and unlocks b.mu.
// A Deferred Backend commits nothing before Flush. While the cluster is
// known to be out of reach the change only joins the others waiting, at
// once, rather than holding the caller for a timeout: the next Flush
// writes them all.
func (b *Backend) commitUnlock(keys ...string) error {
	if b.opts.Deferred {
		b.mu.Unlock()
		return nil
	}
	if err := b.lastErr; errors.Is(err, kvstore.ErrUnreachable) {
		b.mu.Unlock()
		return err
	}
	b.mu.Unlock()
	return b.commit(false, keys...)
}

// commit writes the pending changes of keys (all of them if none given)
// in batches etcd takes, each one transaction checking the revisions the
// changes were based on, or none when force is set. A Deferred Backend
// commits them in one transaction, unless it may Batch them, and changes
// that need more are an error (a *LimitError) before anything is sent, as
// is a single change too large for any. What is committed
// leaves pending; what fails stays, and its error is the save error.
func (b *Backend) commit(force bool, keys ...string) error {
	b.mu.Lock()
	if len(keys) == 0 {
		keys = slices.Sorted(maps.Keys(b.pending))
	}
	var writes []Write
	sent := map[string]staged{}
	for _, k := range keys {
		p, ok := b.pending[k]
		if !ok {
			continue
		}
		if b.opts.Deferred && b.holdsLocked(k, p) {
			// Importing what is there writes nothing and disturbs no
			// watcher.
			delete(b.pending, k)
			continue
		}
		w := Write{Key: k, Delete: p.v == nil, Revision: p.base}
		if p.v != nil {
			w.Value, w.Lease = p.v.raw, p.v.lease
		}
		if force || p.blind {
			w.Revision = AnyRevision
		}
		if p.blind {
			w.Lease = KeepLease
		}
		writes = append(writes, w)
		sent[k] = p
	}
	b.mu.Unlock()
	var tooLarge error
	if !b.opts.Deferred {
		// Each change of the terminal UI stands alone: one too large for
		// etcd stays pending with its error, and does not hold up the
		// others.
		fit := writes[:0:0]
		for _, w := range writes {
			if err := b.store.fits(w); err != nil {
				tooLarge = cmp.Or(tooLarge, err)
				continue
			}
			fit = append(fit, w)
		}
		writes = fit
	}
	parts, err := b.store.batches(writes)
	if err == nil && b.opts.Deferred && !b.opts.Batch && len(parts) > 1 {
		err = b.store.oneTransaction(writes)
	}
	done := 0
	for i, batch := range parts {
		if err != nil {
			break
		}
		if err = b.apply(batch, sent); err != nil && i > 0 {
			err = fmt.Errorf("%d of %d changes committed, in %d of %d transactions, before this one failed: %w",
				done, len(writes), i, len(parts), err)
		}
		done += len(batch)
	}
	err = cmp.Or(err, tooLarge)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil || len(b.pending) > 0 {
		if err != nil {
			b.lastErr = err
		}
		return err
	}
	b.lastErr = nil
	return nil
}

// holdsLocked reports whether etcd, as the view shows it, already holds
// what the pending change p of key would make: the same bytes, or, for a
// value given as JSON rather than as bytes (SetBytes), bytes that read as
// the same JSON (another client's spacing, or text that is not JSON,
// which reads as a JSON string). Writing those would only replace another
// client's exact bytes with ours and wake every watcher.
func (b *Backend) holdsLocked(key string, p staged) bool {
	e, exists := b.store.lookup(key)
	if p.v == nil {
		return !exists && p.base == 0
	}
	return exists && !e.lazy && (bytes.Equal(e.raw, p.v.raw) || !p.v.exact && p.v.json && bytes.Equal(e.shown, p.v.shown))
}

// apply sends one transaction, within the write timeout, and records what
// it committed: the changes sent leave pending, unless a later change of
// the same key was staged meanwhile. A failure for want of the cluster wraps
// kvstore.ErrUnreachable. A conflict after such a failure may be that
// failure's own commit: if etcd holds every value the writes would make,
// they are recorded as committed instead.
func (b *Backend) apply(writes []Write, sent map[string]staged) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.WriteTimeout)
	defer cancel()
	rev, err := b.store.Apply(ctx, writes)
	unavailable := IsUnavailable(err)
	b.mu.Lock()
	uncertain := false
	for _, w := range writes {
		uncertain = uncertain || b.uncertain[w.Key]
		// Whatever this attempt found settles what the earlier one did,
		// unless it could not reach the cluster either.
		if unavailable {
			b.uncertain[w.Key] = true
		} else {
			delete(b.uncertain, w.Key)
		}
	}
	b.mu.Unlock()
	switch {
	case err == nil:
	case unavailable:
		return fmt.Errorf("%w: %w", kvstore.ErrUnreachable, err)
	case uncertain && errors.Is(err, kvstore.ErrConflict):
		if !b.madeEarlier(writes) {
			return err
		}
		// Each key is at the revision its earlier commit made, which the
		// view now shows.
		rev = 0
	default:
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, w := range writes {
		s := sent[w.Key]
		made := rev
		if made == 0 {
			now, _ := b.store.lookup(w.Key)
			made = now.rev
		}
		if s.v == nil {
			b.shown.Delete(w.Key)
			// A deleted key's next write requires it absent.
			made = 0
		} else {
			e := *s.v
			e.rev = made
			b.shown.Set(w.Key, e)
		}
		switch p, ok := b.pending[w.Key]; {
		case !ok:
		case p.v == s.v:
			delete(b.pending, w.Key)
			delete(b.theirs, w.Key)
		case p.base == s.base:
			// A later change of ours, staged while this one was on its
			// way, builds on it rather than on what it replaced.
			p.base = made
			b.pending[w.Key] = p
		}
	}
	return nil
}

// madeEarlier reports whether etcd holds what writes would make, once the
// store's view shows the change its revision check tripped on. A
// transaction is all or nothing, so a write that committed moved every key
// it compared; the view follows etcd within moments, and a real conflict
// is given up on after a second.
func (b *Backend) madeEarlier(writes []Write) bool {
	deadline := time.Now().Add(time.Second)
	for {
		// A KeysOnly Store's view has no values: etcd is asked, and
		// answers as of now, so there is nothing to wait for.
		lookup := b.store.lookup
		if b.store.cfg.KeysOnly {
			keys := make([]string, len(writes))
			for i, w := range writes {
				keys[i] = w.Key
			}
			got, _, err := b.store.fetch(context.Background(), keys)
			if err != nil {
				return false
			}
			lookup = func(k string) (entry, bool) { e, ok := got[k]; return e, ok }
			deadline = time.Time{}
		}
		moved, same := true, true
		for _, w := range writes {
			e, exists := lookup(w.Key)
			if w.Revision != AnyRevision && e.rev == w.Revision {
				moved = false
			}
			if exists == w.Delete || (exists && !bytes.Equal(e.raw, w.Value)) {
				same = false
			}
		}
		if moved || time.Now().After(deadline) {
			return moved && same
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writable returns kvstore.ErrReadOnly or kvstore.ErrClosed when the store
// takes no writes.
func (b *Backend) writable() error { return b.store.writable() }
