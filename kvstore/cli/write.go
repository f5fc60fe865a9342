package cli

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// The writers take the file's lock (another writer makes them fail with
// the store's "in use" error and change nothing), check everything before
// they change anything, and are durable when they exit: closeStore saves.

// putter is a source that can store a value without a revision check, as
// an etcd prefix can (see etcdstore.Backend.Put): what a set that read
// nothing should do, so that concurrent sets of one key all succeed, the
// last one winning, as etcdctl's puts do. A file needs no such thing: its
// writers take turns with the lock.
type putter interface {
	Put(key string, raw []byte) error
}

func setCommand() *cobra.Command {
	var asString, asBytes bool
	var ifRevision int64
	var schemas schemaFlag
	cmd := &cobra.Command{
		Use:   "set SRC KEY [JSON]",
		Short: "Store a JSON value under KEY",
		Long: "set stores JSON under KEY, from the argument, or from stdin when it is absent or -. With " +
			"--string the text is stored as a JSON string instead (from stdin, without its final line " +
			"end). Invalid JSON is an error naming its line and column, and nothing is written. The " +
			"file is created if it does not exist. On an etcd prefix set is a plain put, as etcdctl " +
			"put is: it overwrites whatever another client stored meanwhile, and keeps the key's " +
			"lease. With --if-revision N it writes only if the key is still at etcd revision N (its " +
			"mod_revision, which get -w json shows; 0: the key must not exist), and is otherwise a " +
			"conflict (exit status 1) that writes nothing. With --raw the bytes are stored exactly as " +
			"given, from the argument or all of stdin, JSON or not, as etcdctl put stores them (JSON " +
			"Schemas check them only if they are JSON); a file holds JSON alone, so there --raw takes " +
			"only JSON.",
		Example: `  kvstore set data.json port 8080
  kvstore set data.json motd --string "Back at 5"
  curl -s https://example.com/config.json | kvstore set data.json config`,
		Args:              operands(2, 3),
		ValidArgsFunction: completeKeys(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			src := a[0]
			key, err := keyArg(cmd, a[1])
			if err != nil {
				return err
			}
			checked := cmd.Flags().Changed(flagIfRevision)
			switch {
			case asBytes && asString:
				return usagef(cmd, "set takes --raw or --string, not both")
			case checked && !isEtcd(src):
				return usagef(cmd, "--%s applies only to an etcd:// source", flagIfRevision)
			case checked && ifRevision < 0:
				return usagef(cmd, "--%s must be 0 or more", flagIfRevision)
			}
			fromStdin := len(a) == 2 || a[2] == "-"
			var text []byte
			if fromStdin {
				var err error
				if text, err = stdinText(cmd); err != nil {
					return err
				}
			} else {
				text = []byte(a[2])
			}
			if asString {
				if fromStdin {
					text = trimLineEnd(text)
				}
				if !utf8.Valid(text) {
					return fmt.Errorf("set %q: --string text is not valid UTF-8", key)
				}
			}
			set, err := schemas.load(src)
			if err != nil {
				return err
			}
			value := text
			if asBytes {
				if compact, err := kvstore.Compact(text); err == nil {
					if err := refuseViolations(cmd, set, "set "+quote(key), one(key, compact)); err != nil {
						return err
					}
				}
				return setBytes(cmd, src, key, text, fromStdin, checked, ifRevision)
			}
			if asString {
				value = appendQuoted(nil, string(text))
			} else if compact, err := kvstore.Compact(text); err == nil {
				value = compact
			} else {
				return describeSyntax(fmt.Errorf("set %q: %w", key, err), "set "+quote(key), fromStdin)
			}
			if err := refuseViolations(cmd, set, "set "+quote(key), one(key, value)); err != nil {
				return err
			}
			// A put reads nothing: not even the key it writes.
			store, err := openSource(cmd, src, false)
			if err != nil {
				return err
			}
			p, blind := store.(putter)
			switch {
			case blind:
				err = p.Put(key, value)
			case asString:
				err = store.Set(key, string(text))
			default:
				err = store.SetRaw(key, text)
			}
			if rc, ok := store.(revisionChecker); ok && checked && err == nil {
				rc.RequireRevision(key, ifRevision)
			}
			err = closeStore(store, describeSyntax(err, "set "+quote(key), fromStdin))
			return ifRevisionConflict(err, key, checked, ifRevision)
		},
	}
	cmd.Flags().BoolVar(&asString, "string", false, "store the text as a JSON string")
	cmd.Flags().BoolVar(&asBytes, "raw", false, "store the bytes exactly as given, JSON or not (on etcd)")
	cmd.Flags().Int64Var(&ifRevision, flagIfRevision, 0,
		"with etcd://, write only if the key is at etcd revision `N` (0: only if it does not exist)")
	schemas.define(cmd)
	writerFlags(cmd)
	return cmd
}

// bytePutter is a source that stores bytes exactly, JSON or not, without
// a revision check, as an etcd prefix does (etcdstore.Backend.PutBytes).
type bytePutter interface {
	PutBytes(key string, b []byte) error
}

// setBytes is set --raw: text under key exactly as given where the source
// keeps bytes, and as JSON, which text must then be, in a file.
func setBytes(cmd *cobra.Command, src, key string, text []byte, fromStdin, checked bool, ifRevision int64) error {
	store, err := openSource(cmd, src, false)
	if err != nil {
		return err
	}
	if p, ok := store.(bytePutter); ok {
		err = p.PutBytes(key, text)
	} else if err = store.SetRaw(key, text); err != nil {
		err = describeSyntax(err, "set "+quote(key)+" --raw (a file holds JSON values only)", fromStdin)
	}
	if rc, ok := store.(revisionChecker); ok && checked && err == nil {
		rc.RequireRevision(key, ifRevision)
	}
	return ifRevisionConflict(closeStore(store, err), key, checked, ifRevision)
}

// ifRevisionConflict words a conflict of set --if-revision: where the key
// is now, which is what a script needs to try again.
func ifRevisionConflict(err error, key string, checked bool, ifRevision int64) error {
	var c *etcdstore.ConflictError
	switch {
	case !checked || !errors.Is(err, kvstore.ErrConflict):
		return err
	case !errors.As(err, &c):
	case c.Now == 0:
		return fmt.Errorf("set %q --%s %d: another client deleted the key; nothing written", key, flagIfRevision, ifRevision)
	default:
		return fmt.Errorf("set %q --%s %d: the key is at revision %d now (get -w json shows it); nothing written",
			key, flagIfRevision, ifRevision, c.Now)
	}
	return fmt.Errorf("set %q --%s %d: the key is at another revision now: %w", key, flagIfRevision, ifRevision, err)
}

// trimLineEnd drops one final line end, which echo and most files add and
// nobody means as part of a string.
func trimLineEnd(text []byte) []byte {
	text, _ = bytes.CutSuffix(text, []byte("\n"))
	text, _ = bytes.CutSuffix(text, []byte("\r"))
	return text
}

// describeSyntax turns the store's *kvstore.SyntaxError for text a user
// gave into a message that says it is their JSON that is wrong, and where.
// Other errors are returned as they are.
func describeSyntax(err error, what string, fromStdin bool) error {
	var syn *kvstore.SyntaxError
	if !errors.As(err, &syn) {
		return err
	}
	from := "the argument"
	if fromStdin {
		from = "stdin"
	}
	return fmt.Errorf("%s: invalid JSON on %s at line %d, column %d: %s", what, from, syn.Line, syn.Column, syn.Msg)
}

// flagIfRevision is set's flag that makes it a checked write.
const flagIfRevision = "if-revision"

func quote(key string) string { return fmt.Sprintf("%q", key) }

func delCommand() *cobra.Command {
	var prefix, yes, dryRun bool
	cmd := &cobra.Command{
		Use:   "del SRC KEY...",
		Short: "Delete keys, or every key under a prefix (--prefix)",
		Long: "del deletes every KEY in one save. If one of them does not exist, it is an error and " +
			"none is deleted. A KEY written quoted (\"app\\xff\"), as keys lists a key with bytes that " +
			"are not UTF-8, names that key. With --prefix, as etcdctl del --prefix, KEY is a prefix and " +
			"del deletes every key that starts with it, as import --replace deletes: it lists them on " +
			"stderr, deletes more than " + fmt.Sprint(maxUnconfirmed) + " only with --yes, and --dry-run " +
			"prints delete KEY for each and deletes nothing. A prefix nothing starts with deletes " +
			"nothing, and is no error. On etcd, --prefix is etcdctl's; the etcd prefix goes in the URL " +
			"(or --all-keys for the whole keyspace).\n\n" + limitFlagsHelp("the error says how many were "+
			"deleted: kvstore keys lists those left, for another del."),
		Example: `  kvstore del data.json user1 user2
  kvstore del etcd://127.0.0.1:2379/app/ --prefix sessions/ --dry-run`,
		Args:              operands(2, -1),
		ValidArgsFunction: completeKeys(-1),
		RunE: func(cmd *cobra.Command, a []string) error {
			src := a[0]
			keys, err := keyArgs(cmd, a[1:])
			if err != nil {
				return err
			}
			if err := checkLimitFlags(cmd, src); err != nil {
				return err
			}
			switch {
			case prefix && len(keys) != 1:
				return usagef(cmd, "del --prefix takes one KEY, a prefix, got %d", len(keys))
			case (yes || dryRun) && !prefix:
				return usagef(cmd, "--yes and --dry-run go with --prefix")
			}
			if prefix {
				return describeLimit(cmd, deletePrefix(cmd, src, keys[0], yes, dryRun))
			}
			store, err := openSource(cmd, src, false, keys...)
			if err != nil {
				return err
			}
			for _, key := range keys {
				if !store.Has(key) {
					return closeStore(store, errNoKey(src, key))
				}
			}
			for _, key := range keys {
				if err := store.Delete(key); err != nil {
					return closeStore(store, err)
				}
			}
			return describeLimit(cmd, closeStore(store, nil))
		},
	}
	cmd.Flags().BoolVar(&prefix, flagPrefix, false, "delete every key that starts with KEY")
	cmd.Flags().BoolVar(&yes, "yes", false, fmt.Sprintf("with --prefix, delete more than %d keys", maxUnconfirmed))
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "with --prefix, print the keys it would delete, and delete none")
	writerFlags(cmd)
	limitFlags(cmd)
	return cmd
}

// deletePrefix is del --prefix: it deletes every key of src that starts
// with prefix, in one save, each only if no other client changed it
// since it was listed.
func deletePrefix(cmd *cobra.Command, src, prefix string, yes, dryRun bool) error {
	store, err := openSource(cmd, src, dryRun)
	if err != nil {
		return err
	}
	drop, err := listKeys(store, prefix)
	if err == nil {
		// Read them, so that each deletion requires what was listed.
		err = load(store, drop...)
	}
	if err != nil {
		return closeStore(store, err)
	}
	switch {
	case dryRun:
		return closeStore(store, writeOut(cmd, plan(store, nil, nil, drop)))
	case len(drop) == 0:
		fmt.Fprintf(cmd.ErrOrStderr(), "kvstore: del --prefix: no key of %s starts with %s\n", src, quote(prefix))
		return closeStore(store, nil)
	}
	reportDeletions(cmd, "del --prefix deletes", " starting with "+quote(prefix), drop)
	if len(drop) > maxUnconfirmed && !yes {
		return closeStore(store, fmt.Errorf("del --prefix %s would delete %d keys of %s, more than %d: "+
			"--yes deletes them, --dry-run lists them", quote(prefix), len(drop), src, maxUnconfirmed))
	}
	for _, key := range drop {
		if err := store.Delete(key); err != nil {
			return closeStore(store, err)
		}
	}
	return closeStore(store, nil)
}

// listKeys returns the keys of store that start with prefix: on etcd
// listed without their values, in pages.
func listKeys(store source, prefix string) ([]string, error) {
	if l, ok := store.(keyLister); ok {
		return l.KeysWithPrefix(prefix)
	}
	var keys []string
	for key := range store.Prefix(prefix) {
		keys = append(keys, key)
	}
	return keys, listErr(store)
}

func mvCommand() *cobra.Command {
	var force bool
	var schemas schemaFlag
	cmd := &cobra.Command{
		Use:   "mv SRC OLD NEW",
		Short: "Rename the key OLD to NEW",
		Long: "mv moves the value of OLD to NEW in one save. It refuses to replace an existing NEW " +
			"unless --force is given.",
		Args:              operands(3, 3),
		ValidArgsFunction: completeKeys(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			src := a[0]
			names, err := keyArgs(cmd, a[1:])
			if err != nil {
				return err
			}
			from, to := names[0], names[1]
			set, err := schemas.load(src)
			if err != nil {
				return err
			}
			store, err := openSource(cmd, src, false, from, to)
			if err != nil {
				return err
			}
			if raw, ok := store.GetRaw(from); ok && from != to {
				if err := refuseViolations(cmd, set, "mv "+quote(from), one(to, raw)); err != nil {
					return closeStore(store, err)
				}
			}
			switch {
			case !store.Has(from):
				return closeStore(store, errNoKey(src, from))
			case from == to:
				return closeStore(store, nil)
			case store.Has(to) && !force:
				return closeStore(store, fmt.Errorf("mv: %q already exists in %s (--force replaces it)", to, src))
			case store.Has(to):
				// Both changes are saved together by closeStore, so the
				// file never holds neither key.
				if err := store.Delete(to); err != nil {
					return closeStore(store, err)
				}
			}
			return closeStore(store, store.Rename(from, to))
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace NEW if it exists")
	schemas.define(cmd)
	writerFlags(cmd)
	return cmd
}
