package tui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// TestProgramEditSaveQuit runs the model in a real Bubble Tea program, with
// the real event wait and timers, and checks that an edit reaches the file.
func TestProgramEditSaveQuit(t *testing.T) {
	s := openStore(t, map[string]string{"count": "41", "name": `"kv"`}, &kvstore.Options{SaveInterval: 50 * time.Millisecond})
	events := make(chan kvstore.FlushEvent, 16)
	watch := func(_ tea.Model, msg tea.Msg) tea.Msg {
		if ev, ok := msg.(flushEventMsg); ok {
			events <- ev.ev
		}
		return msg
	}
	m := New(FileSource(s), Options{Keys: testKeyMap()})
	// Status messages expire quickly, so no timer outlives the test.
	m.tick = func(_ time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return tea.Tick(10*time.Millisecond, fn)
	}
	tm := teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithFilter(watch)))

	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return strings.Contains(string(b), "2 keys")
	}, teatest.WithDuration(5*time.Second))

	tm.Send(keyText("e"))
	tm.Send(keyEnd)
	tm.Send(keyBackspace)
	tm.Type("2")
	tm.Send(keyCtrlS)

	// The periodic saver writes the change; its event reaches Update.
	select {
	case ev := <-events:
		if ev.Err != nil || ev.Reason != kvstore.FlushPeriodic {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no flush event reached the program")
	}

	tm.Send(keyText("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if st := final.saveState(); st.report.savedAt.IsZero() || st.pending != 0 {
		t.Fatalf("final save state %+v", st)
	}
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"count": 42`) {
		t.Fatalf("the file does not hold the edit:\n%s", data)
	}
}
