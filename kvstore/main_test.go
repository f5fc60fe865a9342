package kvstore_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// store the tests open must have stopped its saver by the time Close returns.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
