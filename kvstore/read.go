package kvstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
)

// lookup returns the stored text of key itself, not a copy.
func (s *KVStore) lookup(key string) (string, bool) {
	s.mu.RLock()
	v, ok := s.data.get(key)
	s.mu.RUnlock()
	return v, ok
}

// Get returns the value stored under key, decoded as encoding/json decodes
// into an interface{}: objects as map[string]interface{}, arrays as
// []interface{}, numbers as float64. Each call returns a fresh value that
// the caller may modify. A value has the same Go type before and after the
// store is reopened. A value holding a number beyond float64's range (such
// as 1e400, which SetRaw accepts) decodes with its numbers as json.Number
// instead. Use GetAs for a typed result or GetRaw for the JSON.
func (s *KVStore) Get(key string) (interface{}, bool) {
	raw, ok := s.lookup(key)
	if !ok {
		return nil, false
	}
	return decodeAny(bytesOf(raw)), true
}

// decodeAny decodes stored, valid JSON. Only a number that overflows float64
// can fail to decode; then every number of the value is kept as json.Number.
func decodeAny(raw []byte) interface{} {
	if v, ok := decodeCompact(raw); ok {
		return v
	}
	var v interface{}
	if json.Unmarshal(raw, &v) == nil {
		return v
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		panic(fmt.Sprintf("kvstore: stored value %s is not valid JSON: %v", raw, err))
	}
	return v
}

// GetRaw returns a copy of the compact JSON stored under key, without
// decoding it.
func (s *KVStore) GetRaw(key string) (json.RawMessage, bool) {
	raw, ok := s.lookup(key)
	if !ok {
		return nil, false
	}
	return json.RawMessage(raw), true
}

// GetAs decodes the value stored under key into a T. It returns an error
// wrapping ErrNotFound if the key does not exist, ErrClosed after Close, or
// the decoding error if the JSON does not fit T.
func GetAs[T any](s *KVStore, key string) (T, error) {
	var v T
	s.mu.RLock()
	closed := s.closed
	raw, ok := s.data.get(key)
	s.mu.RUnlock()
	if closed {
		return v, ErrClosed
	}
	if !ok {
		return v, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	// A copy: a type's UnmarshalJSON may keep the bytes it is given.
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return v, fmt.Errorf("kvstore: get %q as %T: %w", key, v, err)
	}
	return v, nil
}

// Has reports whether key exists.
func (s *KVStore) Has(key string) bool {
	_, ok := s.lookup(key)
	return ok
}

// Keys returns all keys in ascending byte order.
func (s *KVStore) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, s.data.len())
	s.data.tree.Scan(func(k string, _ []byte) bool {
		keys = append(keys, k)
		return true
	})
	return keys
}

// Len returns the number of keys.
func (s *KVStore) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data.len()
}

// snapshot returns a copy-on-write copy of the data in O(1); later writes
// to the store do not show in it.
func (s *KVStore) snapshot() *kvTree {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.tree.Copy()
}

// All iterates over every key and a copy of its JSON value in ascending key
// order. It sees the store as it was when the loop started; the loop body
// may call any method of the store.
func (s *KVStore) All() iter.Seq2[string, json.RawMessage] {
	return s.Prefix("")
}

// Prefix is like All but yields only the keys that start with prefix.
func (s *KVStore) Prefix(prefix string) iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		s.snapshot().Ascend(prefix, func(k string, v []byte) bool {
			return strings.HasPrefix(k, prefix) && yield(k, bytes.Clone(v))
		})
	}
}
