package cli

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// completeFile completes a command's first argument, a file, with the
// shell's own file completion, and nothing after it.
func completeFile(_ *cobra.Command, a []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(a) == 0 {
		return nil, cobra.ShellCompDirectiveDefault
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// completeKeys completes SRC as a file and the arguments after it, up to
// argument number last (no limit if negative), with the keys of the store
// SRC names, opened read-only so that completing never waits for or
// disturbs a writer. A key already on the line is not offered again, and
// neither is one holding a control character or bytes that are not UTF-8,
// which a shell line cannot carry as typed (keys lists those quoted).
func completeKeys(last int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, a []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case len(a) == 0:
			return nil, cobra.ShellCompDirectiveDefault
		case last >= 0 && len(a) > last:
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		shortenTimeouts(cmd)
		store, err := openSource(cmd, a[0], true)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer store.Close()
		var keys []cobra.Completion
		for _, key := range keysWithPrefix(store, toComplete) {
			if utf8.ValidString(key) && !strings.ContainsFunc(key, isControl) && !slices.Contains(a[1:], key) {
				keys = append(keys, key)
			}
		}
		return keys, cobra.ShellCompDirectiveNoFileComp
	}
}

// keyLister is a source that can list keys without their values, at a
// fraction of the cost of a full read, as an etcd prefix can.
type keyLister interface {
	KeysWithPrefix(prefix string) ([]string, error)
}

// keysWithPrefix returns the keys of store that start with prefix, or
// none if they cannot be listed: a completion offers nothing rather than
// an error.
func keysWithPrefix(store source, prefix string) []string {
	if l, ok := store.(keyLister); ok {
		keys, err := l.KeysWithPrefix(prefix)
		if err != nil {
			return nil
		}
		return keys
	}
	var keys []string
	for key := range store.Prefix(prefix) {
		keys = append(keys, key)
	}
	return keys
}

// completionTimeout bounds each wait of a completion for a cluster: a
// shell waiting for it blocks the user's typing.
const completionTimeout = time.Second

// shortenTimeouts makes the connection timeouts a completion's, unless
// the command line set them. It leaves them unset, so that a file source
// does not take them for flags given to it.
func shortenTimeouts(cmd *cobra.Command) {
	for _, name := range []string{flagDialTimeout, flagCommandTimeout} {
		f := cmd.Root().PersistentFlags().Lookup(name)
		if !f.Changed {
			_ = f.Value.Set(completionTimeout.String())
		}
	}
}
