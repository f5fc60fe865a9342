package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui"
)

func TestParseArgs(t *testing.T) {
	ok := []struct {
		args []string
		want config
	}{
		{[]string{"f.json"}, config{path: "f.json", interval: 5 * time.Second}},
		{[]string{"--always-save", "--interval", "2s", "f.json"}, config{path: "f.json", alwaysSave: true, interval: 2 * time.Second}},
		{[]string{"--read-only", "f.json"}, config{path: "f.json", readOnly: true, interval: 5 * time.Second}},
		{[]string{"--interval=0", "f.json"}, config{path: "f.json"}},
		{[]string{"--demo"}, config{demo: true, interval: 5 * time.Second}},
		{[]string{"--version"}, config{version: true, interval: 5 * time.Second}},
	}
	for _, c := range ok {
		got, err := parseArgs(c.args, &bytes.Buffer{})
		if err != nil || got != c.want {
			t.Errorf("parseArgs(%q) = %+v, %v; want %+v", c.args, got, err, c.want)
		}
	}
	bad := map[string][]string{
		"no FILE":            {},
		"one FILE expected":  {"a.json", "b.json"},
		"takes no FILE":      {"--demo", "a.json"},
		"must not be":        {"--interval", "-1s", "a.json"},
		"not defined: -nope": {"--nope", "a.json"},
		"invalid value":      {"--interval", "soon", "a.json"},
	}
	for want, args := range bad {
		_, err := parseArgs(args, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseArgs(%q) error %v, want one containing %q", args, err, want)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--help"}, &out, &errOut); code != 0 {
		t.Fatalf("--help exited %d", code)
	}
	for _, want := range []string{"kvstore [flags] FILE", "kvstore --demo", "--always-save", "--interval duration", "(default 5s)", "--read-only", "--version", "--help"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help output lacks %q:\n%s", want, out.String())
		}
	}
	if errOut.Len() != 0 {
		t.Errorf("--help wrote to stderr: %q", errOut.String())
	}
	out.Reset()
	if code := run([]string{"--version"}, &out, &errOut); code != 0 || out.String() != "kvstore devel\n" {
		t.Fatalf("--version: exit %d, output %q", code, out.String())
	}
}

// TestOpenErrorsAreOneLine checks the errors reported before the UI starts:
// one line on stderr naming the problem, nothing on stdout, non-zero exit.
func TestOpenErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.json")
	writeFile(t, corrupt, "{\n  \"a\": 1,\n  \"b\": tru\n}\n")
	locked := filepath.Join(dir, "locked.json")
	holder, err := kvstore.Open(locked, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	cases := map[string][]string{
		"corrupt.json:3:11: invalid character": {corrupt},
		"in use by another writer":             {locked},
		"does not exist":                       {filepath.Join(dir, "missing", "x.json")},
		"is a directory":                       {dir},
		"no FILE given; kvstore --demo opens":  {},
		"flag provided but not defined: -what": {"--what"},
	}
	for want, args := range cases {
		var out, errOut bytes.Buffer
		code := run(args, &out, &errOut)
		msg := errOut.String()
		if code == 0 || out.Len() != 0 || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "kvstore: ") || !strings.Contains(msg, want) {
			t.Errorf("run(%q): exit %d, stdout %q, stderr %q; want one kvstore: line containing %q", args, code, out.String(), msg, want)
		}
	}
}

// TestDefaultKeyMapMatchesKeyTable pins the defaults to the key table in
// the README.
func TestDefaultKeyMapMatchesKeyTable(t *testing.T) {
	km := defaultKeyMap()
	table := []struct {
		name    string
		binding key.Binding
		keys    []string
	}{
		{"up", km.Up, []string{"up", "k"}},
		{"down", km.Down, []string{"down", "j"}},
		{"top", km.Top, []string{"g", "home"}},
		{"bottom", km.Bottom, []string{"G", "end"}},
		{"page up", km.PageUp, []string{"pgup"}},
		{"page down", km.PageDown, []string{"pgdown"}},
		{"filter", km.Filter, []string{"/"}},
		{"keep filter", km.AcceptFilter, []string{"enter"}},
		{"clear filter", km.ClearFilter, []string{"esc"}},
		{"edit", km.Edit, []string{"enter", "e"}},
		{"switch pane", km.SwitchPane, []string{"tab"}},
		{"save", km.Save, []string{"ctrl+s"}},
		{"apply", km.Apply, []string{"ctrl+s"}},
		{"cancel", km.Cancel, []string{"esc"}},
		{"help", km.Help, []string{"?"}},
		{"quit", km.Quit, []string{"q", "ctrl+c"}},
		{"yes", km.Yes, []string{"y", "Y"}},
		{"no", km.No, []string{"n", "N", "esc"}},
	}
	for _, row := range table {
		if !slices.Equal(row.binding.Keys(), row.keys) {
			t.Errorf("%s is bound to %q, want %q", row.name, row.binding.Keys(), row.keys)
		}
		if h := row.binding.Help(); h.Key == "" || h.Desc == "" {
			t.Errorf("%s has no help text", row.name)
		}
	}
}

// TestDefaultKeysDriveTheUI sends the default keys to the real model.
func TestDefaultKeysDriveTheUI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.json")
	writeFile(t, path, `{"a": 1, "b": {"c": true}, "cc": "x"}`)
	s, err := kvstore.Open(path, &kvstore.Options{SaveInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var m tea.Model = tui.New(s, tui.Options{Keys: defaultKeyMap()})
	send := func(msgs ...tea.Msg) string {
		for _, msg := range msgs {
			m, _ = m.Update(msg)
		}
		return ansi.Strip(m.View().Content)
	}
	text := func(s string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: []rune(s)[0], Text: s} }
	send(tea.WindowSizeMsg{Width: 80, Height: 24})

	steps := []struct {
		keys []tea.Msg
		want string
	}{
		{[]tea.Msg{text("j")}, "▸ b"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyDown}}, "▸ cc"},
		{[]tea.Msg{text("k")}, "▸ b"},
		{[]tea.Msg{text("G")}, "▸ cc"},
		{[]tea.Msg{text("g")}, "▸ a"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyEnd}}, "▸ cc"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyHome}}, "▸ a"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyPgDown}}, "▸ cc"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyPgUp}}, "▸ a"},
		{[]tea.Msg{text("/"), text("c")}, "1 of 3 keys"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyEnter}}, "▸ cc"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyEscape}}, "3 keys"},
		{[]tea.Msg{text("k"), tea.KeyPressMsg{Code: tea.KeyTab}}, "│▸ b"}, // the value pane's title
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyTab}, text("e")}, "Editing b"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyEscape}}, "▸ b"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyEnter}}, "Editing b"},
		{[]tea.Msg{tea.KeyPressMsg{Code: tea.KeyEscape}, text("?")}, "switch pane"},
		{[]tea.Msg{text("?")}, "? help • q quit"},
	}
	for i, st := range steps {
		if got := send(st.keys...); !strings.Contains(got, st.want) {
			t.Fatalf("step %d: screen lacks %q:\n%s", i, st.want, got)
		}
	}
	_, cmd := m.Update(text("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); ok {
		t.Fatal("q quit before the final save reported back")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
