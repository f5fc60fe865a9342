package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore"
	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// With its only member stopped, a write gives up when its context ends and
// says the cluster is unavailable; a conflict, a closed store and a value
// refused are something else. Once the member is back, the same write
// with the same revision check goes through.
func TestIsUnavailable(t *testing.T) {
	srv := etcdtest.StartServer(t, "solo")
	s := openStore(t, etcdstore.Config{Endpoints: []string{srv.Endpoint()}, Prefix: "/u/"})
	if err := s.Set("k", 1); err != nil {
		t.Fatal(err)
	}
	rev := s.Revision("k")
	_, err := s.Apply(context.Background(), []etcdstore.Write{{Key: "k", Value: []byte("1"), Revision: rev - 1}})
	if !errors.Is(err, kvstore.ErrConflict) || etcdstore.IsUnavailable(err) {
		t.Errorf("conflict: IsUnavailable(%v) = %v", err, etcdstore.IsUnavailable(err))
	}
	if _, err := s.Apply(context.Background(), []etcdstore.Write{{Key: "bad", Value: []byte("1")}, {Key: "bad", Value: []byte("2")}}); err == nil || etcdstore.IsUnavailable(err) {
		t.Errorf("a refused apply: IsUnavailable(%v) = %v", err, etcdstore.IsUnavailable(err))
	}

	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	write := []etcdstore.Write{{Key: "k", Value: []byte("2"), Revision: rev}}
	_, err = s.Apply(ctx, write)
	if !etcdstore.IsUnavailable(err) {
		t.Errorf("with the member stopped: IsUnavailable(%v) = false", err)
	}

	srv.Restart(t)
	etcdtest.UntilAnswered(t, "the write once the member is back", func() error {
		_, err := s.Apply(context.Background(), write)
		return err
	})
	if got, _ := s.GetRaw("k"); string(got) != "2" {
		t.Errorf("after the member came back k = %s, want 2", got)
	}

	for _, err := range []error{
		fmt.Errorf("etcdstore: set %q: %w", "k", rpctypes.ErrNoLeader),
		fmt.Errorf("etcdstore: set %q: %w", "k", rpctypes.ErrGRPCTimeoutDueToLeaderFail),
		fmt.Errorf("etcdstore: set %q: %w", "k", context.DeadlineExceeded),
	} {
		if !etcdstore.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = false", err)
		}
	}
	for _, err := range []error{nil, kvstore.ErrClosed, kvstore.ErrReadOnly, context.Canceled, errors.New("other")} {
		if etcdstore.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = true", err)
		}
	}
}
