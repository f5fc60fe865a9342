// Package exactjson writes and reads keys and values that JSON text cannot
// carry as themselves: etcd holds bytes, which need be neither JSON nor
// UTF-8, and an export or a file of pending changes must give them back
// exactly. It is the one definition of that notation, which the command
// line's export and import and etcdstore's rescue file share.
//
// Bytes that are UTF-8 text are written as a JSON string of that text;
// other bytes as {"base64": "..."}, which survives jq and every other JSON
// tool, as a string with invalid escapes would not. A list of keys and
// their bytes is an array of {"key": K, "value": V}, each of K and V so
// written, under the member named Member.
package exactjson

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Member is the name of the member that lists, exactly, the keys and
// values the other members of an object cannot carry.
const Member = "kvstore:exact"

// Entry is a key and the bytes it holds.
type Entry struct {
	Key   string
	Value []byte
}

// PlainKey reports whether key can be a member name of an object beside
// Member: JSON text carries only UTF-8, and Member is taken.
func PlainKey(key string) bool { return utf8.ValidString(key) && key != Member }

// PlainValue reports whether raw is what a JSON member carrying it gives
// back when read and stored compact: raw is JSON, compact already.
func PlainValue(raw []byte) bool {
	c, err := kvstore.Compact(raw)
	return err == nil && bytes.Equal(c, raw)
}

// AppendBytes appends b as a JSON string when it is UTF-8 text, and as
// {"base64": "..."} otherwise.
func AppendBytes(dst, b []byte) []byte {
	if !utf8.Valid(b) {
		return append(append(append(dst, `{"base64":"`...), base64.StdEncoding.EncodeToString(b)...), `"}`...)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(string(b))
	return append(dst, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// DecodeBytes reads what AppendBytes writes.
func DecodeBytes(raw json.RawMessage) ([]byte, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []byte(s), true
	}
	var b struct {
		Base64 *string `json:"base64"`
	}
	if json.Unmarshal(raw, &b) != nil || b.Base64 == nil {
		return nil, false
	}
	v, err := base64.StdEncoding.DecodeString(*b.Base64)
	return v, err == nil
}

// Encode is Member's value for entries: [{"key": K, "value": V}, ...].
func Encode(entries []Entry) json.RawMessage {
	out := []byte{'['}
	for i, e := range entries {
		if i > 0 {
			out = append(out, ',')
		}
		out = AppendBytes(append(out, `{"key":`...), []byte(e.Key))
		out = append(AppendBytes(append(out, `,"value":`...), e.Value), '}')
	}
	return append(out, ']')
}

// Decode reads Member's value, in order. A key listed twice is an error.
func Decode(raw json.RawMessage) ([]Entry, error) {
	var list []struct {
		Key   json.RawMessage `json:"key"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf(`%q is not an array of {"key": K, "value": V} (it lists keys and values exactly)`, Member)
	}
	entries := make([]Entry, len(list))
	seen := make(map[string]bool, len(list))
	for i, e := range list {
		key, kok := DecodeBytes(e.Key)
		value, vok := DecodeBytes(e.Value)
		if !kok || !vok {
			return nil, fmt.Errorf(`%s[%d] is not {"key": K, "value": V}, each a string or {"base64": "..."}`, Member, i)
		}
		if seen[string(key)] {
			return nil, fmt.Errorf("%s lists the key %q twice", Member, key)
		}
		seen[string(key)] = true
		entries[i] = Entry{Key: string(key), Value: value}
	}
	return entries, nil
}
