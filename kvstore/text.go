package kvstore

// GetText returns the JSON text stored under key as a string, in one copy:
// for a caller that keeps the text, such as a display, converting GetRaw's
// bytes would copy a large value twice and hold both copies at once.
func (s *KVStore) GetText(key string) (string, bool) {
	raw, ok := s.lookup(key)
	if !ok {
		return "", false
	}
	return string(raw), true
}
