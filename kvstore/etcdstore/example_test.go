package etcdstore_test

import (
	"context"
	"errors"
	"log"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// An editor changes a value only if nobody changed it since it was shown,
// and learns of other clients' changes as they happen.
func ExampleStore_SetIf() {
	ctx := context.Background()
	store, err := etcdstore.Open(ctx, etcdstore.Config{
		Endpoints: []string{"127.0.0.1:2379"},
		Prefix:    "/app/",
	})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	shown := store.Revision("theme") // with the value the user was shown
	_, err = store.SetIf(ctx, "theme", []byte(`{"name":"light"}`), shown)
	switch {
	case errors.Is(err, kvstore.ErrConflict):
		log.Print("theme changed meanwhile: keep mine or keep theirs?")
	case err != nil:
		log.Printf("not saved (it may or may not have committed): %v", err)
	}

	go func() {
		for c := range store.Changes() {
			log.Printf("%s %q at revision %d", c.Kind, c.Key, c.Revision)
		}
	}()
}
