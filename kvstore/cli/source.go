package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// openSource opens the store a command names. Every command goes through
// here, so that other kinds of source can be added in one place.
//
// A reader opens read-only: it takes no lock, so it works beside a running
// writer, and it sees that writer's journal too. A reader's file must
// exist, since reading a typo as an empty store would hide the mistake.
//
// A writer takes the lock, and it runs no background saver and no journal:
// the command makes its changes in memory and Close writes them in one
// atomic, durable save (see closeStore).
func openSource(src string, readOnly bool) (*kvstore.KVStore, error) {
	if readOnly {
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist", src)
		}
		return kvstore.Open(src, &kvstore.Options{ReadOnly: true})
	}
	return kvstore.Open(src, &kvstore.Options{SaveInterval: -1})
}

// closeStore closes a store, and so saves a writer's changes; the command
// fails if that save does, and an earlier error wins. A command that fails
// must have made no change before it failed, because this save would keep
// it.
func closeStore(store *kvstore.KVStore, err error) error {
	if cerr := store.Close(); err == nil && cerr != nil {
		return fmt.Errorf("%s not saved: %w", store.Path(), cerr)
	}
	return err
}
