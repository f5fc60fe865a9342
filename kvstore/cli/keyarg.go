package cli

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore/exactjson"
)

// Keys are bytes: an etcd prefix may hold keys that other clients wrote
// and that are not UTF-8. Such a key is shown as the terminal UI shows it,
// quoted, with each byte that is not UTF-8 written \xNN ("app\xff"), and a
// KEY argument in that form names it.

// displayKey is key quoted as keys lists a key that needs quotes: a JSON
// string, but for bytes that are not UTF-8, written \xNN.
func displayKey(key string) string { return string(appendQuoted(nil, key)) }

// appendJSONKey appends key as JSON: a string when it is UTF-8, and
// otherwise {"base64": "..."}, as export's exact entries write bytes.
func appendJSONKey(dst []byte, key string) []byte {
	if utf8.ValidString(key) {
		return appendQuoted(dst, key)
	}
	return exactjson.AppendBytes(dst, []byte(key))
}

// keyArg is the key a KEY argument names: the argument as it is, or, when
// it is quoted ("..."), the key its escapes spell: those of a JSON string
// (\" \\ \/ \b \f \n \r \t \uXXXX), and \xNN for any byte and \UXXXXXXXX
// for any character, as keys and the terminal UI show keys. So every key
// keys lists, as it lists it, names that key again. A key that itself
// starts and ends with a quote is given quoted, with its quotes escaped.
func keyArg(cmd *cobra.Command, arg string) (string, error) {
	if len(arg) < 2 || arg[0] != '"' || arg[len(arg)-1] != '"' {
		return arg, nil
	}
	key, err := unquoteKey(arg[1 : len(arg)-1])
	if err != nil {
		return "", usagef(cmd, "the key %s is read as a quoted key, since it starts and ends with a quote, and %v "+
			`(a quote inside is written \", a backslash \\)`, arg, err)
	}
	return key, nil
}

// keyArgs is keyArg of each argument.
func keyArgs(cmd *cobra.Command, args []string) ([]string, error) {
	keys := make([]string, len(args))
	for i, a := range args {
		k, err := keyArg(cmd, a)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	return keys, nil
}

// unquoteKey decodes the text between the quotes of a quoted key.
func unquoteKey(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			return "", fmt.Errorf("has a quote at byte %d that is not escaped", i+2)
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		case i+1 == len(s):
			return "", fmt.Errorf("ends with a lone backslash")
		}
		esc := s[i+1]
		i += 2
		hex := func(n int) (uint64, error) {
			if i+n > len(s) {
				return 0, fmt.Errorf(`has \%c without %d hex digits`, esc, n)
			}
			v, err := strconv.ParseUint(s[i:i+n], 16, 32)
			if err != nil {
				return 0, fmt.Errorf(`has \%c%s, which is not %d hex digits`, esc, s[i:i+n], n)
			}
			i += n
			return v, nil
		}
		switch esc {
		case '"', '\\', '/':
			b.WriteByte(esc)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			v, err := hex(2)
			if err != nil {
				return "", err
			}
			b.WriteByte(byte(v))
		case 'u':
			v, err := hex(4)
			if err != nil {
				return "", err
			}
			r := rune(v)
			if utf16.IsSurrogate(r) && strings.HasPrefix(s[i:], `\u`) {
				save := i
				i += 2
				lo, err := hex(4)
				if pair := utf16.DecodeRune(r, rune(lo)); err == nil && pair != utf8.RuneError {
					r = pair
				} else {
					i = save
				}
			}
			b.WriteRune(r)
		case 'U':
			v, err := hex(8)
			if err != nil {
				return "", err
			}
			b.WriteRune(rune(v))
		default:
			return "", fmt.Errorf(`has \%c, which is not an escape`, esc)
		}
	}
	return b.String(), nil
}
