package schema

import "testing"

func TestLocate(t *testing.T) {
	text := []byte(`{
  "name": "",
  "a/b": {"~x": [10, {"deep": true}]},
  "tags": ["x", "y"]
}`)
	tests := []struct {
		pointer, want string // want: the text at the offset found; "" for none
	}{
		{"", "{"},
		{"/name", `""`},
		{"/a~1b", `{"~x"`},
		{"/a~1b/~0x", "[10"},
		{"/a~1b/~0x/0", "10"},
		{"/a~1b/~0x/1/deep", "true"},
		{"/tags/1", `"y"`},
		{"/tags/2", ""},
		{"/missing", ""},
		{"/name/0", ""},
		{"name", ""},
	}
	for _, tt := range tests {
		off, ok := Locate(text, tt.pointer)
		switch {
		case tt.want == "" && ok:
			t.Errorf("Locate(%q) found offset %d; want nothing", tt.pointer, off)
		case tt.want != "" && (!ok || string(text[off:min(off+len(tt.want), len(text))]) != tt.want):
			t.Errorf("Locate(%q) = %d, %v; want the offset of %q", tt.pointer, off, ok, tt.want)
		}
	}
}
