package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/kvstore-dev/kvstore/kvstore/termsafe"
)

// usageError is a command line that does not fit the command: a wrong
// number of arguments, an unknown flag, a bad flag value. It exits with
// status 2, so a script can tell its own mistake from a failed operation.
type usageError struct {
	err  error
	help string // the command whose --help explains, e.g. "kvstore get"
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(cmd *cobra.Command, format string, a ...any) error {
	return &usageError{err: fmt.Errorf(format, a...), help: cmd.CommandPath()}
}

// flagError is the root's flag error function, inherited by every command:
// cobra reports flag problems as plain errors, which would exit with 1.
func flagError(cmd *cobra.Command, err error) error {
	return &usageError{err: err, help: cmd.CommandPath()}
}

// args wraps a cobra argument validator so that its complaint is a usage
// error.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return &usageError{err: err, help: cmd.CommandPath()}
		}
		return nil
	}
}

// operands is the argument check of a command that takes between least and
// most operands (most < 0: no limit). Its message repeats what the command
// takes, from its Use line, so the fix is in the error.
func operands(least, most int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if len(a) >= least && (most < 0 || len(a) <= most) {
			return nil
		}
		_, want, _ := strings.Cut(cmd.Use, " ")
		noun := "arguments"
		if len(a) == 1 {
			noun = "argument"
		}
		return usagef(cmd, "%s takes %s, got %d %s", cmd.Name(), want, len(a), noun)
	}
}

// ExitCode is the exit status for the error fang.Execute returned: 0 for
// none, 2 for a usage error, 3 when an etcd cluster could not be reached
// or did not answer in time (a script may try again later; see
// kvstore.ErrUnreachable), 1 for every other failure.
func ExitCode(err error) int {
	var usage *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage):
		return 2
	case errors.Is(err, kvstore.ErrUnreachable):
		return exitUnreachable
	}
	return 1
}

// exitUnreachable is the exit status of a command that could not reach
// its etcd cluster, which trying again later may cure, unlike a missing
// key or an invalid value.
const exitUnreachable = 3

// unreachableError is an error that says in its own words that the cluster
// did not answer, and is kvstore.ErrUnreachable for ExitCode.
type unreachableError struct{ error }

func (e unreachableError) Unwrap() []error { return []error{e.error, kvstore.ErrUnreachable} }

// PrintError is the fang.ErrorHandler of the program: the error on one line
// starting with "kvstore: " once, with no styling, because scripts read it.
// A usage error points to --help.
func PrintError(w io.Writer, _ fang.Styles, err error) {
	msg := oneLine(err.Error())
	var usage *usageError
	if errors.As(err, &usage) {
		msg += " (see " + usage.help + " --help)"
	}
	fmt.Fprintln(w, "kvstore: "+msg)
}

// oneLine makes an error message fit one line of stderr without a prefix:
// the stores' errors start with "kvstore: " or "etcdstore: " and sometimes
// wrap one another,
// so the prefix is dropped wherever it follows the start or a ": " outside a
// quoted string (keys are quoted, and a key may well contain "kvstore: ").
// Line ends become spaces, and every other character termsafe calls unsafe,
// which a file name may hold, is escaped, so the message cannot move the
// cursor, colour the terminal or reorder its own text.
func oneLine(msg string) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(msg); {
		if !quoted && (i == 0 || strings.HasSuffix(msg[:i], ": ")) {
			if p := packagePrefix(msg[i:]); p != "" {
				i += len(p)
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(msg[i:])
		switch {
		case r == '"':
			quoted = !quoted
			b.WriteByte('"')
		case r == '\\' && quoted && i+1 < len(msg):
			// An escape in a quoted key: its next byte is never a quote
			// that ends the key.
			b.WriteString(msg[i : i+2])
			size = 2
		case r == '\n':
			b.WriteByte(' ')
		case termsafe.Unsafe(r) && r > 0xffff:
			fmt.Fprintf(&b, `\U%08x`, r)
		case termsafe.Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(msg[i : i+size])
		}
		i += size
	}
	return strings.TrimSpace(b.String())
}

// packagePrefix returns the prefix of the stores' errors that msg starts
// with, or "".
func packagePrefix(msg string) string {
	for _, p := range []string{"kvstore: ", "etcdstore: "} {
		if strings.HasPrefix(msg, p) {
			return p
		}
	}
	return ""
}

// isControl reports whether r is a C0 or C1 control character or DEL:
// the characters a terminal may act on instead of showing.
func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f)
}
