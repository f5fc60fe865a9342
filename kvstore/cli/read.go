package cli

import (
	"fmt"

	"github.com/kvstore-dev/kvstore/kvstore"
	"github.com/spf13/cobra"
)

// The readers open their source read-only, so they work while the terminal
// UI or an application holds the file.

func getCommand() *cobra.Command {
	var pretty bool
	cmd := &cobra.Command{
		Use:   "get SRC KEY",
		Short: "Print the JSON value of KEY",
		Long: "get prints the value of KEY as it is stored, on one line: numbers keep their exact " +
			"digits. With --pretty it is indented. A missing key is an error (exit status 1).",
		Args:              operands(2, 2),
		ValidArgsFunction: completeKeys(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			src, key := a[0], a[1]
			store, err := openSource(cmd, src, true, key)
			if err != nil {
				return err
			}
			raw, ok := store.GetRaw(key)
			if err := closeStore(store, nil); err != nil {
				return err
			}
			if !ok {
				return errNoKey(src, key)
			}
			if pretty {
				raw = kvstore.Indent(raw)
			}
			return writeOut(cmd, append(raw, '\n'))
		},
	}
	cmd.Flags().BoolVar(&pretty, "pretty", false, "indent the value")
	return cmd
}

// errNoKey is the error for a key the store does not hold.
func errNoKey(src, key string) error {
	return fmt.Errorf("no key %q in %s", key, src)
}

func keysCommand() *cobra.Command {
	var prefix string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "keys SRC",
		Short: "List the keys, sorted",
		Long: "keys prints the keys in byte order, one per line. A key that holds a line end or another " +
			"control character, or starts with a quote, is printed as a JSON string, so every line " +
			"reads back as exactly one key. --json prints one JSON array instead.",
		Args: operands(1, 1),
		RunE: func(cmd *cobra.Command, a []string) error {
			store, err := openSource(cmd, a[0], true)
			if err != nil {
				return err
			}
			tty := isTerminal(cmd.OutOrStdout())
			var out []byte
			if asJSON {
				out = append(out, '[')
			}
			for key := range store.Prefix(prefix) {
				if asJSON && len(out) > 1 {
					out = append(out, ',')
				}
				if asJSON || needsQuotes(key, tty) {
					out = appendQuoted(out, key)
				} else {
					out = append(out, key...)
				}
				if !asJSON {
					out = append(out, '\n')
				}
			}
			if asJSON {
				out = append(out, ']', '\n')
			}
			if err := closeStore(store, listErr(store)); err != nil {
				return err
			}
			return writeOut(cmd, out)
		},
	}
	cmd.Flags().StringVar(&prefix, "prefix", "", "list only the keys that start with `P`")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the keys as one JSON array")
	return cmd
}
