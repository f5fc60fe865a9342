package cli

import (
	"math/rand/v2"
	"testing"

	"github.com/spf13/cobra"
)

// Every key, whatever its bytes, is named again by the form keys lists it
// in: displayKey's quoted text read back as a KEY argument is the key.
func TestDisplayedKeyNamesTheKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 25))
	keys := []string{"", `"`, `""`, `\`, `"quoted"`, "a\xffb", "\xed\xa0\x80", "tab\there", "\u2028", "😀", "caf\u00e9", `\x41`}
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		keys = append(keys, string(b))
	}
	cmd := &cobra.Command{Use: "get"}
	for _, key := range keys {
		shown := displayKey(key)
		got, err := keyArg(cmd, shown)
		if err != nil || got != key {
			t.Errorf("%q shows as %s, which names %q (%v)", key, shown, got, err)
		}
	}
}
