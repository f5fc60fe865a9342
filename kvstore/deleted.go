package kvstore

// Deleted reports whether the data file is gone though this store read or
// wrote it: someone deleted it. A deleted file reads as an empty one, so a
// caller that would read it again (Reload) can ask this first and keep its
// data instead. A store whose file never existed is not deleted.
func (s *KVStore) Deleted() (bool, error) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	cur, err := s.statData()
	if err != nil {
		return false, err
	}
	return cur == nil && s.disk != nil, nil
}
