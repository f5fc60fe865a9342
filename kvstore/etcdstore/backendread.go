package etcdstore

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"slices"
	"strings"
)

// A Backend's reads: the view the Store keeps (or, lazily, what it loads),
// with the Backend's pending changes on top.

// lookupLocked returns key's value with the pending changes.
func (b *Backend) lookupLocked(key string) (entry, bool) {
	if p, ok := b.pending[key]; ok {
		if p.v == nil {
			return entry{}, false
		}
		return *p.v, true
	}
	e, ok := b.shown.Get(key)
	if ok && e.lazy {
		if v, hit := b.cache.get(key, e.rev); hit {
			return v, true
		}
	}
	return e, ok
}

func (b *Backend) lookup(key string) (entry, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lookupLocked(key)
}

// Keys returns every key, with the pending changes, in ascending byte
// order. On a Lazy Store it lists them from etcd, keys only, in pages; a
// listing that fails ends early, and ListErr says why.
func (b *Backend) Keys() []string {
	var keys []string
	if !b.store.cfg.Lazy {
		// Room for them all: the UI keeps this slice, and one grown by
		// appending would be up to a quarter larger than the keys.
		b.mu.Lock()
		keys = make([]string, 0, b.shown.Len()+len(b.pending))
		b.mu.Unlock()
	}
	for k := range b.merged("", true) {
		keys = append(keys, k)
	}
	return keys
}

// KeysWithPrefix returns the keys that start with prefix, with the pending
// changes, in ascending byte order; on a Lazy Store, from one keys-only
// listing of just those keys. It is what completing a key on a command
// line needs.
func (b *Backend) KeysWithPrefix(prefix string) ([]string, error) {
	var keys []string
	for k := range b.merged(prefix, true) {
		keys = append(keys, k)
	}
	return keys, b.ListErr()
}

// ListErr returns the error that ended the last listing of a Lazy Store
// early (Keys, Prefix, All), or nil if it was complete.
func (b *Backend) ListErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.listErr
}

// merged yields the keys that start with prefix and their values (only
// their revisions if keysOnly, on a Lazy Store), with the pending changes
// as they were when the loop started, in ascending key order: from the
// view as shown, or on a Lazy Store from etcd, in pages.
func (b *Backend) merged(prefix string, keysOnly bool) iter.Seq2[string, entry] {
	return b.mergedCtx(b.store.ctx, true, prefix, keysOnly, nil)
}

// mergedCtx is merged with its listing bounded by ctx, and by OpTimeout
// only if bounded; the error that ended a listing early goes to *errp
// too when errp is not nil. A KeysOnly Store's values are listed from
// etcd as a Lazy Store's are.
func (b *Backend) mergedCtx(ctx context.Context, bounded bool, prefix string, keysOnly bool, errp *error) iter.Seq2[string, entry] {
	return func(yield func(string, entry) bool) {
		type change struct {
			key string
			v   *entry
		}
		b.mu.Lock()
		var changes []change
		for k, p := range b.pending {
			if strings.HasPrefix(k, prefix) {
				changes = append(changes, change{k, p.v})
			}
		}
		var listErr error
		var base iter.Seq2[string, entry]
		if b.store.cfg.Lazy || b.store.cfg.KeysOnly && !keysOnly {
			b.listErr = nil
			base = b.store.listingCtx(ctx, bounded, prefix, keysOnly, &listErr)
			defer func() {
				if listErr != nil {
					b.mu.Lock()
					b.listErr = listErr
					b.mu.Unlock()
					if errp != nil {
						*errp = listErr
					}
				}
			}()
		} else {
			snap := b.shown.Copy()
			base = func(yield func(string, entry) bool) {
				snap.Ascend(prefix, func(k string, e entry) bool {
					return strings.HasPrefix(k, prefix) && yield(k, e)
				})
			}
		}
		b.mu.Unlock()
		slices.SortFunc(changes, func(x, y change) int { return strings.Compare(x.key, y.key) })
		i := 0
		// staged yields the pending change i, unless it is a deletion.
		staged := func() bool {
			c := changes[i]
			i++
			return c.v == nil || yield(c.key, *c.v)
		}
		for k, e := range base {
			for i < len(changes) && changes[i].key < k {
				if !staged() {
					return
				}
			}
			if i < len(changes) && changes[i].key == k {
				if !staged() {
					return
				}
				continue
			}
			if !yield(k, e) {
				return
			}
		}
		for i < len(changes) {
			if !staged() {
				return
			}
		}
	}
}

// Len returns the number of keys, with the pending changes.
func (b *Backend) Len() int { return len(b.Keys()) }

// GetRaw returns a copy of the JSON under key, with the pending changes. A
// value that is not JSON comes back as a JSON string of its text.
func (b *Backend) GetRaw(key string) (json.RawMessage, bool) {
	e, ok := b.valued(key)
	if !ok {
		return nil, false
	}
	return bytes.Clone(e.shown), true
}

// Get returns the value under key decoded as the file store's Get does.
func (b *Backend) Get(key string) (interface{}, bool) {
	e, ok := b.valued(key)
	if !ok {
		return nil, false
	}
	v, err := decode(e.shown)
	return v, err == nil
}

// Has reports whether key exists, with the pending changes.
func (b *Backend) Has(key string) bool {
	_, ok := b.lookup(key)
	return ok
}

// NotJSON reports whether the bytes under key are not JSON.
func (b *Backend) NotJSON(key string) bool {
	e, ok := b.valued(key)
	return ok && !e.json
}

// Bytes returns the bytes under key as etcd holds them or is to hold
// them.
func (b *Backend) Bytes(key string) ([]byte, bool) {
	e, ok := b.valued(key)
	if !ok {
		return nil, false
	}
	return bytes.Clone(e.raw), true
}

// All iterates over every key and its JSON, with the pending changes.
func (b *Backend) All() iter.Seq2[string, json.RawMessage] { return b.Prefix("") }

// Prefix is All for the keys that start with prefix. It sees the pending
// changes as they were when the loop started; on a Lazy Store it reads the
// values from etcd in pages, as Keys does.
func (b *Backend) Prefix(prefix string) iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		for k, e := range b.merged(prefix, false) {
			if !yield(k, bytes.Clone(e.shown)) {
				return
			}
		}
	}
}

// Items is Prefix with each key's Item: its bytes as etcd holds them (or
// is to hold them), its revision and its lease. A key with a pending
// change has revision 0 until it is committed.
func (b *Backend) Items(prefix string) iter.Seq2[string, Item] {
	return func(yield func(string, Item) bool) {
		for k, e := range b.merged(prefix, false) {
			if !yield(k, e.item()) {
				return
			}
		}
	}
}

// PrefixBytes is Prefix with each value's bytes as etcd holds them, or is
// to hold them, JSON or not: what an exact copy of the prefix needs.
func (b *Backend) PrefixBytes(prefix string) iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		for k, e := range b.merged(prefix, false) {
			if !yield(k, bytes.Clone(e.raw)) {
				return
			}
		}
	}
}

// Load reads keys from etcd into the view, in one round trip for up to
// MaxApply of them, so that the reads and writes of those keys need no
// more: on a Lazy Store a key is known only once loaded (or listed), and a
// write of a key not loaded requires it absent. Pending changes stay over
// what it read.
func (b *Backend) Load(keys ...string) error {
	if err := b.store.load(context.Background(), keys); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		if e, ok := b.store.lookup(k); ok {
			b.shown.Set(k, e)
		} else {
			b.shown.Delete(k)
		}
	}
	return nil
}
