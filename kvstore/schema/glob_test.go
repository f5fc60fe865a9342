package schema

import "testing"

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, key string
		want         bool
	}{
		{"settings", "settings", true},
		{"settings", "settings2", false},
		{"settings", "setting", false},
		{"user/*", "user/42", true},
		{"user/*", "user/42/profile", true},
		{"user/*", "user/", true},
		{"user/*", "users/1", false},
		{"*", "", true},
		{"*", "anything/at/all", true},
		{"user:*:profile", "user:7:profile", true},
		{"user:*:profile", "user:7:settings", false},
		{"*:profile", "a:b:profile", true},
		{"?", "é", true},
		{"?", "ab", false},
		{"log/[0-9]*", "log/2026", true},
		{"log/[0-9]*", "log/x", false},
		{"log/[!0-9]*", "log/x", true},
		{"[]]", "]", true},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
	}
	for _, tt := range tests {
		got, err := matchPattern(tt.pattern, tt.key)
		if err != nil || got != tt.want {
			t.Errorf("matchPattern(%q, %q) = %v, %v; want %v", tt.pattern, tt.key, got, err, tt.want)
		}
	}
}

func TestMatchPatternRefusesMalformed(t *testing.T) {
	for _, p := range []string{"user/[", `trailing\`, "[!"} {
		if _, err := matchPattern(p, "x"); err == nil {
			t.Errorf("matchPattern(%q) accepted a malformed pattern", p)
		}
	}
}
