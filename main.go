// Command kvstore browses and edits a kvstore JSON file in the terminal.
//
//	kvstore [flags] FILE
//	kvstore --demo
//
// Run it with --help for the flags.
package main

import (
	"errors"
	"flag"
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
	"github.com/charmbracelet/x/term"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/tui"
)

// defaultInterval is the periodic save interval. It is shorter than the
// library's minute because a person is watching the status bar.
const defaultInterval = 5 * time.Second

// refreshInterval is how often the UI checks whether the file (or an
// always-save writer's journal) changed on disk: a few stats; the file is
// read again only when it changed.
const refreshInterval = 2 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// config is the parsed command line.
type config struct {
	path       string
	alwaysSave bool
	interval   time.Duration
	readOnly   bool
	demo       bool
	version    bool
}

const usageText = `Usage:
  kvstore [flags] FILE    browse and edit the kvstore JSON file FILE
                          (created on the first save if it does not exist)
  kvstore --demo          open a generated sample store in a temporary directory

Flags:
`

// parseArgs parses the command line. For --help it writes the usage to
// stdout and returns flag.ErrHelp.
func parseArgs(args []string, stdout io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("kvstore", flag.ContinueOnError)
	// Errors are reported by run, as one line.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolVar(&c.alwaysSave, "always-save", false, "save every change to disk before going on")
	fs.DurationVar(&c.interval, "interval", defaultInterval, "save pending changes this often; 0 saves only on ctrl+s and quit")
	fs.BoolVar(&c.readOnly, "read-only", false, "open without the write lock and refuse changes")
	fs.BoolVar(&c.demo, "demo", false, "open a generated sample store")
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs)
		}
		return c, err
	}
	switch {
	case c.version:
		return c, nil
	case c.demo && fs.NArg() == 0:
		return c, nil
	case c.demo:
		return c, errors.New("--demo takes no FILE")
	case fs.NArg() == 0:
		return c, errors.New("no FILE given; kvstore --demo opens a sample store")
	case fs.NArg() > 1:
		return c, fmt.Errorf("one FILE expected, got %d (flags go before FILE)", fs.NArg())
	case c.interval < 0:
		return c, errors.New("--interval must not be negative")
	}
	c.path = fs.Arg(0)
	return c, nil
}

// printUsage writes the usage with the flags spelled --name, as the README
// gives them (the flag package accepts one dash or two).
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageText)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if name != "" {
			name = " " + name
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  --%-20s %s%s\n", f.Name+name, usage, def)
	})
	fmt.Fprint(w, "  --help                 print this help\n")
}

// oneLine formats an error as one line starting with the program's name.
func oneLine(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if !strings.HasPrefix(msg, "kvstore: ") {
		msg = "kvstore: " + msg
	}
	return msg
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

// run is the program; it returns the exit status. Every error before the UI
// starts is one line on stderr, and the terminal is not touched, except
// that a file locked by another writer is offered read-only when stdin is a
// terminal.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, err := parseArgs(args, stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "kvstore: %v (see kvstore --help)\n", err)
		return 2
	case c.version:
		fmt.Fprintf(stdout, "kvstore %s\n", version())
		return 0
	}
	if c.demo {
		dir, err := os.MkdirTemp("", "kvstore-demo-")
		if err != nil {
			fmt.Fprintf(stderr, "kvstore: demo: %v\n", err)
			return 1
		}
		if c.path, err = tui.WriteDemo(dir); err != nil {
			fmt.Fprintf(stderr, "kvstore: demo: %v\n", err)
			return 1
		}
		defer fmt.Fprintf(stderr, "kvstore: the demo store is %s\n", c.path)
	}

	// A mistyped name would open as an empty store without a word: say the
	// file is new, and refuse a read-only view of nothing.
	notice := ""
	if _, err := os.Stat(c.path); errors.Is(err, fs.ErrNotExist) {
		if c.readOnly {
			fmt.Fprintf(stderr, "kvstore: %s does not exist (--read-only opens only an existing file)\n", c.path)
			return 1
		}
		notice = "new file: " + filepath.Base(c.path) + " (created on the first save)"
	}

	interval := c.interval
	if interval == 0 {
		interval = -1 // the library's "no periodic saver"
	}
	store, err := kvstore.Open(c.path, &kvstore.Options{
		AlwaysSave:   c.alwaysSave,
		SaveInterval: interval,
		ReadOnly:     c.readOnly,
	})
	if errors.Is(err, kvstore.ErrLocked) && isTerminal(stdin) {
		holder := "another writer"
		if le := (*kvstore.LockedError)(nil); errors.As(err, &le) && le.PID > 0 {
			holder = fmt.Sprintf("another writer (process %d)", le.PID)
		}
		if !offerReadOnly(c.path, holder, stdin, stderr) {
			return 1
		}
		c.readOnly = true
		notice = holder + " has the file"
		store, err = kvstore.Open(c.path, &kvstore.Options{ReadOnly: true})
	}
	if err != nil {
		fmt.Fprintln(stderr, oneLine(err))
		return 1
	}

	model := tui.New(tui.FileSource(store), tui.Options{Keys: keyMap(), Refresh: refreshInterval, Notice: notice})
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
	_, runErr := p.Run()
	close(done)
	signal.Stop(sigs)

	status := 0
	if runErr != nil {
		fmt.Fprintf(stderr, "kvstore: %v\n", runErr)
		status = 1
	}
	if err := store.Close(); err != nil {
		fmt.Fprintln(stderr, tui.CloseMessage(err))
		status = 1
	}
	return status
}
