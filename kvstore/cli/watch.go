package cli

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// filePollInterval is how often watch looks at a file for changes: a
// file has no watch of its own to wait on.
const filePollInterval = 200 * time.Millisecond

func watchCommand() *cobra.Command {
	var prefix bool
	var rev int64
	cmd := &cobra.Command{
		Use:   "watch SRC KEY",
		Short: "Print each change of KEY, or of every key under it (--prefix), until interrupted",
		Long: "watch prints each change of KEY as it happens, one JSON object per line: " +
			"{\"type\": \"put\", \"key\", \"value\"} or {\"type\": \"delete\", \"key\"}, the value as get " +
			"--prefix prints it (a value that is not JSON as a JSON string of its text). With --prefix, " +
			"as etcdctl watch --prefix, it watches every key that starts with KEY. It runs until " +
			"interrupted (ctrl+c, SIGINT or SIGTERM), and then exits 0. On an etcd prefix each object " +
			"has the change's \"mod_revision\" too (and \"lease\" for a key put with one), and --rev N " +
			"starts from revision N, to print the changes since then first; it fails if the cluster " +
			"compacted N away. On a file, watch looks at the file every " + filePollInterval.String() +
			" and prints what changed since it last looked, in key order (a key changed twice between " +
			"looks is printed once, with its last value). On etcd, --prefix is etcdctl's; the etcd " +
			"prefix goes in the URL (or --all-keys for the whole keyspace).",
		Example: `  kvstore watch etcd://127.0.0.1:2379/app/ config
  kvstore watch etcd://127.0.0.1:2379/app/ --prefix services/ --rev 1200
  kvstore watch data.json --prefix user/`,
		Args:              operands(2, 2),
		ValidArgsFunction: completeKeys(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			src, key := a[0], a[1]
			switch {
			case cmd.Flags().Changed("rev") && !isEtcd(src):
				return usagef(cmd, "--rev applies only to an etcd:// source: a file keeps no history")
			case rev < 0:
				return usagef(cmd, "--rev must be 0 or more")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			store, err := openSource(cmd, src, true)
			if err != nil {
				return err
			}
			if e, ok := store.(etcdSource); ok {
				return closeStore(store, watchEtcd(ctx, cmd, e, key, prefix, rev))
			}
			return closeStore(store, watchFile(ctx, cmd, store, key, prefix))
		},
	}
	cmd.Flags().BoolVar(&prefix, flagPrefix, false, "watch every key that starts with KEY")
	cmd.Flags().Int64Var(&rev, "rev", 0, "with etcd://, start from etcd revision `N` (0: from now)")
	return cmd
}

// watchEtcd prints the changes etcd reports until ctx ends.
func watchEtcd(ctx context.Context, cmd *cobra.Command, e etcdSource, key string, prefix bool, rev int64) error {
	for ev, err := range e.Store().WatchKeys(ctx, key, prefix, rev) {
		if err != nil {
			return describeEtcdError(e.Store().Config(), err)
		}
		var line []byte
		if ev.Delete {
			line = changeObject("delete", ev.Key, nil)
		} else {
			line = changeObject("put", ev.Key, itemJSON(ev.Item))
		}
		line = fmt.Appendf(line[:len(line)-1], `,"mod_revision":%d`, ev.Item.Revision)
		if ev.Item.Lease != 0 {
			line = fmt.Appendf(line, `,"lease":"%x"`, ev.Item.Lease)
		}
		if err := writeOut(cmd, append(line, '}', '\n')); err != nil {
			return err
		}
	}
	return nil
}

// changeObject is watch's object for a change of key: {"type", "key",
// "value"}, without value for a deletion, the key as get -w json gives it.
func changeObject(kind, key string, value []byte) []byte {
	out := fmt.Appendf(nil, `{"type":"%s","key":`, kind)
	out = appendJSONKey(out, key)
	if value != nil {
		out = append(append(out, `,"value":`...), value...)
	}
	return append(out, '}')
}

// itemJSON is an etcd value as JSON: compact, or a JSON string of its
// text when it is not JSON.
func itemJSON(it etcdstore.Item) []byte {
	if it.JSON {
		if c, err := kvstore.Compact(it.Value); err == nil {
			return c
		}
	}
	return jsonString(it.Value)
}

// watchFile prints what changes in the file store reads, looking every
// filePollInterval, until ctx ends. It keeps the values it watches, to
// tell what changed.
func watchFile(ctx context.Context, cmd *cobra.Command, store source, key string, prefix bool) error {
	c, ok := store.(interface{ Changed() (bool, error) })
	if !ok {
		return fmt.Errorf("watch: %s cannot tell when it changes", store.Path())
	}
	seen := watchedValues(store, key, prefix)
	tick := time.NewTicker(filePollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		changed, err := c.Changed()
		if err != nil {
			return err
		}
		if !changed {
			continue
		}
		if err := store.Reload(); err != nil {
			return err
		}
		now := watchedValues(store, key, prefix)
		var out []byte
		for _, k := range slices.Sorted(maps.Keys(mergeKeys(seen, now))) {
			before, had := seen[k]
			after, has := now[k]
			switch {
			case has && (!had || !bytes.Equal(before, after)):
				out = append(append(out, changeObject("put", k, after)...), '\n')
			case had && !has:
				out = append(append(out, changeObject("delete", k, nil)...), '\n')
			}
		}
		seen = now
		if err := writeOut(cmd, out); err != nil {
			return err
		}
	}
}

// watchedValues returns the values of key, or with prefix of every key
// that starts with it.
func watchedValues(store source, key string, prefix bool) map[string][]byte {
	values := map[string][]byte{}
	if !prefix {
		if raw, ok := store.GetRaw(key); ok {
			values[key] = raw
		}
		return values
	}
	for k, raw := range store.Prefix(key) {
		values[k] = raw
	}
	return values
}

// mergeKeys returns the keys of a and b.
func mergeKeys(a, b map[string][]byte) map[string]bool {
	keys := make(map[string]bool, len(a)+len(b))
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}
