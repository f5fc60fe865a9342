package etcdstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Set encodes value as JSON, as the file store's Set does, and stores it
// under key. It returns once a quorum of the cluster has committed the
// write and the view shows it, or an error; see Store's documentation for
// what an error means. It takes cfg.OpTimeout at most.
func (s *Store) Set(key string, value any) error {
	raw, err := encode(value)
	if err != nil {
		return fmt.Errorf("etcdstore: set %q: value cannot be stored as JSON: %w", key, err)
	}
	if err := s.cfg.validate("set", key, raw); err != nil {
		return err
	}
	ctx, cancel := s.opContext(context.Background())
	defer cancel()
	_, err = s.put(ctx, key, raw, nil)
	return err
}

// SetRaw stores the JSON text raw under key, without insignificant white
// space. Invalid text is refused with an error wrapping a
// *kvstore.SyntaxError that gives the line and column. Otherwise it is as
// Set.
func (s *Store) SetRaw(key string, raw []byte) error {
	c, err := kvstore.Compact(raw)
	if err != nil {
		return fmt.Errorf("etcdstore: set %q: %w", key, err)
	}
	if err := s.cfg.validate("set", key, c); err != nil {
		return err
	}
	ctx, cancel := s.opContext(context.Background())
	defer cancel()
	_, err = s.put(ctx, key, c, nil)
	return err
}

// SetIf stores the JSON text raw under key only if the key's revision in
// etcd is still rev, the revision the caller was shown (see Revision and
// Item); rev 0 means the key must not exist. Otherwise it changes nothing
// and returns an error wrapping kvstore.ErrConflict. On success it returns
// the revision of the new value. ctx bounds the call, with cfg.OpTimeout
// when it has no deadline.
func (s *Store) SetIf(ctx context.Context, key string, raw []byte, rev int64) (int64, error) {
	c, err := kvstore.Compact(raw)
	if err != nil {
		return 0, fmt.Errorf("etcdstore: set %q: %w", key, err)
	}
	if err := s.cfg.validate("set", key, c); err != nil {
		return 0, err
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	cmp := clientv3.Compare(clientv3.ModRevision(s.cfg.Prefix+key), "=", rev)
	return s.put(ctx, key, c, &cmp)
}

func (s *Store) put(ctx context.Context, key string, raw []byte, cmp *clientv3.Cmp) (int64, error) {
	full := s.cfg.Prefix + key
	// Without a revision to check, the lease the view shows may be gone.
	lease := KeepLease
	if cmp != nil {
		e, _ := s.lookup(key)
		lease = e.lease
	}
	resp, err := s.commit(ctx, "set", key, len(raw), s.txn(ctx, full, cmp, putOp(full, raw, lease)))
	if err != nil {
		return 0, err
	}
	if !resp.Succeeded {
		return 0, conflict("set", key, cmp.GetCompare().GetModRevision(), modRev(resp.Responses[0].GetResponseRange().GetKvs()))
	}
	return resp.Header.Revision, nil
}

// txn builds the transaction that does op on the etcd key full, if cmp
// holds when cmp is given; otherwise it reads the key's revision to report
// the conflict.
func (s *Store) txn(ctx context.Context, full string, cmp *clientv3.Cmp, op clientv3.Op) clientv3.Txn {
	if cmp == nil {
		return s.cli.Txn(ctx).Then(op)
	}
	return s.cli.Txn(ctx).If(*cmp).Then(op).Else(clientv3.OpGet(full, clientv3.WithKeysOnly()))
}

// Delete removes key; deleting a missing key does nothing. It is
// acknowledged like Set.
func (s *Store) Delete(key string) error {
	ctx, cancel := s.opContext(context.Background())
	defer cancel()
	return s.del(ctx, key, nil)
}

// DeleteIf removes key only if its revision in etcd is still rev, the
// revision the caller was shown; otherwise it returns an error wrapping
// kvstore.ErrConflict. ctx is used as by SetIf.
func (s *Store) DeleteIf(ctx context.Context, key string, rev int64) error {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	cmp := clientv3.Compare(clientv3.ModRevision(s.cfg.Prefix+key), "=", rev)
	return s.del(ctx, key, &cmp)
}

func (s *Store) del(ctx context.Context, key string, cmp *clientv3.Cmp) error {
	full := s.cfg.Prefix + key
	resp, err := s.commit(ctx, "delete", key, 0, s.txn(ctx, full, cmp, clientv3.OpDelete(full)))
	if err != nil {
		return err
	}
	if !resp.Succeeded {
		return conflict("delete", key, cmp.GetCompare().GetModRevision(), modRev(resp.Responses[0].GetResponseRange().GetKvs()))
	}
	return nil
}

// Rename moves the value of from to the key to in one transaction that
// requires from to be unchanged since the view last saw it and to to be
// absent. It returns an error wrapping kvstore.ErrNotFound if from does
// not exist (in the view, or in etcd), kvstore.ErrExists if to does, and kvstore.ErrConflict if
// another client changed from meanwhile. It is acknowledged like Set.
func (s *Store) Rename(from, to string) error {
	ctx, cancel := s.opContext(context.Background())
	defer cancel()
	return s.rename(ctx, from, to, s.Revision(from))
}

// RenameIf is Rename with the revision of from that the caller was shown:
// if etcd holds another, it returns an error wrapping kvstore.ErrConflict.
// ctx is used as by SetIf.
func (s *Store) RenameIf(ctx context.Context, from, to string, rev int64) error {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	return s.rename(ctx, from, to, rev)
}

func (s *Store) rename(ctx context.Context, from, to string, rev int64) error {
	e, ok := s.valued(from)
	if !ok || rev == 0 {
		return fmt.Errorf("etcdstore: rename %q: %w", from, kvstore.ErrNotFound)
	}
	if e.rev != rev {
		// The value to move is the one at rev, which the view no longer has.
		return conflict("rename", from, rev, e.rev)
	}
	if from == to {
		return s.writable()
	}
	if e.json {
		if err := s.cfg.validate("rename "+strconv.Quote(from)+" to", to, e.raw); err != nil {
			return err
		}
	}
	src, dst := s.cfg.Prefix+from, s.cfg.Prefix+to
	txn := s.cli.Txn(ctx).If(
		clientv3.Compare(clientv3.ModRevision(src), "=", rev),
		clientv3.Compare(clientv3.CreateRevision(dst), "=", 0),
	).Then(
		putOp(dst, e.raw, e.lease),
		clientv3.OpDelete(src),
	).Else(
		clientv3.OpGet(src, clientv3.WithKeysOnly()),
		clientv3.OpGet(dst, clientv3.WithKeysOnly()),
	)
	resp, err := s.commit(ctx, "rename", from, len(e.raw), txn)
	if err != nil {
		return err
	}
	if resp.Succeeded {
		return nil
	}
	srcNow := resp.Responses[0].GetResponseRange().GetKvs()
	switch {
	case len(srcNow) == 0:
		return fmt.Errorf("etcdstore: rename %q: %w", from, kvstore.ErrNotFound)
	case len(resp.Responses[1].GetResponseRange().GetKvs()) > 0:
		return fmt.Errorf("etcdstore: rename %q to %q: %w", from, to, kvstore.ErrExists)
	}
	return conflict("rename", from, rev, modRev(srcNow))
}

func modRev(kvs []*mvccpb.KeyValue) int64 {
	if len(kvs) == 0 {
		return 0
	}
	return kvs[0].ModRevision
}

// ConflictError is the error of a write that found another client's
// change: the key was not at the revision the write required. It is
// kvstore.ErrConflict for errors.Is, and says so in words for shared
// data, with no file in them.
type ConflictError struct {
	Op  string // "set", "delete", "rename", "apply"
	Key string
	// Read is the revision the write required (0: absent), Now the one
	// etcd held (0: absent).
	Read, Now int64
}

func (e *ConflictError) Error() string {
	var what string
	switch {
	case e.Now == 0:
		what = fmt.Sprintf("another client deleted the key since it was read (revision %d, now absent)", e.Read)
	case e.Read == 0:
		what = fmt.Sprintf("another client created the key since it was read as absent (now revision %d)", e.Now)
	default:
		what = fmt.Sprintf("another client changed the key since it was read (revision %d, now %d)", e.Read, e.Now)
	}
	return fmt.Sprintf("etcdstore: %s %q: %s", e.Op, e.Key, what)
}

// Is reports whether target is kvstore.ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == kvstore.ErrConflict }

// conflict is the error of op on key, which required revision read and
// found now.
func conflict(op, key string, read, now int64) error {
	return &ConflictError{Op: op, Key: key, Read: read, Now: now}
}

// opContext returns the context for one operation: ctx, ended also by
// Close, and bounded by cfg.OpTimeout when ctx has no deadline of its own.
func (s *Store) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	if _, ok := ctx.Deadline(); !ok {
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, s.cfg.OpTimeout)
		return ctx, func() { cancelT(); stop(); cancel() }
	}
	return ctx, func() { stop(); cancel() }
}

func (s *Store) writable() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch {
	case s.closed:
		return kvstore.ErrClosed
	case s.cfg.ReadOnly:
		return kvstore.ErrReadOnly
	}
	return nil
}

// commit sends one transaction and, if it wrote, waits for the view to
// show it. Each committed or failed write is reported on Events.
func (s *Store) commit(ctx context.Context, op, key string, size int, txn clientv3.Txn) (*clientv3.TxnResponse, error) {
	s.mu.Lock()
	if s.closed || s.cfg.ReadOnly {
		s.mu.Unlock()
		return nil, s.writable()
	}
	ticket := s.writes.begin()
	s.mu.Unlock()

	start := time.Now()
	resp, err := txn.Commit()
	var made int64 // the revision the write created, if it changed anything
	if err == nil && resp.Succeeded && wrote(resp) {
		made = resp.Header.Revision
	}

	s.mu.Lock()
	s.writes.finish(ticket, made)
	for _, c := range s.writes.settle(s.rev) {
		s.notify(c)
	}
	s.mu.Unlock()

	if err != nil {
		err = fmt.Errorf("etcdstore: %s %q: %w", op, key, err)
	}
	if err != nil || made != 0 {
		ev := kvstore.FlushEvent{Time: time.Now(), Reason: kvstore.FlushAlways, Duration: time.Since(start), Err: err}
		if err == nil && !s.cfg.Lazy {
			s.awaitView(ctx, made)
			ev.Changes, ev.Bytes = 1, int64(size)
		}
		ev.Keys = s.Len()
		s.emit(ev)
	}
	return resp, err
}

// wrote reports whether a successful transaction changed anything: a
// delete of a missing key makes no revision, and waiting for the watch to
// show one would never end.
func wrote(resp *clientv3.TxnResponse) bool { return wroteAny(resp.Responses) }

func wroteAny(responses []*etcdserverpb.ResponseOp) bool {
	for _, r := range responses {
		if r.GetResponsePut() != nil {
			return true
		}
		if d := r.GetResponseDeleteRange(); d != nil && d.Deleted > 0 {
			return true
		}
		if t := r.GetResponseTxn(); t != nil && wroteAny(t.Responses) {
			return true
		}
	}
	return false
}
