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
//	{"ren":"user3","to":"user4","value":{"name":"Bo"}}
//
// A rename is one line, so a crash that tears it leaves the old key or the
// new one, never both. It carries the value, so like the others it is an
// absolute assignment: delete the old key, set the new one.
//
// Each journal also records which data file its lines were written
// against, so that Open never replays them over a file someone else wrote:
//
//	{"file":["2048:1a2b3c4d"]}
//
// lists the contents (size and CRC-32C, see fileid.go) that the data file
// may have from that line on. A journal starts with one; a save appends
// one naming both the old file and the new just before its rename (a crash
// can leave either), and one naming the new file alone once it is in place.
// The last such line across the journals in order is the one that counts.
// Journals written before these lines existed have none, and are replayed
// over whatever file is there, as they always were.
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

// appendJournalRename encodes the rename of from to to, whose value is raw,
// as one journal line.
func appendJournalRename(dst []byte, from, to string, raw []byte) []byte {
	dst = append(dst, `{"ren":`...)
	dst = appendQuoted(dst, from)
	dst = append(dst, `,"to":`...)
	dst = appendQuoted(dst, to)
	dst = append(dst, `,"value":`...)
	dst = append(dst, raw...)
	return append(dst, '}', '\n')
}

// appendFileLine encodes the record that the data file is now one of the
// files named by ids (see fileid.go).
func appendFileLine(dst []byte, ids []string) []byte {
	dst = append(dst, `{"file":[`...)
	for i, id := range ids {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendQuoted(dst, id)
	}
	return append(dst, ']', '}', '\n')
}

// journalOp is one decoded journal line: set key to value, delete key
// (value nil, to empty), rename key to to with value, or (record) a list
// of the data files the journal may be replayed over, which changes no key.
type journalOp struct {
	key, to string
	rename  bool
	record  bool
	value   []byte
}

// apply makes the change in m and in its lookup map index.
func (op journalOp) apply(m *btree.Map[string, []byte], index map[string][]byte) {
	switch {
	case op.record:
	case op.rename:
		m.Delete(op.key)
		delete(index, op.key)
		m.Set(op.to, op.value)
		index[op.to] = op.value
	case op.value == nil:
		m.Delete(op.key)
		delete(index, op.key)
	default:
		m.Set(op.key, op.value)
		index[op.key] = op.value
	}
}

// parseJournalLine decodes and checks one line; the message says what is
// wrong with it. It runs on the data file's scanner, which is several times
// faster than encoding/json here, where replaying a large journal is most of
// an open's time. Field names are matched exactly, as the format writes
// them, and each may appear once. The line's bytes are overwritten with the
// compact fields, which the returned value shares.
func parseJournalLine(line []byte) (op journalOp, msg string) {
	var set, del, ren, to, value, file []byte
	serr := parseObject(line, line[:0], func(key string, off int, v []byte) *scanError {
		var field *[]byte
		switch key {
		case "set":
			field = &set
		case "del":
			field = &del
		case "ren":
			field = &ren
		case "to":
			field = &to
		case "value":
			field = &value
		case "file":
			field = &file
		default:
			return &scanError{off: off, msg: fmt.Sprintf("unknown journal field %q", key)}
		}
		if *field != nil {
			return &scanError{off: off, msg: fmt.Sprintf("journal field %q appears twice", key)}
		}
		*field = v
		return nil
	})
	if serr != nil {
		return op, serr.msg
	}
	var ok bool
	keyOf := func(raw []byte) (string, bool) {
		if len(raw) == 0 || raw[0] != '"' {
			return "", false
		}
		return decodeKey(raw)
	}
	switch {
	case file != nil && set == nil && del == nil && ren == nil && to == nil && value == nil:
		if _, ok := fileRecord(file); ok {
			return journalOp{record: true}, ""
		}
	case set != nil && del == nil && ren == nil && to == nil && value != nil && file == nil:
		if op.key, ok = keyOf(set); ok {
			op.value = value
			return op, ""
		}
	case del != nil && set == nil && ren == nil && to == nil && value == nil && file == nil:
		if op.key, ok = keyOf(del); ok {
			return op, ""
		}
	case ren != nil && to != nil && set == nil && del == nil && value != nil && file == nil:
		from, ok1 := keyOf(ren)
		dest, ok2 := keyOf(to)
		if ok1 && ok2 {
			return journalOp{key: from, to: dest, rename: true, value: value}, ""
		}
	}
	return journalOp{}, `a journal entry must be {"set":key,"value":v}, {"del":key}, {"ren":key,"to":key,"value":v} or {"file":[id,...]}, with keys valid UTF-8 strings`
}

// replayJournal applies the journal text data, read from the file name, to
// m and its lookup map index, which then share data's memory; data's lines
// are compacted in place. A crash during an append can leave the end of the
// journal torn: a final run of lines that do not parse, with no valid line
// after them. Those were never acknowledged, so they are dropped. A bad
// line followed by a good one is corruption, reported as a *SyntaxError
// naming the file and line.
func replayJournal(name string, data []byte, m *btree.Map[string, []byte], index map[string][]byte) error {
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
		op, msg := parseJournalLine(line)
		switch {
		case msg != "":
			if firstBad == nil {
				firstBad = &bad{off, msg}
			}
		case firstBad != nil:
			line, col := lineCol(data, firstBad.off)
			return &SyntaxError{File: name, Line: line, Column: col, Offset: int64(firstBad.off),
				Msg: "corrupt journal entry followed by valid ones: " + firstBad.msg}
		default:
			op.apply(m, index)
		}
		off += end + 1
	}
	return nil
}

// fileRecord decodes the value of a "file" record: an array of strings.
func fileRecord(raw []byte) ([]string, bool) {
	var ids []string
	if json.Unmarshal(raw, &ids) != nil || ids == nil {
		return nil, false
	}
	return ids, true
}

// journalText is the content of one journal file.
type journalText struct {
	name string
	data []byte
}

// readJournals reads every journal of the data file at path in replay
// order: the rotated segments, oldest first, then the active journal.
func readJournals(fsys fileSystem, path string) ([]journalText, error) {
	gens, err := journalSegments(fsys, path)
	if err != nil {
		return nil, fmt.Errorf("kvstore: list journals of %s: %w", path, err)
	}
	names := make([]string, 0, len(gens)+1)
	for _, gen := range gens {
		names = append(names, segmentPath(path, gen))
	}
	names = append(names, journalPath(path))
	var texts []journalText
	for _, name := range names {
		data, err := fsys.ReadSidecar(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("kvstore: read journal %s: %w", name, err)
		}
		texts = append(texts, journalText{name, data})
	}
	return texts, nil
}

// journalFiles returns the data files the journals may be replayed over:
// the list in their last complete "file" record. recorded is false if they
// hold none (journals from before such records), which allows any file. It
// leaves the texts as they were, so it can run before the replay decides
// what to replay them over.
func journalFiles(texts []journalText) (ids []string, recorded bool) {
	prefix := []byte(`{"file":`)
	for _, t := range texts {
		for off := 0; off < len(t.data); {
			end := bytes.IndexByte(t.data[off:], '\n')
			if end < 0 {
				break // a torn final line, never acknowledged
			}
			line := t.data[off : off+end]
			off += end + 1
			if !bytes.HasPrefix(line, prefix) {
				continue
			}
			var rec struct{ File json.RawMessage }
			if json.Unmarshal(line, &rec) != nil {
				continue // the replay reports it if good lines follow
			}
			if got, ok := fileRecord(rec.File); ok {
				ids, recorded = got, true
			}
		}
	}
	return ids, recorded
}

// replayJournals applies the journal texts in order to m and its lookup map
// index, which then share the texts' memory.
func replayJournals(texts []journalText, m *btree.Map[string, []byte], index map[string][]byte) error {
	for _, t := range texts {
		if err := replayJournal(t.name, t.data, m, index); err != nil {
			return err
		}
	}
	return nil
}
