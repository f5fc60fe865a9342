package jq_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore/jq"
)

func TestOutputs(t *testing.T) {
	ctx := context.Background()
	value := `{"name": "Ann", "price": 10.50, "id": 12345678901234567890, "tags": ["a", "b"], "html": "<b>"}`
	tests := []struct {
		expr string
		want []string
	}{
		{".name", []string{`"Ann"`}},
		{".price", []string{`10.50`}},
		{".id", []string{`12345678901234567890`}},
		{".tags[]", []string{`"a"`, `"b"`}},
		{".missing", []string{`null`}},
		{"{name, n: (.tags | length)}", []string{`{"n":2,"name":"Ann"}`}},
		{".html", []string{`"<b>"`}},
		{"empty", nil},
		{".price * 2", []string{`21`}},
	}
	for _, tt := range tests {
		q, err := jq.Compile(tt.expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.expr, err)
		}
		outs, err := q.Outputs(ctx, []byte(value))
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		var got []string
		for _, o := range outs {
			got = append(got, string(o))
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s = %q; want %q", tt.expr, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		expr, value string
		want        bool
		err         bool
	}{
		{".active", `{"active": true}`, true, false},
		{".active", `{"active": false}`, false, false},
		{".active", `{}`, false, false},
		{".age > 30", `{"age": 31}`, true, false},
		{".age > 30", `{"age": 30}`, false, false},
		{".name", `{"name": ""}`, true, false}, // "" is truthy in jq
		{"0", `null`, true, false},             // so is 0
		{"empty", `{}`, false, false},
		{".a.b", `"text"`, false, true},
	}
	for _, tt := range tests {
		q, err := jq.Compile(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := q.Match(ctx, []byte(tt.value))
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("Match(%s, %s) = %v, %v; want %v, error %v", tt.expr, tt.value, got, err, tt.want, tt.err)
		}
	}
}

func TestCompileErrorLocatesTheFault(t *testing.T) {
	_, err := jq.Compile(".a | }")
	var je *jq.Error
	if !errors.As(err, &je) {
		t.Fatalf("Compile = %v; want a *jq.Error", err)
	}
	if je.Offset != 5 || !strings.Contains(err.Error(), "column 6") || !strings.Contains(err.Error(), `".a | }"`) {
		t.Errorf("error %q at offset %d; want column 6 of the expression", err, je.Offset)
	}
	if _, err := jq.Compile("nosuchfunction(1)"); err == nil || !strings.Contains(err.Error(), "nosuchfunction") {
		t.Errorf("an unknown function compiled: %v", err)
	}
}

func TestRunStopsWithTheContext(t *testing.T) {
	q, err := jq.Compile("repeat(.)")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range q.Run(ctx, []byte(`1`)) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 100 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("an endless query ended with %v after %d outputs; want context.Canceled", last, n)
	}
}

func TestRawString(t *testing.T) {
	for v, want := range map[any]string{"a\tb": "a\tb", nil: "null", true: "true"} {
		got, err := jq.RawString(v)
		if err != nil || string(got) != want {
			t.Errorf("RawString(%#v) = %q, %v; want %q", v, got, err, want)
		}
	}
}

func ExampleQuery_Outputs() {
	q, err := jq.Compile(".items[] | select(.qty > 1) | .name")
	if err != nil {
		panic(err)
	}
	outs, err := q.Outputs(context.Background(), []byte(`{"items": [{"name": "pen", "qty": 3}, {"name": "ink", "qty": 1}]}`))
	if err != nil {
		panic(err)
	}
	for _, o := range outs {
		fmt.Println(string(o))
	}
	// Output: "pen"
}
