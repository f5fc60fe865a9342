package cli

import "testing"

// An error is one line that starts with "kvstore: " once: the store's
// nested prefixes go, a key's text stays as it is, and nothing in a file
// name can reach the terminal as a control character.
func TestOneLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"kvstore: data.json is in use", "data.json is in use"},
		{"kvstore: open x.json: kvstore: invalid JSON", "open x.json: invalid JSON"},
		{"kvstore: kvstore: twice", "twice"},
		{`no key "a: kvstore: b" in x.json`, `no key "a: kvstore: b" in x.json`},
		{`no key "a\\" in kvstore: x`, `no key "a\\" in kvstore: x`},
		{`no key "q\"x: kvstore: y" in f`, `no key "q\"x: kvstore: y" in f`},
		{"open bad\x1b[31mname\n.json: denied", `open bad\u001b[31mname .json: denied`},
		{"csi \u009b and del \x7f", `csi \u009b and del \u007f`},
		{"open a\u2028b\u202ec\U000E0041.json", `open a\u2028b\u202ec\U000e0041.json`},
	} {
		if got := oneLine(c.in); got != c.want {
			t.Errorf("oneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
