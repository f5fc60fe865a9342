package kvstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

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

// apply makes the change in e.
func (op journalOp) apply(e entries) {
	switch {
	case op.record:
	case op.rename:
		e.del(op.key)
		e.set(op.to, op.value)
	case op.value == nil:
		e.del(op.key)
	default:
		e.set(op.key, op.value)
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
	serr := parseObject(line, line[:0], func(key string, off, _ int, v []byte) *scanError {
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
	return journalOp{}, `a journal entry must be {"set":key,"value":v}, {"del":key}, {"ren":key,"to":key,"value":v} or {"file":[id,...]}, with keys JSON strings`
}

// replayOps calls apply with each change in the journal text data, read
// from the file name, in order; the changes share data's memory, whose
// lines are compacted in place. A crash during an append can leave the end
// of the journal torn: a final run of lines that do not parse, with no
// valid line after them, or a hole (see tornHole) with anything after it.
// Those were never acknowledged, so they are dropped. Any other bad line
// followed by a good one is corruption, reported as a *SyntaxError naming
// the file and line.
func replayOps(name string, data []byte, apply func(journalOp)) error {
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
		if firstBad == nil && tornHole(data, off, line) {
			break
		}
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
			apply(op)
		}
		off += end + 1
	}
	return nil
}

// holeAlign is the granularity at which writeback persists a file's data:
// the page size, 4 KiB or a multiple of it on the systems the store runs on.
const holeAlign = 4096

// tornHole reports whether line, which starts at off in the journal data,
// holds the hole a power cut during an append can leave: a run of zero
// bytes from the line's start or a page boundary to a page boundary or the
// end of the file. Appends write whole lines and are acknowledged only
// once their fsync returns, which makes every byte written before it
// durable, and the store never writes a zero byte (JSON escapes it); so
// zeros mark a page of an append whose fsync never returned, and that
// append and everything after it were never acknowledged, even where a
// later page of it did reach the disk. Other damage followed by good lines
// is left to the replay to report: without a hole, it cannot be told from
// corruption of acknowledged lines. The check runs before the line is
// parsed, which overwrites it.
func tornHole(data []byte, off int, line []byte) bool {
	i := bytes.IndexByte(line, 0)
	if i < 0 {
		return false
	}
	j := i
	for j < len(line) && line[j] == 0 {
		j++
	}
	start, end := off+i, off+j
	return (i == 0 || start%holeAlign == 0) && (end%holeAlign == 0 || end == len(data))
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
			if tornHole(t.data, off, line) {
				break // the replay drops the rest
			}
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

// journalNames lists the names of the journal texts, for messages.
func journalNames(texts []journalText) string {
	names := make([]string, len(texts))
	for i, t := range texts {
		names[i] = t.name
	}
	return strings.Join(names, ", ")
}

// replayJournals applies the journal texts in order to e, which then
// shares the texts' memory.
func replayJournals(texts []journalText, e entries) error {
	return replayAllOps(texts, func(op journalOp) { op.apply(e) })
}

// replayAllOps calls apply with each change in the journal texts, in
// order (see replayOps).
func replayAllOps(texts []journalText, apply func(journalOp)) error {
	for _, t := range texts {
		if err := replayOps(t.name, t.data, apply); err != nil {
			return err
		}
	}
	return nil
}
