package exactjson_test

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore/exactjson"
)

// Any keys and values come back from Encode through Decode byte for byte,
// and Encode's text is JSON that encoding/json reads.
func TestEncodeDecodeIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	entries := []exactjson.Entry{{Key: "", Value: nil}, {Key: "a\xff", Value: []byte("x\x00\xff")}, {Key: "<b>", Value: []byte(`{"a": 1}`)}}
	for i := range 200 {
		v := make([]byte, rng.IntN(30))
		for j := range v {
			v[j] = byte(rng.UintN(256))
		}
		entries = append(entries, exactjson.Entry{Key: string(v[:len(v)/2]) + string(rune('0'+i%10)) + strings.Repeat("k", i), Value: v})
	}
	text := exactjson.Encode(entries)
	if !json.Valid(text) {
		t.Fatalf("Encode wrote text that is not JSON: %s", text)
	}
	got, err := exactjson.Decode(text)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, entries, func(a, b exactjson.Entry) bool { return a.Key == b.Key && string(a.Value) == string(b.Value) }) {
		t.Errorf("Decode(Encode(entries)) differs from entries")
	}
}

func TestDecodeRefusesWhatItDoesNotKnow(t *testing.T) {
	for _, text := range []string{
		`{"key": "a", "value": "b"}`,
		`[{"key": "a", "value": 1}]`,
		`[{"key": {"base64": "!"}, "value": "b"}]`,
		`[{"key": "a", "value": "b"}, {"key": "a", "value": "c"}]`,
	} {
		if _, err := exactjson.Decode(json.RawMessage(text)); err == nil {
			t.Errorf("Decode(%s) succeeded", text)
		}
	}
}
