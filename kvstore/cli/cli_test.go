package cli_test

// The scripts in testdata/script run each command as a separate process
// and check its exit status, stdin, stdout, stderr and the files it leaves:
// every command; a second process holding the lock while the writers fail
// and the readers work; export | import --replace reproducing a file with
// odd keys, exact numbers and deep nesting byte for byte; and completion of
// keys from the store named on the line.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"charm.land/fang/v2"
	"github.com/rogpeppe/go-internal/testscript"
	"google.golang.org/grpc/grpclog"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/cli"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// The scripts in testdata/script run the command line as a separate
// process, as a shell script would: every command, its exit status, stdin,
// stdout and stderr, and the files it leaves.

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kvstore":  runKVStore,
		"holdlock": holdLock,
	})
}

// runKVStore is the program as main.go runs it, with a terminal UI that
// only reports what it was asked to open.
func runKVStore() {
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, io.Discard))
	launch := func(o cli.TUIOptions) error {
		fmt.Printf("tui path=%q demo=%v always-save=%v interval=%v read-only=%v separator=%q\n",
			o.Path, o.Demo, o.AlwaysSave, o.Interval, o.ReadOnly, o.Separator)
		if o.Backend != nil {
			fmt.Printf("backend name=%q read-only=%v keys=%v\n", o.Backend.Name(), o.Backend.ReadOnly(), o.Backend.Keys())
			return o.Backend.Close()
		}
		return nil
	}
	err := fang.Execute(context.Background(), cli.New(launch),
		fang.WithVersion("v1.2.3"), fang.WithErrorHandler(cli.PrintError))
	os.Exit(cli.ExitCode(err))
}

// holdLock is another writer, such as the terminal UI or an application:
// `holdlock FILE HELD RELEASE [KEY JSON]` opens FILE for writing in
// always-save mode, sets KEY (a durable write to the journal, which may
// reach the file itself only later), creates HELD, and keeps the lock until
// RELEASE exists.
func holdLock() {
	if len(os.Args) != 4 && len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: holdlock FILE HELD RELEASE [KEY JSON]")
		os.Exit(2)
	}
	store, err := kvstore.Open(os.Args[1], &kvstore.Options{AlwaysSave: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(os.Args) == 6 {
		if err := store.SetRaw(os.Args[4], []byte(os.Args[5])); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := os.WriteFile(os.Args[2], nil, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := waitFor(os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := store.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// waitFor waits until the file name exists.
func waitFor(name string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(name); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("%s did not appear within a minute", name)
}

func TestScripts(t *testing.T) {
	endpoint, authEndpoint := etcdtest.Start(t, "cli"), startEtcdWithAuth(t)
	silent, silent2 := etcdtest.Silent(t), etcdtest.Silent(t)
	tlsEndpoint, tlsFiles := etcdtest.StartTLS(t, "cli-tls")
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		// $ETCD is the endpoint of an etcd the scripts share, $ETCD_AUTH
		// one that takes only root:secret, $SILENT and $SILENT2
		// addresses where nobody answers, and $ETCD_TLS one that serves
		// only TLS to clients with a certificate ($TLS_CERT, $TLS_KEY)
		// signed by $TLS_CA ($TLS_OTHER_CA signed none of it).
		Setup: func(env *testscript.Env) error {
			env.Setenv("ETCD_TLS", tlsEndpoint)
			env.Setenv("TLS_CA", tlsFiles.CA)
			env.Setenv("TLS_CERT", tlsFiles.Cert)
			env.Setenv("TLS_KEY", tlsFiles.Key)
			env.Setenv("TLS_OTHER_CA", tlsFiles.OtherCA)
			env.Setenv("ETCD", endpoint)
			env.Setenv("ETCD_AUTH", authEndpoint)
			env.Setenv("SILENT", silent)
			env.Setenv("SILENT2", silent2)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"etcd": etcdCommand(endpoint),
			// waitfile FILE waits until FILE exists.
			"waitfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: waitfile FILE")
				}
				ts.Check(waitFor(ts.MkAbs(args[0])))
			},
			// status N PROGRAM ARGS... runs PROGRAM like exec and checks
			// that its exit status is N.
			"status": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: status N PROGRAM [ARGS...]")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var exit *exec.ExitError
					if !errors.As(err, &exit) {
						ts.Fatalf("%v", err)
					}
					got = exit.ExitCode()
				}
				if got != want {
					ts.Fatalf("exit status %d, want %d", got, want)
				}
			},
		},
	})
}
