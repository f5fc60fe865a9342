package kvstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// tempPrefix names the temporary files a save writes before renaming them
// over the data file; Open removes strays left by a crash.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// dataFile is the data file as read: its entries, their lookup index (when
// asked for), the file's FileInfo (nil if there is none), its content id
// (when asked for, see fileid.go) and its style, with the layout of its
// members.
type dataFile struct {
	m     *kvTree
	index *hashIndex
	info  os.FileInfo
	id    string
	style fileStyle
}

// loadFile reads and parses the data file at path. A missing file is an
// empty store with a nil FileInfo.
func loadFile(fsys fileSystem, path string) (*dataFile, error) {
	return readData(fsys, path, false, false)
}

// loadIndexed is loadFile that also builds the lookup index of the entries
// and, with withID, computes the file's content id.
func loadIndexed(fsys fileSystem, path string, withID bool) (*dataFile, error) {
	return readData(fsys, path, true, withID)
}

func readData(fsys fileSystem, path string, withIndex, withID bool) (*dataFile, error) {
	data, info, err := fsys.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &dataFile{m: newKVTree(), index: newHashIndex(0), id: noFile, style: canonicalStyle}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kvstore: read %s: %w", path, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("kvstore: read %s: is a directory, not a data file", path)
	}
	// Both before the parse below, which overwrites data.
	st, lined := detectStyle(data)
	df := &dataFile{info: info, style: st}
	if withID {
		df.id = contentID(data)
	}
	var ix *indexBuilder
	if withIndex && runtime.GOMAXPROCS(0) > 1 {
		ix = &indexBuilder{size: len(data)}
	}
	// Compact the values into data itself, which saves allocating and
	// clearing a second file-sized buffer (a third of load time); each is
	// then copied, still in the cache, into the entries' text blocks, so
	// that data is garbage once the load is done.
	size := int64(len(data))
	lb := layoutBuilder{size: len(data)}
	m, index, err := parse(path, data, data[:0], ix, &lb)
	if err != nil {
		// The in-place scan has overwritten what the error's line and column
		// are counted in; read the file again for an exact position.
		if again, _, rerr := fsys.ReadFile(path); rerr == nil {
			if _, perr := parseFile(path, again); perr != nil {
				err = perr
			}
		}
		return nil, err
	}
	if withIndex && index == nil {
		// With one thread there is nothing to overlap the inserts with.
		index = indexOf(m)
	}
	df.m, df.index = m, index
	df.style.layout = lb.finish(m.Copy(), size, lined)
	return df, nil
}

// parseFile turns the bytes of a data file into an ordered map of compact
// values, leaving data as it was. Duplicate keys are an error: keeping
// either value would silently drop the other at the next save.
func parseFile(name string, data []byte) (*kvTree, error) {
	m, _, err := parse(name, data, make([]byte, 0, len(data)), nil, nil)
	return m, err
}

// parse parses data, writing the compacted values to arena, which may be
// data[:0], from where they are copied into the entries. With ix, it also
// returns the lookup index of the entries; with lb, it records where each
// member lies.
func parse(name string, data, arena []byte, ix *indexBuilder, lb *layoutBuilder) (*kvTree, *hashIndex, error) {
	m := newKVTree()
	var text textArena
	serr := parseObject(data, arena, func(key string, keyOff, end int, value []byte) *scanError {
		if lb != nil {
			lb.add(m, key, keyOff, end)
		}
		e := text.entry(key, value)
		if _, dup := m.t.Load(e); dup {
			return &scanError{off: keyOff, msg: fmt.Sprintf("duplicate key %q", key)}
		}
		if ix != nil {
			ix.add(e, keyOff)
		}
		return nil
	})
	var index *hashIndex
	if ix != nil {
		index = ix.finish()
	}
	if serr != nil {
		return nil, nil, serr.syntaxError(name, data)
	}
	return m, index, nil
}

// indexBatch is the number of entries the parser hands to the index builder
// at a time.
const indexBatch = 4096

// indexBuilder fills the lookup index on a second goroutine while the
// parser goes on. Each insert into a large index is a cache miss or two
// (measured with a Go map, the index before hashIndex); at 1M keys
// the inserts took a fifth of a load when they followed the parse, and on
// two cores overlapping them cut a load from 0.75–0.91 s to 0.58–0.67 s
// (interleaved runs of BenchmarkLoad). A file of fewer than indexBatch
// entries is indexed inline; a process limited to one thread builds the
// index after the parse (readData).
type indexBuilder struct {
	size  int // bytes in the file, to estimate the number of entries
	batch []*entry
	full  chan []*entry // batches to insert; closed after the last
	free  chan []*entry // inserted batches, for reuse
	built chan *hashIndex
}

// add queues one entry; off is its offset in the file.
func (b *indexBuilder) add(e *entry, off int) {
	b.batch = append(b.batch, e)
	if len(b.batch) < indexBatch {
		return
	}
	if b.full == nil {
		// Size the index for the whole file, as the first batch's entries
		// average, so it does not grow while it fills.
		hint := int(int64(indexBatch) * int64(b.size) / int64(max(off, 1)))
		b.full = make(chan []*entry, 4)
		b.free = make(chan []*entry, 8)
		b.built = make(chan *hashIndex, 1)
		go fillIndex(hint, b.full, b.free, b.built)
	}
	b.full <- b.batch
	select {
	case b.batch = <-b.free:
	default:
		b.batch = make([]*entry, 0, indexBatch)
	}
}

// finish returns the index of every entry added.
func (b *indexBuilder) finish() *hashIndex {
	if b.full == nil {
		index := newHashIndex(len(b.batch))
		for _, e := range b.batch {
			index.put(e)
		}
		return index
	}
	b.full <- b.batch
	close(b.full)
	return <-b.built
}

func fillIndex(hint int, full <-chan []*entry, free chan<- []*entry, built chan<- *hashIndex) {
	index := newHashIndex(hint)
	for batch := range full {
		for _, e := range batch {
			index.put(e)
		}
		select {
		case free <- batch[:0]:
		default:
		}
	}
	built <- index
}

// saveChunk is the size of the pieces a save writes. Encoding the whole
// file into one buffer first costs an allocation the size of the file whose
// pages fault in as it fills, then one write of that size: measured at 100k
// keys (a 30 MB file), encoding plus writing took 40–180 ms that way and
// 30–55 ms in 1 MiB pieces, with the fsync (about 20 ms) the same either
// way. Encoding in one goroutine while another wrote was no faster, and
// neither was encoding on two cores (33 ms down to 19 ms for 100k keys, but
// the flush stayed at 60–65 ms: with writeback started as the file is
// written (saveFile), the disk's 30 ms for 30 MB is the bound, then
// renaming over the old file, which frees its blocks, takes about 11 ms).
const saveChunk = 1 << 20

// writeEncoded writes a snapshot as the data file's bytes in style st,
// saveChunk at a time: one object, keys sorted, a member per line. Equal
// snapshots give equal bytes.
func writeEncoded(w io.Writer, m *kvTree, st *fileStyle) error {
	return encodeEntries(w, m.Scan, m.Len(), st, nil)
}

// encodeEntries writes the entries that scan yields, in its order, as a
// data file in style st; n is their number, to size the buffer. With spans
// it appends where each member went.
func encodeEntries(w io.Writer, scan func(yield func(key string, value []byte) bool), n int, st *fileStyle, spans *[]memberSpan) error {
	buf := make([]byte, 0, min(saveChunk, max(64, n*64))+4096)
	var flushed int64 // bytes written before buf
	if st.bom {
		buf = append(buf, utf8BOM...)
	}
	buf = append(buf, '{')
	first := true
	var err error
	scan(func(key string, value []byte) bool {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = st.newline(buf, 1)
		start := flushed + int64(len(buf))
		buf = appendQuoted(buf, key)
		buf = append(buf, ':', ' ')
		buf = st.appendIndented(buf, value, 1)
		if spans != nil {
			*spans = append(*spans, memberSpan{key: start, end: flushed + int64(len(buf))})
		}
		if len(buf) >= saveChunk {
			_, err = w.Write(buf)
			flushed += int64(len(buf))
			buf = buf[:0]
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if !first {
		buf = st.newline(buf, 0)
	}
	buf = append(buf, '}')
	if st.final {
		buf = append(buf, st.eol...)
	}
	_, err = w.Write(buf)
	return err
}

// sameFile reports whether two observations of the data file describe the
// same unchanged file. nil means the file did not exist. Where the system
// gives it, the inode change time is compared too: a program can edit a
// file in place at the same size and put its modification time back, but
// it cannot set the change time.
func sameFile(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ca, okA := changeTime(a)
	cb, okB := changeTime(b)
	return sameContentStamp(a, b) && (!okA || !okB || ca.Equal(cb))
}

// onlyMetadataChanged reports whether the data file, described by cur,
// differs from the one this store last read or wrote in its change time
// alone while its content is the same: its mode, owner, links or extended
// attributes were changed, not its bytes (which an edit in place that put
// the modification time back does change). cur then becomes the file as
// last seen. It reads the file, which happens only when the change time
// alone moved. The caller holds flushMu.
func (s *KVStore) onlyMetadataChanged(cur os.FileInfo) bool {
	if cur == nil || s.disk == nil || s.diskID == "" || !sameContentStamp(cur, s.disk) {
		return false
	}
	data, info, err := s.fsys.ReadFile(s.path)
	if err != nil || info == nil || !sameFile(info, cur) || contentID(data) != s.diskID {
		return false
	}
	s.disk = info
	return true
}

// withoutChangeTime is a FileInfo whose change time is unknown, so that
// sameFile compares it by the rest.
type withoutChangeTime struct{ os.FileInfo }

func (withoutChangeTime) Sys() any { return nil }

// sameContentStamp reports whether a and b are the same file with the same
// size and modification time, whatever their change times.
func sameContentStamp(a, b os.FileInfo) bool {
	if w, ok := a.(withoutChangeTime); ok {
		a = w.FileInfo
	}
	if w, ok := b.(withoutChangeTime); ok {
		b = w.FileInfo
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// writeFileAtomic replaces path with what write writes so that a crash at
// any moment leaves either the old or the new complete file: write a temp
// file in the same directory, give it the owner and mode in meta (see
// owner.go), fsync it, rename it over path, fsync the directory. The temp
// file is named after owner, the store's data file, whichever file it
// becomes, so the next Open of the store removes it if a crash or a failed
// cleanup left it behind.
//
// A mount point (meta.mounted, see mount.go) cannot be renamed over, so its
// content is overwritten in place from the complete, durable temp file,
// which is removed only once that is done. A rename that fails because path
// turns out to be one sets meta.mounted and does the same.
//
// beforeRename, if not nil, runs once the new file is complete and durable,
// just before the rename, with the new file's FileInfo; an error from it
// stops the save there, leaving path untouched.
//
// renamed reports whether the new content took path's place, which is true
// even when the final directory fsync failed; info then describes that
// file. It is taken from the open temp file (or from the file written in
// place), not by looking path up afterwards, so it cannot be lost to a
// failed stat or describe a file someone else put there in between (either
// would break conflict detection). When a write in place fails part way,
// renamed is false and info, if not nil, describes the part-written file.
func writeFileAtomic(fsys fileSystem, owner, path string, write func(io.Writer) error, meta *fileMeta, beforeRename func(os.FileInfo) error) (info os.FileInfo, renamed bool, err error) {
	dir := filepath.Dir(path)
	tmp, err := fsys.CreateTemp(dir, tempPrefix(owner)+"*")
	if err != nil {
		return nil, false, fmt.Errorf("create temp file in %s: %w", dir, err)
	}
	keepTemp := false
	defer func() {
		if err != nil && !renamed && !keepTemp {
			tmp.Close()
			fsys.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return nil, false, describeErr("write", tmp.Name(), err)
	}
	if !meta.mounted {
		// A mount point keeps its own owner; the temp file never
		// replaces it.
		if err := keepOwner(tmp, *meta); err != nil {
			return nil, false, err
		}
	}
	if err := tmp.Chmod(meta.perm); err != nil {
		return nil, false, describeErr("chmod", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, false, describeErr("fsync", tmp.Name(), err)
	}
	if info, err = tmp.Stat(); err != nil {
		return nil, false, describeErr("stat", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, describeErr("close", tmp.Name(), err)
	}
	if beforeRename != nil {
		if err := beforeRename(info); err != nil {
			return nil, false, err
		}
	}
	if !meta.mounted {
		err := fsys.Rename(tmp.Name(), path)
		if err == nil {
			renamed = true
			// The rename itself sets the file's change time on most file
			// systems, and a store that kept the time from before it would
			// see its own save as someone else's edit. A look by name is
			// trusted only while it still shows the very file written. If
			// it shows another file, info stands and the next save reports
			// a conflict, as it should; if it fails, the change time of
			// this version of the file is not compared.
			switch now, err := fsys.Stat(path); {
			case err != nil:
				info = withoutChangeTime{info}
			case sameContentStamp(now, info):
				info = now
			}
			if err := fsys.SyncDir(dir); err != nil {
				// The new file is in place; only its durability across a
				// power cut is in doubt. Report it so the caller does not
				// assume more.
				return info, true, fmt.Errorf("fsync directory %s: %w", dir, err)
			}
			return info, true, nil
		}
		if !isMountedErr(err) {
			// os.Rename's error names both files already.
			return nil, false, describeErr("rename", tmp.Name()+" over "+path, err)
		}
		meta.mounted = true
	}
	if info, err = fsys.WriteInPlace(path, tmp.Name()); err != nil {
		// path may now hold part of the new content (info, if not nil,
		// describes it): the temp file, which holds all of it, is left for
		// the user.
		keepTemp = true
		return info, false, fmt.Errorf("%w (%s is a mount point, written in place; its complete new content is in %s)", err, path, tmp.Name())
	}
	renamed = true
	if err := fsys.Remove(tmp.Name()); err != nil {
		return info, true, fmt.Errorf("remove %s after writing %s in place: %w", tmp.Name(), path, err)
	}
	return info, true, nil
}

// describeErr names the operation and file of a failed step, unless the
// error already does: *os.File methods return a *fs.PathError that reads
// "write /dir/.data.json.tmp-1: no space left on device", and wrapping it
// again would print the path twice.
func describeErr(op, name string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	if errors.As(err, &pe) || errors.As(err, &le) {
		return err
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}

// removeStrayTemps deletes temp files that a crashed save left behind. It
// runs only while holding the write lock, so no live save owns them.
func removeStrayTemps(fsys fileSystem, path string) {
	entries, err := fsys.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	prefix := tempPrefix(path)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && e.Type().IsRegular() {
			fsys.Remove(filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
}
