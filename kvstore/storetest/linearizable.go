package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// Recorder records the operations of concurrent clients, each with the
// instants it started and returned, for CheckRegisters. It is safe for
// concurrent use.
type Recorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []porcupine.Operation
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Op is an operation under way.
type Op struct {
	r  *Recorder
	op porcupine.Operation
}

// Begin records that client starts the operation in.
func (r *Recorder) Begin(client int, in Input) *Op {
	return &Op{r: r, op: porcupine.Operation{ClientId: client, Input: in, Call: r.now()}}
}

// End records that the operation returned out. An operation that may
// have taken effect after it returned (Result Unknown) counts as still
// under way until the end of the history.
func (o *Op) End(out Output) {
	o.op.Output = out
	o.op.Return = o.r.now()
	if out.Result == Unknown {
		o.op.Return = 1 << 62
	}
	o.r.mu.Lock()
	o.r.ops = append(o.r.ops, o.op)
	o.r.mu.Unlock()
}

func (r *Recorder) now() int64 { return int64(time.Since(r.start)) }

// History returns the operations recorded so far.
func (r *Recorder) History() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]porcupine.Operation(nil), r.ops...)
}

// registers is the sequential specification CheckRegisters checks
// against: each key holds the last value written to it, or initial. A
// write that took effect sets it, one refused leaves it, and one whose
// outcome is unknown may do either.
func registers(initial string) porcupine.Model {
	type state struct {
		value  string
		absent bool
	}
	m := &porcupine.NondeterministicModel{
		Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
			byKey := map[string][]porcupine.Operation{}
			var keys []string
			for _, op := range history {
				k := op.Input.(Input).Key
				if _, ok := byKey[k]; !ok {
					keys = append(keys, k)
				}
				byKey[k] = append(byKey[k], op)
			}
			var out [][]porcupine.Operation
			for _, k := range keys {
				out = append(out, byKey[k])
			}
			return out
		},
		Init: func() []interface{} { return []interface{}{state{value: initial}} },
		Step: func(s, in, out interface{}) []interface{} {
			st, i, o := s.(state), in.(Input), out.(Output)
			switch {
			case !i.Write:
				if o.Absent == st.absent && (o.Absent || o.Value == st.value) {
					return []interface{}{st}
				}
				return nil
			case o.Result == Done:
				return []interface{}{state{value: i.Value}}
			case o.Result == Refused:
				return []interface{}{st}
			}
			return []interface{}{st, state{value: i.Value}}
		},
		DescribeOperation: func(in, out interface{}) string {
			i, o := in.(Input), out.(Output)
			if i.Write {
				return fmt.Sprintf("write %s = %s: %v", i.Key, i.Value, [...]string{"done", "refused", "unknown"}[o.Result])
			}
			if o.Absent {
				return fmt.Sprintf("read %s: absent", i.Key)
			}
			return fmt.Sprintf("read %s: %s", i.Key, o.Value)
		},
	}
	return m.ToModel()
}

// CheckRegisters fails t unless history is linearizable: there is one
// order of its operations, each placed at an instant between its start
// and its return, in which every read returns the value of the last write
// of its key that took effect before it (initial before any).
func CheckRegisters(t testing.TB, history []porcupine.Operation, initial string) {
	t.Helper()
	switch linearizable(history, initial) {
	case porcupine.Ok:
	case porcupine.Unknown:
		t.Fatalf("the linearizability check of %d operations did not finish within a minute", len(history))
	default:
		t.Fatalf("the history of %d operations is not linearizable", len(history))
	}
}

func linearizable(history []porcupine.Operation, initial string) porcupine.CheckResult {
	return porcupine.CheckOperationsTimeout(registers(initial), history, time.Minute)
}
