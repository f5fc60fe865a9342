package kvstore

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
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
// fault lies, as it is for Open. A large file is mapped into memory rather
// than copied, where the system allows, and checked in parts, one a core,
// at once; the answer, and the error, are those of a single scan.
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
	if _, real := fsys.(osFS); real {
		if got, info, id, err, ok := findInMapped(path, key, withID); ok {
			return got, info, id, err
		}
	}
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

// errCanceled stops a part of a parallel scan whose result is not needed.
var errCanceled = &scanError{msg: "canceled"}

// findMember scans the data file src with the checks of a load, and gives
// the first error a load would, and returns the compact value of key, a
// copy. It keeps no other key: it checks that keys are unique by comparing
// each with the one before while they ascend, as they do in a file the
// store wrote, and scans a file whose keys do not ascend again with a set.
// A large file is scanned in parts at once, one a core (see scanParts).
func findMember(src []byte, key string) (value []byte, found bool, serr *scanError) {
	return findMemberIn(src, key, splitPoints(src, partsFor(len(src))))
}

// findMemberIn is findMember with the scan in parts that start at starts
// (see scanParts).
func findMemberIn(src []byte, key string, starts []int) (value []byte, found bool, serr *scanError) {
	value, found, serr = scanParts(src, key, starts)
	if serr == errOutOfOrder {
		s := keyScan{src: src, key: key, seen: make(map[string]struct{}), stop: -1}
		serr = walkObject(src, s.member)
		value, found = s.value, s.found
	}
	return value, found, serr
}

// minPart is the least a part of a parallel scan is given to check: below
// it, starting a goroutine and joining it cost more than the part takes.
var minPart = 1 << 20

// partsFor is how many parts findMember scans a file of size bytes in: one
// a core, each at least minPart.
func partsFor(size int) int {
	return max(1, min(runtime.GOMAXPROCS(0), size/minPart))
}

// splitPoints returns up to n-1 places, in ascending order, where the parts
// of a scan of src after the first may start, at about equal distances:
// the key strings of members on lines of their own, indented as the first
// key is (two spaces in a file the store wrote). In another layout, such
// as one member on each line with no indentation, the guess may be the
// key of a nested object, or no key at all: scanParts finds out and scans
// that part again, so a wrong guess costs time, never a wrong answer.
func splitPoints(src []byte, n int) []int {
	if n < 2 {
		return nil
	}
	// The first key, and the white space before it on its line.
	i := 0
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		i = 3
	}
	i = skipSpace(src, i)
	if i >= len(src) || src[i] != '{' {
		return nil
	}
	first := skipSpace(src, i+1)
	nl := bytes.LastIndexByte(src[:first], '\n')
	if nl < 0 || first >= len(src) || src[first] != '"' {
		return nil
	}
	pattern := append([]byte(nil), src[nl:first+1]...) // "\n", indentation, '"'
	var points []int
	for p := 1; p < n; p++ {
		from := max(len(src)/n*p, first+1)
		if len(points) > 0 {
			from = max(from, points[len(points)-1]+1)
		}
		if from >= len(src) {
			break
		}
		at := bytes.Index(src[from:], pattern)
		if at < 0 {
			break
		}
		points = append(points, from+at+len(pattern)-1)
	}
	return points
}

// scanParts is a scan of findMember's that relies on ascending keys, in
// parts that run at once: the first from the start of src, part p from
// starts[p-1] on the guess that a member's key starts there. Each part
// but the last stops where the next one starts, if it gets there at the
// place for a key (see walkMembers); from there on the next part's scan is
// the one a single scan would make, so its result, joined to the parts
// before it, is a single scan's: an error in an earlier part comes first,
// and the key before a part's first one is compared with it when the parts
// are joined. A part that does not stop there (the guess was wrong) goes on
// to the end of the file, and the parts after it are dropped.
func scanParts(src []byte, key string, starts []int) (value []byte, found bool, serr *scanError) {
	parts := make([]keyScan, len(starts)+1)
	var useful atomic.Int64 // the parts after it are not needed
	useful.Store(int64(len(parts)))
	var wg sync.WaitGroup
	for p := range parts {
		s := &parts[p]
		*s = keyScan{src: src, key: key, stop: -1}
		if p < len(starts) {
			s.stop = starts[p]
		}
		s.part, s.useful = p, &useful
		if p == 0 {
			continue // scanned below, in this goroutine
		}
		wg.Go(func() {
			s.faulted = catchFault(func() {
				s.stopped, s.err = walkMembers(src, starts[p-1], s.stop, s.member)
			})
			if !s.stopped {
				s.last()
			}
		})
	}
	s := &parts[0]
	s.faulted = catchFault(func() {
		s.stopped, s.err = walkObjectUntil(src, s.stop, s.member)
	})
	if !s.stopped {
		s.last()
	}
	wg.Wait()
	for p := range parts {
		if parts[p].faulted {
			return nil, false, errFault
		}
	}
	// Join the parts in order.
	for p := range parts {
		s := &parts[p]
		if p > 0 {
			// The key of this part's first member against the last one
			// before the part, checked once the member is (a fault in the
			// member comes first: members is then 0).
			last := &parts[p-1]
			if last.members > 0 && s.members > 0 {
				switch c := bytes.Compare(last.prev, s.firstKey); {
				case c == 0:
					return nil, false, errDuplicate(s.firstOff, s.firstKey)
				case c > 0:
					return nil, false, errOutOfOrder
				}
			}
			if s.members == 0 { // stopped at once: the key before is still last
				s.prev, s.members = last.prev, last.members
			}
		}
		if s.err != nil {
			return nil, false, s.err
		}
		if s.found {
			value, found = s.value, true
		}
		if !s.stopped {
			break
		}
	}
	return value, found, nil
}

// last cancels the parts of a parallel scan after this one, which went on
// past the start of the next part or ended with an error: their results
// will not be used.
func (s *keyScan) last() {
	for {
		u := s.useful.Load()
		if u <= int64(s.part) || s.useful.CompareAndSwap(u, int64(s.part)) {
			return
		}
	}
}

// keyScan is one scan of findMember's, or a part of one, in walkObject's
// member calls: it checks each member, keeps the value of key, and checks
// that keys are unique: with seen, a set of them, otherwise by stopping
// with errOutOfOrder at the first key that does not follow the one before.
type keyScan struct {
	src  []byte
	key  string
	seen map[string]struct{}

	// In a parallel scan (see scanParts), part is this part's number and
	// stop where the next part starts, or -1; stopped reports that this
	// part got there (see walkMembers), and err is how it ended otherwise.
	// The parts after useful are not needed, and stop.
	part    int
	stop    int
	stopped bool
	err     *scanError
	useful  *atomic.Int64
	faulted bool // the part read memory that is not there (see catchFault)

	members  int    // members checked
	firstKey []byte // the first member's key, which is not compared with the one before it
	firstOff int    // and where its key string starts
	prev     []byte // the last member's key
	value    []byte
	found    bool
}

// member checks one member, as walkObject's member function.
func (s *keyScan) member(keyOff, keyEnd int) (int, *scanError) {
	src := s.src
	if s.useful != nil && int64(s.part) > s.useful.Load() {
		return keyOff, errCanceled
	}
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
	valueAt := i
	if i, err = checkValue(src, i); err != nil {
		return i, err
	}
	if s.seen != nil {
		if _, dup := s.seen[string(name)]; dup {
			return i, errDuplicate(keyOff, name)
		}
		s.seen[string(name)] = struct{}{}
	} else if s.members > 0 {
		switch c := bytes.Compare(s.prev, name); {
		case c == 0:
			return i, errDuplicate(keyOff, name)
		case c > 0:
			return i, errOutOfOrder
		}
	} else {
		s.firstKey, s.firstOff = name, keyOff
	}
	s.members++
	s.prev = name
	if string(name) == s.key {
		// The value checked; its compact form, once.
		s.value, _, _ = compactValue(nil, src, valueAt)
		s.found = true
	}
	if s.useful != nil && s.stop >= 0 && i > s.stop {
		// Past where the next part starts, not at a key: that guess was
		// wrong, and this part goes on to the end of the file.
		s.stop = -1
		s.last()
	}
	return i, nil
}

// errDuplicate is the error for the second member named name, whose key
// string is at off, as parse gives it.
func errDuplicate(off int, name []byte) *scanError {
	return &scanError{off: off, msg: fmt.Sprintf("duplicate key %q", name)}
}
