package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore/jq"
	"github.com/kvstore-dev/kvstore/kvstore/schema"
)

// This file holds what the commands know of a value's structure: jq
// expressions (get --jq, keys --where, export --where) and JSON Schema
// checks (validate, and the writers' refusal of a value that breaks its
// key's schema).

// whereFlags are the flags that select keys by a jq expression.
type whereFlags struct {
	expr   string
	strict bool
}

func (w *whereFlags) define(cmd *cobra.Command) {
	cmd.Flags().StringVar(&w.expr, "where", "",
		"only the keys whose value makes the jq `EXPR` true (its first output neither false nor null)")
	cmd.Flags().BoolVar(&w.strict, "strict", false,
		"with --where, fail on a value the expression cannot be applied to, instead of leaving it out")
}

// filter returns entries narrowed to the values that match the --where
// expression, or entries as they are without one. With --strict an
// expression error stops the listing; *failed is set to it.
func (w *whereFlags) filter(cmd *cobra.Command, entries iter.Seq2[string, json.RawMessage], failed *error) (iter.Seq2[string, json.RawMessage], error) {
	if w.expr == "" {
		if w.strict {
			return nil, usagef(cmd, "--strict goes with --where")
		}
		return entries, nil
	}
	q, err := jq.Compile(w.expr)
	if err != nil {
		return nil, usagef(cmd, "--where: %v", err)
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return func(yield func(string, json.RawMessage) bool) {
		for key, raw := range entries {
			ok, err := q.Match(ctx, raw)
			if err != nil && w.strict {
				*failed = fmt.Errorf("--where on %q: %w", key, err)
				return
			}
			if ok && !yield(key, raw) {
				return
			}
		}
	}, nil
}

// schemaFlag is the --schemas flag of the commands that check values.
type schemaFlag struct{ path string }

func (s *schemaFlag) define(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.path, "schemas", "",
		"check values against the JSON Schemas in `FILE` (default: NAME.schemas.json beside NAME.json, if present)")
}

// load returns the schemas that apply to src: those of --schemas, else
// those beside a data file, else none (nil).
func (s *schemaFlag) load(src string) (*schema.Set, error) {
	path := s.path
	if path == "" {
		if isEtcd(src) {
			return nil, nil
		}
		beside, ok := schema.Beside(src)
		if !ok {
			return nil, nil
		}
		path = beside
	}
	return schema.Load(path)
}

// refuseViolations checks each value against set (nil checks nothing).
// Every violation goes to stderr, one per line as KEY: POINTER: MESSAGE,
// and the error says how many values were refused, so that the command
// fails before it writes anything.
func refuseViolations(cmd *cobra.Command, set *schema.Set, what string, values iter.Seq2[string, []byte]) error {
	if set == nil {
		return nil
	}
	refused := 0
	for key, raw := range values {
		err := set.Validate(key, raw)
		if err == nil {
			continue
		}
		var ve *schema.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Errorf("%s %q: %w", what, key, err)
		}
		refused++
		printViolations(cmd, ve)
	}
	switch refused {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s: a value breaks its schema in %s; nothing written", what, set.Path())
	}
	return fmt.Errorf("%s: %d values break their schemas in %s; nothing written", what, refused, set.Path())
}

// printViolations writes a value's violations to stderr, each on its own
// line, escaped like an error message.
func printViolations(cmd *cobra.Command, ve *schema.ValidationError) {
	w := cmd.ErrOrStderr()
	for _, v := range ve.Violations {
		fmt.Fprintln(w, oneLine(quoteIfNeeded(ve.Key)+": "+v.String()))
	}
}

// quoteIfNeeded returns key as it is, or as a JSON string when it could be
// mistaken for something else at the start of a KEY: POINTER: MESSAGE line.
func quoteIfNeeded(key string) string {
	if key == "" || strings.ContainsAny(key, ":\"") || needsQuotes(key, true) {
		return string(appendQuoted(nil, key))
	}
	return key
}

// one yields a single key and value.
func one(key string, raw []byte) iter.Seq2[string, []byte] {
	return func(yield func(string, []byte) bool) { yield(key, raw) }
}

func validateCommand() *cobra.Command {
	var schemas schemaFlag
	cmd := &cobra.Command{
		Use:   "validate SRC",
		Short: "Check every value against its key's JSON Schema",
		Long: "validate checks each value of SRC against the schemas of the patterns its key matches, " +
			"and prints every violation as KEY: /json/pointer: message, one per line. The exit " +
			"status is 1 when a value breaks its schema. The schemas come from --schemas FILE, or " +
			"for a data file NAME.json from NAME.schemas.json beside it: a JSON object mapping key " +
			"globs (* matches any text, / included) to schemas, whose $ref paths are relative to " +
			"the schemas file.",
		Example: `  kvstore validate data.json
  kvstore validate etcd://127.0.0.1:2379/app/ --schemas app.schemas.json`,
		Args:              operands(1, 1),
		ValidArgsFunction: completeFile,
		RunE: func(cmd *cobra.Command, a []string) error {
			src := a[0]
			set, err := schemas.load(src)
			if err != nil {
				return err
			}
			if set == nil {
				name, _ := schema.Beside(src)
				if isEtcd(src) {
					return usagef(cmd, "no schemas for %s: give --schemas FILE", src)
				}
				return fmt.Errorf("no schemas for %s: give --schemas FILE or write %s", src, name)
			}
			store, err := openSource(cmd, src, true)
			if err != nil {
				return err
			}
			var out []byte
			bad, checked := 0, 0
			for key, raw := range store.All() {
				if !set.Covers(key) {
					continue
				}
				checked++
				err := set.Validate(key, raw)
				var ve *schema.ValidationError
				switch {
				case errors.As(err, &ve):
					bad++
					for _, v := range ve.Violations {
						out = append(out, quoteIfNeeded(key)+": "+v.String()+"\n"...)
					}
				case err != nil:
					return closeStore(store, err)
				}
			}
			if err := closeStore(store, listErr(store)); err != nil {
				return err
			}
			if err := writeOut(cmd, out); err != nil {
				return err
			}
			if bad > 0 {
				return fmt.Errorf("%d of %d checked values in %s break their schemas", bad, checked, src)
			}
			return nil
		},
	}
	schemas.define(cmd)
	return cmd
}
