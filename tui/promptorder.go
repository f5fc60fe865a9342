package tui

import "sync/atomic"

// typedOrder numbers the messages a prompt sends as its text changes (the
// find prompt's, the jq prompt's). Each is delivered by a Cmd of its own,
// and Cmds run concurrently, so two keystrokes' messages can arrive in
// either order: the root acts on a message only if no later-typed one was
// acted on before, or the list would end on the result of a text the user
// has since typed past.
var typedOrder atomic.Int64

// nextTyped returns the order of a message about to be sent.
func nextTyped() int64 { return typedOrder.Add(1) }

// stale reports whether a message of order n was overtaken by one typed
// after it, which *last records; otherwise it records n. Order 0 is a
// message not sent by typing, which is never stale.
func stale(n int64, last *int64) bool {
	if n == 0 {
		return false
	}
	if n < *last {
		return true
	}
	*last = n
	return false
}
