package etcdstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests if any goroutine outlives them: a Store's
// watcher and client, and the embedded servers, must all stop on Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
