// Package compare holds benchmarks that run the store beside other embedded
// Go key-value stores (buntdb, bbolt, pebble) in one process, so that their
// figures can be compared as ratios measured in the same run.
//
// It is a module of its own so that the store's module does not depend on
// the stores it is measured against. Run it from this directory:
//
//	go test -run '^$' -bench . -benchtime 2s -count 3
package compare
