package tui

import (
	"fmt"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// Benchmarks of the key tree at 100k keys, each keystroke Update and View
// as in bench_test.go, beside moving in the flat list of the same keys as
// the baseline of the same run:
//
//	go test ./tui -run '^$' -bench Tree -benchtime 1s -count 3

// treeShapes are two ways of grouping 100,000 keys: 1,000 groups of 100
// keys, and four levels (10 x 10 x 10 groups of 100 keys).
var treeShapes = []struct {
	name string
	key  func(i int) string
}{
	{"wide", func(i int) string { return fmt.Sprintf("group%04d/key%03d", i/100, i%100) }},
	{"deep", func(i int) string {
		return fmt.Sprintf("a%02d/b%02d/c%02d/key%03d", i/10_000, i/1_000%10, i/100%10, i%100)
	}},
}

// treeBenchModel returns a laid-out model of 100,000 keys named by key,
// showing the tree with every group open when tree is set.
func treeBenchModel(b *testing.B, key func(int) string, tree bool) Model {
	b.Helper()
	s, err := kvstore.Open(filepath.Join(b.TempDir(), "data.json"), &kvstore.Options{SaveInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	for i := range 100_000 {
		if err := s.SetRaw(key(i), []byte(`{"n":1}`)); err != nil {
			b.Fatal(err)
		}
	}
	m := step(New(FileSource(s), Options{Keys: testKeyMap()}), tea.WindowSizeMsg{Width: 120, Height: 40})
	if !tree {
		return m
	}
	m = step(m, keyText("t"))
	for row := 0; row < m.list.Len(); row++ {
		m.list.Select(row)
		m.list.OpenGroup()
	}
	if m.list.Len() <= 100_000 {
		b.Fatalf("the open tree has %d rows", m.list.Len())
	}
	return m
}

func BenchmarkTree(b *testing.B) {
	for _, shape := range treeShapes {
		// Moving down 50 rows and up 50 in the middle of the keys, in the
		// flat list and in the open tree.
		for _, tree := range []bool{false, true} {
			name := shape.name + "/move-flat"
			if tree {
				name = shape.name + "/move-tree"
			}
			b.Run(name, func(b *testing.B) {
				m := treeBenchModel(b, shape.key, tree)
				m.list.Select(m.list.Len() / 2)
				benchMoves(b, m)
			})
		}
		// The first character of a filter, which every key matches, so
		// the filtered tree holds every key and group.
		for _, tree := range []bool{false, true} {
			name := shape.name + "/filter-flat"
			if tree {
				name = shape.name + "/filter-tree"
			}
			b.Run(name, func(b *testing.B) {
				benchFirstFilterChar(b, treeBenchModel(b, shape.key, tree), "y")
			})
		}
		// space on the first group, which closes and opens it in turn:
		// in wide, 100 keys; in deep, 10,000 keys under 110 open groups.
		b.Run(shape.name+"/toggle-group", func(b *testing.B) {
			m := treeBenchModel(b, shape.key, true)
			m.list.Select(0)
			space := keyText(" ")
			b.ReportAllocs()
			for b.Loop() {
				m = step(m, space)
			}
		})
		// t, from the list to the tree and back, with the keys' tree
		// built already, as after the first t.
		b.Run(shape.name+"/toggle-tree", func(b *testing.B) {
			m := treeBenchModel(b, shape.key, true)
			t := keyText("t")
			b.ReportAllocs()
			for b.Loop() {
				m = step(m, t)
			}
		})
		// A refresh that brings a new key: the tree is built again.
		b.Run(shape.name+"/refresh", func(b *testing.B) {
			m := treeBenchModel(b, shape.key, true)
			all := m.list.Keys().Slice()
			keys := []*kvstore.KeyList{kvstore.KeysOf(all), kvstore.KeysOf(all[1:])}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				m.list.SetKeys(keys[i%2])
			}
		})
	}
}
