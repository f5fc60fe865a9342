package etcdstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
)

// Apply commits several writes together or none of them: a key that moved
// since the caller saw it refuses the whole transaction.
func TestApplyIsAllOrNothing(t *testing.T) {
	s, cli := setup(t)
	ctx := context.Background()
	if err := s.Set("a", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("b", 2); err != nil {
		t.Fatal(err)
	}
	revA, revB := s.Revision("a"), s.Revision("b")

	if _, err := cli.Put(ctx, "/app/b", "20"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the other client's write", func() bool { return s.Revision("b") != revB })
	_, err := s.Apply(ctx, []etcdstore.Write{
		{Key: "a", Delete: true, Revision: revA},
		{Key: "b", Value: []byte("3"), Revision: revB},
		{Key: "c", Value: []byte("4"), Revision: 0},
	})
	if !errors.Is(err, kvstore.ErrConflict) || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("Apply over a moved key = %v, want a conflict naming b", err)
	}
	for key, want := range map[string]string{"/app/a": "1", "/app/b": "20"} {
		if got, _ := etcdHas(t, cli, key); got != want {
			t.Errorf("after the refused Apply %s = %q, want %q", key, got, want)
		}
	}
	if _, ok := etcdHas(t, cli, "/app/c"); ok {
		t.Error("the refused Apply created /app/c")
	}

	rev, err := s.Apply(ctx, []etcdstore.Write{
		{Key: "a", Delete: true, Revision: revA},
		{Key: "b", Value: []byte("3"), Revision: etcdstore.AnyRevision},
		{Key: "c", Value: []byte("not json"), Revision: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Revision("b") != rev || s.Revision("c") != rev {
		t.Errorf("Apply returned revision %d; b has %d, c %d", rev, s.Revision("b"), s.Revision("c"))
	}
	if s.Has("a") {
		t.Error("the view still has a after Apply returned")
	}
	if item, _ := s.Item("c"); string(item.Value) != "not json" {
		t.Errorf("c = %q, want the bytes given", item.Value)
	}
	if got, _ := etcdHas(t, cli, "/app/b"); got != "3" {
		t.Errorf("/app/b = %q after AnyRevision, want 3", got)
	}

	many := make([]etcdstore.Write, etcdstore.MaxApply+1)
	for i := range many {
		many[i] = etcdstore.Write{Key: strings.Repeat("k", i+1), Value: []byte("1")}
	}
	if _, err := s.Apply(ctx, many); err == nil {
		t.Error("Apply of more than MaxApply writes succeeded")
	}
	if _, err := s.Apply(ctx, many[:etcdstore.MaxApply]); err != nil {
		t.Errorf("Apply of MaxApply writes: %v", err)
	}
}
