package cli

import (
	"slices"
	"strings"

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
// neither is one holding a control character, which a shell line cannot
// carry as typed.
func completeKeys(last int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, a []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		switch {
		case len(a) == 0:
			return nil, cobra.ShellCompDirectiveDefault
		case last >= 0 && len(a) > last:
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		store, err := openSource(cmd, a[0], true)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer store.Close()
		var keys []cobra.Completion
		for key := range store.Prefix(toComplete) {
			if !strings.ContainsFunc(key, isControl) && !slices.Contains(a[1:], key) {
				keys = append(keys, key)
			}
		}
		return keys, cobra.ShellCompDirectiveNoFileComp
	}
}
