package uitest

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/tui"
)

// driver runs a tui.Model as the program does: every message goes
// through Update, every Cmd runs on a goroutine of its own and its message
// comes back to Update.
type driver struct {
	tb   testing.TB
	m    tea.Model
	msgs chan tea.Msg
	done chan struct{}
	wg   sync.WaitGroup
}

// newDriver shows src in a w×h terminal. The driver waits for its Cmds
// at the end of the test.
func newDriver(tb testing.TB, src tui.Source, w, h int) *driver {
	return newDriverWith(tb, src, w, h, tui.Options{Keys: tui.DefaultKeyMap()})
}

// newDriverWith is newDriver with opts; Init's Cmds run too when opts
// ask to look for changes.
func newDriverWith(tb testing.TB, src tui.Source, w, h int, opts tui.Options) *driver {
	d := bareDriver(tb, src, opts)
	tb.Cleanup(func() {
		// Closing the source ends the Cmd that waits for its events.
		src.Close()
		close(d.done)
		d.wg.Wait()
	})
	if opts.Refresh > 0 {
		d.start(d.m.Init())
	}
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	return d
}

// bareDriver is a driver that sends nothing yet and does not close src or
// wait for its Cmds at the end of the test: its caller does.
func bareDriver(tb testing.TB, src tui.Source, opts tui.Options) *driver {
	return &driver{tb: tb, m: tui.New(src, opts), msgs: make(chan tea.Msg, 64), done: make(chan struct{})}
}

// send hands msg to Update and starts the Cmd it returns.
func (d *driver) send(msg tea.Msg) {
	next, cmd := d.m.Update(msg)
	d.m = next
	d.start(cmd)
}

func (d *driver) start(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	d.wg.Go(func() {
		if msg := cmd(); msg != nil {
			select {
			case d.msgs <- msg:
			case <-d.done:
			}
		}
	})
}

// press sends key presses, one per key name ("S", "enter", "ctrl+f")
// or one per character of text.
func (d *driver) press(keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			d.send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "esc":
			d.send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "down":
			d.send(tea.KeyPressMsg{Code: tea.KeyDown})
		case "ctrl+f":
			d.send(tea.KeyPressMsg{Code: 'f', Mod: tea.ModCtrl})
		default:
			for _, r := range k {
				d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
}

// screen is the frame as text.
func (d *driver) screen() string { return ansi.Strip(d.m.View().Content) }

// until feeds the Cmds' messages to Update until the screen holds every
// one of want, and fails after a generous while.
func (d *driver) until(want ...string) {
	d.tb.Helper()
	timeout := time.After(20 * time.Second)
	for {
		s := d.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		select {
		case msg := <-d.msgs:
			d.dispatch(msg)
		case <-timeout:
			d.tb.Fatalf("the screen never showed %q:\n%s", missing, s)
		}
	}
}

// dispatch handles one message, starting each Cmd of a batch.
func (d *driver) dispatch(msg tea.Msg) {
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			d.start(c)
		}
		return
	}
	d.send(msg)
}

// openPrefix opens prefix as the program opens a prefix for the UI: keys
// only, values read when shown.
func openPrefix(tb testing.TB, endpoint, prefix string) *etcdstore.Backend {
	tb.Helper()
	s, err := etcdstore.Open(context.Background(), etcdstore.Config{Endpoints: []string{endpoint}, Prefix: prefix, KeysOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	b := etcdstore.NewBackend(s, etcdstore.BackendOptions{WriteTimeout: 4 * time.Second})
	tb.Cleanup(func() { b.Close() })
	return b
}

// fill puts n keys key-0000000… under prefix, with values of about 200
// bytes, 128 to a transaction (etcd's default limit), and returns the
// bytes of the keys as the UI holds them (without the prefix).
func fill(tb testing.TB, cli *clientv3.Client, prefix string, n int) int {
	return fillBatch(tb, cli, prefix, n, 128, 7)
}

// fillBatch is fill with batch keys to a transaction, from two writers at
// once, for a member whose MaxTxnOps takes them, and keys of digits
// digits after "key-".
func fillBatch(tb testing.TB, cli *clientv3.Client, prefix string, n, batch, digits int) int {
	tb.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int
	)
	for range 2 {
		wg.Go(func() {
			for {
				mu.Lock()
				start := next
				next += batch
				failed := first != nil
				mu.Unlock()
				if start >= n || failed {
					return
				}
				var ops []clientv3.Op
				for i := start; i < min(start+batch, n); i++ {
					ops = append(ops, clientv3.OpPut(prefix+keyName(i, digits), value(i)))
				}
				if _, err := cli.Txn(context.Background()).Then(ops...).Commit(); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		tb.Fatal(first)
	}
	keyBytes := 0
	for i := range n {
		keyBytes += len(keyName(i, digits))
	}
	return keyBytes
}

// keyName is the name of fill's key i.
func keyName(i, digits int) string { return fmt.Sprintf("key-%0*d", digits, i) }

// value is a JSON object of about 200 bytes.
func value(i int) string {
	return fmt.Sprintf(`{"id":%d,"name":"user-%08d","email":"user-%08d@example.com","tags":["alpha","beta","gamma"],"note":"%s"}`,
		i, i, i, strings.Repeat("x", 80))
}
