package etcdstore

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// encode turns a Go value into compact JSON the way the file store's Set
// does: HTML characters are not escaped, so strings stay readable.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// decode decodes stored JSON as the file store's Get does: as encoding/json
// decodes into an interface{}, keeping every number as json.Number when one
// is beyond float64's range.
func decode(raw []byte) (any, error) {
	var v any
	if json.Unmarshal(raw, &v) == nil {
		return v, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("etcdstore: stored value is not valid JSON: %w", err)
	}
	return v, nil
}

// Item is a value as etcd holds it.
type Item struct {
	// Value is the stored bytes, exactly as etcd holds them.
	Value []byte
	// JSON reports whether Value is one valid JSON value. Another client
	// may have stored anything; the kvstore.Store methods show bytes that
	// are not JSON as a JSON string of their text.
	JSON bool
	// Revision is the etcd revision that last changed the key (its
	// ModRevision), to pass to SetIf, DeleteIf or RenameIf.
	Revision int64
	// Lease is the ID of the lease the key is attached to, 0 for none:
	// the key goes when the lease expires, and writes keep it.
	Lease int64
}

// entry is a key's value in the view: the bytes etcd holds and the compact
// JSON the kvstore.Store methods present, worked out once as it arrives.
type entry struct {
	raw   []byte
	shown []byte // raw itself when raw is compact JSON
	json  bool
	rev   int64
	lease int64 // the lease the key is attached to, 0 for none
	// exact marks a pending value given as bytes (SetBytes): etcd holds it
	// only if it holds these very bytes, not merely the same JSON.
	exact bool
	// lazy marks a key listed without its value (Config.KeysOnly): raw
	// and shown are empty until the value is read.
	lazy bool
}

// lazyEntry is a key listed without its value.
func lazyEntry(rev, lease int64) entry { return entry{rev: rev, lease: lease, lazy: true} }

func entryOf(raw []byte, rev, lease int64) entry {
	e := entry{raw: raw, rev: rev, lease: lease}
	if c, err := kvstore.Compact(raw); err == nil {
		e.json = true
		e.shown = raw
		if len(c) != len(raw) {
			e.shown = c
		}
		return e
	}
	e.shown, _ = encode(string(raw))
	return e
}

func (e entry) item() Item {
	return Item{Value: bytes.Clone(e.raw), JSON: e.json, Revision: e.rev, Lease: e.lease}
}
