package jq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore/jq"
)

// values returns n user records of about 200 bytes, as keys --where scans.
func values(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"name":"user %d","email":"user%d@example.com","age":%d,"active":%t,`+
			`"tags":["alpha","beta","gamma"],"address":{"city":"Springfield","zip":"%05d"},"balance":%d.%02d}`,
			i, i, 18+i%70, i%3 == 0, i%100000, i%10000, i%100)
	}
	return out
}

// BenchmarkWhere measures one keys --where pass over 100k values: the
// expression's work beside the floor of decoding each value with
// encoding/json in the same run. The command:
//
//	go test -run '^$' -bench Where -benchtime 5x -count 3 ./kvstore/jq/
func BenchmarkWhere(b *testing.B) {
	vals := values(100_000)
	b.Run("decode-only", func(b *testing.B) {
		for b.Loop() {
			for _, v := range vals {
				var x any
				if err := json.Unmarshal(v, &x); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	for _, expr := range []string{`.age > 30`, `.tags | index("beta")`, `.address.city == "Springfield" and .active`} {
		b.Run(expr, func(b *testing.B) {
			q, err := jq.Compile(expr)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for b.Loop() {
				n := 0
				for _, v := range vals {
					ok, err := q.Match(ctx, v)
					if err != nil {
						b.Fatal(err)
					}
					if ok {
						n++
					}
				}
				if n == 0 {
					b.Fatal("nothing matched")
				}
			}
		})
	}
}
