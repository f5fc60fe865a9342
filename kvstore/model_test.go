package kvstore

// Model-based test (`model_test.go`). `TestModel` uses `pgregory.net/rapid`
// to run random sequences of Set, SetRaw (valid and invalid), Delete,
// Rename, Flush, Close and reopen (switching between always-save and
// periodic mode), hand edits of the file, Reload, Overwrite and Merge
// against a plain map. After every step all reads agree with the model, and
// a fresh read-only Open loads exactly what the model says is durable, with
// `ErrConflict` whenever a due save would overwrite a hand edit (Close then
// keeping the store's state in exactly one new file beside it), and Merge
// keeping each side's changes and the chosen side of each collision. A
// failure is shrunk to a minimal sequence and can be replayed with the
// printed `-rapid.seed`.
//
// The package's `TestMain` runs `goleak` after all tests, so a failure path
// that leaks a store's background goroutine fails the run too.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// modelKeys are the keys the model test uses: few, so that operations hit
// the same keys often, and awkward, so that they must survive the file
// format.
var modelKeys = []string{"a", "b", "", "x/1", "x/2", "ключ", "emoji🙂", "q\"\\\t", "<&>"}

// genJSON draws JSON text: scalars, arrays and objects nested a few levels,
// with random insignificant white space and numbers that a float64 cannot
// hold exactly.
func genJSON(t *rapid.T, depth int) string {
	space := func() string { return rapid.SampledFrom([]string{"", "", " ", "\n  ", "\t"}).Draw(t, "ws") }
	kind := rapid.IntRange(0, 7).Draw(t, "kind")
	if depth <= 0 && kind >= 6 {
		kind %= 6
	}
	switch kind {
	case 0:
		return strconv.Itoa(rapid.IntRange(-1000, 1000).Draw(t, "int"))
	case 1:
		return rapid.SampledFrom([]string{"123456789012345678901234567890", "-0.000000000000000000001", "2.50", "-0", "1E+2"}).Draw(t, "num")
	case 2, 3:
		b, _ := json.Marshal(rapid.String().Draw(t, "str"))
		return string(b)
	case 4:
		return rapid.SampledFrom([]string{"true", "false", "null"}).Draw(t, "lit")
	case 5:
		return `"` + rapid.SampledFrom([]string{`\u00e9`, `\"`, `\\`, `\/`, `\ud83d\ude42`, `<&>`, `\n`}).Draw(t, "esc") + `"`
	case 6:
		n := rapid.IntRange(0, 3).Draw(t, "len")
		parts := make([]string, n)
		for i := range parts {
			parts[i] = space() + genJSON(t, depth-1) + space()
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	n := rapid.IntRange(0, 3).Draw(t, "len")
	parts := make([]string, 0, n)
	seen := map[string]bool{}
	for range n {
		k := rapid.SampledFrom(modelKeys).Draw(t, "field")
		if seen[k] {
			continue
		}
		seen[k] = true
		kb, _ := json.Marshal(k)
		parts = append(parts, space()+string(kb)+space()+":"+space()+genJSON(t, depth-1))
	}
	return "{" + strings.Join(parts, ",") + space() + "}"
}

// modelValue is what the model expects under a key: the exact compact
// text for SetRaw, or the value for Set (compared after decoding, since
// Set re-encodes it).
type modelValue struct {
	text  string
	exact bool
}

func (v modelValue) matches(raw []byte) bool {
	if v.exact {
		var c bytes.Buffer
		if json.Compact(&c, []byte(v.text)) != nil {
			return false
		}
		return bytes.Equal(raw, c.Bytes())
	}
	var a, b any
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal([]byte(v.text), &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}

type modelMap map[string]modelValue

// storeModel drives a real store and a plain-map model side by side.
type storeModel struct {
	t      *rapid.T
	path   string
	s      *KVStore
	always bool

	mem      modelMap // what the open store must hold
	durable  modelMap // what a new Open must load
	base     modelMap // the file as the store last read or wrote it
	conflict bool     // someone replaced the file since the store last wrote or read it
}

func (m *storeModel) open(always bool) {
	s, err := Open(m.path, &Options{AlwaysSave: always, SaveInterval: -1})
	if err != nil {
		m.t.Fatalf("Open: %v", err)
	}
	m.s, m.always, m.mem, m.conflict = s, always, maps.Clone(m.durable), false
	m.base = maps.Clone(m.durable)
}

// changed records a change the store accepted.
func (m *storeModel) changed(err error) {
	if err != nil {
		m.t.Fatalf("change: %v", err)
	}
	if m.always {
		m.durable = maps.Clone(m.mem)
	}
}

// save runs an operation that saves if anything is pending (Flush,
// Close): it must fail with ErrConflict if and only if a save was due and
// the file was replaced by someone else; otherwise what the store holds
// becomes durable.
func (m *storeModel) save(op string, do func() error) {
	pending := m.s.Pending() > 0
	err := do()
	switch {
	case pending && m.conflict:
		if !errors.Is(err, ErrConflict) {
			m.t.Fatalf("%s over a file replaced by someone else: %v, want ErrConflict", op, err)
		}
	case err != nil:
		m.t.Fatalf("%s: %v", op, err)
	case pending:
		m.durable = maps.Clone(m.mem)
		m.base = maps.Clone(m.mem)
	}
}

// sameValue reports whether two model values store the same JSON.
func sameValue(x, y modelValue) bool {
	if x.exact && y.exact {
		var a, b bytes.Buffer
		return json.Compact(&a, []byte(x.text)) == nil && json.Compact(&b, []byte(y.text)) == nil && bytes.Equal(a.Bytes(), b.Bytes())
	}
	var a, b any
	return json.Unmarshal([]byte(x.text), &a) == nil && json.Unmarshal([]byte(y.text), &b) == nil && reflect.DeepEqual(a, b)
}

func equalModel(a, b modelMap) bool { return maps.EqualFunc(a, b, sameValue) }

func (m *storeModel) Set(t *rapid.T) {
	k := rapid.SampledFrom(modelKeys).Draw(t, "key")
	text := genJSON(t, 2)
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	err := m.s.Set(k, v)
	if err == nil {
		// Set re-encodes the value; once it reads back as the same value,
		// the model keeps the exact JSON the store chose.
		raw, _ := m.s.GetRaw(k)
		if !(modelValue{text: text}).matches(raw) {
			t.Fatalf("Set(%q, %s) stored %s", k, text, raw)
		}
		text = string(raw)
	}
	m.mem[k] = modelValue{text: text, exact: true}
	m.changed(err)
}

func (m *storeModel) Rename(t *rapid.T) {
	from := rapid.SampledFrom(modelKeys).Draw(t, "from")
	to := rapid.SampledFrom(modelKeys).Draw(t, "to")
	err := m.s.Rename(from, to)
	v, had := m.mem[from]
	_, taken := m.mem[to]
	switch {
	case !had:
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("Rename of missing %q: %v, want ErrNotFound", from, err)
		}
	case from == to:
		if err != nil {
			t.Fatalf("Rename(%q, %q): %v", from, to, err)
		}
	case taken:
		if !errors.Is(err, ErrExists) {
			t.Fatalf("Rename(%q, %q) onto an existing key: %v, want ErrExists", from, to, err)
		}
	default:
		delete(m.mem, from)
		m.mem[to] = v
		m.changed(err)
	}
}

// Merge settles a periodic-mode store with the file key by key: the
// file's content plus this store's changes since it last read or wrote
// the file, where both changed a key differently the drawn choice wins.
func (m *storeModel) Merge(t *rapid.T) {
	if m.always {
		t.Skip("Merge compares with the data file alone; journaled writes are covered by the journal's tests")
	}
	keep := map[string]bool{}
	for _, k := range modelKeys {
		keep[k] = rapid.Bool().Draw(t, "keepOurs")
	}
	merged := maps.Clone(m.durable)
	for _, k := range modelKeys {
		mine, inMine := m.mem[k]
		was, inBase := m.base[k]
		theirs, inTheirs := m.durable[k]
		oursChanged := inMine != inBase || inMine && !sameValue(mine, was)
		theirsChanged := inTheirs != inBase || inTheirs && !sameValue(theirs, was)
		collides := oursChanged && theirsChanged && (inMine != inTheirs || inMine && !sameValue(mine, theirs))
		if !oursChanged || collides && !keep[k] {
			continue
		}
		if inMine {
			merged[k] = mine
		} else {
			delete(merged, k)
		}
	}
	if err := m.s.Merge(func(k string) bool { return keep[k] }); err != nil {
		t.Fatalf("Merge: %v", err)
	}
	m.mem, m.durable, m.base = merged, maps.Clone(merged), maps.Clone(merged)
	m.conflict = false
}

func (m *storeModel) SetRaw(t *rapid.T) {
	k := rapid.SampledFrom(modelKeys).Draw(t, "key")
	text := genJSON(t, 3)
	m.mem[k] = modelValue{text: text, exact: true}
	m.changed(m.s.SetRaw(k, []byte(text)))
}

func (m *storeModel) SetRawInvalid(t *rapid.T) {
	k := rapid.SampledFrom(modelKeys).Draw(t, "key")
	text := genJSON(t, 2)
	cut := rapid.IntRange(0, len(text)).Draw(t, "cut")
	bad := text[:cut] + rapid.SampledFrom([]string{"}", "]", ",", "x", `"`, ""}).Draw(t, "junk")
	if json.Valid([]byte(bad)) {
		t.Skip("still valid")
	}
	if err := m.s.SetRaw(k, []byte(bad)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("SetRaw(%q): %v, want ErrCorrupt", bad, err)
	}
}

func (m *storeModel) Delete(t *rapid.T) {
	k := rapid.SampledFrom(modelKeys).Draw(t, "key")
	delete(m.mem, k)
	m.changed(m.s.Delete(k))
}

func (m *storeModel) Flush(t *rapid.T) {
	m.save("Flush", m.s.Flush)
}

func (m *storeModel) CloseReopen(t *rapid.T) {
	rescue := m.conflict && m.s.Pending() > 0
	before := m.sideFiles(t)
	m.save("Close", m.s.Close)
	if rescue {
		// Close could not save over the hand edit; the store's state must
		// survive in a new file beside it.
		var added []string
		for _, name := range m.sideFiles(t) {
			if !slices.Contains(before, name) {
				added = append(added, name)
			}
		}
		if len(added) != 1 {
			t.Fatalf("Close over a hand edit left %d new files beside the data file (%v), want one with the store's state", len(added), added)
		}
		data, err := os.ReadFile(filepath.Join(filepath.Dir(m.path), added[0]))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := oracleState(data)
		if !ok || len(got) != len(m.mem) {
			t.Fatalf("%s holds %q, want the store's %d keys", added[0], data, len(m.mem))
		}
		for k, v := range m.mem {
			if !v.matches([]byte(got[k])) {
				t.Fatalf("%s holds %q = %s, the store had %s", added[0], k, got[k], v.text)
			}
		}
	}
	m.open(rapid.Bool().Draw(t, "always"))
}

// sideFiles lists the files beside the data file other than the store's
// own (data file, journal, lock).
func (m *storeModel) sideFiles(t *rapid.T) []string {
	entries, err := os.ReadDir(filepath.Dir(m.path))
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(m.path)
	var names []string
	for _, e := range entries {
		n := e.Name()
		if n == base || n == base+".lock" || strings.HasPrefix(n, base+".journal") || n == base+".edit" {
			continue
		}
		names = append(names, n)
	}
	return names
}

// EditFile replaces the data file by hand, as a user with an editor
// would, while a periodic-mode store has it open.
func (m *storeModel) EditFile(t *rapid.T) {
	if m.always {
		t.Skip("hand edits under an always-save journal are out of scope")
	}
	edited := modelMap{}
	var b strings.Builder
	b.WriteString("{")
	for i, k := range rapid.SliceOfDistinct(rapid.SampledFrom(modelKeys), func(k string) string { return k }).Draw(t, "keys") {
		text := genJSON(t, 1)
		kb, _ := json.Marshal(k)
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n %s: %s", kb, text)
		edited[k] = modelValue{text: text, exact: true}
	}
	b.WriteString("\n}\n")
	tmp := m.path + ".edit"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, m.path); err != nil {
		t.Fatal(err)
	}
	m.durable = edited
	m.conflict = true
}

func (m *storeModel) Reload(t *rapid.T) {
	if m.always {
		t.Skip("Reload drops journaled writes; covered by the journal's own tests")
	}
	if err := m.s.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	m.mem = maps.Clone(m.durable)
	m.base = maps.Clone(m.durable)
	m.conflict = false
}

func (m *storeModel) Overwrite(t *rapid.T) {
	if err := m.s.Overwrite(); err != nil {
		t.Fatalf("Overwrite: %v", err)
	}
	m.durable = maps.Clone(m.mem)
	m.base = maps.Clone(m.mem)
	m.conflict = false
}

// Check compares every read of the store with the model, and what a new
// reader loads from disk with the durable model.
func (m *storeModel) Check(t *rapid.T) {
	keys := slices.Sorted(maps.Keys(m.mem))
	if got := m.s.Keys(); !slices.Equal(got, keys) {
		t.Fatalf("Keys() = %q, model %q", got, keys)
	}
	if m.s.Len() != len(keys) {
		t.Fatalf("Len() = %d, model %d", m.s.Len(), len(keys))
	}
	for _, k := range modelKeys {
		want, ok := m.mem[k]
		raw, got := m.s.GetRaw(k)
		if got != ok || ok && !want.matches(raw) {
			t.Fatalf("GetRaw(%q) = %s, %v; model %q, %v", k, raw, got, want.text, ok)
		}
		if v, got := m.s.Get(k); got != ok || ok && !reflect.DeepEqual(v, decoded(t, want.text)) {
			t.Fatalf("Get(%q) = %#v, %v; model %q", k, v, got, want.text)
		}
	}
	var iterated []string
	for k, v := range m.s.All() {
		iterated = append(iterated, k)
		if !m.mem[k].matches(v) {
			t.Fatalf("All() yields %q = %s; model %q", k, v, m.mem[k].text)
		}
	}
	if !slices.Equal(iterated, keys) {
		t.Fatalf("All() yields %q, model %q", iterated, keys)
	}
	var prefixed []string
	for k := range m.s.Prefix("x/") {
		prefixed = append(prefixed, k)
	}
	want := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return !strings.HasPrefix(k, "x/") })
	if !slices.Equal(prefixed, want) {
		t.Fatalf("Prefix(\"x/\") yields %q, model %q", prefixed, want)
	}
	disk := diskState(t, m.path)
	if len(disk) != len(m.durable) {
		t.Fatalf("a new Open loads %d keys %v, durable model has %d", len(disk), disk, len(m.durable))
	}
	for k, v := range m.durable {
		if raw, ok := disk[k]; !ok || !v.matches([]byte(raw)) {
			t.Fatalf("a new Open loads %q = %q (%v); durable model %q", k, raw, ok, v.text)
		}
	}
	if m.s.Pending() == 0 && !m.conflict && !equalModel(m.mem, m.durable) {
		t.Fatalf("Pending() = 0 but the store holds unsaved changes")
	}
}

func decoded(t *rapid.T, text string) any {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestModel runs random sequences of Set, SetRaw (valid and invalid),
// Delete, Rename, Flush, Close and reopen (switching between always-save
// and periodic mode), hand edits of the file, Reload, Overwrite and Merge
// against a plain map. After every step each read of the store must agree with the
// model, and a fresh read-only Open must load exactly what the model says
// is durable: everything in always-save mode, the last saved state
// otherwise, and never a change lost to a conflict.
func TestModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		m := &storeModel{t: rt, path: filepath.Join(t.TempDir(), "model.json"), durable: modelMap{}}
		m.open(rapid.Bool().Draw(rt, "always"))
		defer func() { m.s.Close() }()
		rt.Repeat(rapid.StateMachineActions(m))
	})
}
