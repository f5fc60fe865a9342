package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// source is what the commands need of a store, whichever kind SRC names:
// a *kvstore.KVStore file, or an etcd prefix (etcdSource). Both keep a
// writer's changes until Close, which makes them durable all at once.
type source interface {
	kvstore.Store
	// Path names the source in messages.
	Path() string
	// Dirty reports whether changes wait for Close.
	Dirty() bool
	// Reload drops the changes that wait.
	Reload() error
	// Overwrite makes the changes durable over what others changed.
	Overwrite() error
}

// openSource opens the store a command names. Every command goes through
// here, so that other kinds of source can be added in one place: src is a
// file, or an etcd prefix when it starts with etcd:// (see openEtcd).
//
// A reader opens read-only: it takes no lock, so it works beside a running
// writer, and it sees that writer's journal too. A reader's file must
// exist, since reading a typo as an empty store would hide the mistake.
//
// A writer takes the lock, and it runs no background saver and no journal:
// the command makes its changes in memory and Close writes them in one
// atomic, durable save (see closeStore). It replaces a file its owner made
// read-only only with --force-write.
//
// keys are those the command reads or writes by name: a source that reads
// only what it is asked for (an etcd prefix) reads them now, together.
func openSource(cmd *cobra.Command, src string, readOnly bool, keys ...string) (source, error) {
	force := forceWrite(cmd)
	if isEtcd(src) {
		if force {
			return nil, usagef(cmd, "--%s applies only to a file", flagForceWrite)
		}
		store, err := openEtcd(cmd, src, readOnly)
		if err != nil {
			return nil, err
		}
		if err := load(store, keys...); err != nil {
			return nil, closeStore(store, err)
		}
		return store, nil
	}
	if err := checkNoEtcdFlags(cmd); err != nil {
		return nil, err
	}
	opts := &kvstore.Options{SaveInterval: -1, WriteReadOnlyFile: force}
	if readOnly {
		if err := mustExist(src); err != nil {
			return nil, err
		}
		opts = &kvstore.Options{ReadOnly: true}
	}
	store, err := kvstore.Open(src, opts)
	if err != nil {
		// A nil *KVStore would be a non-nil source.
		return nil, err
	}
	warnLeftOut(cmd, store.LastSaveError())
	return store, nil
}

// readFileKey reads the value of key from the data file src as a reader
// that opened it with openSource would see it, with the same errors and
// warning, but keeps no other key (see kvstore.ReadKey): a get of one key
// from a large file costs a read of the file, not a load of every key.
func readFileKey(cmd *cobra.Command, src, key string) (raw []byte, ok bool, err error) {
	if err := checkNoEtcdFlags(cmd); err != nil {
		return nil, false, err
	}
	if err := mustExist(src); err != nil {
		return nil, false, err
	}
	got, err := kvstore.ReadKey(src, key)
	if err != nil {
		return nil, false, err
	}
	warnLeftOut(cmd, got.Unshown)
	return got.Value, got.Found, nil
}

// mustExist fails if a reader's file src does not exist, since reading a
// typo as an empty store would hide the mistake.
func mustExist(src string) error {
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist", src)
	}
	return nil
}

// warnLeftOut warns on stderr when err, from opening a file, says that the
// open went on but found a crashed writer's journal written against another
// version of the file: a reader shows the file alone, a writer has moved
// the journal's changes to a rescue file. Either way the command does what
// it was asked, and says what it left out.
func warnLeftOut(cmd *cobra.Command, err error) {
	if errors.Is(err, kvstore.ErrConflict) {
		fmt.Fprintln(cmd.ErrOrStderr(), "kvstore: warning: "+oneLine(err.Error()))
	}
}

// loader is a source that knows only the keys it was asked to read, as
// an etcd prefix opened for one command does: a command reads the keys it
// names first, in one round trip, whatever else the source holds.
type loader interface {
	Load(keys ...string) error
}

// load reads keys into store, if it reads only what it is asked for.
func load(store source, keys ...string) error {
	if l, ok := store.(loader); ok && len(keys) > 0 {
		return l.Load(keys...)
	}
	return nil
}

// lister is a source whose listings (Keys, All, Prefix) read from
// elsewhere, in pages, and can end early for want of it.
type lister interface {
	// ListErr returns the error that ended the last listing, if one did.
	ListErr() error
}

// listErr returns the error that cut store's last listing short.
func listErr(store source) error {
	if l, ok := store.(lister); ok {
		return l.ListErr()
	}
	return nil
}

// closeStore closes a store, and so saves a writer's changes; the command
// fails if that save does, and an earlier error wins. A command that fails
// must have made no change before it failed, because this save would keep
// it.
func closeStore(store source, err error) error {
	cerr := store.Close()
	if err != nil || cerr == nil {
		return err
	}
	if errors.Is(cerr, kvstore.ErrReadOnlyFile) {
		cerr = fmt.Errorf("%w; --%s saves it anyway", cerr, flagForceWrite)
	}
	return fmt.Errorf("%s not saved: %w", store.Path(), cerr)
}

// flagForceWrite is the writers' flag that lets them replace a data file
// its owner made read-only (see kvstore.ErrReadOnlyFile).
const flagForceWrite = "force-write"

// writerFlags defines the flags every writer takes.
func writerFlags(cmd *cobra.Command) {
	cmd.Flags().Bool(flagForceWrite, false, "save even if the file is read-only (has no write permission)")
}

// forceWrite reports whether cmd was given --force-write.
func forceWrite(cmd *cobra.Command) bool {
	f := cmd.Flags().Lookup(flagForceWrite)
	return f != nil && f.Changed && f.Value.String() == "true"
}
