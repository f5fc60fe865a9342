package kvstore

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// KeyRead is what ReadKey found of one key.
type KeyRead struct {
	// Value is the key's value as compact JSON, as GetRaw returns it, or
	// nil if Found is false.
	Value []byte
	// Found reports whether the key is there.
	Found bool
	// Unshown, if not nil, says that the journal beside the file was
	// written against another version of the file (a writer stopped with a
	// conflict unsettled), so its changes were left out and Value is the
	// file's own, as a read-only store shows it. It wraps ErrConflict, and
	// is what such a store's LastSaveError returns.
	Unshown error
}

// ReadKey reads the value of one key from the data file at path without
// building a store: it gives what GetRaw of a store opened there with
// Options.ReadOnly would give, and fails where that Open would fail, with
// the same error, but keeps one value instead of every key. Like a
// read-only store it takes no lock, and it sees what a writer running in
// always-save mode has made durable: the journal's changes to the key that
// the file does not hold yet. It reads the whole file and checks all of
// it, so a corrupt file is an error with its line and column wherever the
// fault lies, as it is for Open.
//
// A missing file holds no keys, as for Open. Duplicate keys are an error;
// they are found cheaply when the keys come in ascending order, as the
// store writes them, and a file in another order is scanned twice.
func ReadKey(path, key string) (KeyRead, error) {
	return readKey(osFS{}, path, key)
}

func readKey(fsys fileSystem, path, key string) (KeyRead, error) {
	path, err := dataPath(fsys, path)
	if err != nil {
		return KeyRead{}, err
	}
	var got KeyRead
	var id string
	js, err := readState(fsys, path, true, func(segments []int) bool {
		return hasJournal(fsys, path, segments)
	}, func(withID bool) (info os.FileInfo, _ string, err error) {
		got, info, id, err = findInFile(fsys, path, key, withID)
		return info, id, err
	})
	if err != nil {
		return KeyRead{}, err
	}
	if js.elsewhere(id) {
		got.Unshown = unshownJournals(path, js.texts)
		return got, nil
	}
	// The journals' changes to key, as journalOp.apply makes them.
	err = replayAllOps(js.texts, func(op journalOp) {
		switch {
		case op.record:
		case op.rename:
			if op.key == key {
				got = KeyRead{}
			}
			if op.to == key {
				got = KeyRead{Value: op.value, Found: true}
			}
		case op.key != key:
		case op.value == nil:
			got = KeyRead{}
		default:
			got = KeyRead{Value: op.value, Found: true}
		}
	})
	if err != nil {
		return KeyRead{}, err
	}
	// A value from a journal would keep all of its text.
	got.Value = bytes.Clone(got.Value)
	return got, nil
}

// findInFile reads the data file at path and finds key in it (see
// findMember), with the errors readData gives. It returns the file's
// FileInfo (nil if there is none) and, with withID, its content id.
func findInFile(fsys fileSystem, path, key string, withID bool) (KeyRead, os.FileInfo, string, error) {
	data, info, err := fsys.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return KeyRead{}, nil, noFile, nil
	}
	if err != nil {
		return KeyRead{}, nil, "", fmt.Errorf("kvstore: read %s: %w", path, err)
	}
	if info.IsDir() {
		return KeyRead{}, nil, "", fmt.Errorf("kvstore: read %s: is a directory, not a data file", path)
	}
	var id string
	if withID {
		id = contentID(data)
	}
	value, found, serr := findMember(data, key)
	if serr != nil {
		return KeyRead{}, nil, "", serr.syntaxError(path, data)
	}
	return KeyRead{Value: value, Found: found}, info, id, nil
}

// errOutOfOrder stops a scan of findMember's that relies on ascending keys.
var errOutOfOrder = &scanError{msg: "keys out of order"}

// findMember scans the data file src with the checks of a load, and gives
// the first error a load would, and returns the compact value of key, a
// copy. It keeps no other key: it checks that keys are unique by comparing
// each with the one before while they ascend, as they do in a file the
// store wrote, and scans a file whose keys do not ascend again with a set.
func findMember(src []byte, key string) (value []byte, found bool, serr *scanError) {
	value, found, serr = scanForKey(src, key, false)
	if serr == errOutOfOrder {
		value, found, serr = scanForKey(src, key, true)
	}
	return value, found, serr
}

// scanForKey is one scan of findMember's: with withSet it keeps a set of
// the keys, otherwise it stops with errOutOfOrder at the first key that
// does not follow the one before.
func scanForKey(src []byte, key string, withSet bool) (value []byte, found bool, serr *scanError) {
	var seen map[string]struct{}
	if withSet {
		seen = make(map[string]struct{})
	}
	var prev, scratch []byte
	first := true
	serr = walkObject(src, func(keyOff, keyEnd int) (int, *scanError) {
		name := src[keyOff+1 : keyEnd-1] // no escape: the key's bytes as they are
		if bytes.IndexByte(name, '\\') >= 0 {
			k, ok := decodeKey(src[keyOff:keyEnd])
			if !ok {
				return keyOff, errKeyEncoding(keyOff)
			}
			name = []byte(k)
		}
		i, err := scanColon(src, keyEnd)
		if err != nil {
			return i, err
		}
		if scratch, i, err = compactValue(scratch[:0], src, i); err != nil {
			return i, err
		}
		if seen != nil {
			if _, dup := seen[string(name)]; dup {
				return i, errDuplicate(keyOff, name)
			}
			seen[string(name)] = struct{}{}
		} else if !first {
			switch c := bytes.Compare(prev, name); {
			case c == 0:
				return i, errDuplicate(keyOff, name)
			case c > 0:
				return i, errOutOfOrder
			}
		}
		first, prev = false, name
		if string(name) == key {
			value, found = bytes.Clone(scratch), true
		}
		return i, nil
	})
	return value, found, serr
}

// errDuplicate is the error for the second member named name, whose key
// string is at off, as parse gives it.
func errDuplicate(off int, name []byte) *scanError {
	return &scanError{off: off, msg: fmt.Sprintf("duplicate key %q", name)}
}
