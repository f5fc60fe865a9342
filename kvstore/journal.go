package kvstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/btree"
)

// In always-save mode a change is made durable by appending one JSON line to
// a journal beside the data file and fsyncing it, instead of rewriting the
// whole file: a durable write then costs one small append and one fsync
// (shared by all writers waiting at that moment), whatever the store's size.
//
//	{"set":"user1","value":{"name":"Ann"}}
//	{"del":"user2"}
//
// Compaction writes the whole state to the data file the usual atomic way
// and removes the journal. It runs in the background when the journal grows
// as large as the data file, when writes pause, and at Close, so at rest the
// JSON file is complete and no journal exists.
//
// Compaction must not block writers while it writes. It therefore renames
// the active journal (<file>.journal) to a numbered segment
// (<file>.journal.N) under the journal lock, at the instant it snapshots the
// state, and new writes start a fresh active journal. Once the data file is
// in place the segments are removed. Every line is an absolute assignment,
// so replaying a segment over a data file that already includes it is
// harmless, and a crash at any point leaves files that replay to the last
// acknowledged state: segments in order, then the active journal, over the
// data file.

// journalPath is the active journal of the data file at path.
func journalPath(path string) string { return path + ".journal" }

// segmentPath is the rotated journal segment number gen.
func segmentPath(path string, gen int) string { return path + ".journal." + strconv.Itoa(gen) }

// journalSegments lists the generations of the rotated segments on disk, in
// ascending order.
func journalSegments(fsys fileSystem, path string) ([]int, error) {
	entries, err := fsys.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	prefix := filepath.Base(path) + ".journal."
	var gens []int
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		if gen, err := strconv.Atoi(rest); err == nil && gen > 0 && strconv.Itoa(gen) == rest {
			gens = append(gens, gen)
		}
	}
	slices.Sort(gens)
	return gens, nil
}

// appendJournalLine encodes one change as a journal line.
func appendJournalLine(dst []byte, key string, raw []byte, del bool) []byte {
	if del {
		dst = append(dst, `{"del":`...)
		dst = appendQuoted(dst, key)
		return append(dst, '}', '\n')
	}
	dst = append(dst, `{"set":`...)
	dst = appendQuoted(dst, key)
	dst = append(dst, `,"value":`...)
	dst = append(dst, raw...)
	return append(dst, '}', '\n')
}

// journalLine is the decoded form of one journal line.
type journalLine struct {
	Set   *string         `json:"set"`
	Del   *string         `json:"del"`
	Value json.RawMessage `json:"value"`
}

// parseJournalLine decodes and checks one line; the message says what is
// wrong with it.
func parseJournalLine(line []byte) (key string, value []byte, del bool, msg string) {
	compact, serr := compactJSON(line)
	if serr != nil {
		return "", nil, false, serr.msg
	}
	var jl journalLine
	if err := json.Unmarshal(compact, &jl); err != nil {
		return "", nil, false, "not a journal entry: " + err.Error()
	}
	switch {
	case jl.Set != nil && jl.Del == nil && jl.Value != nil:
		if !strings.Contains(string(compact), `"value":`) {
			return "", nil, false, "journal entry has no value"
		}
		return *jl.Set, jl.Value, false, ""
	case jl.Del != nil && jl.Set == nil && jl.Value == nil:
		return *jl.Del, nil, true, ""
	}
	return "", nil, false, `a journal entry must be {"set":key,"value":v} or {"del":key}`
}

// replayJournal applies the journal text data, read from the file name, to
// m. A crash during an append can leave the end of the journal torn: a final
// run of lines that do not parse, with no valid line after them. Those were
// never acknowledged, so they are dropped and their offset returned as
// validLen. A bad line followed by a good one is corruption, reported as a
// *SyntaxError naming the file and line.
func replayJournal(name string, data []byte, m *btree.Map[string, []byte]) (validLen int, err error) {
	type bad struct {
		off int
		msg string
	}
	var firstBad *bad
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			// No newline: a torn final append, never acknowledged.
			if firstBad == nil {
				firstBad = &bad{off, "torn line"}
			}
			break
		}
		line := data[off : off+end]
		key, value, del, msg := parseJournalLine(line)
		switch {
		case msg != "":
			if firstBad == nil {
				firstBad = &bad{off, msg}
			}
		case firstBad != nil:
			line, col := lineCol(data, firstBad.off)
			return 0, &SyntaxError{File: name, Line: line, Column: col, Offset: int64(firstBad.off),
				Msg: "corrupt journal entry followed by valid ones: " + firstBad.msg}
		case del:
			m.Delete(key)
		default:
			m.Set(key, value)
		}
		off += end + 1
		if firstBad == nil {
			validLen = off
		}
	}
	return validLen, nil
}

// replayJournals applies every journal of the data file at path to m: the
// rotated segments in order, then the active journal. It reports whether
// any journal file exists.
func replayJournals(fsys fileSystem, path string, m *btree.Map[string, []byte]) (found bool, err error) {
	gens, err := journalSegments(fsys, path)
	if err != nil {
		return false, fmt.Errorf("kvstore: list journals of %s: %w", path, err)
	}
	names := make([]string, 0, len(gens)+1)
	for _, gen := range gens {
		names = append(names, segmentPath(path, gen))
	}
	names = append(names, journalPath(path))
	for _, name := range names {
		data, _, err := fsys.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return found, fmt.Errorf("kvstore: read journal %s: %w", name, err)
		}
		found = true
		if _, err := replayJournal(name, data, m); err != nil {
			return found, err
		}
	}
	return found, nil
}
