// Package jq runs jq expressions over a store's JSON values, with
// github.com/itchyny/gojq, a jq written in Go.
//
// Numbers keep their digits: a value's numbers reach the expression as
// written in the store (json.Number), and a number the expression passes
// through untouched is printed as it was, so .price on {"price": 10.50}
// prints 10.50 and a 20-digit id is not rounded. Arithmetic follows jq.
// Objects are printed with their keys sorted, as gojq does.
//
//	q, err := jq.Compile(".name")
//	outs, err := q.Outputs(ctx, []byte(`{"name": "Ann"}`)) // ["\"Ann\""]
package jq

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/itchyny/gojq"
)

// Query is a compiled jq expression. It is safe for concurrent use.
type Query struct {
	expr string
	code *gojq.Code
}

// Error is the error of an expression that does not compile: what is
// wrong, and where in the expression.
type Error struct {
	Expr   string // the expression as given
	Offset int    // the byte offset of the fault in Expr
	Msg    string // what is wrong
}

// Error formats the fault as `jq: MESSAGE at column N of "EXPR"`.
func (e *Error) Error() string {
	return fmt.Sprintf("jq: %s at column %d of %q", e.Msg, e.Offset+1, e.Expr)
}

// Compile parses and compiles a jq expression. Its error is an *Error that
// locates the fault.
func Compile(expr string) (*Query, error) {
	parsed, err := gojq.Parse(expr)
	if err != nil {
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			off := pe.Offset - len(pe.Token)
			off = max(0, min(off, len(expr)))
			return nil, &Error{Expr: expr, Offset: off, Msg: pe.Error()}
		}
		return nil, &Error{Expr: expr, Msg: err.Error()}
	}
	code, err := gojq.Compile(parsed)
	if err != nil {
		return nil, &Error{Expr: expr, Msg: err.Error()}
	}
	return &Query{expr: expr, code: code}, nil
}

// String returns the expression as given.
func (q *Query) String() string { return q.expr }

// Run applies the query to the JSON text raw and yields its outputs as Go
// values (nil, bool, json.Number or another number, string, []any,
// map[string]any). An error ends the sequence: raw that is not JSON, or
// the expression's own error (.a on a string), or ctx's.
func (q *Query) Run(ctx context.Context, raw []byte) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		v, err := decode(raw)
		if err != nil {
			yield(nil, err)
			return
		}
		outs := q.code.RunWithContext(ctx, v)
		for {
			out, ok := outs.Next()
			if !ok {
				return
			}
			if err, isErr := out.(error); isErr {
				var halt *gojq.HaltError
				if errors.As(err, &halt) && halt.Value() == nil {
					return
				}
				yield(nil, fmt.Errorf("jq: %w", err))
				return
			}
			if !yield(out, nil) {
				return
			}
		}
	}
}

// Outputs applies the query to raw and returns every output as compact
// JSON text.
func (q *Query) Outputs(ctx context.Context, raw []byte) ([][]byte, error) {
	var list [][]byte
	for out, err := range q.Run(ctx, raw) {
		if err != nil {
			return list, err
		}
		text, err := Encode(out)
		if err != nil {
			return list, err
		}
		list = append(list, text)
	}
	return list, nil
}

// Match reports whether the query's first output on raw is truthy: neither
// false nor null, as jq's select keeps a value. A query without outputs
// does not match. The error is the query's (or raw's, or ctx's).
func (q *Query) Match(ctx context.Context, raw []byte) (bool, error) {
	for out, err := range q.Run(ctx, raw) {
		if err != nil {
			return false, err
		}
		return out != nil && out != false, nil
	}
	return false, nil
}

// Encode writes an output of Run as compact JSON, as jq -c prints it.
func Encode(v any) ([]byte, error) {
	text, err := gojq.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("jq: %w", err)
	}
	return text, nil
}

// RawString returns the output as jq -r prints it: a string's text without
// quotes or escapes, anything else as compact JSON.
func RawString(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	return Encode(v)
}

// decode reads one JSON value, numbers as json.Number so their digits
// survive.
func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("jq: the value is not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("jq: the value is not one JSON value")
	}
	return v, nil
}
