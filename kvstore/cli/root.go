package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/schema"
)

// exitStatusTable is the end of kvstore --help, and of the package
// documentation: every exit status the program gives.
const exitStatusTable = "Exit status:\n" +
	"  0  success (watch: also when interrupted)\n" +
	"  1  failure: a missing key (get, del, mv), an invalid value, a conflict with another writer or\n" +
	"     etcd client, a TLS or credentials mistake\n" +
	"  2  a command line that does not fit (see the command's --help)\n" +
	"  3  an etcd cluster could not be reached or did not answer in time; trying again later may succeed"

// defaultInterval is the terminal UI's periodic save interval. It is shorter
// than the library's minute because a person is watching the status bar.
const defaultInterval = 5 * time.Second

// TUIOptions is what the command line decided about a terminal UI session.
type TUIOptions struct {
	Path       string        // the file to open; empty with Demo
	Demo       bool          // open a generated sample store instead of Path
	AlwaysSave bool          // save every change before going on
	Interval   time.Duration // periodic save interval; 0 saves only on request and quit
	ReadOnly   bool          // open without the write lock
	Separator  string        // groups keys in the key tree; never empty
	// Schemas are the JSON Schemas the UI checks values against (from
	// --schemas, or NAME.schemas.json beside NAME.json); nil when none.
	Schemas *schema.Set
	// schemasPath is the --schemas flag.
	schemasPath string
	// Backend is the data Path names when it is not a file (etcd://...),
	// connected and read; the launcher closes it. The save flags do not
	// apply: every change is committed as it is made.
	Backend kvstore.Backend
}

// TUILauncher runs the terminal UI until the user quits. Its error is
// reported like any command's, with exit status 1.
type TUILauncher func(opts TUIOptions) error

// New returns the kvstore command: with a FILE (or `open FILE`) it starts
// the terminal UI through launch, and its subcommands serve scripts.
func New(launch TUILauncher) *cobra.Command {
	var opts TUIOptions
	root := &cobra.Command{
		Use:   "kvstore [FILE]",
		Short: "Browse and edit a kvstore JSON file, in the terminal or from scripts",
		Long: "kvstore opens FILE, a kvstore JSON file, in a terminal UI for browsing and editing (the " +
			"file is created on the first save if it does not exist). Its commands read and write a " +
			"store from scripts; a file named like a command opens with kvstore open FILE. If a writer " +
			"crashed leaving changes in a journal (FILE.journal) written against another version of " +
			"FILE, a command still does its work and exits 0, with a warning on stderr: a reader shows " +
			"FILE alone, and a writer moves those changes to FILE.unsaved-TIME.json, which the warning " +
			"names, for you to compare and merge.\n\n" +
			exitStatusTable,
		Example: `  kvstore data.json
  kvstore etcd://127.0.0.1:2379/app/
  kvstore --demo
  kvstore get data.json user1 --pretty
  echo '{"theme": "dark"}' | kvstore set data.json settings
  kvstore export data.json | kvstore import etcd://127.0.0.1:2379/app/ --replace`,
		Args: args(rootArgs),
		RunE: func(cmd *cobra.Command, a []string) error {
			return startTUI(cmd, launch, opts, a)
		},
		ValidArgsFunction: completeFile,
	}
	tuiFlags(root, &opts)
	etcdFlags(root)
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(flagError)
	root.SetVersionTemplate("kvstore {{.Version}}\n")

	var openOpts TUIOptions
	open := &cobra.Command{
		Use:   "open FILE",
		Short: "Open FILE in the terminal UI (for a file named like a command)",
		Args:  operands(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			return startTUI(cmd, launch, openOpts, a)
		},
		ValidArgsFunction: completeFile,
	}
	tuiFlags(open, &openOpts)

	root.AddCommand(open, getCommand(), keysCommand(), exportCommand(),
		setCommand(), delCommand(), mvCommand(), importCommand(), validateCommand(), watchCommand())

	// cobra would add its completion command only when the program runs;
	// added now, the argument checks of its shell commands can report
	// usage errors too.
	root.InitDefaultCompletionCmd()
	if completion, _, err := root.Find([]string{"completion"}); err == nil {
		for _, shell := range completion.Commands() {
			shell.Args = args(shell.Args)
		}
	}
	return root
}

// tuiFlags defines the terminal UI's flags on cmd.
func tuiFlags(cmd *cobra.Command, opts *TUIOptions) {
	f := cmd.Flags()
	f.BoolVar(&opts.AlwaysSave, "always-save", false, "save every change to disk before going on")
	f.DurationVar(&opts.Interval, "interval", defaultInterval, "save pending changes this often; 0 saves only on ctrl+s and quit")
	f.BoolVar(&opts.ReadOnly, "read-only", false, "open without the write lock and refuse changes")
	f.BoolVar(&opts.Demo, "demo", false, "open a generated sample store")
	f.StringVar(&opts.Separator, "separator", "/", "group keys in the key tree (t) at this text, such as :")
	f.StringVar(&opts.schemasPath, "schemas", "",
		"check edits against the JSON Schemas in `FILE` (default: NAME.schemas.json beside NAME.json, if present)")
}

// rootArgs accepts at most one FILE. With more, the first was likely meant
// as a command, so a near miss is named as such.
func rootArgs(cmd *cobra.Command, a []string) error {
	if len(a) <= 1 {
		return nil
	}
	if near := cmd.SuggestionsFor(a[0]); len(near) > 0 {
		return fmt.Errorf("unknown command %q (did you mean %s?)", a[0], near[0])
	}
	return fmt.Errorf("one FILE expected, got %d", len(a))
}

// startTUI checks the terminal UI's command line and runs it.
func startTUI(cmd *cobra.Command, launch TUILauncher, opts TUIOptions, a []string) error {
	switch {
	case opts.Interval < 0:
		return usagef(cmd, "--interval must not be negative")
	case opts.Separator == "":
		return usagef(cmd, "--separator must not be empty")
	case opts.Demo && len(a) > 0:
		return usagef(cmd, "--demo takes no FILE")
	case opts.Demo:
	case len(a) == 0:
		return usagef(cmd, "no FILE given; kvstore --demo opens a sample store")
	default:
		opts.Path = a[0]
	}
	if !opts.Demo {
		set, err := (&schemaFlag{path: opts.schemasPath}).load(opts.Path)
		if err != nil {
			return err
		}
		opts.Schemas = set
	}
	if isEtcd(opts.Path) {
		return startEtcdTUI(cmd, launch, opts)
	}
	if err := checkNoEtcdFlags(cmd); err != nil {
		return err
	}
	return launch(opts)
}

// writeOut writes a command's output to stdout. On a terminal the text is
// JSON or keys from a file anyone may have edited, so characters a terminal
// would act on are escaped first (see escapeForTerminal); to a pipe or a
// file it goes as it is, byte for byte.
func writeOut(cmd *cobra.Command, text []byte) error {
	w := cmd.OutOrStdout()
	if isTerminal(w) {
		text = escapeForTerminal(text)
	}
	_, err := w.Write(text)
	return err
}

// stdinText reads all of stdin.
func stdinText(cmd *cobra.Command) ([]byte, error) {
	text, err := io.ReadAll(cmd.InOrStdin())
	if err != nil {
		return nil, fmt.Errorf("read stdin: %w", err)
	}
	return text, nil
}
