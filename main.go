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
	"strings"
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

// offerReadOnly asks, on a terminal, whether to view read-only a file
// that cannot be opened for writing, saying why (is in use by another
// writer, cannot be locked). One key press answers, as the README says: y
// opens it, any other key declines.
func offerReadOnly(path, why string, stdin io.Reader, stderr io.Writer) bool {
	fmt.Fprintf(stderr, "kvstore: %s %s. Open it read-only? [y/N] ", filepath.Base(path), why)
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
	uiOptions := func(notice string) tui.Options { return uiOptionsFor(c, notice) }
	if c.Backend == nil && isTerminal(stdin) {
		if size := fileSize(c.Path); size >= loadingScreenSize {
			if done, err := runLoading(c, size, uiOptions, stderr); done {
				return err
			}
			// It could not be opened for writing: the questions below
			// offer a read-only view.
		}
	}
	src, closeSrc, notice, err := openSource(c, stdin, stderr)
	if err != nil {
		return err
	}
	if err := needTerminal(stdin); err != nil {
		return errors.Join(err, closeSrc())
	}
	final, runErr := runProgram(tui.New(src, uiOptions(notice)))
	return finish(final, runErr, closeSrc)
}

// uiOptionsFor is what the UI is given for the source c names: the key
// map, how often it looks for other writers' changes (a file is stat'ed
// every refreshInterval; an etcd prefix's watch has them already, so it
// looks every etcdRefreshInterval), and the schemas' check.
func uiOptionsFor(c cli.TUIOptions, notice string) tui.Options {
	refresh := refreshInterval
	if c.Backend != nil {
		refresh = etcdRefreshInterval
	}
	opts := tui.Options{Keys: keyMap(), Refresh: refresh, Notice: notice, Separator: c.Separator}
	if c.Schemas != nil {
		opts.Validate = c.Schemas.Validate
	}
	return opts
}

// errNoTerminal is why the UI cannot start without a terminal, and what
// to use instead.
var errNoTerminal = errors.New("the UI needs a terminal; for scripts use kvstore get/set/keys")

// needTerminal returns errNoTerminal when there is no terminal to run the
// UI in: stdin is not one and the process has none of its own (Bubble Tea
// would fail with "error opening TTY").
func needTerminal(stdin io.Reader) error {
	if isTerminal(stdin) {
		return nil
	}
	in, out, err := tea.OpenTTY()
	if err != nil {
		return errNoTerminal
	}
	in.Close()
	out.Close()
	return nil
}

// loadingScreenSize is the file size from which the UI starts before the
// file is read, with a line that says it is loading: from 16 MB reading
// takes long enough for a blank terminal to look stuck, and for a q typed
// meanwhile to land in the shell. A smaller file is opened first, so that
// an error is one line with the terminal untouched.
const loadingScreenSize = 16 << 20

// fileSize returns the size of the file at path, 0 if it cannot be read.
func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return 0
	}
	return info.Size()
}

// runLoading opens the file in the background while the UI shows the
// loading screen, which becomes the UI once it is open. It reports done
// false, having closed nothing and started no UI past the loading screen,
// when the file could not be opened for writing but a read-only view might
// be (another writer holds it; its directory cannot be written), so that
// the caller asks as it would for a small file.
func runLoading(c cli.TUIOptions, size int64, uiOptions func(string) tui.Options, stderr io.Writer) (done bool, err error) {
	var (
		ready = make(chan struct{})
		store *kvstore.KVStore
		opErr error
	)
	go func() {
		defer close(ready)
		store, opErr = kvstore.Open(c.Path, storeOptions(c))
	}()
	loader := tui.NewLoader(tui.LoaderOptions{
		Name: filepath.Base(c.Path), Size: size, Ready: ready,
		Opened: func() (tui.Source, error) {
			if opErr != nil {
				return nil, opErr
			}
			return tui.FileSource(store), nil
		},
		UI: uiOptions(""),
	})
	final, runErr := runProgram(loader)
	<-ready // quitting while it loads leaves the opening to finish
	if _, loading := final.(tui.Loader); !loading {
		return true, finish(final, runErr, store.Close)
	}
	if opErr == nil {
		// Quit before the UI showed: nothing was changed.
		return true, errors.Join(runErr, store.Close())
	}
	if !c.ReadOnly && (errors.Is(opErr, kvstore.ErrLocked) || cannotWriteBeside(opErr, c.Path)) {
		return false, nil
	}
	return true, errors.Join(runErr, opErr)
}

// runProgram runs the UI. Bubble Tea's own handler turns SIGTERM into an
// immediate quit and does not watch SIGHUP; this one sends every
// terminating signal through the model, and the store is closed (saving
// pending changes) by the caller.
// frameRate is how many frames a second Bubble Tea's renderer may draw.
// Its ticker wakes the process that often even when nothing changes (it
// cannot be paused: see tui/PERFORMANCE.md, "Idle"), and each tick costs
// about five context switches; 30 rather than the default 60 halves what
// an idle UI costs, while a frame still follows a key within 33 ms, faster
// than a terminal's key repeat.
const frameRate = 30

func runProgram(model tea.Model) (tea.Model, error) {
	p := tea.NewProgram(model, tea.WithoutSignalHandler(), tea.WithFPS(frameRate))
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
	return final, runErr
}

// finish closes the data, saving a file's pending changes, and returns
// what the UI has to say as it exits as the error: a close that failed, or
// changes a signal left unsaved (written to a file), which must fail the
// exit status too.
func finish(final tea.Model, runErr error, closeSrc func() error) error {
	var unsaved error
	if m, ok := final.(tui.Model); ok && m.ExitUnsaved() {
		// Changes the data does not have went to a file, or were lost:
		// said as the error, so the exit status tells it too.
		unsaved = errors.New(strings.TrimPrefix(m.ExitNotice(), "kvstore: "))
	}
	if runErr == nil {
		runErr = unsaved
	} else if unsaved != nil {
		runErr = fmt.Errorf("%w; %w", runErr, unsaved)
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

// storeOptions are the options the command line asks the file to be
// opened with.
func storeOptions(c cli.TUIOptions) *kvstore.Options {
	interval := c.Interval
	if interval == 0 {
		interval = -1 // the library's "no periodic saver"
	}
	return &kvstore.Options{
		AlwaysSave:   c.AlwaysSave,
		SaveInterval: interval,
		ReadOnly:     c.ReadOnly,
	}
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
	store, err := kvstore.Open(c.Path, storeOptions(c))
	if errors.Is(err, kvstore.ErrLocked) && isTerminal(stdin) {
		holder := "another writer"
		if le := (*kvstore.LockedError)(nil); errors.As(err, &le) && le.PID > 0 {
			holder = fmt.Sprintf("another writer (process %d)", le.PID)
		}
		if !offerReadOnly(c.Path, "is in use by "+holder, stdin, stderr) {
			return nil, nil, "", err
		}
		notice = holder + " has the file"
		store, err = kvstore.Open(c.Path, &kvstore.Options{ReadOnly: true})
	} else if !c.ReadOnly && cannotWriteBeside(err, c.Path) {
		// A directory the user may not write to, or a read-only file
		// system: the lock cannot be made, but the file can be viewed.
		cause := permissionCause(err)
		if !isTerminal(stdin) {
			return nil, nil, "", fmt.Errorf("%w (--read-only opens it for viewing)", err)
		}
		if !offerReadOnly(c.Path, "cannot be opened for writing ("+cause+")", stdin, stderr) {
			return nil, nil, "", err
		}
		notice = "opened read-only: the file cannot be written (" + cause + ")"
		store, err = kvstore.Open(c.Path, &kvstore.Options{ReadOnly: true})
	}
	if err != nil {
		return nil, nil, "", err
	}
	return tui.FileSource(store), store.Close, notice, nil
}

// cannotWriteBeside reports whether opening path for writing failed for
// want of permission to write (its directory, its lock) while the file
// itself can be read: a read-only view would open.
func cannotWriteBeside(err error, path string) bool {
	if err == nil || !(errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)) {
		return false
	}
	f, openErr := os.Open(path)
	if openErr != nil {
		return false
	}
	f.Close()
	return true
}

// permissionCause is the innermost error, "permission denied" or
// "read-only file system", for a question that must stay one line.
func permissionCause(err error) string {
	for next := errors.Unwrap(err); next != nil; next = errors.Unwrap(err) {
		err = next
	}
	return err.Error()
}
