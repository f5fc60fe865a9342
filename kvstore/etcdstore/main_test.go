package etcdstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests if any goroutine outlives them: a Store's
// watcher and client must all stop on Close. The embedded cluster members'
// peer traffic is plain HTTP between the servers, and after a member is
// stopped and restarted their idle keep-alive connections can outlive the
// test by a moment; those goroutines (net/http's own, in the servers under
// test, never the Store's) are not counted.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("net/http.(*connReader).backgroundRead"),
	)
}
