package kvstore

// ScanRaw calls fn with every key and its compact JSON value, in ascending
// key order, until fn returns false. Unlike All it copies nothing: raw is
// the store's own text, which fn must neither change nor keep after it
// returns. It is for reading every value cheaply, as a search does: at a
// million keys, a copy of each value is hundreds of megabytes of garbage.
// Like All it sees the store as it was when it started, and fn may call
// any method of the store. After Close it calls fn for nothing.
func (s *KVStore) ScanRaw(fn func(key string, raw []byte) bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	snap := s.data.tree.Copy()
	s.mu.Unlock()
	snap.Scan(fn)
}
