// Package schema checks a store's values against JSON Schemas chosen by key.
//
// A schemas file is a JSON object that maps key patterns to schemas:
//
//	{
//	  "user/*": {"$ref": "user.schema.json"},
//	  "settings": {"type": "object", "required": ["theme"]}
//	}
//
// A pattern is a glob over the whole key: * matches any run of characters,
// / included (user/* matches user/42 and user/42/profile), ? matches one
// character, [abc] and [a-z] one character of a class, and \ quotes the
// character after it. A value must satisfy the schema of every pattern its
// key matches; a key no pattern matches is not checked. Schemas follow
// JSON Schema drafts 4, 6, 7, 2019-09 and 2020-12 (the draft a schema's
// $schema names; 2020-12 when it names none). A $ref is resolved relative
// to the schemas file, and only files are read: nothing is fetched over the
// network.
//
// A Set's Validate method fits kvstore.Options.Validate, so a store refuses
// values that violate their schema before it accepts them.
package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Set is a compiled schemas file: the schema of each key pattern, in the
// file's order. It is safe for concurrent use.
type Set struct {
	path  string
	rules []rule
}

type rule struct {
	pattern string
	schema  *jsonschema.Schema
}

// Load reads and compiles the schemas file at path. Its errors name the
// file, and the pattern whose schema is at fault.
func Load(path string) (*Set, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("schemas %s: %w", path, err)
	}
	text, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	patterns, err := patternsOf(text)
	if err != nil {
		return nil, fmt.Errorf("schemas %s: %w", path, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("schemas %s: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	// Only files: a schema must never make a check reach the network.
	c.UseLoader(jsonschema.SchemeURLLoader{"file": jsonschema.FileLoader{}})
	base := fileURL(abs)
	if err := c.AddResource(base, doc); err != nil {
		return nil, fmt.Errorf("schemas %s: %w", path, err)
	}
	set := &Set{path: path}
	for _, p := range patterns {
		if _, err := matchPattern(p, ""); err != nil {
			return nil, fmt.Errorf("schemas %s: pattern %q: %w", path, p, err)
		}
		sch, err := c.Compile(base + "#/" + escapePointer(p))
		if err != nil {
			return nil, fmt.Errorf("schemas %s: the schema of %q: %w", path, p, err)
		}
		set.rules = append(set.rules, rule{pattern: p, schema: sch})
	}
	return set, nil
}

// Beside returns the schemas file that goes with the data file at path,
// NAME.schemas.json beside NAME.json, and whether it exists.
func Beside(path string) (string, bool) {
	name := strings.TrimSuffix(path, filepath.Ext(path)) + ".schemas.json"
	info, err := os.Stat(name)
	return name, err == nil && info.Mode().IsRegular()
}

// Path returns the schemas file the set was loaded from.
func (s *Set) Path() string { return s.path }

// Patterns returns the set's key patterns in the file's order.
func (s *Set) Patterns() []string {
	out := make([]string, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.pattern
	}
	return out
}

// Covers reports whether some pattern of the set matches key.
func (s *Set) Covers(key string) bool {
	for _, r := range s.rules {
		if ok, _ := matchPattern(r.pattern, key); ok {
			return true
		}
	}
	return false
}

// Validate checks the JSON text raw, to be stored under key, against the
// schema of every pattern key matches. It returns nil when raw satisfies
// them all (or none applies), a *ValidationError listing every violation
// otherwise, or an error if raw is not JSON.
func (s *Set) Validate(key string, raw []byte) error {
	var value any
	var found []Violation
	for _, r := range s.rules {
		if ok, _ := matchPattern(r.pattern, key); !ok {
			continue
		}
		if value == nil {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			value = v
		}
		err := r.schema.Validate(value)
		if err == nil {
			continue
		}
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Errorf("%s: %w", key, err)
		}
		found = append(found, violations(ve, r.pattern)...)
	}
	if len(found) == 0 {
		return nil
	}
	return &ValidationError{Key: key, Schemas: s.path, Violations: found}
}

// ValidationError is the error of a value that violates its key's schema.
type ValidationError struct {
	Key        string      // the key the value was to be stored under
	Schemas    string      // the schemas file
	Violations []Violation // each violation, in the value's order
}

// Violation is one place where a value breaks its schema.
type Violation struct {
	// Pointer locates the offending part of the value, as a JSON Pointer
	// (RFC 6901); "" is the whole value.
	Pointer string
	// Message says what is wrong, as the schema's keyword puts it.
	Message string
	// Pattern is the key pattern whose schema the value breaks.
	Pattern string
}

// String formats v as POINTER: MESSAGE, the pointer "/" for the whole value.
func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + v.Message
}

// Error lists the violations one per line, each as KEY: POINTER: MESSAGE.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s: %s", e.Key, v)
	}
	return b.String()
}

// violations flattens a validation error into its leaves: the causes that
// say what is wrong, rather than the schemas and references that led to
// them, in the order the validator found them.
func violations(ve *jsonschema.ValidationError, pattern string) []Violation {
	var list []Violation
	seen := map[Violation]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		v := Violation{Pointer: jsonPointer(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(english), Pattern: pattern}
		if !seen[v] {
			seen[v] = true
			list = append(list, v)
		}
	}
	walk(ve)
	return list
}

var english = message.NewPrinter(language.English)

func jsonPointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapePointer(t))
	}
	return b.String()
}

func escapePointer(token string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}

func fileURL(abs string) string {
	return "file://" + filepath.ToSlash(abs)
}

// patternsOf returns the keys of the schemas file's top-level object in the
// file's order, refusing anything but an object of schemas.
func patternsOf(text []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object of key patterns and schemas")
	}
	var patterns []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		p := tok.(string)
		var sch json.RawMessage
		if err := dec.Decode(&sch); err != nil {
			return nil, err
		}
		if t := bytes.TrimSpace(sch); len(t) == 0 || (t[0] != '{' && string(t) != "true" && string(t) != "false") {
			return nil, fmt.Errorf("the schema of %q is not an object or a boolean", p)
		}
		patterns = append(patterns, p)
	}
	return patterns, nil
}
