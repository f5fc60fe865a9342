package kvstore

// GetText returns the JSON text stored under key, the store's own compact
// text, without copying it: a read is a lookup, whatever the value's size.
// This is safe because a Go string cannot be changed: a later write to key
// stores new text and leaves this string as it was, so the caller may keep
// it as long as it likes (holding it keeps its memory alive, which for a
// value loaded from the data file is the block of values it was loaded
// with). GetRaw returns the same text as a copy the caller may modify.
func (s *KVStore) GetText(key string) (string, bool) {
	return s.lookup(key)
}
