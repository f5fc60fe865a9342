package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kvstore-dev/kvstore/kvstore"
)

// CloseMessage is what the program says when closing the store failed,
// err being Close's error: one line for someone who cannot call the
// library. When the file had changed on disk, so that our version went to
// a new file beside it, it says where, and how to bring that version back.
func CloseMessage(err error) string {
	rescue := kvstore.RescueFile(err)
	if rescue == "" {
		return "kvstore: changes not saved: " + cleanError(err)
	}
	data := rescue
	if i := strings.LastIndex(rescue, ".unsaved-"); i > 0 {
		data = rescue[:i]
	}
	what := "changed on disk"
	if fileDeleted(err) {
		what = "was deleted"
	}
	return fmt.Sprintf("kvstore: %s %s, so your version was written to %s; "+
		"to bring it back, open that file with kvstore and copy what you need, or replace %s with it.",
		filepath.Base(data), what, rescue, filepath.Base(data))
}
