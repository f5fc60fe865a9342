package storetest

import (
	"testing"

	"github.com/anishathalye/porcupine"
)

// The checker accepts histories with a valid order and refuses those
// without one: a stale read, a read of a refused write, a lost write.
func TestLinearizable(t *testing.T) {
	op := func(client int, in Input, call, ret int64, out Output) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: in, Call: call, Return: ret, Output: out}
	}
	done := Output{Result: Done}
	for _, c := range []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"a read after a write sees it", []porcupine.Operation{
			op(0, Write("k", "1"), 0, 10, done),
			op(1, Read("k"), 11, 20, Output{Value: "1"}),
		}, porcupine.Ok},
		{"a read during a write sees either", []porcupine.Operation{
			op(0, Write("k", "1"), 0, 10, done),
			op(1, Read("k"), 5, 6, Output{Value: "0"}),
			op(2, Read("k"), 5, 6, Output{Value: "1"}),
		}, porcupine.Ok},
		{"a stale read", []porcupine.Operation{
			op(0, Write("k", "1"), 0, 10, done),
			op(1, Read("k"), 11, 20, Output{Value: "0"}),
		}, porcupine.Illegal},
		{"a read of a refused write", []porcupine.Operation{
			op(0, Write("k", "1"), 0, 10, Output{Result: Refused}),
			op(1, Read("k"), 11, 20, Output{Value: "1"}),
		}, porcupine.Illegal},
		{"a write of unknown outcome may show later", []porcupine.Operation{
			op(0, Write("k", "1"), 0, 1<<62, Output{Result: Unknown}),
			op(1, Read("k"), 11, 20, Output{Value: "0"}),
			op(1, Read("k"), 21, 30, Output{Value: "1"}),
		}, porcupine.Ok},
		{"keys are independent", []porcupine.Operation{
			op(0, Write("a", "1"), 0, 10, done),
			op(1, Read("b"), 11, 20, Output{Value: "1"}),
		}, porcupine.Illegal},
	} {
		if got := linearizable(c.history, "0"); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
