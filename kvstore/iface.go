package kvstore

import (
	"encoding/json"
	"fmt"
	"iter"
)

// Store is the API shared by the file store (*KVStore) and other backends,
// such as kvstore/etcdstore, so that application code can move from one to
// another by changing only the call that opens it.
//
// What every implementation promises: values are JSON, validated and kept
// compact (SetRaw refuses invalid text with an error wrapping a
// *SyntaxError); Keys and the iterators are in ascending byte order; Rename
// is atomic and reports ErrNotFound and ErrExists; Events reports completed
// writes without ever blocking the store; after Close, writes return
// ErrClosed.
//
// What differs:
//
//   - When a write is durable. *KVStore acknowledges according to its save
//     strategy: on local disk before returning with Options.AlwaysSave,
//     within the save interval otherwise. etcdstore acknowledges each write
//     once the cluster has committed it to a quorum of members, a network
//     round trip; it keeps no journal and compacts nothing of its own:
//     durability and history are etcd's.
//   - What a FlushEvent stands for. *KVStore reports saves, which may cover
//     many writes; etcdstore reports each committed write.
//   - Who else writes. *KVStore owns its file (one writer process, guarded
//     by a lock) and refuses to overwrite hand edits with ErrConflict at
//     save time. An etcd prefix is shared: other clients' writes appear in
//     the view as they commit, and etcdstore's conditional writes report
//     ErrConflict per key instead.
//   - Errors. A failed *KVStore write is kept in memory and retried by the
//     saver; a failed etcd write is not retried and may or may not have
//     committed (see etcdstore's documentation).
type Store interface {
	// Set encodes value as JSON and stores it under key.
	Set(key string, value any) error
	// SetRaw stores the JSON text raw under key after validating it.
	SetRaw(key string, raw []byte) error
	// Get returns the value under key decoded as encoding/json decodes
	// into an interface{}.
	Get(key string) (interface{}, bool)
	// GetRaw returns a copy of the compact JSON stored under key.
	GetRaw(key string) (json.RawMessage, bool)
	// Delete removes key; deleting a missing key does nothing.
	Delete(key string) error
	// Rename moves the value of from to to in one atomic change.
	Rename(from, to string) error
	// Has reports whether key exists.
	Has(key string) bool
	// Keys returns all keys in ascending byte order.
	Keys() []string
	// Len returns the number of keys.
	Len() int
	// All iterates over every key and its JSON value in key order.
	All() iter.Seq2[string, json.RawMessage]
	// Prefix is like All but yields only the keys that start with prefix.
	Prefix(prefix string) iter.Seq2[string, json.RawMessage]
	// Events returns the channel on which completed writes are reported.
	Events() <-chan FlushEvent
	// Close releases the store; later writes return ErrClosed.
	Close() error
}

var _ Store = (*KVStore)(nil)

// Decode decodes the value stored under key in any Store into a T. It
// returns an error wrapping ErrNotFound if the key does not exist, or the
// decoding error if the JSON does not fit T. Unlike GetAs, which reads a
// *KVStore directly, it cannot tell a closed store from an open one: it
// decodes what the store's GetRaw returns.
func Decode[T any](s Store, key string) (T, error) {
	var v T
	raw, ok := s.GetRaw(key)
	if !ok {
		return v, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("kvstore: get %q as %T: %w", key, v, err)
	}
	return v, nil
}
