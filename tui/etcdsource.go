package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/btree"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// etcdSource is a key prefix of an etcd cluster as the UI's Source.
//
// The UI shows a copy of the prefix (shown) that changes only when the UI
// asks (Reload, after Changed said other clients wrote) or writes itself,
// so what the user looks at holds still while they work, and every value
// carries the revision it had. Each write is a transaction that requires
// etcd to still hold the revision the user was shown; for an edit, the one
// the value had when the editor opened (EditStarted), however many
// refreshes happened while the user typed. A write refused that way, or
// one that failed, stays in shown as pending, like an unsaved change of a
// file, and the status bar offers the conflict screen. A write that could
// not reach the cluster stays pending too, marked errUnreachable, and the
// UI writes it again by itself (retry.go).
type etcdSource struct {
	store *etcdstore.Store
	name  string

	mu    sync.Mutex
	shown *btree.Map[string, shownValue]
	// pending holds the keys whose value in shown etcd does not have yet,
	// with the revision each write must find.
	pending map[string]int64
	// editBase holds the revision a key had when an edit of it started.
	editBase map[string]int64
	// theirs holds the revisions the conflict screen showed, which Merge
	// requires where it keeps ours.
	theirs  map[string]int64
	lastErr error
	// watch is the watch's state as the notices Changed took tell it;
	// Watch hands out its recovered flag once.
	watch watchState
	// uncertain holds the keys of writes that failed for want of the
	// cluster: they may have committed all the same, which the next
	// attempt's revision check then takes for another client's change.
	uncertain map[string]bool
	// timeout bounds each transaction (writeTimeout).
	timeout time.Duration
}

// shownValue is a value as the UI shows it and as etcd holds it.
type shownValue struct {
	json json.RawMessage // compact JSON, or the text of bytes that are not JSON as a string
	raw  []byte          // the bytes etcd holds or is to hold
	rev  int64           // the revision raw had; meaningless while pending
	// notJSON: raw is not JSON, and json is a JSON string of its text.
	notJSON bool
}

// EtcdSource returns store, a key prefix of an etcd cluster, as the UI's
// Source, named by its endpoints and prefix. Edits are checked against the
// revisions the user was shown and never overwrite another client's change
// unseen: a mismatch is settled on the conflict screen. Other clients'
// changes show at the next refresh (see Options.Refresh), which costs
// nothing when there are none.
func EtcdSource(store *etcdstore.Store) Source {
	name := "etcd://" + strings.Join(store.Endpoints(), ",")
	if p := store.KeyPrefix(); p == "" || strings.HasPrefix(p, "/") {
		name += p
	} else {
		name += " prefix " + p
	}
	s := &etcdSource{
		store:     store,
		name:      name,
		pending:   map[string]int64{},
		editBase:  map[string]int64{},
		theirs:    map[string]int64{},
		timeout:   writeTimeout,
		uncertain: map[string]bool{},
	}
	s.shown = s.readView()
	return s
}

// editTracker is a Source whose writes check the version of a value the
// user was shown, and so must hear when the user starts editing one, and
// when an edit ends without writing.
type editTracker interface {
	// EditStarted records that the user began editing key as shown now.
	EditStarted(key string)
	// EditEnded records that the edit of key ended without a write.
	EditEnded(key string)
}

// noteEditStart tells src, if it tracks edits, that editing key starts.
func noteEditStart(src Source, key string) {
	if t, ok := src.(editTracker); ok {
		t.EditStarted(key)
	}
}

// noteEditEnd tells src, if it tracks edits, that the edit of key ended
// without a write.
func noteEditEnd(src Source, key string) {
	if t, ok := src.(editTracker); ok {
		t.EditEnded(key)
	}
}

// readView copies the store's view with each value's revision. Each key is
// read whole (bytes and revision together), so a change arriving meanwhile
// is either in the copy or reported by Changed afterwards.
func (s *etcdSource) readView() *btree.Map[string, shownValue] {
	view := new(btree.Map[string, shownValue])
	for _, k := range s.store.Keys() {
		if item, ok := s.store.Item(k); ok {
			view.Set(k, shownOf(item))
		}
	}
	return view
}

func shownOf(item etcdstore.Item) shownValue {
	v := valueOf(item.Value)
	v.rev = item.Revision
	return v
}

// valueOf is raw as the UI shows it: compact JSON, or for bytes that are
// not JSON a JSON string of their text, marked as such.
func valueOf(raw []byte) shownValue {
	v := shownValue{raw: raw}
	c, err := etcdstore.Compact(raw)
	if err == nil {
		v.json = c
		return v
	}
	v.notJSON = true
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// A string always encodes; bytes that are not UTF-8 become U+FFFD
	// here, and stay as they are in raw.
	_ = enc.Encode(string(raw))
	v.json = bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
	return v
}

// Name names the endpoints and the prefix.
func (s *etcdSource) Name() string { return s.name }

// Shared reports true: other clients write the prefix as a matter of
// course, and closing it writes no file, so the UI words its messages for
// shared data (see wording.go).
func (s *etcdSource) Shared() bool { return true }

// ReadOnly reports whether the store was opened read-only.
func (s *etcdSource) ReadOnly() bool { return errors.Is(s.writable(), kvstore.ErrReadOnly) }

// Keys returns the keys shown, sorted.
func (s *etcdSource) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shown.Keys()
}

// GetRaw returns the value shown under key.
func (s *etcdSource) GetRaw(key string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.shown.Get(key)
	return bytes.Clone(v.json), ok
}

// Has reports whether key is shown.
func (s *etcdSource) Has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.shown.Get(key)
	return ok
}

// EditStarted records the revision of key the editor starts from.
func (s *etcdSource) EditStarted(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.editBase[key] = s.baseLocked(key)
}

// EditEnded forgets the revision an edit of key started from, when the
// edit ends without a write: a later write of key (an undo, say) must be
// checked against the revision shown then, not that old one.
func (s *etcdSource) EditEnded(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.editBase, key)
}

// NotJSON reports whether the bytes shown under key are not JSON.
func (s *etcdSource) NotJSON(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, _ := s.shown.Get(key)
	return v.notJSON
}

// Bytes returns the bytes shown under key, as etcd holds them.
func (s *etcdSource) Bytes(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.shown.Get(key)
	return bytes.Clone(v.raw), ok
}

// Flush writes every pending change again, with the same revision checks.
func (s *etcdSource) Flush() error { return s.commit(false) }

// Reload drops the pending changes and shows the prefix as etcd holds it.
func (s *etcdSource) Reload() error {
	view := s.readView()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shown = view
	clear(s.pending)
	clear(s.theirs)
	s.lastErr = nil
	clear(s.uncertain)
	return nil
}

// Overwrite writes every pending change whatever etcd holds, and then
// shows the prefix as etcd holds it.
func (s *etcdSource) Overwrite() error {
	if err := s.commit(true); err != nil {
		return err
	}
	return s.Reload()
}

// Conflict lists, for each pending change, the keys whose revision in etcd
// moved from the one the change was based on, with both values (nil for a
// deletion). It remembers the revisions it showed, which Merge requires.
func (s *etcdSource) Conflict() (*kvstore.Conflict, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &kvstore.Conflict{Ours: map[string]json.RawMessage{}, Theirs: map[string]json.RawMessage{}}
	for k, base := range s.pending {
		var ours json.RawMessage
		if v, ok := s.shown.Get(k); ok {
			ours = v.json
		}
		c.Ours[k] = ours
		item, exists := s.store.Item(k)
		if item.Revision == base {
			continue
		}
		var theirs json.RawMessage
		if exists {
			theirs = shownOf(item).json
		}
		c.Theirs[k] = theirs
		s.theirs[k] = item.Revision
		if !bytes.Equal(ours, theirs) {
			c.Collisions = append(c.Collisions, k)
		}
	}
	slices.Sort(c.Collisions)
	return c, nil
}

// Merge writes our pending changes where they do not collide, and where
// keepOurs says so for a key another client changed, provided that etcd
// still holds the revision the conflict screen showed; where it keeps
// theirs, ours is dropped. Then it shows the prefix as etcd holds it.
func (s *etcdSource) Merge(keepOurs func(key string) bool) error {
	s.mu.Lock()
	keys := slices.Sorted(maps.Keys(s.pending))
	s.mu.Unlock()
	var write []string
	for _, k := range keys {
		s.mu.Lock()
		theirs, moved := s.theirs[k]
		s.mu.Unlock()
		if moved && (keepOurs == nil || !keepOurs(k)) {
			continue
		}
		if moved {
			s.mu.Lock()
			s.pending[k] = theirs
			s.mu.Unlock()
		}
		write = append(write, k)
	}
	if len(write) > 0 {
		if err := s.commit(false, write...); err != nil {
			return err
		}
	}
	return s.Reload()
}

// Events reports each write committed, as a save.
func (s *etcdSource) Events() <-chan kvstore.FlushEvent { return s.store.Events() }

// Pending is the number of changes etcd does not have yet.
func (s *etcdSource) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// LastSaveError is the error of the last write, nil once nothing is
// pending.
func (s *etcdSource) LastSaveError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// PendingWrites returns the changes etcd does not have yet: each key set
// with its value as shown, and each key deleted.
func (s *etcdSource) PendingWrites() (set map[string]json.RawMessage, deleted []string, revisions map[string]int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, revisions = map[string]json.RawMessage{}, map[string]int64{}
	for _, k := range slices.Sorted(maps.Keys(s.pending)) {
		if v, ok := s.shown.Get(k); ok {
			set[k] = bytes.Clone(v.json)
		} else {
			deleted = append(deleted, k)
		}
		revisions[k] = s.pending[k]
	}
	return set, deleted, revisions
}
