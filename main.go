// Command kvstore browses and edits a kvstore JSON file in the terminal,
// and reads and writes one from scripts.
//
//	kvstore [flags] FILE
//	kvstore --demo
//	kvstore get|set|del|mv|keys|export|import SRC ...
//
// Run it with --help for the commands and flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/fang/v2"
	"github.com/charmbracelet/x/term"
	"google.golang.org/grpc/grpclog"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/cli"
	"github.com/kvstore-dev/kvstore/tui"
)

// refreshInterval is how often the UI checks whether the file (or an
// always-save writer's journal) changed on disk: a few stats; the file is
// read again only when it changed.
const refreshInterval = 2 * time.Second

// etcdRefreshInterval is how often the UI takes in the changes other
// clients made to an etcd prefix: the watch has delivered them already,
// so looking costs nothing unless there are some.
const etcdRefreshInterval = time.Second

func main() {
	// etcd's client logs through gRPC's global logger, which writes to
	// stderr: over the terminal UI, or into a script's error output.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, io.Discard))
	root := cli.New(runTUI)
	err := fang.Execute(context.Background(), root,
		fang.WithVersion(version()), fang.WithErrorHandler(cli.PrintError))
	os.Exit(cli.ExitCode(err))
}

// version returns the module version the binary was built from, or "devel".
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// isTerminal reports whether r is a terminal someone can answer on.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// offerReadOnly asks, on a terminal, whether to view a file another writer
// holds read-only. One key press answers, as the README says: y opens it,
// any other key declines.
func offerReadOnly(path, holder string, stdin io.Reader, stderr io.Writer) bool {
	fmt.Fprintf(stderr, "kvstore: %s is in use by %s. Open it read-only? [y/N] ", filepath.Base(path), holder)
	switch readKey(stdin) {
	case 'y', 'Y':
		fmt.Fprintln(stderr, "y")
		return true
	}
	fmt.Fprintln(stderr, "n")
	return false
}

// readKey reads one key press: in raw mode on a terminal, so that it needs
// no Enter, and the first byte otherwise. It returns 0 if nothing could be
// read.
func readKey(stdin io.Reader) byte {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(f.Fd()) {
		if state, err := term.MakeRaw(f.Fd()); err == nil {
			defer term.Restore(f.Fd(), state)
		}
	}
	var b [1]byte
	if n, _ := stdin.Read(b[:]); n == 0 {
		return 0
	}
	return b[0]
}

// runTUI runs the terminal UI as the command line asked (cli checked the
// flags). Every error before the UI starts is returned, for cli to print as
// one line, and the terminal is not touched, except that a file locked by
// another writer is offered read-only when stdin is a terminal.
func runTUI(c cli.TUIOptions) error {
	stdin, stderr := os.Stdin, os.Stderr
	if c.Demo {
		dir, err := os.MkdirTemp("", "kvstore-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if c.Path, err = tui.WriteDemo(dir); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer fmt.Fprintf(stderr, "kvstore: the demo store is %s\n", c.Path)
	}
	src, closeSrc, notice, err := openSource(c, stdin, stderr)
	if err != nil {
		return err
	}
	refresh := refreshInterval
	if c.Backend != nil {
		refresh = etcdRefreshInterval
	}

	uiOpts := tui.Options{Keys: keyMap(), Refresh: refresh, Notice: notice, Separator: c.Separator}
	if c.Schemas != nil {
		uiOpts.Validate = c.Schemas.Validate
	}
	model := tui.New(src, uiOpts)
	// Bubble Tea's own handler turns SIGTERM into an immediate quit and does
	// not watch SIGHUP; this one sends every terminating signal through the
	// model, and the store is closed (saving pending changes) below.
	p := tea.NewProgram(model, tea.WithoutSignalHandler())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			p.Send(tui.ShutdownMsg{})
		case <-done:
		}
	}()
	final, runErr := p.Run()
	close(done)
	signal.Stop(sigs)
	if m, ok := final.(tui.Model); ok && m.ExitNotice() != "" {
		fmt.Fprintln(stderr, m.ExitNotice())
	}

	if err := closeSrc(); err != nil {
		// One sentence: where the user's version went and how to bring
		// it back, or why it was not saved.
		msg := errors.New(tui.CloseMessage(err))
		if runErr != nil {
			return fmt.Errorf("%w; %w", runErr, msg)
		}
		return msg
	}
	return runErr
}

// openSource opens the data the command line named: the etcd prefix cli
// connected to, or the file, offering a file locked by another writer
// read-only when stdin is a terminal. It returns the notice for the
// status bar and the function that closes the data, saving a file's
// pending changes.
func openSource(c cli.TUIOptions, stdin io.Reader, stderr io.Writer) (tui.Source, func() error, string, error) {
	if c.Backend != nil {
		return c.Backend, c.Backend.Close, "", nil
	}
	// A mistyped name would open as an empty store without a word: say the
	// file is new, and refuse a read-only view of nothing.
	notice := ""
	if _, err := os.Stat(c.Path); errors.Is(err, fs.ErrNotExist) {
		if c.ReadOnly {
			return nil, nil, "", fmt.Errorf("%s does not exist (--read-only opens only an existing file)", c.Path)
		}
		notice = "new file: " + filepath.Base(c.Path) + " (created on the first save)"
	}
	interval := c.Interval
	if interval == 0 {
		interval = -1 // the library's "no periodic saver"
	}
	store, err := kvstore.Open(c.Path, &kvstore.Options{
		AlwaysSave:   c.AlwaysSave,
		SaveInterval: interval,
		ReadOnly:     c.ReadOnly,
	})
	if errors.Is(err, kvstore.ErrLocked) && isTerminal(stdin) {
		holder := "another writer"
		if le := (*kvstore.LockedError)(nil); errors.As(err, &le) && le.PID > 0 {
			holder = fmt.Sprintf("another writer (process %d)", le.PID)
		}
		if !offerReadOnly(c.Path, holder, stdin, stderr) {
			return nil, nil, "", err
		}
		notice = holder + " has the file"
		store, err = kvstore.Open(c.Path, &kvstore.Options{ReadOnly: true})
	}
	if err != nil {
		return nil, nil, "", err
	}
	return tui.FileSource(store), store.Close, notice, nil
}
