package uitest

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/kvstore-dev/kvstore/tui/tmuxtest"
)

// TestMain fails the tests if any goroutine outlives them: the Store's
// watcher and client stop on Close, and every Cmd the tests ran has
// returned. The program the tmux tests built is removed at the end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("net/http.(*connReader).backgroundRead"),
		goleak.Cleanup(func(int) { tmuxtest.Cleanup() }),
	)
}
