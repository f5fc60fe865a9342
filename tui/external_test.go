//go:build unix

package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// editorScript writes a shell script to use as $EDITOR: each run appends
// the file's name to a log and runs the next of steps (shell commands that
// may use $f) in turn.
func editorScript(t *testing.T, steps ...string) (script, log string) {
	t.Helper()
	dir := t.TempDir()
	script, log = filepath.Join(dir, "editor.sh"), filepath.Join(dir, "log")
	var b strings.Builder
	b.WriteString("#!/bin/sh\nf=\"$1\"\necho \"$f\" >>" + log + "\nn=$(wc -l <" + log + ")\ncase $n in\n")
	for i, s := range steps {
		b.WriteString("\t" + string(rune('1'+i)) + ") " + s + " ;;\n")
	}
	b.WriteString("esac\n")
	if err := os.WriteFile(script, []byte(b.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, log
}

// runExecInline makes the harness run the editor at once instead of
// handing the terminal to it.
func runExecInline(h *harness) {
	h.m.exec = func(c *exec.Cmd, fn tea.ExecCallback) tea.Cmd {
		return func() tea.Msg { return fn(c.Run()) }
	}
}

func TestExternalEditorReopensOnInvalidJSON(t *testing.T) {
	script, log := editorScript(t,
		`printf '{"port": 8080,}' >"$f"`,
		`grep -q '8080,}' "$f" && printf '{"port": 8080}' >"$f"`)
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
	s := openStore(t, map[string]string{"cfg": `{"port":80}`}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	runExecInline(h)
	h.send(keyText("v"))
	h.wantScreen("Reopen the editor? Invalid JSON at line 1, column 15.")
	h.wantStatus("cfg: line 1, column 15: invalid character '}'")
	if raw(t, s, "cfg") != `{"port":80}` {
		t.Fatal("invalid text changed the value")
	}
	h.send(keyText("y"))
	h.wantStatus("applied cfg")
	if got := raw(t, s, "cfg"); got != `{"port":8080}` {
		t.Fatalf("cfg = %s", got)
	}
	runs := strings.Fields(readFileT(t, log))
	if len(runs) != 2 || runs[0] != runs[1] || !strings.HasSuffix(runs[0], ".json") {
		t.Fatalf("editor runs %q: want the same .json file twice", runs)
	}
	if _, err := os.Stat(runs[0]); !os.IsNotExist(err) {
		t.Fatal("the temporary file outlived the applied edit")
	}
	// The edit is undoable like any other.
	h.send(keyText("u"))
	if got := raw(t, s, "cfg"); got != `{"port":80}` {
		t.Fatalf("undo left cfg = %s", got)
	}
}

func TestExternalEditorGivingUpRemovesTheFile(t *testing.T) {
	script, log := editorScript(t, `printf 'not json' >"$f"`)
	t.Setenv("VISUAL", script) // $VISUAL comes before $EDITOR
	t.Setenv("EDITOR", "false")
	s := openStore(t, map[string]string{"cfg": `1`}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	runExecInline(h)
	h.send(keyText("v"))
	h.wantScreen("Reopen the editor?")
	path := strings.TrimSpace(readFileT(t, log))
	if got := readFileT(t, path); got != "not json" {
		t.Fatalf("the user's text is not kept while asking: %q", got)
	}
	h.send(keyText("n"))
	h.wantStatus("edit of cfg discarded")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("the temporary file is still there after giving up")
	}
	if raw(t, s, "cfg") != "1" {
		t.Fatal("giving up changed the value")
	}
}

func TestExternalEditorUnchangedAndFailing(t *testing.T) {
	script, _ := editorScript(t, `true`, `exit 3`)
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", script)
	s := openStore(t, map[string]string{"cfg": `1`}, nil)
	h := newHarness(t, FileSource(s), 100, 24)
	runExecInline(h)
	h.send(keyText("v"))
	h.wantStatus("no changes to cfg")
	if s.Pending() != 0 {
		t.Fatal("an unchanged edit made a change")
	}
	h.send(keyText("v"))
	h.wantScreen("The editor failed (exit status 3). Try again?")
	h.send(keyText("n"))
	h.wantStatus("edit of cfg discarded")
}

func readFileT(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestGoldenExternalReopen pins the question after $EDITOR left invalid
// JSON, with the error in the status bar.
func TestGoldenExternalReopen(t *testing.T) {
	t.Setenv("VISUAL", "")
	for _, size := range [][2]int{{80, 24}, {40, 10}} {
		name := fmt.Sprintf("external-reopen-%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			script, _ := editorScript(t, `printf '{\n  "port": 8080\n  "host": "x"\n}\n' >"$f"`)
			t.Setenv("EDITOR", script)
			h := newHarness(t, FileSource(openStore(t, map[string]string{"cfg": `{"port":80}`}, nil)), size[0], size[1])
			runExecInline(h)
			h.send(keyText("v"))
			golden(t, name, h.screen())
		})
	}
}
