// Package etcdstore opens a key prefix of an etcd cluster as a
// kvstore.Store, so that code written for the JSON file store moves to a
// replicated store by changing the call that opens it.
//
//	store, err := etcdstore.Open(ctx, etcdstore.Config{
//		Endpoints: []string{"127.0.0.1:2379"},
//		Prefix:    "/app/",
//	})
//	if err != nil {
//		return err
//	}
//	defer store.Close()
//	err = store.Set("theme", map[string]any{"name": "dark"}) // writes /app/theme
//
// # The view
//
// Open reads every key under the prefix into memory, in pages, at one
// revision, and starts one watch from the next revision. Get, GetRaw, Has,
// Keys, Len, All and Prefix answer from that view without a round trip;
// other clients' writes reach it as the watch delivers them, and are also
// reported on Changes. If the watch ends (the revision to resume from was
// compacted, or the cluster lost its leader or became unreachable), the
// Store reports ChangeWatchLost, reads everything again with backoff until
// it succeeds, reports ChangeReloaded, and watches on from there.
//
// Keys are shown without the prefix. Values are JSON, kept compact and
// validated like the file store's. etcd holds bytes, and another client may
// have stored bytes that are not JSON: the kvstore.Store methods show them
// as a JSON string of their text, and Item gives the exact bytes with a
// flag. Such a value is never rewritten unless the caller writes the key.
//
// # Writes and durability
//
// Set, SetRaw, Delete and Rename are etcd transactions. Each returns once
// the cluster has committed it, which means a quorum of members have it in
// their logs, and the view shows it, so a caller reads its own writes.
// There is no journal, buffer or compaction of ours: durability is etcd's.
//
// A write that returns an error did not take effect as far as the caller
// can rely on: it is never reported as a success. But an error after the
// request reached the cluster (a timeout, a lost connection, a leader lost
// mid-commit) leaves the outcome unknown: the write may have committed. The
// Store never retries a write itself; etcd's client retries a request only
// when it was certainly not sent. To retry safely, use the conditional
// writes with the revision you saw: a write that did commit makes the
// retry fail with ErrConflict rather than apply twice.
//
// # Never overwrite what you did not see
//
// SetIf, DeleteIf and RenameIf take the key's revision the caller was shown
// (Revision, Item; 0 for a key that must not exist) and fail with an error
// wrapping kvstore.ErrConflict if etcd holds another, changing nothing.
// Rename always compares: the source at the revision the view shows and the
// target absent, in one transaction.
//
// # Timeouts
//
// The kvstore.Store methods take no context: each is bounded by
// Config.OpTimeout. The etcd-specific writes take a context, which also
// gets Config.OpTimeout when it has no deadline. Close cancels every call
// in flight.
//
// # Events and changes
//
// Events reports each write this Store commits as a kvstore.FlushEvent with
// Reason kvstore.FlushAlways, and each write that failed with its error.
// Changes reports what others did: keys put and deleted by other clients,
// and the watch being lost and recovered. Both channels never block the
// Store (a slow reader loses intermediate notices, never the latest) and
// are closed by Close.
package etcdstore
