package schema_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore/schema"
)

// writeFiles writes name -> text files into a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const userSchema = `{
  "type": "object",
  "required": ["name"],
  "properties": {
    "name": {"type": "string", "minLength": 1},
    "age": {"type": "integer", "minimum": 0},
    "tags": {"type": "array", "items": {"type": "string"}}
  }
}`

func loadSet(t *testing.T) *schema.Set {
	t.Helper()
	dir := writeFiles(t, map[string]string{
		"app.schemas.json": `{
  "user/*": {"$ref": "user.schema.json"},
  "settings": {"type": "object", "required": ["theme"]},
  "*/count": {"type": "integer"}
}`,
		"user.schema.json": userSchema,
	})
	set, err := schema.Load(filepath.Join(dir, "app.schemas.json"))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestValidate(t *testing.T) {
	set := loadSet(t)
	tests := []struct {
		key, value string
		want       []string // KEY: POINTER: MESSAGE lines; none when valid
	}{
		{"user/1", `{"name": "Ann", "age": 30}`, nil},
		{"user/1/profile", `{"name": "Ann"}`, nil},
		{"user/2", `{"age": -1}`, []string{
			`user/2: /: missing property 'name'`,
			`user/2: /age: minimum: got -1, want 0`,
		}},
		{"user/3", `{"name": "Bo", "tags": ["a", 7]}`, []string{
			`user/3: /tags/1: got number, want string`,
		}},
		{"settings", `{"theme": "dark"}`, nil},
		{"settings", `[]`, []string{`settings: /: got array, want object`}},
		{"other", `"anything"`, nil},
		{"stats/count", `1.5`, []string{`stats/count: /: got number, want integer`}},
		{"user/9/count", `1.5`, []string{
			`user/9/count: /: got number, want object`,
			`user/9/count: /: got number, want integer`,
		}},
	}
	for _, tt := range tests {
		err := set.Validate(tt.key, []byte(tt.value))
		if tt.want == nil {
			if err != nil {
				t.Errorf("Validate(%q, %s) = %v; want nil", tt.key, tt.value, err)
			}
			continue
		}
		var ve *schema.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("Validate(%q, %s) = %v; want a *ValidationError", tt.key, tt.value, err)
			continue
		}
		got := strings.Split(err.Error(), "\n")
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("Validate(%q, %s):\n got %q\nwant %q", tt.key, tt.value, got, tt.want)
		}
	}
}

func TestValidateEveryMatchingPattern(t *testing.T) {
	set := loadSet(t)
	// user/x/count matches user/* and */count: both must hold.
	err := set.Validate("user/x/count", []byte(`3`))
	if err == nil || !strings.Contains(err.Error(), "want object") {
		t.Fatalf("a value that satisfies only */count passed user/*: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"not an object", `["user/*"]`, "not a JSON object"},
		{"invalid JSON", `{"a": }`, "schemas"},
		{"schema not an object", `{"a": 3}`, `the schema of "a" is not an object`},
		{"bad pattern", `{"user/[": {}}`, `pattern "user/["`},
		{"bad schema", `{"a": {"type": 3}}`, `the schema of "a"`},
		{"missing ref", `{"a": {"$ref": "nowhere.json"}}`, `the schema of "a"`},
		{"network ref", `{"a": {"$ref": "https://example.com/s.json"}}`, `the schema of "a"`},
	}
	for _, tt := range tests {
		dir := writeFiles(t, map[string]string{"s.json": tt.text})
		_, err := schema.Load(filepath.Join(dir, "s.json"))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "s.json") {
			t.Errorf("%s: Load = %v; want an error naming the file and containing %q", tt.name, err, tt.want)
		}
	}
}

func TestBeside(t *testing.T) {
	dir := writeFiles(t, map[string]string{"data.schemas.json": `{}`})
	name, ok := schema.Beside(filepath.Join(dir, "data.json"))
	if !ok || name != filepath.Join(dir, "data.schemas.json") {
		t.Errorf("Beside(data.json) = %q, %v", name, ok)
	}
	if _, ok := schema.Beside(filepath.Join(dir, "other.json")); ok {
		t.Error("Beside found a schemas file for other.json")
	}
}
