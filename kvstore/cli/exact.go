package cli

import (
	"bytes"
	"encoding/json"
	"iter"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/exactjson"
)

// exactHelp is what export's --help says of the keys and values its plain
// object cannot carry.
const exactHelp = "On an etcd prefix other clients may store bytes that are not JSON (10.0.0.1:8080, 007), " +
	"JSON spaced their own way ({\"a\": 1}), or keys and values that are not UTF-8. The object " +
	"shows each value as get prints it (text that is not JSON as a JSON string of it), and when " +
	"some key or value is not exactly what that shows, one more member, \"" + exactjson.Member +
	"\", comes last and lists them again exactly: an array of {\"key\": K, \"value\": V}, each of " +
	"K and V a JSON string of the exact text, or {\"base64\": \"...\"} for bytes that are not " +
	"UTF-8. import stores those bytes, so that export | import gives every key back byte for byte, " +
	"onto the same prefix without writing anything. A member changed since export (with jq, say) " +
	"is stored as the JSON it now holds, and a member removed is not imported; a key that cannot " +
	"be a member (not UTF-8, or named " + exactjson.Member + ") is in the list alone. A store whose " +
	"values are all compact JSON, as a file's are, exports as the plain object alone."

// byteLister is a source whose values are bytes that need not be JSON, as
// an etcd prefix's are, and which lists them as they are.
type byteLister interface {
	PrefixBytes(prefix string) iter.Seq2[string, []byte]
}

// shownAs is the JSON a value's bytes show as, as get prints it: the
// bytes, compact, when they are JSON, and otherwise a JSON string of their
// text (a byte that is not UTF-8 reads as U+FFFD).
func shownAs(raw []byte) []byte {
	shown, _ := showBytes(raw)
	return shown
}

// showBytes is shownAs, and whether raw is shown as itself: compact JSON,
// which an export's plain member carries exactly.
func showBytes(raw []byte) (shown []byte, plain bool) {
	if c, err := kvstore.Compact(raw); err == nil {
		return c, bytes.Equal(c, raw)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(string(raw))
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), false
}

// exportEntries yields what export prints: every entry of entries whose
// key is plainKey, as it is, and then, if some key or value is not
// carried exactly that way, one member exactjson.Member listing them.
// bytesOf gives the exact bytes of a key whose value is not plain (nil:
// the value is its JSON).
func exportEntries(entries iter.Seq2[string, json.RawMessage], bytesOf map[string][]byte) iter.Seq2[string, json.RawMessage] {
	return func(yield func(string, json.RawMessage) bool) {
		var exact []exactjson.Entry
		for key, shown := range entries {
			raw, odd := bytesOf[key]
			if !odd {
				raw = shown
			}
			if odd || !exactjson.PlainKey(key) {
				exact = append(exact, exactjson.Entry{Key: key, Value: raw})
			}
			if exactjson.PlainKey(key) && !yield(key, shown) {
				return
			}
		}
		if len(exact) > 0 {
			yield(exactjson.Member, exactjson.Encode(exact))
		}
	}
}

// takeExact removes exactjson.Member from object and returns the exact bytes
// the import stores, by key. An entry whose key is a member of object
// stands for that member only while the member still shows as the entry's
// bytes (as export wrote them): a member changed since, by jq say, is
// stored as the JSON it now holds, and a member removed is not imported.
// An entry whose key cannot be a member (not UTF-8, or exactjson.Member) stands
// alone.
func takeExact(object map[string]json.RawMessage) (map[string][]byte, error) {
	table, ok := object[exactjson.Member]
	if !ok {
		return nil, nil
	}
	delete(object, exactjson.Member)
	entries, err := exactjson.Decode(table)
	if err != nil {
		return nil, err
	}
	exact := make(map[string][]byte, len(entries))
	for _, e := range entries {
		key, value := e.Key, e.Value
		if exactjson.PlainKey(key) {
			member, present := object[key]
			if !present || !sameJSON(member, shownAs(value)) {
				continue
			}
		}
		exact[key] = value
	}
	return exact, nil
}

// sameJSON reports whether a and b are the same JSON value, however each
// is spaced and its strings escaped (jq rewrites both).
func sameJSON(a, b []byte) bool {
	ca, err := canonicalJSON(a)
	if err != nil {
		return false
	}
	cb, err := canonicalJSON(b)
	return err == nil && bytes.Equal(ca, cb)
}

func canonicalJSON(raw []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return buf.Bytes(), err
}

// storeExact stages value under key exactly where store keeps bytes, and
// otherwise (a file, which holds JSON) as the JSON it shows as. A file
// keeps a key's bytes that are not UTF-8 as they are.
func storeExact(store source, key string, value []byte) error {
	if bv, ok := store.(kvstore.ByteValues); ok {
		return bv.SetBytes(key, value)
	}
	return store.SetRaw(key, shownAs(value))
}

// holdsExact reports whether store already holds value under key, byte for
// byte where it keeps bytes, or as the same JSON.
func holdsExact(store source, key string, value []byte) bool {
	if bv, ok := store.(kvstore.ByteValues); ok {
		now, ok := bv.Bytes(key)
		return ok && bytes.Equal(now, value)
	}
	now, ok := store.GetRaw(key)
	return ok && bytes.Equal(now, shownAs(value))
}
