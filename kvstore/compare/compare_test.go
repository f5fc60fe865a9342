package compare

import (
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/tidwall/buntdb"
	_ "go.etcd.io/bbolt"

	_ "github.com/kvstore-dev/kvstore/kvstore"
)
