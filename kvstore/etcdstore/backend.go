package etcdstore

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Backend is a key prefix of an etcd cluster as a kvstore.Backend: the
// contract the terminal UI and the command line work through, with
// staged writes, revision checks and conflicts.
//
// Reads show the prefix as it was shown last, with this Backend's pending
// changes over it: another client's change to a key with no pending change
// shows at the next Changed that reports it (a front end calls it every
// second or so), whatever is pending; between those calls what the user
// looks at holds still. Every write is staged with the revision it must
// find in etcd, which is the one the key had when the user started
// editing it (EditStarted), or else the one shown; it is then sent as a
// transaction that requires that revision, so no other client's change is
// ever overwritten unseen. A write refused that
// way, or one that failed, stays pending, and Conflict and Merge settle
// it. A write that could not reach the cluster stays pending too, with an
// error wrapping kvstore.ErrUnreachable, and the next Flush sends it
// again with the same check.
//
// On a KeysOnly Store, the view holds the keys only: a value is read when
// asked for and the recent ones are kept (kvstore.ValueLoader), so the
// memory is the key list plus what was read lately.
//
// A Backend also implements kvstore.Store over the same staged view, and
// the optional kvstore.ByteValues, kvstore.EditTracker, kvstore.Watched,
// kvstore.Shared, kvstore.Rescuer, kvstore.ValueLoader, kvstore.Leases and
// kvstore.KeyLister.
type Backend struct {
	store *Store
	name  string
	opts  BackendOptions

	mu sync.Mutex
	// shown is the Store's view as of the last Changed that found a
	// change, with this Backend's commits since: what the user was shown.
	shown *keyView
	// pending holds the changes etcd does not have yet, with the revision
	// each must find.
	pending map[string]staged
	// editBase holds the revision a key had when an edit of it started.
	editBase map[string]int64
	// theirs holds the revisions the conflict screen showed, which Merge
	// requires where it keeps ours.
	theirs  map[string]int64
	lastErr error
	// listErr ended the last listing of a Lazy Store early.
	listErr error
	// watch is the watch's state as the notices Changed took tell it;
	// Watch hands out its Recovered flag once.
	watch kvstore.WatchState
	// cache keeps the recent values of a KeysOnly Store's keys.
	cache valueCache
	// uncertain holds the keys of writes that failed for want of the
	// cluster: they may have committed all the same, which the next
	// attempt's revision check then takes for another client's change.
	uncertain map[string]bool
}

// staged is a change not yet in etcd.
type staged struct {
	v    *entry // the value to store; nil for a deletion
	base int64  // the revision etcd must hold for the key, 0: absent
	// blind marks a Put, written whatever etcd holds.
	blind bool
}

// BackendOptions says how a Backend saves. The zero value commits each
// write as it is made, within the Store's OpTimeout.
type BackendOptions struct {
	// Deferred keeps every write staged until Flush or Close, which
	// commit them in as few transactions as etcd takes, as a command
	// does: so that del, mv and import change all their keys or none.
	// Writes that etcd already holds, byte for byte or as the same JSON
	// (see Get), are not sent, so another client's bytes stay exact.
	// Without it, each write is committed as it is made, as the terminal
	// UI does, and Close drops what is still pending.
	//
	// A Deferred Backend commits all its changes in one transaction, or
	// none: changes that need more than one within the cluster's limits
	// (Config.MaxTxnOps, MaxRequestBytes) make Flush fail with a
	// *LimitError before anything is sent.
	Deferred bool
	// Batch lets a Deferred Backend commit its changes in as many
	// transactions as the cluster's limits take, in key order, each whole.
	// Should one fail, the ones before it stay committed; doing the same
	// again finishes the job, since what etcd already holds is not sent.
	Batch bool
	// WriteTimeout bounds each transaction. A write that cannot reach
	// the cluster gives up after it and waits, pending. Zero means the
	// Store's OpTimeout.
	WriteTimeout time.Duration
}

var (
	_ kvstore.Backend     = (*Backend)(nil)
	_ kvstore.Store       = (*Backend)(nil)
	_ kvstore.ByteValues  = (*Backend)(nil)
	_ kvstore.EditTracker = (*Backend)(nil)
	_ kvstore.Watched     = (*Backend)(nil)
	_ kvstore.Shared      = (*Backend)(nil)
	_ kvstore.Rescuer     = (*Backend)(nil)
	_ kvstore.KeyLister   = (*Backend)(nil)
)

// NewBackend returns store as a kvstore.Backend, named by its endpoints
// and prefix. The Backend owns store: its Close closes it.
func NewBackend(store *Store, opts BackendOptions) *Backend {
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = store.cfg.OpTimeout
	}
	name := "etcd://" + strings.Join(store.Endpoints(), ",")
	if p := store.KeyPrefix(); p == "" || strings.HasPrefix(p, "/") {
		name += p
	} else {
		name += " prefix " + p
	}
	return &Backend{
		store:     store,
		shown:     store.snapshot(),
		name:      name,
		opts:      opts,
		pending:   map[string]staged{},
		editBase:  map[string]int64{},
		theirs:    map[string]int64{},
		uncertain: map[string]bool{},
	}
}

// Store returns the Store the Backend works on.
func (b *Backend) Store() *Store { return b.store }

// Name names the endpoints and the prefix.
func (b *Backend) Name() string { return b.name }

// Shared reports true: other clients write the prefix as a matter of
// course, and closing it writes no file.
func (b *Backend) Shared() bool { return true }

// ReadOnly reports whether the Store was opened read-only.
func (b *Backend) ReadOnly() bool { return b.store.cfg.ReadOnly }

// EditStarted records the revision of key the edit starts from.
func (b *Backend) EditStarted(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.editBase[key] = b.baseLocked(key)
}

// EditEnded forgets the revision an edit of key started from, when the
// edit ends without a write: a later write of key (an undo, say) must be
// checked against the revision shown then, not that old one.
func (b *Backend) EditEnded(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.editBase, key)
}

// Flush commits every pending change, with its revision check.
func (b *Backend) Flush() error { return b.commit(false) }

// Reload drops the pending changes and shows the prefix as the Store's
// view holds it now.
func (b *Backend) Reload() error {
	shown := b.store.snapshot()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.shown = shown
	clear(b.pending)
	clear(b.theirs)
	clear(b.uncertain)
	b.lastErr = nil
	return nil
}

// Overwrite commits every pending change whatever etcd holds.
func (b *Backend) Overwrite() error {
	if err := b.commit(true); err != nil {
		return err
	}
	return b.Reload()
}

// Conflict lists, for each pending change, the keys whose revision in etcd
// moved from the one the change was based on, with both values (nil for a
// deletion). It remembers the revisions it showed, which Merge requires.
func (b *Backend) Conflict() (*kvstore.Conflict, error) {
	// A KeysOnly Store's view has no values: theirs are read from etcd.
	var current map[string]entry
	if b.store.cfg.KeysOnly {
		b.mu.Lock()
		keys := slices.Collect(maps.Keys(b.pending))
		b.mu.Unlock()
		got, _, err := b.store.fetch(context.Background(), keys)
		if err != nil {
			return nil, err
		}
		current = got
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := &kvstore.Conflict{Ours: map[string]json.RawMessage{}, Theirs: map[string]json.RawMessage{}}
	for k, p := range b.pending {
		var ours json.RawMessage
		if p.v != nil {
			ours = p.v.shown
		}
		c.Ours[k] = ours
		e, exists := b.store.lookup(k)
		if current != nil {
			e, exists = current[k]
		}
		if e.rev == p.base {
			continue
		}
		var theirs json.RawMessage
		if exists {
			theirs = e.shown
		}
		c.Theirs[k] = theirs
		b.theirs[k] = e.rev
		if !bytes.Equal(ours, theirs) {
			c.Collisions = append(c.Collisions, k)
		}
	}
	slices.Sort(c.Collisions)
	return c, nil
}

// Merge commits our pending changes where they do not collide, and where
// keepOurs says so for a key another client changed, provided that etcd
// still holds the revision Conflict showed; where it keeps theirs, ours
// is dropped.
func (b *Backend) Merge(keepOurs func(key string) bool) error {
	b.mu.Lock()
	var write []string
	for _, k := range slices.Sorted(maps.Keys(b.pending)) {
		theirs, moved := b.theirs[k]
		if moved && (keepOurs == nil || !keepOurs(k)) {
			continue
		}
		if moved {
			p := b.pending[k]
			p.base = theirs
			b.pending[k] = p
		}
		write = append(write, k)
	}
	b.mu.Unlock()
	if len(write) > 0 {
		if err := b.commit(false, write...); err != nil {
			return err
		}
	}
	return b.Reload()
}

// Events reports each write committed, as a save.
func (b *Backend) Events() <-chan kvstore.FlushEvent { return b.store.Events() }

// Pending is the number of changes etcd does not have yet.
func (b *Backend) Pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// LastSaveError is the error of the last commit, nil once nothing is
// pending.
func (b *Backend) LastSaveError() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastErr
}

// Close commits the pending changes first when the Backend is Deferred,
// and drops them otherwise; then it closes the Store.
func (b *Backend) Close() error {
	var err error
	if b.opts.Deferred {
		err = b.Flush()
	}
	if cerr := b.store.Close(); err == nil {
		err = cerr
	}
	return err
}
