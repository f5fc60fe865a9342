package tui

import (
	"fmt"
	"path/filepath"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// WriteDemo writes a sample store to dir/demo.json and returns its path. It
// holds a few dozen keys with nested objects, arrays, unicode, long strings,
// exact big numbers and a key with a control character, so that a first look
// at the UI shows what it does with real data.
func WriteDemo(dir string) (string, error) {
	path := filepath.Join(dir, "demo.json")
	s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		return "", err
	}
	values := map[string]any{
		"app/name":         "kvstore",
		"app/version":      "1.4.2",
		"app/debug":        false,
		"app/started":      nil,
		"app/max_sessions": 250,
		"app/ratio":        0.618,
		"app/features":     []any{"filter", "edit", "events", "read-only"},
		"app/limits": map[string]any{
			"requests_per_minute": 600,
			"burst":               50,
			"per_user":            map[string]any{"free": 60, "pro": 600, "team": nil},
		},
		"config/theme": map[string]any{
			"name": "dusk", "accent": "#A58BFF", "font": map[string]any{"family": "JetBrains Mono", "size": 13},
		},
		"config/locale":        "en-GB",
		"config/retry_backoff": []any{0.1, 0.2, 0.4, 0.8, 1.6, 3.2},
		"config/welcome":       "Welcome to kvstore! Press / to filter the keys, e to edit a value and ctrl+s to apply it. Every save is reported in the status bar below, with the time it finished or the reason it failed.",
		"greeting/ja":          "こんにちは、世界",
		"greeting/ar":          "مرحبا بالعالم",
		"greeting/emoji":       "🚀 launch 🌍 world 🎉 party",
		"greeting/de":          "Grüße aus Köln",
		"greeting/el":          "Καλημέρα κόσμε",
		"metrics/latency_ms":   map[string]any{"p50": 3.2, "p90": 11.7, "p99": 48.9, "max": 212},
		"metrics/requests":     []any{1204, 1189, 1312, 1498, 1377, 1290, 1415},
		"metrics/uptime_days":  412,
		"notes/lorem": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. " +
			"Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. " +
			"Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.",
		"notes/shopping":        []any{"coffee", "oat milk", "bread", map[string]any{"item": "apples", "count": 6}},
		"notes/todo":            map[string]any{"done": []any{"write tests"}, "open": []any{"ship it", "write the changelog"}},
		"weird/escape\x1bkey":   "keys and values are escaped for display: \x1b[31m is not red here",
		"weird/bidi":            "abc\u202edcba\u202c: the override is shown, not obeyed",
		"weird/zero\u200bwidth": "zero-width characters are made visible",
		"weird/empty_object":    map[string]any{},
		"weird/empty_array":     []any{},
		"weird/deep": map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{
			"d": map[string]any{"e": []any{1, []any{2, []any{3, "deep"}}}}}}}},
	}
	for i := 1; i <= 12; i++ {
		values[fmt.Sprintf("users/%03d", i)] = map[string]any{
			"name":    demoNames[i-1],
			"email":   fmt.Sprintf("user%03d@example.com", i),
			"active":  i%3 != 0,
			"roles":   demoRoles[i%len(demoRoles)],
			"quota":   map[string]any{"used": i * 137, "limit": 4096},
			"last_ip": fmt.Sprintf("10.0.%d.%d", i, 200-i),
		}
	}
	for k, v := range values {
		if err := s.Set(k, v); err != nil {
			s.Close()
			return "", err
		}
	}
	// A number with more digits than a float64 holds, stored exactly.
	if err := s.SetRaw("metrics/total_bytes", []byte("18446744073709551617")); err != nil {
		s.Close()
		return "", err
	}
	if err := s.Close(); err != nil {
		return "", err
	}
	return path, nil
}

var demoNames = []string{
	"Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov", "Ken Thompson",
	"Margaret Hamilton", "Donald Knuth", "Frances Allen", "Dennis Ritchie", "Radia Perlman", "Niklaus Wirth",
}

var demoRoles = [][]any{{"admin"}, {"editor", "viewer"}, {"viewer"}}
