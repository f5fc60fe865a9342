package tui

import (
	"bytes"
	"encoding/json"
	"maps"
	"math/big"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// jsonEqual reports whether a and b are the same JSON value: another tool
// may write "\u0041" for "A", 1.0 for 1, or order an object's members
// differently, and none of that is a change. Numbers are compared exactly,
// not as float64, so that two large integers one apart differ.
func jsonEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	va, okA := decodeJSON(a)
	vb, okB := decodeJSON(b)
	return okA && okB && sameValue(va, vb)
}

func decodeJSON(raw []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	return v, dec.Decode(&v) == nil
}

func sameValue(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		return ok && maps.EqualFunc(a, b, sameValue)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		ra, okA := new(big.Rat).SetString(string(a))
		rb, okB := new(big.Rat).SetString(string(b))
		return okA && okB && ra.Cmp(rb) == 0
	}
	return a == b
}

// realChanges returns c without the changes that only rewrote a value (the
// same JSON written differently): a file another tool saved again with
// other escapes showed every such key as changed, and as a collision where
// we had changed it too. What the file changed is compared with our value
// where we did not change the key, which is then the value the file had.
func realChanges(src Source, c *kvstore.Conflict) *kvstore.Conflict {
	out := &kvstore.Conflict{Ours: c.Ours, Theirs: make(map[string]json.RawMessage, len(c.Theirs))}
	for k, theirs := range c.Theirs {
		if _, ours := c.Ours[k]; !ours {
			cur, exists := src.GetRaw(k)
			if (theirs == nil && !exists) || (theirs != nil && exists && jsonEqual(theirs, cur)) {
				continue
			}
		}
		out.Theirs[k] = theirs
	}
	for _, k := range c.Collisions {
		mine, theirs := c.Ours[k], c.Theirs[k]
		if mine == nil || theirs == nil || !jsonEqual(mine, theirs) {
			out.Collisions = append(out.Collisions, k)
		}
	}
	return out
}
