package etcdstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Store is a key prefix of an etcd cluster, seen through the kvstore.Store
// API. All methods are safe for concurrent use.
type Store struct {
	cfg Config
	cli *clientv3.Client

	// ctx is canceled by Close, which ends the watch and every call in
	// flight.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed when the watcher has returned

	// mu guards the view and the bookkeeping that tells this Store's writes
	// from other clients'. Copies for iteration take it exclusively, since
	// keyView.Copy marks its tree shared.
	mu       sync.RWMutex
	view     *keyView      // keys without the prefix
	rev      int64         // the etcd revision the view reflects
	advanced chan struct{} // closed and replaced when rev grows
	closed   bool
	writes   writeLog

	// emitMu orders deliveries with Close closing the channels.
	emitMu   sync.Mutex
	emitDone bool
	events   chan kvstore.FlushEvent
	changes  chan Change
}

var _ kvstore.Store = (*Store)(nil)

// clientSendLimit is the most clientv3 sends in one request by default.
const clientSendLimit = 2 << 20

// ErrConnect is wrapped by the error of an Open that could not connect to
// any member of the cluster within Config.DialTimeout, as opposed to one
// that connected and then failed or ran out of time reading.
var ErrConnect = errors.New("etcdstore: cannot connect")

// Open connects to the cluster (within cfg.DialTimeout), reads every key
// under cfg.Prefix into memory, and starts the one watch that keeps that
// view live. ctx bounds the initial read, with cfg.OpTimeout when it has
// no deadline; it is not used after Open returns.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcdstore: no endpoints")
	}
	ccfg := clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: cfg.DialTimeout,
		Username:    cfg.Username,
		Password:    cfg.Password,
		// A connection that stops carrying anything (the network to the
		// member cut without a word) is dropped and dialed again, rather
		// than waited on until TCP gives up; gRPC pings no more often than
		// every 10s, and etcd refuses pings more frequent than every 5s.
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 3 * time.Second,
		// A library must not write to the terminal of the program using
		// it, which may be a full-screen UI.
		Logger: zap.NewNop(),
	}
	if n := cfg.maxRequestBytes() + txnOverhead; n > clientSendLimit {
		// The client refuses to send more than 2 MiB unless told.
		ccfg.MaxCallSendMsgSize = n
	}
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	ccfg.TLS = tlsCfg
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.OpTimeout)
		defer cancel()
	}
	cli, err := clientv3.New(ccfg)
	if err == nil {
		var refused bool
		refused, err = awaitConnected(ctx, cli.ActiveConnection(), cfg.DialTimeout)
		if err != nil {
			cli.Close()
		}
		// A member that took the connection and then failed it may have
		// failed the TLS handshake, which gRPC does not say. ctx may have
		// run out with the dial timeout.
		if err != nil && refused {
			if why := probeTLS(context.WithoutCancel(ctx), cfg.Endpoints, tlsCfg); why != nil {
				err = why
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w to %s: %w", ErrConnect, strings.Join(cfg.Endpoints, ","), err)
	}
	s := &Store{
		cfg:      cfg,
		cli:      cli,
		done:     make(chan struct{}),
		advanced: make(chan struct{}),
		events:   make(chan kvstore.FlushEvent, eventBuffer),
		changes:  make(chan Change, changeBuffer),
	}
	s.writes.init()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if cfg.Lazy {
		s.cfg.KeysOnly = false
		s.view = newKeyView(false)
		close(s.done)
		return s, nil
	}
	view, rev, err := s.readAll(ctx)
	if err != nil {
		s.cancel()
		cli.Close()
		return nil, fmt.Errorf("etcdstore: read %s%q: %w", strings.Join(cfg.Endpoints, ","), cfg.Prefix, err)
	}
	s.view, s.rev = view, rev
	go s.watch()
	return s, nil
}

// awaitConnected waits, within timeout, until conn has a connection to a
// member: the client connects lazily, and without this a cluster that is
// not there would cost the read's whole timeout instead of the dial's.
// refused reports whether a connection attempt failed meanwhile, rather
// than only waiting.
func awaitConnected(ctx context.Context, conn *grpc.ClientConn, timeout time.Duration) (refused bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn.Connect()
	for {
		state := conn.GetState()
		switch state {
		case connectivity.Ready:
			return refused, nil
		case connectivity.TransientFailure:
			refused = true
		}
		if !conn.WaitForStateChange(ctx, state) {
			return refused, ctx.Err()
		}
	}
}

// Close stops the watch, closes the connection and the Events and Changes
// channels. Writes in flight end with an error (they may or may not have
// committed). Like the file store's, Close is idempotent: later calls
// return nil, and every write after it returns kvstore.ErrClosed. Reads
// keep answering from the view as it was.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	s.cancel()
	<-s.done
	err := s.cli.Close()
	s.emitMu.Lock()
	s.emitDone = true
	close(s.events)
	close(s.changes)
	s.emitMu.Unlock()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("etcdstore: close: %w", err)
	}
	return nil
}

// Events returns the channel on which each write this Store commits is
// reported, with Reason kvstore.FlushAlways: every write is durable (on a
// quorum) before it returns, which is what always-save means for the file
// store. Changes is 1 and Bytes the value's size. A write that fails is
// reported too, with Err set; a conditional write refused for a conflict is
// not. Delivery never blocks; a slow reader misses older events but always
// receives the latest. The channel is closed by Close.
func (s *Store) Events() <-chan kvstore.FlushEvent { return s.events }

// Changes returns the channel on which changes made by others are
// reported: keys put or deleted by other clients, as the watch delivers
// them, and the watch being lost and the view read again. This Store's own
// writes are not reported here (see Events). Delivery never blocks; a slow
// reader misses older notices but always receives the latest. The channel
// is closed by Close.
func (s *Store) Changes() <-chan Change { return s.changes }

// Endpoints returns the cluster addresses the Store was opened with.
func (s *Store) Endpoints() []string { return append([]string(nil), s.cfg.Endpoints...) }

// Config returns the Config the Store was opened with, its defaults filled
// in, the password included.
func (s *Store) Config() Config { return s.cfg }

// KeyPrefix returns the etcd key prefix the Store shows, as etcd stores it.
func (s *Store) KeyPrefix() string { return s.cfg.Prefix }

// snapshot returns a copy of the view, which later changes of the view do
// not touch. Copy marks the tree shared, so it takes the lock exclusively.
func (s *Store) snapshot() *keyView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.view.Copy()
}

func (s *Store) lookup(key string) (entry, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.view.Get(key)
}

// Get returns the value under key decoded as encoding/json decodes into an
// interface{}, like the file store's Get. A value that is not JSON comes
// back as a string of its text (see Item).
func (s *Store) Get(key string) (interface{}, bool) {
	e, ok := s.valued(key)
	if !ok {
		return nil, false
	}
	v, err := decode(e.shown)
	if err != nil {
		return nil, false
	}
	return v, true
}

// GetRaw returns a copy of the compact JSON under key. A value that is not
// JSON comes back as a JSON string of its text (see Item).
func (s *Store) GetRaw(key string) (json.RawMessage, bool) {
	e, ok := s.valued(key)
	if !ok {
		return nil, false
	}
	return bytes.Clone(e.shown), true
}

// Item returns the bytes etcd holds under key, whether they are JSON, and
// the revision that last changed them.
func (s *Store) Item(key string) (Item, bool) {
	e, ok := s.valued(key)
	if !ok {
		return Item{}, false
	}
	return e.item(), true
}

// Revision returns the etcd revision that last changed key as the view
// shows it (its ModRevision), or 0 if the key does not exist. It is what to
// pass to SetIf, DeleteIf and RenameIf to change only what the caller saw.
func (s *Store) Revision(key string) int64 {
	e, _ := s.lookup(key)
	return e.rev
}

// ViewRevision returns the etcd revision the view reflects: every change
// under the prefix up to it is in the view.
func (s *Store) ViewRevision() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rev
}

// Has reports whether key exists in the view.
func (s *Store) Has(key string) bool {
	_, ok := s.lookup(key)
	return ok
}

// Keys returns every key in the view, without the prefix, in ascending
// byte order.
func (s *Store) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, s.view.Len())
	s.view.Scan(func(k string, _ entry) bool {
		keys = append(keys, k)
		return true
	})
	return keys
}

// Len returns the number of keys in the view.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.view.Len()
}

// All iterates over every key and a copy of its JSON in ascending key
// order. It sees the view as it was when the loop started; the loop body
// may call any method of the store.
func (s *Store) All() iter.Seq2[string, json.RawMessage] { return s.Prefix("") }

// Prefix is like All but yields only the keys that start with prefix
// (which is relative to the Store's own prefix).
func (s *Store) Prefix(prefix string) iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		s.mu.Lock()
		snap := s.view.Copy()
		s.mu.Unlock()
		snap.Ascend(prefix, func(k string, e entry) bool {
			if !strings.HasPrefix(k, prefix) {
				return false
			}
			if e.lazy {
				var ok bool
				if e, ok = s.valued(k); !ok {
					return true
				}
			}
			return yield(k, bytes.Clone(e.shown))
		})
	}
}

// LeaseTTL returns the seconds left before the lease id (an Item's Lease)
// expires, and with it the keys attached to it; -1 if it has expired
// already. It is one request, bounded as SetIf's ctx is.
func (s *Store) LeaseTTL(ctx context.Context, id int64) (int64, error) {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	resp, err := s.cli.TimeToLive(ctx, clientv3.LeaseID(id))
	if err != nil {
		return 0, fmt.Errorf("etcdstore: lease %x: %w", id, err)
	}
	return resp.TTL, nil
}
