package etcdstore

import (
	"container/list"
	"context"
	"slices"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// The values of a Backend on a KeysOnly Store: its view lists the keys with
// their revisions and leases, and the values are read when asked for and
// kept in a cache of the recent ones, each with the revision it was read
// at, so that a key changed since is read again.

var (
	_ kvstore.ValueLoader = (*Backend)(nil)
	_ kvstore.Leases      = (*Backend)(nil)
)

// The cache of values keeps at most this many values, and this many bytes
// of them: far more than a screen shows, far less than a large prefix
// holds.
const (
	cacheValues = 4096
	cacheBytes  = 32 << 20
)

// valueCache is a least-recently-used cache of values by key.
type valueCache struct {
	order *list.List // of *cached, the most recently used first
	byKey map[string]*list.Element
	bytes int
}

type cached struct {
	key string
	e   entry
}

// get returns the value of key read at revision rev, and marks it used.
func (c *valueCache) get(key string, rev int64) (entry, bool) {
	el, ok := c.byKey[key]
	if !ok {
		return entry{}, false
	}
	v := el.Value.(*cached)
	if v.e.rev != rev {
		return entry{}, false
	}
	c.order.MoveToFront(el)
	return v.e, true
}

// put keeps e as key's value, dropping the least recently used values
// beyond the cache's bounds.
func (c *valueCache) put(key string, e entry) {
	if c.byKey == nil {
		c.order, c.byKey = list.New(), map[string]*list.Element{}
	}
	if el, ok := c.byKey[key]; ok {
		v := el.Value.(*cached)
		c.bytes += size(e) - size(v.e)
		v.e = e
		c.order.MoveToFront(el)
	} else {
		c.byKey[key] = c.order.PushFront(&cached{key: key, e: e})
		c.bytes += size(e)
	}
	for c.order.Len() > 1 && (c.order.Len() > cacheValues || c.bytes > cacheBytes) {
		el := c.order.Back()
		v := el.Value.(*cached)
		c.order.Remove(el)
		delete(c.byKey, v.key)
		c.bytes -= size(v.e)
	}
}

// size is what a cached value costs, roughly: its bytes, and its JSON
// text when that is not the same bytes.
func size(e entry) int {
	n := len(e.raw)
	if len(e.shown) > 0 && len(e.raw) > 0 && &e.shown[0] != &e.raw[0] {
		n += len(e.shown)
	}
	return n
}

// Loaded reports whether the value under key can be read without a round
// trip: on a Store that is not KeysOnly, always.
func (b *Backend) Loaded(key string) bool {
	e, _ := b.lookup(key)
	return !e.lazy
}

// LoadValues reads the values of those keys that are not loaded, all at one
// revision, in one round trip per MaxApply of them, into the cache. A key
// etcd no longer holds leaves the keys shown, as the watch will tell
// soon; one changed since it was listed shows its new revision.
func (b *Backend) LoadValues(ctx context.Context, keys []string) error {
	_, err := b.load(ctx, keys)
	return err
}

func (b *Backend) load(ctx context.Context, keys []string) (map[string]entry, error) {
	b.mu.Lock()
	var need []string
	for _, k := range keys {
		if e, ok := b.lookupLocked(k); ok && e.lazy {
			need = append(need, k)
		}
	}
	b.mu.Unlock()
	if len(need) == 0 {
		return nil, nil
	}
	slices.Sort(need)
	need = slices.Compact(need)
	got, _, err := b.store.fetch(ctx, need)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range need {
		e, ok := got[k]
		cur, listed := b.shown.Get(k)
		switch {
		case !ok:
			b.shown.Delete(k)
		case listed && !cur.lazy:
			// Written by this Backend meanwhile: the shown value is
			// the newer.
		default:
			b.cache.put(k, e)
			if !listed || cur.rev != e.rev {
				b.shown.Set(k, lazyEntry(e.rev, e.lease))
			}
		}
	}
	return got, nil
}

// valued returns key's entry with its value, reading it first if it is
// not loaded; a value that cannot be read is reported missing.
func (b *Backend) valued(key string) (entry, bool) {
	e, ok := b.lookup(key)
	if !ok || !e.lazy {
		return e, ok
	}
	got, err := b.load(context.Background(), []string{key})
	if err != nil {
		b.mu.Lock()
		b.listErr = err
		b.mu.Unlock()
		return entry{}, false
	}
	if e, ok = b.lookup(key); ok && !e.lazy {
		return e, true
	}
	e, ok = got[key]
	return e, ok
}

// ScanValues calls fn for every key, in ascending order, with its JSON text
// and the size of its bytes, the pending changes included. On a KeysOnly
// Store it reads the values from etcd as one consistent listing, streamed
// or in pages, and keeps none.
func (b *Backend) ScanValues(ctx context.Context, fn func(key string, raw []byte, size int) bool) error {
	var err error
	for k, e := range b.mergedCtx(ctx, false, "", false, &err) {
		if e.lazy {
			continue
		}
		if !fn(k, e.shown, len(e.raw)) {
			return nil
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// Leased reports whether key is attached to a lease. A keys-only listing
// does not tell leases: on a KeysOnly Store, a key is known to be leased
// once its value is loaded, or once the watch brought a change of it.
func (b *Backend) Leased(key string) bool {
	e, ok := b.lookup(key)
	return ok && e.lease != 0
}

// LeaseTTL asks etcd how long the lease of key has left; an expired lease
// has 0 left.
func (b *Backend) LeaseTTL(ctx context.Context, key string) (time.Duration, bool, error) {
	e, ok := b.valued(key)
	if !ok || e.lease == 0 {
		return 0, false, nil
	}
	secs, err := b.store.LeaseTTL(ctx, e.lease)
	if err != nil {
		return 0, true, err
	}
	return time.Duration(max(secs, 0)) * time.Second, true, nil
}
