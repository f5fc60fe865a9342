package kvstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"unsafe"
)

// A save is a splice. The store remembers where each member of the data
// file lies (the offsets of its key and of the end of its value), and a
// save copies the file's bytes verbatim except where the content changed:
//
//   - a changed value replaces the old value's text; the key and the spacing
//     around the colon stay;
//   - a deleted member goes with the separator before it (after it, if it
//     was the first member), and so with its line;
//   - a new member goes where it belongs in key order if the file's keys
//     are sorted, else after the last member, joined by a copy of the file's
//     own separator there.
//
// New text is laid out in the file's style (indentation unit, line end),
// as the member of the top-level object it is. Key order, spacing, number
// spellings and the layout of every other member stay byte for byte, so a
// one-value change is a one-value diff, and a save copies rather than
// encodes. A file the store creates, or one laid out on one line (as the
// original library wrote them), is written whole in the canonical layout,
// which a splice then keeps.
//
// The positions cost 16 bytes per member (and 16 more for a file whose
// keys are not sorted, to find a member by key): 16 MB at 1M keys, next to
// the 495 bytes per key a loaded store takes. Scanning the file again at
// each save instead would read all of it once more before copying it.

// sourceFile is the data file opened for a save to copy from.
type sourceFile interface {
	io.ReaderAt
	Stat() (os.FileInfo, error)
	Close() error
}

// splicePlan is the new file as pieces of the old one and new text, and
// the layout it will have.
type splicePlan struct {
	pieces []piece
	next   *fileLayout
}

// piece is either the old file's bytes [off, end) or, when text is not
// nil, new text.
type piece struct {
	off, end int64
	text     []byte
}

// memberEdit is one change to the file's members: member at's value
// replaced by value, or the member deleted (value nil), or, with insert, a
// new member key placed before member at (len(spans) for after the last).
type memberEdit struct {
	at     int
	key    string
	value  []byte
	insert bool
}

// openSplice prepares a save of snap as a splice into the data file, which
// it opens and returns with the plan; both are nil when the save writes
// the whole file instead: the file does not exist yet, is on one line, has
// no members, or (with force, for Overwrite) is no longer the one whose
// layout the store knows. Without force, a file that is not that one is a
// conflict. The caller holds flushMu and closes the file.
func (s *KVStore) openSplice(snap *kvTree, force bool) (sourceFile, *splicePlan, error) {
	l := s.style.layout
	if l == nil || !l.lined || len(l.spans) == 0 {
		return nil, nil, nil
	}
	src, err := s.fsys.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		// Deleted since checkDisk looked: Overwrite writes it anew, and
		// checkDisk names the conflict otherwise.
		if _, cerr := s.checkDisk(force); force || cerr != nil {
			return nil, nil, cerr
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("kvstore: save %s: %w", s.path, err)
	}
	// The file opened must be the one the layout describes, which checkDisk
	// found in place (or, for Overwrite, may not have).
	info, err := src.Stat()
	if err == nil && !sameFile(info, s.disk) {
		err = fmt.Errorf("%w (Reload to take the file's content, or Overwrite to replace it)", ErrConflict)
	}
	var plan *splicePlan
	if err == nil {
		plan, err = planSplice(src, l, snap, &s.style)
	}
	switch {
	case err == nil && plan != nil:
		return src, plan, nil
	case errors.Is(err, ErrConflict) && force:
		err = nil
	case errors.Is(err, ErrConflict):
		err = fmt.Errorf("kvstore: save %s: %w", s.path, err)
	case err != nil:
		err = fmt.Errorf("kvstore: save %s: %w", s.path, describeErr("read", s.path, err))
	}
	src.Close()
	return nil, nil, err
}

// writeWhole writes snap as a whole data file in style st and returns its
// layout.
func writeWhole(w io.Writer, snap *kvTree, st *fileStyle) (*fileLayout, error) {
	spans := make([]memberSpan, 0, snap.Len())
	cw := &countWriter{w: w}
	if err := encodeEntries(cw, snap.Scan, snap.Len(), st, &spans); err != nil {
		return nil, err
	}
	return &fileLayout{size: cw.n, tree: snap, spans: spans, lined: len(spans) > 0}, nil
}

// countWriter counts what is written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// planSplice compares snap with the content of the file that l describes
// and plans the new file. It reads the members it changes or removes from
// src, and reports a conflict if they are not what l says they are: the
// file was changed in place, without a trace in its size or time. It
// returns a nil plan when the new content has no members, which is written
// whole as {}.
func planSplice(src sourceFile, l *fileLayout, snap *kvTree, st *fileStyle) (*splicePlan, error) {
	edits := diffLayout(l, snap)
	p := &splicePlan{next: &fileLayout{tree: snap, lined: true}}
	n := len(l.spans)
	p.next.spans = make([]memberSpan, 0, snap.Len())
	if l.keys != nil {
		p.next.keys = make([]string, 0, snap.Len())
	}
	var out int64 // length of the new file so far
	emitOld := func(off, end int64) {
		if off == end {
			return
		}
		if k := len(p.pieces) - 1; k >= 0 && p.pieces[k].text == nil && p.pieces[k].end == off {
			p.pieces[k].end = end
		} else {
			p.pieces = append(p.pieces, piece{off: off, end: end})
		}
		out += end - off
	}
	emitText := func(text []byte) {
		p.pieces = append(p.pieces, piece{text: text})
		out += int64(len(text))
	}
	// sepBefore is the separator between member j-1 and member j.
	sepBefore := func(j int) { emitOld(l.spans[j-1].end, l.spans[j].key) }
	// template joins a new member placed before member at (or after the
	// last) to its neighbours, in the file's own separator there.
	template := func(at int) {
		switch {
		case at >= 1 && at < n:
			sepBefore(at)
		case n >= 2 && at == 0:
			sepBefore(1)
		case n >= 2:
			sepBefore(n - 1)
		default:
			emitText(st.newline([]byte{','}, 1))
		}
	}
	prev, prevNew := -1, false // the member written last: its index, or new
	ei := 0
	emitOld(0, l.spans[0].key)
	for f := 0; f <= n; f++ {
		for ; ei < len(edits) && edits[ei].at == f && edits[ei].insert; ei++ {
			e := edits[ei]
			if prev >= 0 || prevNew {
				template(f)
			}
			start := out
			text := appendQuoted(nil, e.key)
			text = append(text, ':', ' ')
			emitText(st.appendIndented(text, e.value, 1))
			p.next.spans = append(p.next.spans, memberSpan{start, out})
			if p.next.keys != nil {
				p.next.keys = append(p.next.keys, e.key)
			}
			prev, prevNew = -1, true
		}
		if f == n {
			break
		}
		if ei < len(edits) && edits[ei].at == f {
			edit := edits[ei]
			ei++
			old, err := readMember(src, l, f, edit.key)
			if err != nil {
				return nil, err
			}
			if edit.value == nil {
				continue
			}
			switch {
			case prevNew:
				template(f)
			case prev >= 0:
				sepBefore(f)
			}
			start := out
			emitOld(l.spans[f].key, l.spans[f].key+int64(old))
			emitText(st.appendIndented(nil, edit.value, 1))
			p.next.spans = append(p.next.spans, memberSpan{start, out})
			if p.next.keys != nil {
				p.next.keys = append(p.next.keys, l.keys[f])
			}
			prev, prevNew = f, false
			continue
		}
		// Members f up to the next edit are untouched: one piece, and
		// their new positions are their old ones shifted.
		last := n
		if ei < len(edits) {
			last = edits[ei].at
		}
		switch {
		case prevNew:
			template(f)
		case prev >= 0:
			sepBefore(f)
		}
		shift := out - l.spans[f].key
		emitOld(l.spans[f].key, l.spans[last-1].end)
		for _, sp := range l.spans[f:last] {
			p.next.spans = append(p.next.spans, memberSpan{sp.key + shift, sp.end + shift})
		}
		if p.next.keys != nil {
			p.next.keys = append(p.next.keys, l.keys[f:last]...)
		}
		prev, prevNew, f = last-1, false, last-1
	}
	if len(p.next.spans) == 0 {
		return nil, nil
	}
	emitOld(l.spans[n-1].end, l.size)
	p.next.size = out
	if p.next.keys != nil && slices.IsSorted(p.next.keys) {
		p.next.keys = nil
	}
	return p, nil
}

// diffLayout returns the changes that turn the content of the file l
// describes into snap, in the order of the file's members, a new member
// before the member it goes before.
func diffLayout(l *fileLayout, snap *kvTree) []memberEdit {
	n := len(l.spans)
	var edits []memberEdit
	ia, ib := l.tree.Iter(), snap.Iter()
	okA, okB := ia.First(), ib.First()
	rank := 0 // of ia's key among the file's keys
	for okA || okB {
		switch {
		case okB && (!okA || ib.Key() < ia.Key()):
			at := rank
			if l.keys != nil {
				at = n // an unsorted file grows at its end
			}
			edits = append(edits, memberEdit{at: at, key: ib.Key(), value: ib.Value(), insert: true})
			okB = ib.Next()
		case okA && (!okB || ia.Key() < ib.Key()):
			edits = append(edits, memberEdit{at: rank, key: ia.Key()})
			okA = ia.Next()
			rank++
		default:
			if !sameBytes(ia.Value(), ib.Value()) {
				edits = append(edits, memberEdit{at: rank, key: ia.Key(), value: ib.Value()})
			}
			okA, okB = ia.Next(), ib.Next()
			rank++
		}
	}
	if l.keys == nil || len(edits) == 0 {
		return edits
	}
	// In an unsorted file a key's rank is not its place: look the changed
	// keys up in the file's order.
	changed := make(map[string]int, len(edits))
	for i, e := range edits {
		if !e.insert {
			changed[e.key] = i
		}
	}
	for f, k := range l.keys {
		if i, ok := changed[k]; ok {
			edits[i].at = f
		}
	}
	slices.SortStableFunc(edits, func(a, b memberEdit) int {
		switch {
		case a.at != b.at:
			return a.at - b.at
		case a.insert != b.insert:
			if a.insert {
				return -1
			}
			return 1
		}
		return 0
	})
	return edits
}

// sameBytes reports whether two stored values are equal, without reading
// them when they are the same bytes, as an unchanged entry's are.
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b) || bytes.Equal(a, b)
}

// readMember reads member f of the file l describes, checks that it is key
// with the value l records, and returns the length of its text before the
// value: the key, the colon and the white space around it.
func readMember(src sourceFile, l *fileLayout, f int, key string) (int, error) {
	span := l.spans[f]
	text := make([]byte, span.end-span.key)
	if _, err := src.ReadAt(text, span.key); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, errInPlace(key)
		}
		return 0, err
	}
	want, _ := l.tree.Get(key)
	_, end, serr := scanString(nil, text, 0)
	if serr != nil {
		return 0, errInPlace(key)
	}
	got, ok := decodeKey(text[:end])
	i := skipSpace(text, end)
	if !ok || got != key || i >= len(text) || text[i] != ':' {
		return 0, errInPlace(key)
	}
	i = skipSpace(text, i+1)
	if v, serr := compactJSON(text[i:]); serr != nil || !bytes.Equal(v, want) {
		return 0, errInPlace(key)
	}
	return i, nil
}

// errInPlace is the conflict of a data file edited in place, found where a
// save expected key.
func errInPlace(key string) error {
	return fmt.Errorf("%w: the file was changed in place (key %q is not where it was); Reload to take the file's content, or Overwrite to replace it", ErrConflict, key)
}

// write writes the planned file to w, copying the old file's pieces from
// src.
func (p *splicePlan) write(w io.Writer, src sourceFile) error {
	buf := make([]byte, 0, saveChunk)
	for _, pc := range p.pieces {
		if pc.text != nil {
			if len(buf)+len(pc.text) > saveChunk && len(buf) > 0 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
			buf = append(buf, pc.text...)
			continue
		}
		for off := pc.off; off < pc.end; {
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
			k := int(min(int64(cap(buf)-len(buf)), pc.end-off))
			got, err := src.ReadAt(buf[len(buf):len(buf)+k], off)
			if got < k {
				if err == nil || errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				return &fs.PathError{Op: "read", Path: srcName(src), Err: err}
			}
			buf = buf[:len(buf)+k]
			off += int64(k)
		}
	}
	_, err := w.Write(buf)
	return err
}

// srcName names the file a save copies from, for errors.
func srcName(src sourceFile) string {
	if n, ok := src.(interface{ Name() string }); ok {
		return n.Name()
	}
	return "the data file"
}
