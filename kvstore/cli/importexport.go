package cli

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"maps"
	"os"
	"slices"
	"unicode/utf8"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/exactjson"
	"github.com/spf13/cobra"
)

func exportCommand() *cobra.Command {
	var where whereFlags
	cmd := &cobra.Command{
		Use:   "export SRC",
		Short: "Print the whole store as one JSON object",
		Long: "export prints every key and value as one JSON object in the store's canonical file " +
			"format (keys sorted, two-space indentation), whatever the layout of SRC itself. kvstore " +
			"import reads it back. --where exports only the keys whose value makes a jq expression " +
			"true, as keys --where lists them.\n\n" + exactHelp,
		Example: `  kvstore export data.json > backup.json
  kvstore export data.json | kvstore import copy.json --replace
  kvstore export data.json --where '.active' > active.json`,
		Args:              operands(1, 1),
		ValidArgsFunction: completeFile,
		RunE: func(cmd *cobra.Command, a []string) error {
			store, err := openSource(cmd, a[0], true)
			if err != nil {
				return err
			}
			var failed error
			all := store.All()
			bytesOf := map[string][]byte{}
			if bl, ok := store.(byteLister); ok {
				all = func(yield func(string, json.RawMessage) bool) {
					for key, raw := range bl.PrefixBytes("") {
						shown, plain := showBytes(raw)
						if !plain {
							bytesOf[key] = raw
						}
						if !yield(key, shown) {
							return
						}
					}
				}
			}
			entries, err := where.filter(cmd, all, &failed)
			if err != nil {
				return closeStore(store, err)
			}
			var out bytes.Buffer
			err = kvstore.WriteCanonical(&out, exportEntries(entries, bytesOf))
			if failed != nil {
				err = failed
			}
			if err == nil {
				err = listErr(store)
			}
			if err := closeStore(store, err); err != nil {
				return err
			}
			return writeOut(cmd, out.Bytes())
		},
	}
	where.define(cmd)
	return cmd
}

func importCommand() *cobra.Command {
	var replace, changes, force, yes, dryRun bool
	var schemas schemaFlag
	cmd := &cobra.Command{
		Use:   "import DST",
		Short: "Store every key of a JSON object read from stdin",
		Long: "import reads one JSON object from stdin and stores each of its keys in DST, keeping the " +
			"others (null is a value like any other, not a deletion), and its \"" + exactjson.Member +
			"\" member's keys with their exact bytes, as export writes them (see kvstore export --help). " +
			"On an etcd prefix a key that already holds what it would be given is not written again, " +
			"so that no watcher wakes for nothing. With --replace, DST becomes " +
			"exactly that object. With --changes, stdin is a file of changes as the terminal UI writes " +
			"when edits cannot reach etcd: the keys of its \"set\" are stored and those listed in its " +
			"\"delete\" removed. On an etcd prefix each of them must still be at the revision its " +
			"edit was based on (the file's \"revisions\"), so a key another client changed since is " +
			"not overwritten; --force writes it anyway. The whole import is one atomic, durable save. " +
			"Invalid JSON is an error naming its line and column, and nothing is written. --replace " +
			"lists on stderr the keys it deletes, and deletes more than " + fmt.Sprint(maxUnconfirmed) +
			" only with --yes (stdin carries the object, so there is nobody to ask). --dry-run prints " +
			"the changes it would make, one per line (set KEY, delete KEY), and writes nothing.\n\n" +
			limitFlagsHelp("running the same import again finishes the job, since keys that already "+
				"hold their new bytes are not written again."),
		Args:              operands(1, 1),
		ValidArgsFunction: completeFile,
		RunE: func(cmd *cobra.Command, a []string) error {
			switch {
			case replace && changes:
				return usagef(cmd, "import takes --replace or --changes, not both")
			case force && !changes:
				return usagef(cmd, "import --force goes with --changes")
			}
			if err := checkLimitFlags(cmd, a[0]); err != nil {
				return err
			}
			text, err := stdinText(cmd)
			if err != nil {
				return err
			}
			object, err := parseObject(text)
			if err != nil {
				return fmt.Errorf("import: %w", err)
			}
			var cf changeFile
			var exact map[string][]byte
			if changes {
				if cf, err = parseChanges(object); err != nil {
					return fmt.Errorf("import --changes: %w", err)
				}
				object, exact = cf.set, cf.exact
			} else if exact, err = takeExact(object); err != nil {
				return fmt.Errorf("import: %w", err)
			}
			dst := a[0]
			set, err := schemas.load(dst)
			if err != nil {
				return err
			}
			if err := refuseViolations(cmd, set, "import", sortedValues(object)); err != nil {
				return err
			}
			_, statErr := os.Stat(dst)
			named := slices.Concat(slices.Collect(maps.Keys(object)), slices.Collect(maps.Keys(exact)), cf.deleted)
			store, err := openSource(cmd, dst, false, named...)
			if err != nil {
				return err
			}
			drop := slices.Clone(cf.deleted)
			if replace {
				for _, key := range store.Keys() {
					_, keep := object[key]
					if _, exactly := exact[key]; !keep && !exactly {
						drop = append(drop, key)
					}
				}
				if err := cmp.Or(listErr(store), load(store, drop...)); err != nil {
					return closeStore(store, err)
				}
				if len(drop) > 0 && !dryRun {
					reportDeletions(cmd, "import --replace deletes", " not on stdin", drop)
				}
				if len(drop) > maxUnconfirmed && !yes && !dryRun {
					return closeStore(store, fmt.Errorf("import --replace would delete %d keys of %s, more than %d: "+
						"--yes deletes them, --dry-run shows every change", len(drop), dst, maxUnconfirmed))
				}
			}
			if dryRun {
				return closeStore(store, writeOut(cmd, plan(store, object, exact, drop)))
			}
			for _, key := range drop {
				if err := store.Delete(key); err != nil {
					return closeStore(store, err)
				}
			}
			for _, key := range slices.Sorted(maps.Keys(exact)) {
				value := exact[key]
				if holdsExact(store, key, value) {
					continue
				}
				if err := storeExact(store, key, value); err != nil {
					err = fmt.Errorf("import %s: %w", displayKey(key), err)
					if rerr := store.Reload(); rerr != nil {
						err = fmt.Errorf("%w; and undoing the import failed: %w", err, rerr)
					}
					return closeStore(store, err)
				}
			}
			for key, value := range object {
				if _, done := exact[key]; done {
					continue
				}
				if err := store.SetRaw(key, value); err != nil {
					// encoding/json has checked the text, but the store
					// checks it again with its own scanner. Should that
					// ever refuse a value, drop the changes made so far,
					// so that Close saves none of them.
					err = describeSyntax(err, "import "+quote(key), true)
					if rerr := store.Reload(); rerr != nil {
						err = fmt.Errorf("%w; and undoing the import failed: %w", err, rerr)
					}
					return closeStore(store, err)
				}
			}
			if rc, ok := store.(revisionChecker); ok && !force {
				for key, rev := range cf.revisions {
					rc.RequireRevision(key, rev)
				}
			}
			if errors.Is(statErr, fs.ErrNotExist) && !store.Dirty() {
				// An empty object changes nothing, but DST should exist
				// afterwards, as it does after any other import.
				err = store.Overwrite()
			}
			err = describeLimit(cmd, closeStore(store, err))
			if changes && errors.Is(err, kvstore.ErrConflict) {
				err = fmt.Errorf("import --changes: %w, after the edit was made: "+
					"look at it, and --force writes these changes anyway", err)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "make DST exactly the object read, deleting its other keys")
	cmd.Flags().BoolVar(&changes, "changes", false,
		`read a file of changes, {"set": {KEY: VALUE, ...}, "delete": [KEY, ...]}, as the terminal UI writes edits that could not reach etcd`)
	cmd.Flags().BoolVar(&force, "force", false, "with --changes, write keys another client changed since the edits were made")
	cmd.Flags().BoolVar(&yes, "yes", false, fmt.Sprintf("with --replace, delete more than %d keys", maxUnconfirmed))
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the changes the import would make, and make none")
	schemas.define(cmd)
	writerFlags(cmd)
	limitFlags(cmd)
	return cmd
}

// maxUnconfirmed is the most keys import --replace deletes without --yes:
// a handful is what keeping an object in step takes, and more is more
// likely a wrong prefix or the wrong file.
const maxUnconfirmed = 10

// reportDeletions says on stderr which keys a command deletes, one per
// line, each a JSON string, after "kvstore: WHAT N keys WHICH:" (what:
// "import --replace deletes", which: " not on stdin").
func reportDeletions(cmd *cobra.Command, what, which string, keys []string) {
	noun := "keys"
	if len(keys) == 1 {
		noun = "key"
	}
	out := fmt.Appendf(nil, "kvstore: %s %d %s%s:\n", what, len(keys), noun, which)
	for _, key := range keys {
		out = append(appendQuoted(append(out, "  "...), key), '\n')
	}
	cmd.ErrOrStderr().Write(out)
}

// plan is --dry-run's output: "set KEY" for each key of object whose value
// is not already the same JSON in store, and of exact whose bytes store
// does not hold, and "delete KEY" for each of drop, keys quoted as keys
// lists them, in key order.
func plan(store source, object map[string]json.RawMessage, exact map[string][]byte, drop []string) []byte {
	var sets []string
	for key, value := range object {
		if _, ok := exact[key]; ok {
			continue
		}
		now, ok := store.GetRaw(key)
		if c, err := kvstore.Compact(value); ok && err == nil && bytes.Equal(c, now) {
			continue
		}
		sets = append(sets, key)
	}
	for key, value := range exact {
		if !holdsExact(store, key, value) {
			sets = append(sets, key)
		}
	}
	var out []byte
	for _, key := range slices.Sorted(slices.Values(sets)) {
		out = append(appendQuoted(append(out, "set "...), key), '\n')
	}
	for _, key := range slices.Sorted(slices.Values(drop)) {
		out = append(appendQuoted(append(out, "delete "...), key), '\n')
	}
	return out
}

// sortedValues yields an object's members in key order, so that messages
// about them come in the order export prints them.
func sortedValues(object map[string]json.RawMessage) iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) {
		keys := slices.Sorted(maps.Keys(object))
		for _, key := range keys {
			if !yield(key, object[key]) {
				return
			}
		}
	}
}

// changeFile is a file of changes, as the terminal UI writes the edits an
// etcd prefix did not take (see tui's pendingFile): the keys to set, the
// keys to delete, and the revision in etcd each change was based on (0:
// the key did not exist then).
type changeFile struct {
	set       map[string]json.RawMessage
	exact     map[string][]byte // set's keys to store exactly (see takeExact)
	deleted   []string
	revisions map[string]int64
}

// revisionChecker is a source whose changes can be made to require a
// key's revision, as an etcd prefix's can.
type revisionChecker interface {
	// RequireRevision makes the change of key, if any, commit only while
	// the key is at revision rev (0: absent).
	RequireRevision(key string, rev int64)
}

// parseChanges reads a file of changes, already parsed as an object:
// "set", "delete", "revisions", and the "source" they were meant for,
// which is not checked (the changes may be applied elsewhere on purpose).
// Any other member means stdin is not such a file, most likely a plain
// export, and is an error rather than a guess.
func parseChanges(object map[string]json.RawMessage) (changeFile, error) {
	var cf changeFile
	for name := range object {
		switch name {
		case "set", "delete", "revisions", "exact revisions", "source":
		default:
			return cf, fmt.Errorf("stdin is not a file of changes: it has %s, and a file of changes has only "+
				"\"set\", \"delete\", \"revisions\", \"exact revisions\" and \"source\"", quote(name))
		}
	}
	if _, ok := object["set"]; !ok {
		if _, ok := object["delete"]; !ok {
			return cf, errors.New(`stdin is not a file of changes: it has neither "set" nor "delete"`)
		}
	}
	if raw, ok := object["set"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &cf.set); err != nil || cf.set == nil {
			return cf, errors.New(`"set" is not an object of keys and values`)
		}
	}
	var err error
	if cf.exact, err = takeExact(cf.set); err != nil {
		return cf, fmt.Errorf(`"set": %w`, err)
	}
	if raw, ok := object["delete"]; ok && string(raw) != "null" {
		var keys []json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil {
			return cf, errors.New(`"delete" is not an array of keys`)
		}
		for i, k := range keys {
			key, ok := exactjson.DecodeBytes(k)
			if !ok {
				return cf, fmt.Errorf(`"delete"[%d] is not a key: a string, or {"base64": "..."}`, i)
			}
			cf.deleted = append(cf.deleted, string(key))
		}
	}
	if raw, ok := object["revisions"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &cf.revisions); err != nil {
			return cf, errors.New(`"revisions" is not an object of keys and revisions`)
		}
	}
	if raw, ok := object["exact revisions"]; ok && string(raw) != "null" {
		var list []struct {
			Key      json.RawMessage `json:"key"`
			Revision int64           `json:"revision"`
		}
		if err := json.Unmarshal(raw, &list); err != nil {
			return cf, errors.New(`"exact revisions" is not an array of {"key": K, "revision": N}`)
		}
		if cf.revisions == nil {
			cf.revisions = map[string]int64{}
		}
		for i, e := range list {
			key, ok := exactjson.DecodeBytes(e.Key)
			if !ok {
				return cf, fmt.Errorf(`"exact revisions"[%d] has no key: a string, or {"base64": "..."}`, i)
			}
			cf.revisions[string(key)] = e.Revision
		}
	}
	isSet := func(key string) bool {
		_, plain := cf.set[key]
		_, exactly := cf.exact[key]
		return plain || exactly
	}
	for _, key := range cf.deleted {
		if isSet(key) {
			return cf, fmt.Errorf("%s is both set and deleted", displayKey(key))
		}
	}
	for key, rev := range cf.revisions {
		if !isSet(key) && !slices.Contains(cf.deleted, key) {
			return cf, fmt.Errorf(`"revisions" has %s, which is neither set nor deleted`, quote(key))
		}
		if rev < 0 {
			return cf, fmt.Errorf("the revision of %s is %d, and revisions are 0 or more", quote(key), rev)
		}
	}
	return cf, nil
}

// parseObject parses text as one JSON object, each value kept as its JSON
// text. An empty input is an error rather than an empty object: it is what
// a failed command before the pipe leaves, and with --replace it would
// empty the store. Keys and values keep bytes that are not UTF-8.
func parseObject(text []byte) (map[string]json.RawMessage, error) {
	body := bytes.TrimLeft(text, " \t\r\n")
	switch {
	case len(body) == 0:
		return nil, errors.New("no JSON object on stdin")
	case body[0] != '{':
		if !json.Valid(body) {
			break
		}
		return nil, errors.New("stdin holds a JSON value that is not an object")
	}
	if !utf8.Valid(text) {
		// encoding/json would turn each byte of a key that is not UTF-8
		// into U+FFFD; the store's own parser keeps them, as export wrote.
		object, err := kvstore.Members(text)
		if err != nil {
			return nil, fmt.Errorf("invalid JSON on stdin at %w", err)
		}
		return object, nil
	}
	var object map[string]json.RawMessage
	err := json.Unmarshal(text, &object)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := lineColumn(text, syn.Offset)
		return nil, fmt.Errorf("invalid JSON on stdin at line %d, column %d: %s", line, col, syn.Error())
	}
	return object, err
}

// lineColumn returns the 1-based line and byte column of the byte before
// offset, the one encoding/json's SyntaxError.Offset has just read.
func lineColumn(text []byte, offset int64) (line, col int) {
	at := max(0, min(int(offset), len(text))-1)
	line = 1 + bytes.Count(text[:at], []byte("\n"))
	col = at - bytes.LastIndexByte(text[:at], '\n')
	return line, col
}
