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
// Open reads every key under the prefix into memory (unless Config.Lazy), in pages, at one
// revision, and starts one watch from the next revision. Get, GetRaw, Has,
// Keys, Len, All and Prefix answer from that view without a round trip;
// other clients' writes reach it as the watch delivers them, and are also
// reported on Changes. If the watch ends (the revision to resume from was
// compacted, or the cluster lost its leader or became unreachable), the
// Store reports ChangeWatchLost, reads everything again with backoff until
// it succeeds, reports ChangeReloaded, and watches on from there. A
// cluster that is gone altogether (its only member stopped, the network
// cut) ends no watch by itself, so while the watch is quiet the Store
// reads the count of one key every second; one not answered within 2s
// ends the watch as lost, with the reason "cluster unreachable".
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
// wrapping kvstore.ErrConflict if etcd holds another, changing nothing: a
// *ConflictError, which names the key, the revision required and the one
// etcd holds, in words for shared data rather than a file.
// Rename always compares: the source at the revision the view shows and the
// target absent, in one transaction.
//
// # The backend of the terminal UI and the command line
//
// NewBackend turns a Store into a kvstore.Backend, the contract the front
// ends work through, the same the file store keeps (kvstore/storetest
// checks both). A Backend stages writes: each is kept with the revision it
// must find in etcd (the one the user was shown, or the one the key had
// when the user started editing it) and sent as a transaction that requires
// it. A write refused for another client's change stays pending, and
// Conflict, Merge, Reload and Overwrite settle it. A write that could not
// reach the cluster stays pending too, its error wrapping
// kvstore.ErrUnreachable, and Flush sends it again, with the same check;
// should the earlier attempt have committed after all, the retry
// recognises its own value. Waiting writes go in as few transactions as
// etcd takes: at most Config.MaxTxnOps writes and Config.MaxRequestBytes
// each (etcd's defaults, 128 and 1.5 MiB, unless told otherwise), so that
// any number of them fits; a Deferred Backend, whose changes are meant to
// commit together, refuses with a *LimitError before sending anything
// when they need more than one, unless BackendOptions.Batch allows it. A
// single value larger than one request may be is refused before it is
// sent. WritePending writes them to a
// rescue file that `kvstore import --changes` applies later.
//
// A Backend shows the prefix as it was shown last, with its pending
// changes over it; each Changed that finds other clients' changes shows
// them, for every key without a pending change, whatever is pending. The
// terminal UI commits each write at once; a command opens its Backend
// Deferred, so that its writes commit together at Close, and its Store
// Lazy (Config.Lazy), so that it reads only the keys it names (Load), and
// lists the prefix in pages only when it lists it.
//
// # Other clients' data
//
// The prefix is shared with other programs, so a write changes only what it
// was asked to. A key's lease stays: a write checked against a revision
// attaches the lease the key had at that revision, a rename moves it to
// the new key, and a write that checks nothing (Set, Backend.Put, which is
// what etcdctl put is) keeps whatever lease the key has when it commits.
// Item.Lease gives the lease, and Store.LeaseTTL its time left. A Deferred
// Backend does not send a value etcd already holds: the same bytes, or,
// for a value given as JSON (SetRaw) rather than as bytes (SetBytes), the
// same JSON (other spacing, or text that is not JSON and reads as a JSON
// string). So an export piped back into import leaves every key's bytes
// and revision as they were, and into another prefix, given as bytes, it
// copies them exactly. Keys are bytes too: a key that is not UTF-8 is
// read, written, renamed and deleted like any other, and a rescue file
// keeps it (see Backend.WritePending).
//
// Backend.PutBytes stores bytes exactly as given, JSON or not, as etcdctl
// put does; Backend.Items lists keys with their bytes, revisions and
// leases; Store.WatchKeys reports every change of a key or prefix, from a
// revision if asked, as etcdctl watch does.
//
// # Timeouts
//
// Open waits for a connection for Config.DialTimeout. A connection that
// failed rather than waited (a TLS mistake) is explained once that has run
// out: Open handshakes with each member itself and returns a *TLSError
// saying what went wrong, where gRPC would only have gone on retrying. The kvstore.Store
// methods take no context: each is bounded by Config.OpTimeout. The
// etcd-specific writes take a context, which also gets Config.OpTimeout
// when it has no deadline. Close cancels every call in flight.
//
// # Events and changes
//
// Events reports each write this Store commits as a kvstore.FlushEvent with
// Reason kvstore.FlushAlways, and each write that failed with its error.
// Changes reports what others did: keys put and deleted by other clients,
// and the watch being lost and recovered. Both channels never block the
// Store (a slow reader loses intermediate notices, never the latest) and
// are closed by Close.
//
// # Performance
//
// Measured on one embedded member over loopback, on a busy 2-vCPU VM, with
// each variant alternating with its baseline in one run, so that the
// ratios hold while the absolute numbers move with the machine:
//
//	go test ./kvstore/etcdstore/ -run '^$' -bench LargePrefix -benchtime 3x
//
// The results:
//
//   - One `kvstore get` on a prefix of 400,000 keys (connect, read the key,
//     close) takes 0.6 to 1.4 times what a plain clientv3 client doing the
//     same takes, about 1 to 3.6 ms (BenchmarkGetOnLargePrefix). It used to
//     read the whole prefix first, and ran out of time.
//
//   - A full Open of that prefix, every key and value, which is what the
//     terminal UI waits for before its first screen, takes 1.7 s: 2.1 times
//     a keys-only listing of the prefix by RangeStream, 0.82 s
//     (BenchmarkOpenLargePrefix). Read in pages of 1000 keys it took 37 s,
//     for etcd counts the rest of the range for every page; Open and the
//     listings of a Lazy Store stream the range instead where the cluster
//     can (etcd 3.7 and later), and read pages elsewhere.
package etcdstore
