package cli

import (
	"cmp"
	"context"
	"fmt"
	"iter"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/jq"
	"github.com/spf13/cobra"
)

// The readers open their source read-only, so they work while the terminal
// UI or an application holds the file.

func getCommand() *cobra.Command {
	var pretty, rawOutput, rawValue, prefix bool
	var expr, format string
	cmd := &cobra.Command{
		Use:   "get SRC KEY",
		Short: "Print the JSON value of KEY, or of every key under it (--prefix)",
		Long: "get prints the value of KEY as it is stored, on one line: numbers keep their exact " +
			"digits. With --pretty it is indented. With --jq it prints the outputs of a jq " +
			"expression applied to the value instead, one per line (-r prints strings without " +
			"quotes, as jq -r does). A missing key is an error (exit status 1). -w json prints one " +
			"JSON object instead, {\"key\", \"value\"}, with on an etcd prefix what etcdctl get -w json " +
			"shows beside them: \"mod_revision\" (what set --if-revision takes), and for a key attached " +
			"to a lease, \"lease\" (its ID in hex, as etcdctl lease commands take it) and \"ttl\" (the " +
			"seconds left before the key expires with it). --raw prints the value's bytes exactly as " +
			"stored, with no line end added (unlike etcdctl --print-value-only), so that " +
			"kvstore get --raw SRC KEY > FILE copies them: on an etcd prefix whatever a client stored, " +
			"JSON or not; in a file, the value's compact JSON. On a terminal, control characters and " +
			"bytes that are not UTF-8 are shown escaped. With --prefix, as etcdctl get --prefix, KEY is a " +
			"prefix: get prints every key that starts with it, in key order, one JSON object per line, " +
			"{\"key\", \"value\"} as -w json prints it (with -w json, on etcd, its mod_revision, lease " +
			"and ttl too); none is not an error. A value that is not JSON shows as a JSON string of its " +
			"text. On etcd the keys are read in pages, so any number of them takes little memory; " +
			"there --prefix is etcdctl's, and the etcd prefix goes in the URL (or --all-keys for the " +
			"whole keyspace).",
		Example: `  kvstore get data.json user1 --pretty
  kvstore get data.json user1 --jq .name -r
  kvstore get data.json user1 --jq '.tags[]'
  kvstore get etcd://127.0.0.1:2379/app/ --prefix user/ -w json`,
		Args:              operands(2, 2),
		ValidArgsFunction: completeKeys(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			src := a[0]
			key, err := keyArg(cmd, a[1])
			if err != nil {
				return err
			}
			var query *jq.Query
			switch {
			case expr != "":
				q, err := jq.Compile(expr)
				if err != nil {
					return usagef(cmd, "--jq: %v", err)
				}
				query = q
			case rawOutput:
				return usagef(cmd, "-r goes with --jq")
			}
			switch {
			case prefix && (query != nil || pretty || rawValue):
				return usagef(cmd, "--prefix prints one JSON object per key: no --jq, --pretty or --raw")
			case rawValue && (query != nil || pretty || format != "value"):
				return usagef(cmd, "--raw prints the value alone: no --jq, --pretty or -w")
			case format != "value" && format != "json":
				return usagef(cmd, "-w takes value or json, not %q", format)
			case format == "json" && query != nil:
				return usagef(cmd, "-w json and --jq cannot go together")
			}
			if prefix {
				store, err := openSource(cmd, src, true)
				if err != nil {
					return err
				}
				return closeStore(store, printPrefix(cmd, store, key, format == "json"))
			}
			raw, ok, meta, err := getValue(cmd, src, key, format == "json", rawValue)
			if err != nil {
				return err
			}
			if !ok {
				return errNoKey(src, key)
			}
			if rawValue {
				return writeRaw(cmd, raw)
			}
			if format == "json" {
				raw = keyObject(key, raw, meta)
			}
			if query != nil {
				return printOutputs(cmd, query, key, raw, pretty, rawOutput)
			}
			if pretty {
				raw = kvstore.Indent(raw)
			}
			return writeOut(cmd, append(raw, '\n'))
		},
	}
	cmd.Flags().BoolVar(&pretty, "pretty", false, "indent the value")
	cmd.Flags().StringVar(&expr, "jq", "", "print the outputs of the jq `EXPR` applied to the value")
	cmd.Flags().BoolVarP(&rawOutput, "raw-output", "r", false, "with --jq, print strings without quotes")
	cmd.Flags().BoolVar(&prefix, flagPrefix, false, "print every key that starts with KEY, one JSON object per line")
	cmd.Flags().BoolVar(&rawValue, "raw", false, "print the value's bytes exactly as stored, JSON or not, with no line end added")
	cmd.Flags().StringVarP(&format, "write-out", "w", "value",
		"print the `FORMAT` value, or json: the key, value, and on etcd its mod_revision, lease and ttl")
	return cmd
}

// getValue reads the value of key in src, and with withMeta what else the
// source knows of it (see metaReader), with exact its bytes as stored
// where the source keeps bytes (get --raw). A file is searched for the
// one key rather than loaded (see readFileKey).
func getValue(cmd *cobra.Command, src, key string, withMeta, exact bool) (raw []byte, ok bool, meta *keyMeta, err error) {
	if !isEtcd(src) {
		raw, ok, err := readFileKey(cmd, src, key)
		return raw, ok, nil, err
	}
	store, err := openSource(cmd, src, true, key)
	if err != nil {
		return nil, false, nil, err
	}
	raw, ok = store.GetRaw(key)
	if b, bytesKept := store.(kvstore.ByteValues); bytesKept && exact {
		raw, ok = b.Bytes(key)
	}
	if m, known := store.(metaReader); known && ok && withMeta {
		got, err := m.keyMeta(cmd.Context(), key)
		if err != nil {
			return nil, false, nil, closeStore(store, err)
		}
		meta = &got
	}
	return raw, ok, meta, closeStore(store, nil)
}

// keyMeta is what etcd holds about a key beside its value.
type keyMeta struct {
	modRevision int64
	lease       int64 // 0: none
	ttl         int64 // seconds left of the lease; -1: expired
}

// metaReader is a source that knows more of a key than its value, as an
// etcd prefix does.
type metaReader interface {
	keyMeta(ctx context.Context, key string) (keyMeta, error)
}

// keyObject is get -w json's object for key: its value, and meta when the
// source has it. The lease is in hex, as etcdctl's lease commands print
// and take it.
func keyObject(key string, value []byte, meta *keyMeta) []byte {
	out := appendJSONKey([]byte(`{"key":`), key)
	out = append(append(out, `,"value":`...), value...)
	if meta != nil {
		out = fmt.Appendf(out, `,"mod_revision":%d`, meta.modRevision)
		if meta.lease != 0 {
			out = fmt.Appendf(out, `,"lease":"%x","ttl":%d`, meta.lease, meta.ttl)
		}
	}
	return append(out, '}')
}

// itemLister is a source that lists its keys with what etcd holds about
// them beside their values, as an etcd prefix does, in pages.
type itemLister interface {
	items(ctx context.Context, prefix string, meta bool) iter.Seq2[listedKey, error]
}

// listedKey is a key as get --prefix prints it: its value as JSON (a
// value that is not JSON as a JSON string of its text) and, if known,
// its meta.
type listedKey struct {
	key   string
	value []byte
	meta  *keyMeta
}

// printPrefix prints every key of store that starts with prefix, with its
// value, one JSON object per line, as it reads them: a listing of etcd in
// pages never holds more than a page. With meta, a source that knows more
// of its keys than their values adds it.
func printPrefix(cmd *cobra.Command, store source, prefix string, meta bool) error {
	if l, ok := store.(itemLister); ok {
		for k, err := range l.items(cmd.Context(), prefix, meta) {
			if err != nil {
				return err
			}
			if err := writeOut(cmd, append(keyObject(k.key, k.value, k.meta), '\n')); err != nil {
				return err
			}
		}
		return listErr(store)
	}
	for key, raw := range store.Prefix(prefix) {
		if err := writeOut(cmd, append(keyObject(key, raw, nil), '\n')); err != nil {
			return err
		}
	}
	return listErr(store)
}

// errNoKey is the error for a key the store does not hold.
func errNoKey(src, key string) error {
	return fmt.Errorf("no key %q in %s", key, src)
}

// printOutputs prints the outputs of query on the value of key, one per
// line. An output printed before the expression failed stays printed, as
// jq leaves it.
func printOutputs(cmd *cobra.Command, query *jq.Query, key string, raw []byte, pretty, rawOutput bool) error {
	var out []byte
	for v, err := range query.Run(cmd.Context(), raw) {
		if err != nil {
			if werr := writeOut(cmd, out); werr != nil {
				return werr
			}
			return fmt.Errorf("get %q --jq: %w", key, err)
		}
		var text []byte
		if rawOutput {
			text, err = jq.RawString(v)
		} else {
			text, err = jq.Encode(v)
		}
		if err != nil {
			return err
		}
		if _, isString := v.(string); pretty && !(rawOutput && isString) {
			text = kvstore.Indent(text)
		}
		out = append(append(out, text...), '\n')
	}
	return writeOut(cmd, out)
}

func keysCommand() *cobra.Command {
	var prefix string
	var asJSON bool
	var where whereFlags
	cmd := &cobra.Command{
		Use:   "keys SRC",
		Short: "List the keys, sorted",
		Long: "keys prints the keys in byte order, one per line. A key that holds a line end or another " +
			"control character, or starts with a quote, is printed as a JSON string, and a key with " +
			"bytes that are not UTF-8 (which other etcd clients may write) as such a string with each " +
			"of those bytes written \\xNN, as the terminal UI shows it: every line reads back as " +
			"exactly one key, and a KEY argument of get, set, del and mv written that way, quotes " +
			"included, names it. --json prints one JSON array instead, with a key that is not UTF-8 " +
			"as {\"base64\": \"...\"}. --where lists only " +
			"the keys whose value makes a jq expression true; a value it cannot be applied to (.age " +
			"of a string) counts as false, or fails the command with --strict.",
		Example: `  kvstore keys data.json --prefix user/
  kvstore keys data.json --where '.age > 30'
  kvstore keys data.json --where '.tags | index("admin")'`,
		Args: operands(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			store, err := openSource(cmd, a[0], true)
			if err != nil {
				return err
			}
			var failed error
			entries, err := where.filter(cmd, store.Prefix(prefix), &failed)
			if err != nil {
				return closeStore(store, err)
			}
			tty := isTerminal(cmd.OutOrStdout())
			var out []byte
			if asJSON {
				out = append(out, '[')
			}
			for key := range entries {
				if asJSON && len(out) > 1 {
					out = append(out, ',')
				}
				if asJSON {
					out = appendJSONKey(out, key)
				} else if needsQuotes(key, tty) {
					out = appendQuoted(out, key)
				} else {
					out = append(out, key...)
				}
				if !asJSON {
					out = append(out, '\n')
				}
			}
			if asJSON {
				out = append(out, ']', '\n')
			}
			if err := closeStore(store, cmp.Or(failed, listErr(store))); err != nil {
				return err
			}
			return writeOut(cmd, out)
		},
	}
	cmd.Flags().StringVar(&prefix, "prefix", "", "list only the keys that start with `P`")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the keys as one JSON array")
	where.define(cmd)
	return cmd
}
