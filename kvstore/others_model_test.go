package kvstore

// Model-based test of other writers and crashes (`others_model_test.go`).
// `TestModelWithOthers` runs random sequences in which, between any two of
// the store's calls, another program may act on the data file and the
// process may die:
//
//   - the store: Set, Delete, Rename, Flush, Merge, Reload, Overwrite, Close
//     and reopen (switching between always-save and periodic mode), and
//     read-only opens beside it;
//   - other programs: an editor's rename-save, an in-place edit of the same
//     size with the modification time put back, deleting the file, chmod,
//     and, where the path is a symbolic link, replacing the link with a
//     regular file or pointing it at another file;
//   - crashes: the process dies (the store is abandoned without Close, its
//     lock and memory gone, as kill -9 leaves it), or the power fails,
//     either between two calls or at any file operation of the last call
//     (including the recovery of an Open), under the power-loss model of
//     powerloss_test.go (strict, or reordered with torn appends).
//
// The path the store opens is a plain file, a link into a subdirectory, or
// a link reached through a linked directory whose target climbs out with
// "..", which only the kernel resolves correctly.
//
// The model tracks what the store holds, what the file the path names holds
// (written by the store or by someone else), the journal's changes not yet
// in that file, and whether the file changed behind the store. After every
// step and every reopen:
//
//   - every read agrees with the model;
//   - the file the path names holds what the model says: a save that goes
//     through is there, anything else is another program's edit, intact;
//   - Changed reports exactly whether someone else changed that file, and
//     after such a change a store that counts no change its file lacks
//     holds none (else a caller that reloads then loses it);
//   - a save that would replace someone else's edit fails with ErrConflict,
//     and Close then keeps the store's state in a rescue file named in its
//     error;
//   - after a crash, the reopened store holds every acknowledged write, or,
//     if someone else changed the file, the file's content with the
//     journal's changes in exactly one new rescue file, reported by
//     LastSaveError; a power cut during or just after that Open loses
//     neither: it leaves the rescue file, or the journal, which the next
//     Open rescues again;
//   - once the path leads to another file (a link replaced or re-pointed),
//     every save and always-save write fails with ErrConflict, and a crash
//     leaves the journal beside the store's own file, which the next Open of
//     that file replays, or rescues if the file changed;
//   - a read-only view shows exactly what a writer would load, or at least a
//     state that existed;
//   - the file keeps the mode another program gave it;
//   - nothing outside the resolved file and its sidecars is written.
//
// The other programs are in otherprograms_test.go. A failure is shrunk to a
// short sequence and replays with the printed -rapid.seed. The longer run
// is -rapid.checks and -rapid.steps (see RELIABILITY.md).

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// othersKeys are few, so that the store and the other programs often
// change the same keys.
var othersKeys = []string{"a", "b", "c", "d"}

// staleness is what the store can know about the file it last read or
// wrote: unchanged, changed by someone else, or touched in a way (chmod)
// that a store may take as either.
type staleness int

const (
	fresh staleness = iota
	stale
	touched
)

// world is everything the model knows between two calls. It is a value:
// copying it (with clone) keeps the state before a call, for a power cut
// during it.
type world struct {
	always bool
	mem    state // what the open store holds
	base   state // the file as the store last read or wrote it
	// file is what the file the path names holds; nil if there is none.
	file state
	// journal holds the changes an always-save store made durable in its
	// journal but not yet in the file: key -> value, "" for a deletion.
	journal map[string]string
	due     bool // the store has changes (or a journal) the file lacks
	// stale says whether the file the path names is still the one the
	// store last read or wrote; edited, whether its content differs from
	// it (which a journal, checking content, goes by).
	stale  staleness
	edited bool
	had    bool        // the file existed when the store last read or wrote it
	mode   os.FileMode // the file's permission bits
	// moved: the path no longer leads to the store's file (a link was
	// replaced or re-pointed), which then holds own. The store cannot
	// follow, so every save and always-save write fails with ErrConflict
	// until it is reopened; unsaved says such a write is only in memory.
	moved   bool
	own     state
	unsaved bool
	// queued holds the journal lines of unsaved writes, which the next
	// always-save append that gets through writes first.
	queued map[string]string
	// against is the file the store's journal names: as the store last
	// read or wrote it (a Merge that cannot save has read it since, which
	// changes base, not this).
	against state
	// broken: a Merge in always-save mode could not save, so its journal
	// no longer holds the store's state and writes go to whole-file saves,
	// which fail while the file is someone else's.
	broken bool
	// target is the file the store opened, beside which its journal lies.
	target string
	// left holds, by file, the journals crashes left beside files the
	// path no longer led to. An Open of such a file replays or rescues its
	// journal, then removes it; a power cut before that removal is durable
	// leaves the journal there, so it belongs to the world before a call,
	// as the file does.
	left map[string]*leftover
}

func (w world) clone() world {
	w.mem, w.base, w.file, w.own, w.against = maps.Clone(w.mem), maps.Clone(w.base), maps.Clone(w.file), maps.Clone(w.own), maps.Clone(w.against)
	w.journal, w.queued = maps.Clone(w.journal), maps.Clone(w.queued)
	w.left = maps.Clone(w.left) // a leftover is never changed, only replaced
	return w
}

// onFile returns the file's content with the journal's changes on top.
func (w world) onFile() state { return replayed(w.file, w.journal) }

// replayed returns file (nil: none) with the journal lines j applied.
func replayed(file state, j map[string]string) state {
	st := orEmpty(file)
	for k, v := range j {
		if v == "" {
			delete(st, k)
		} else {
			st[k] = v
		}
	}
	return st
}

// leftover is a journal a crash left beside a file the path no longer led
// to, and the content of the file it was written against. The next Open
// of that file replays it, or rescues it if the file changed since.
type leftover struct {
	journal map[string]string
	against state
}

// opens returns what an Open of a file holding file (nil: none), with
// left (nil: none) beside it, loads, and the rescue due (nil if none).
func (left *leftover) opens(file state) (load, rescue state) {
	load = orEmpty(file)
	switch {
	case left == nil:
		return load, nil
	case maps.Equal(load, orEmpty(left.against)):
		return replayed(file, left.journal), nil
	}
	if r := replayed(file, left.journal); !maps.Equal(r, load) {
		return load, r
	}
	return load, nil
}

// orEmpty is the state a store loads from a file that may be absent, as a
// copy.
func orEmpty(st state) state {
	if st == nil {
		return state{}
	}
	return maps.Clone(st)
}

// afterCrash returns what an Open after a crash in w must load and, if the
// journal's changes cannot be replayed over the file because someone else
// changed it, what the rescue file must hold (nil if none is due). left is
// what an earlier crash left beside the file the path leads to now.
func (w world) afterCrash(left *leftover) (load, rescue state) {
	if w.moved {
		// The journal stays beside the store's file, which the path no
		// longer leads to; the file it leads to may have one of its own.
		return left.opens(w.file)
	}
	if !w.edited {
		return w.onFile(), nil
	}
	load = orEmpty(w.file)
	if r := w.onFile(); !maps.Equal(r, load) {
		return load, r
	}
	return load, nil
}

// othersModel drives a real store, other programs and crashes, and checks
// them against a world.
type othersModel struct {
	t   *rapid.T
	dir string // everything the test touches is under it

	given  string // the path the store is opened with
	link   string // the symbolic link that given ends in; "" if none
	linked bool   // link is still a link (no one replaced it)
	home   string // the link's original target text
	away   string // the target text that points the link at alt
	target string // the file given resolved to when the store was opened
	cur    string // the file given names now
	alt    string // another program's file the link may be pointed at

	pfs *powerFS
	s   *KVStore
	w   world
	// pre is the world before the last call, and points the power-loss
	// model's states during it, for a power cut in the middle of it.
	pre    world
	points []crashPoint
	last   string // the last call
	// made holds the rescue files the last call wrote, by name, with
	// their content.
	made map[string][]byte

	existed map[string]bool // every state the data sources have held
	rescues map[string]bool // rescue files seen so far
	counter int
	steps   *atomic.Int64 // steps checked, over all sequences
}

// value returns a new value, never used before, of a fixed width, so that
// an in-place edit can swap one for another without changing the size.
func (m *othersModel) value() string {
	m.counter++
	return fmt.Sprintf(`"v%05d"`, m.counter)
}

// remember records a state that a data source held.
func (m *othersModel) remember(st state) { m.existed[st.String()] = true }

// layouts are the ways the path given to Open reaches the data file.
var layouts = []string{"plain", "link", "dotdot"}

// newOthersModel lays out dir with a drawn layout and initial file, and
// opens the store.
func newOthersModel(t *rapid.T, dir string, steps *atomic.Int64) *othersModel {
	m := &othersModel{t: t, dir: dir, existed: map[string]bool{}, rescues: map[string]bool{}, steps: steps}
	var initial state
	if rapid.Bool().Draw(t, "initial file") {
		initial = m.drawState(t)
	}
	switch rapid.SampledFrom(layouts).Draw(t, "layout") {
	case "plain":
		m.given = filepath.Join(dir, "data.json")
		m.target = m.given
	case "link":
		mustMkdir(t, filepath.Join(dir, "sub"))
		m.given, m.link = filepath.Join(dir, "data.json"), filepath.Join(dir, "data.json")
		m.home, m.away = "sub/real.json", "sub/alt.json"
		m.target, m.alt = filepath.Join(dir, "sub", "real.json"), filepath.Join(dir, "sub", "alt.json")
	case "dotdot":
		// cfg is a link to a/b, and cfg/data.json a link to ../data.json:
		// the kernel resolves that from a/b, to a/data.json. Joined as
		// text it would be the decoy beside cfg.
		mustMkdir(t, filepath.Join(dir, "a", "b"))
		if err := os.Symlink(filepath.Join("a", "b"), filepath.Join(dir, "cfg")); err != nil {
			t.Fatal(err)
		}
		m.given, m.link = filepath.Join(dir, "cfg", "data.json"), filepath.Join(dir, "a", "b", "data.json")
		m.home, m.away = "../data.json", "../alt.json"
		m.target, m.alt = filepath.Join(dir, "a", "data.json"), filepath.Join(dir, "a", "alt.json")
		m.writeJSON(t, filepath.Join(dir, "data.json"), state{"decoy": m.value()}, 0o644)
	}
	if m.link != "" {
		if err := os.Symlink(m.home, m.link); err != nil {
			t.Fatal(err)
		}
		m.linked = true
	}
	m.cur = m.target
	m.w = world{mode: 0o644}
	if initial != nil {
		m.writeJSON(t, m.target, initial, 0o644)
		m.w.file = initial
	}
	m.remember(orEmpty(initial))
	m.open(t, rapid.Bool().Draw(t, "always"))
	m.w.mem, m.w.base, m.w.had, m.w.against = orEmpty(initial), orEmpty(initial), initial != nil, orEmpty(initial)
	if got := storeState(m.s); !maps.Equal(got, orEmpty(initial)) {
		t.Fatalf("Open(%s) loaded %v, but the file it names holds %v", m.given, got, orEmpty(initial))
	}
	return m
}

func mustMkdir(t *rapid.T, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// open opens a writable store on the given path through a new power-loss
// file system over the directory of the file the path names.
func (m *othersModel) open(t *rapid.T, always bool) {
	m.target = m.cur
	m.pfs = shadowOf(t, filepath.Dir(m.target))
	s, err := open(m.given, &Options{AlwaysSave: always, SaveInterval: -1}, m.pfs)
	if err != nil {
		t.Fatalf("Open(%s): %v", m.given, err)
	}
	m.s = s
	m.w.always, m.w.target = always, m.target
}

// fileSnap is a file or link outside the store's reach, as it was.
type fileSnap struct {
	link string
	data []byte
	mode os.FileMode
}

// mine reports whether path is the store's to write: one of its files
// (the file given resolved to at Open, the file it names now) or a sidecar
// of one.
func mine(path string, files []string) bool {
	for _, f := range files {
		dir, base := filepath.Dir(f), filepath.Base(f)
		if filepath.Dir(path) != dir {
			continue
		}
		name := filepath.Base(path)
		if strings.HasPrefix(name, base) || strings.HasPrefix(name, "."+base+".tmp-") {
			return true
		}
	}
	return false
}

// outside returns every file and link under the test's directory that is
// not the store's to write, given its files.
func (m *othersModel) outside(t *rapid.T, files []string) map[string]fileSnap {
	snaps := map[string]fileSnap{}
	err := filepath.WalkDir(m.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || mine(path, files) {
			return err
		}
		var s fileSnap
		if d.Type()&fs.ModeSymlink != 0 {
			s.link, err = os.Readlink(path)
		} else {
			var info fs.FileInfo
			if info, err = os.Lstat(path); err == nil {
				s.mode = info.Mode()
				s.data, err = os.ReadFile(path)
			}
		}
		snaps[path] = s
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return snaps
}

// rescueFiles lists the rescue files beside the file the store opened and
// the one the path names now.
func (m *othersModel) rescueFiles(t *rapid.T) []string {
	var found []string
	for _, f := range []string{m.target, m.cur} {
		names, err := filepath.Glob(f + ".unsaved-*.json")
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if !slices.Contains(found, n) {
				found = append(found, n)
			}
		}
	}
	return found
}

// call runs one call of the store: it records the world before it and the
// power-loss model's states during it, checks that nothing outside the
// store's files was written, and returns the rescue files it created.
func (m *othersModel) call(t *rapid.T, what string, do func()) (rescued []string) {
	m.pre, m.last = m.w.clone(), what
	m.pfs.take()
	files := []string{m.target, m.cur}
	before := m.outside(t, files)
	do()
	m.points = m.pfs.take()
	after := m.outside(t, files)
	for path, was := range before {
		now, ok := after[path]
		if !ok || now.link != was.link || now.mode != was.mode || !bytes.Equal(now.data, was.data) {
			t.Fatalf("%s wrote %s, which is not the store's file (it names %s): was %q, now %q (present %v)", what, path, m.cur, was.data, now.data, ok)
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			t.Fatalf("%s created %s, which is not the store's file (it names %s)", what, path, m.cur)
		}
	}
	m.made = map[string][]byte{}
	for _, f := range m.rescueFiles(t) {
		if !m.rescues[f] {
			m.rescues[f] = true
			rescued = append(rescued, f)
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m.made[f] = data
		}
	}
	return rescued
}

// checkRescue checks that a call that had to keep want apart wrote it to
// exactly one new rescue file, named by err.
func (m *othersModel) checkRescue(t *rapid.T, what string, err error, rescued []string, want state) {
	if len(rescued) != 1 {
		t.Fatalf("%s: %d new rescue files %v, want one holding %v (error %v)", what, len(rescued), rescued, want, err)
	}
	if got := RescueFile(err); got != rescued[0] {
		t.Fatalf("%s: the error names rescue file %q, the new one is %s (error %v)", what, got, rescued[0], err)
	}
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("%s: %v, want an error wrapping ErrConflict", what, err)
	}
	data, rerr := os.ReadFile(rescued[0])
	if rerr != nil {
		t.Fatal(rerr)
	}
	if got, ok := oracleState(data); !ok || !maps.Equal(got, want) {
		t.Fatalf("%s: rescue file %s holds %q, want %v", what, rescued[0], data, want)
	}
}

// noRescue fails if a call that had nothing to keep apart wrote a rescue
// file.
func noRescue(t *rapid.T, what string, rescued []string) {
	if len(rescued) > 0 {
		t.Fatalf("%s wrote rescue files %v with nothing to rescue", what, rescued)
	}
}

// saved records that the store wrote st to the file.
func (m *othersModel) saved(st state) {
	m.w.file, m.w.base, m.w.mem = maps.Clone(st), maps.Clone(st), maps.Clone(st)
	m.w.journal, m.w.due, m.w.stale, m.w.edited, m.w.had = nil, false, fresh, false, true
	m.w.against = maps.Clone(st)
	m.w.unsaved, m.w.broken, m.w.queued = false, false, nil
	m.remember(st)
}

// changed records a change the store made in memory.
func (m *othersModel) changed(t *rapid.T, what string, err error, journal map[string]string) {
	m.w.due = true
	if m.w.always && (m.w.moved || m.w.broken) {
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("%s in always-save mode after the path was moved to another file: %v, want ErrConflict", what, err)
		}
		m.w.unsaved = true
		if !m.w.broken {
			m.w.queued = withJournal(m.w.queued, journal)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	m.appended()
	if m.w.always {
		if m.w.journal == nil {
			m.w.journal = map[string]string{}
		}
		maps.Copy(m.w.journal, journal)
		m.remember(m.w.mem)
	}
}

// withJournal returns lines added to j.
func withJournal(j, lines map[string]string) map[string]string {
	if j == nil {
		j = map[string]string{}
	}
	maps.Copy(j, lines)
	return j
}

// appended records an always-save append that got through: it wrote the
// lines of the unsaved writes before it too.
func (m *othersModel) appended() {
	if m.w.always && m.w.unsaved {
		m.w.journal = withJournal(m.w.journal, m.w.queued)
		m.w.queued, m.w.unsaved = nil, false
	}
}

// noop checks a write that changes nothing: it succeeds, unless in
// always-save mode a write before it could not be made durable, whose error
// it repeats.
func (m *othersModel) noop(t *rapid.T, what string, err error) {
	refused := m.w.unsaved && (m.w.moved || m.w.broken)
	if refused && !errors.Is(err, ErrConflict) || !refused && err != nil {
		t.Fatalf("%s: %v (a write before it not durable: %v)", what, err, m.w.unsaved)
	}
	if !refused {
		m.appended()
	}
}

func (m *othersModel) Set(t *rapid.T) {
	k := rapid.SampledFrom(othersKeys).Draw(t, "key")
	v := m.value()
	if old, ok := m.w.mem[k]; ok && rapid.Bool().Draw(t, "same value") {
		v = old
	}
	var err error
	m.call(t, "Set", func() { err = m.s.SetRaw(k, []byte(v)) })
	if m.w.mem[k] == v {
		m.noop(t, "Set of the current value", err)
		return
	}
	m.w.mem[k] = v
	m.changed(t, "Set", err, map[string]string{k: v})
}

func (m *othersModel) Delete(t *rapid.T) {
	k := rapid.SampledFrom(othersKeys).Draw(t, "key")
	var err error
	m.call(t, "Delete", func() { err = m.s.Delete(k) })
	if _, ok := m.w.mem[k]; !ok {
		m.noop(t, "Delete of a missing key", err)
		return
	}
	delete(m.w.mem, k)
	m.changed(t, "Delete", err, map[string]string{k: ""})
}

func (m *othersModel) Rename(t *rapid.T) {
	from := rapid.SampledFrom(othersKeys).Draw(t, "from")
	to := rapid.SampledFrom(othersKeys).Draw(t, "to")
	v, ok := m.w.mem[from]
	if _, taken := m.w.mem[to]; !ok || taken {
		t.Skip("Rename's refusals are covered by TestModel")
	}
	var err error
	m.call(t, "Rename", func() { err = m.s.Rename(from, to) })
	delete(m.w.mem, from)
	m.w.mem[to] = v
	m.changed(t, "Rename", err, map[string]string{from: "", to: v})
}

// save checks a call that saves if anything is due (Flush, Close): with
// the file changed by someone else it must fail with ErrConflict and leave
// the file alone, otherwise the file then holds the store's state.
func (m *othersModel) save(t *rapid.T, what string, err error) (conflict bool) {
	switch {
	case !m.w.due:
		if err != nil {
			t.Fatalf("%s with nothing due: %v", what, err)
		}
		return false
	case m.w.stale == stale || m.w.stale == touched && errors.Is(err, ErrConflict):
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("%s over a file someone else changed: %v, want ErrConflict", what, err)
		}
		m.w.stale = stale
		return true
	case err != nil:
		t.Fatalf("%s: %v", what, err)
	}
	m.saved(m.w.mem)
	return false
}

func (m *othersModel) Flush(t *rapid.T) {
	var err error
	rescued := m.call(t, "Flush", func() { err = m.s.Flush() })
	noRescue(t, "Flush", rescued)
	m.save(t, "Flush", err)
}

func (m *othersModel) Overwrite(t *rapid.T) {
	var err error
	rescued := m.call(t, "Overwrite", func() { err = m.s.Overwrite() })
	noRescue(t, "Overwrite", rescued)
	if m.w.moved {
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("Overwrite after the path was moved to another file: %v, want ErrConflict", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Overwrite: %v", err)
	}
	if m.w.file == nil {
		m.w.mode = 0o644
	}
	m.saved(m.w.mem)
}

func (m *othersModel) Reload(t *rapid.T) {
	var err error
	rescued := m.call(t, "Reload", func() { err = m.s.Reload() })
	noRescue(t, "Reload", rescued)
	if err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if m.w.moved {
		// It reloads the store's own file, which the path no longer
		// leads to.
		m.w.mem, m.w.base, m.w.against = orEmpty(m.w.own), orEmpty(m.w.own), orEmpty(m.w.own)
		m.w.had = m.w.own != nil
		m.w.journal, m.w.due, m.w.unsaved, m.w.broken, m.w.queued = nil, false, false, false, nil
		return
	}
	file := m.w.file
	m.saved(orEmpty(file))
	m.w.file, m.w.had = file, file != nil
}

// Merge takes the file's content with the store's changes since it last
// read or wrote the file on top, the drawn side winning each collision.
func (m *othersModel) Merge(t *rapid.T) {
	keep := map[string]bool{}
	for _, k := range othersKeys {
		keep[k] = rapid.Bool().Draw(t, "keep ours")
	}
	theirs := orEmpty(m.w.file)
	if m.w.moved {
		theirs = orEmpty(m.w.own) // Merge reads the store's own file
	}
	merged := maps.Clone(theirs)
	for _, k := range othersKeys {
		mine, inMine := m.w.mem[k]
		was, inBase := m.w.base[k]
		their, inTheirs := theirs[k]
		oursChanged := inMine != inBase || mine != was
		theirsChanged := inTheirs != inBase || their != was
		collides := oursChanged && theirsChanged && (inMine != inTheirs || mine != their)
		if !oursChanged || collides && !keep[k] {
			continue
		}
		if inMine {
			merged[k] = mine
		} else {
			delete(merged, k)
		}
	}
	var err error
	rescued := m.call(t, "Merge", func() { err = m.s.Merge(func(k string) bool { return keep[k] }) })
	noRescue(t, "Merge", rescued)
	if m.w.moved {
		// The merge is made, but its save fails: the path leads elsewhere.
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("Merge after the path was moved to another file: %v, want ErrConflict", err)
		}
		m.w.mem, m.w.base, m.w.due, m.w.had = merged, theirs, true, m.w.own != nil
		m.w.unsaved, m.w.broken, m.w.queued = m.w.always, m.w.always, nil
		return
	}
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if m.w.file == nil {
		m.w.mode = 0o644
	}
	m.saved(merged)
}

// CloseReopen closes the store, which saves what is due, or, over someone
// else's edit, keeps the store's state in a rescue file; then opens it
// again.
func (m *othersModel) CloseReopen(t *rapid.T) {
	var err error
	rescued := m.call(t, "Close", func() { err = m.s.Close() })
	if m.save(t, "Close", err) {
		m.checkRescue(t, "Close over someone else's edit", err, rescued, m.w.mem)
	} else {
		noRescue(t, "Close", rescued)
	}
	m.w.journal, m.w.due = nil, false
	m.reopen(t, []world{m.w.clone()})
}

// Crash abandons the store as a killed process leaves it.
func (m *othersModel) Crash(t *rapid.T) {
	abandon(m.s)
	m.reopen(t, []world{m.w.clone()})
}

// PowerCut cuts the power now, or at one of the file operations of the
// last call, and puts the files the disk would then hold in place.
func (m *othersModel) PowerCut(t *rapid.T) {
	candidates := []world{m.w.clone()}
	cp := m.pfs.now()
	if len(m.points) > 0 && rapid.Bool().Draw(t, "during the last call") {
		i := rapid.IntRange(0, len(m.points)-1).Draw(t, "at")
		cp = m.points[i]
		candidates = append(candidates, m.pre.clone())
		if m.last == "Merge" && len(m.pre.journal) > 0 {
			// Between Merge's rename and its removal of the old journal:
			// the merged file is in place, and the old journal, written
			// against the file before it, goes to a rescue file.
			w := m.w.clone()
			w.journal, w.edited = maps.Clone(m.pre.journal), true
			candidates = append(candidates, w)
		}
	}
	var r *rand.Rand
	if rapid.Bool().Draw(t, "reordered") {
		r = rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 0))
	}
	files := cp.crashFiles(r)
	abandon(m.s)
	entries, err := os.ReadDir(m.pfs.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasSuffix(e.Name(), ".lock") {
			if err := os.Remove(filepath.Join(m.pfs.dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(m.pfs.dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(m.cur); err == nil {
		if err := os.Chmod(m.cur, m.w.mode); err != nil {
			t.Fatal(err)
		}
	}
	// The world after the last call holds the rescue files it reported:
	// a cut that loses one came before the call was done, and if the
	// call was done, the changes they held are lost.
	for name, want := range m.made {
		if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, want) {
			if len(candidates) == 1 {
				t.Fatalf("a power cut after %s lost rescue file %s, which it reported (now %q, %v)", m.last, name, got, err)
			}
			t.Logf("the cut lost rescue file %s, so it came before %s was done", name, m.last)
			candidates = candidates[1:]
			break
		}
	}
	m.reopen(t, candidates)
}

// reopen opens the store again after a Close or a crash in one of the
// candidate worlds (the last one, or the one before the last call if the
// power failed during it), maybe looking first with a read-only view. What
// the store loads, and the rescue it makes, must be what one of them
// leaves after a crash.
func (m *othersModel) reopen(t *rapid.T, candidates []world) {
	if rapid.Bool().Draw(t, "view before reopening") {
		m.view(t, candidates)
	}
	always := rapid.Bool().Draw(t, "always")
	rescued := m.call(t, "Open", func() { m.open(t, always) })
	got, lastErr := storeState(m.s), m.s.LastSaveError()
	var why []string
	for _, w := range candidates {
		load, rescue := w.afterCrash(w.left[m.cur])
		switch {
		case !maps.Equal(got, load):
			why = append(why, fmt.Sprintf("loaded %v, want %v", got, load))
		case rescue == nil && (len(rescued) > 0 || lastErr != nil):
			why = append(why, fmt.Sprintf("rescue files %v and LastSaveError %v with nothing to rescue", rescued, lastErr))
		case rescue != nil && !m.rescuedAs(rescued, rescue, lastErr):
			why = append(why, fmt.Sprintf("rescue files %v and LastSaveError %v, want %v kept apart and reported", rescued, lastErr, rescue))
		default:
			file := w.file
			now, ok := m.fileNow(t)
			left := w.left[m.cur]
			if !w.moved && !w.edited && len(w.journal) > 0 || w.moved && left != nil && maps.Equal(orEmpty(file), orEmpty(left.against)) || ok && file == nil && len(now) == 0 && maps.Equal(load, orEmpty(file)) {
				// The Open folded the journal into the file. A journal
				// the crash left empty records no file, so it is folded
				// too, and makes an empty file where there was none
				// (where another program deleted it, it comes back empty;
				// nothing is lost).
				file = load
			}
			if ok != (file != nil) || ok && !maps.Equal(now, file) {
				why = append(why, fmt.Sprintf("%s holds %v (present %v), want %v (nil: none)", m.given, now, ok, file))
				continue
			}
			lefts := maps.Clone(w.left)
			if lefts == nil {
				lefts = map[string]*leftover{}
			}
			delete(lefts, m.cur)
			if w.moved && len(w.journal) > 0 {
				lefts[w.target] = &leftover{journal: maps.Clone(w.journal), against: maps.Clone(w.against)}
			}
			m.w = world{always: always, mem: maps.Clone(load), base: maps.Clone(load), file: maps.Clone(file), had: file != nil, mode: w.mode, against: orEmpty(file), target: m.target, left: lefts}
			// A power cut during this Open recovers from the same crash.
			m.pre = w.clone()
			return
		}
	}
	t.Fatalf("Open of %s after a crash: %s", m.given, strings.Join(why, "; or "))
}

// rescuedAs reports whether the journal's changes, want, are kept in a new
// rescue file that the store reports.
func (m *othersModel) rescuedAs(rescued []string, want state, lastErr error) bool {
	if !errors.Is(lastErr, ErrConflict) || !slices.Contains(rescued, RescueFile(lastErr)) {
		return false
	}
	for _, name := range rescued {
		data, err := os.ReadFile(name)
		if err != nil {
			return false
		}
		if got, ok := oracleState(data); !ok || !maps.Equal(got, want) {
			return false
		}
	}
	return true
}

// View opens a read-only view beside the store.
func (m *othersModel) View(t *rapid.T) {
	m.view(t, []world{m.w})
}

// view checks a read-only open: it must load what a writer would after a
// crash in one of the candidate worlds, or, where someone else changed the
// file, at least a state that existed.
func (m *othersModel) view(t *rapid.T, candidates []world) {
	var got state
	m.call(t, "a read-only Open", func() {
		r, err := Open(m.given, &Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("read-only Open(%s): %v", m.given, err)
		}
		got = storeState(r)
		if err := r.Close(); err != nil {
			t.Fatalf("Close of a read-only store: %v", err)
		}
	})
	for _, w := range candidates {
		load, _ := w.afterCrash(w.left[m.cur])
		if maps.Equal(got, load) || w.edited && m.existed[got.String()] {
			return
		}
	}
	t.Fatalf("a read-only Open of %s shows %v, a state that never existed", m.given, got)
}

// fileNow returns what the file the path names holds, and whether it
// exists.
func (m *othersModel) fileNow(t *rapid.T) (state, bool) {
	data, err := os.ReadFile(m.given)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	st, ok := oracleState(data)
	if !ok {
		t.Fatalf("%s is not a complete JSON file: %q", m.given, data)
	}
	return st, true
}

// Check compares the store and the file with the model after every step.
func (m *othersModel) Check(t *rapid.T) {
	m.steps.Add(1)
	keys := slices.Sorted(maps.Keys(m.w.mem))
	if got := m.s.Keys(); !slices.Equal(got, keys) {
		t.Fatalf("Keys() = %q, model %q", got, keys)
	}
	for _, k := range othersKeys {
		want, ok := m.w.mem[k]
		raw, got := m.s.GetRaw(k)
		if got != ok || string(raw) != want {
			t.Fatalf("GetRaw(%q) = %s, %v; model %s, %v", k, raw, got, want, ok)
		}
	}
	got, ok := m.fileNow(t)
	switch {
	case !ok && m.w.file != nil:
		t.Fatalf("%s is gone; it should hold %v", m.given, m.w.file)
	case ok && (m.w.file == nil || !maps.Equal(got, m.w.file)):
		t.Fatalf("%s holds %v; it should hold %v (nil: no file)", m.given, got, m.w.file)
	case ok:
		info, err := os.Stat(m.given)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != m.w.mode {
			t.Fatalf("%s has mode %v, want %v", m.given, info.Mode().Perm(), m.w.mode)
		}
	}
	changed, err := m.s.Changed()
	if err != nil {
		t.Fatalf("Changed: %v", err)
	}
	switch {
	case m.w.stale == stale && !changed:
		t.Fatalf("Changed() = false, but someone else changed %s since the store last read or wrote it", m.given)
	case m.w.stale == fresh && changed:
		t.Fatalf("Changed() = true, but no one else changed %s", m.given)
	case changed && notInFile(m.s) == 0 && !maps.Equal(m.w.mem, orEmpty(m.w.base)):
		t.Fatalf("the file changed and the store counts no change the file lacks, yet it holds some (%v, the file as it last read or wrote it %v): a caller that reloads now loses them", m.w.mem, m.w.base)
	}
}

// notInFile returns the number of changes the store's data file lacks, as
// the store counts them: with NotInFile, which counts journalled writes
// too, where the store has it, and otherwise with Pending.
func notInFile(s *KVStore) int {
	if c, ok := any(s).(interface{ NotInFile() int }); ok {
		return c.NotInFile()
	}
	return s.Pending()
}

// TestModelWithOthers runs the model of othersModel: random sequences of
// the store's calls, other programs' edits of its file, crashes and power
// cuts, checked against a model after every step.
func TestModelWithOthers(t *testing.T) {
	// Background compactions run on a timer; here only the sequence's own
	// calls fold the journal, so that every run is determined by its seed.
	defer func(idle time.Duration) { compactIdle = idle }(compactIdle)
	compactIdle = time.Hour
	var steps atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		m := newOthersModel(rt, t.TempDir(), &steps)
		defer func() { m.s.Close() }()
		rt.Repeat(rapid.StateMachineActions(m))
	})
	t.Logf("%d steps checked", steps.Load())
}
