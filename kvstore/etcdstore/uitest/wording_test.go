package uitest

import (
	"strings"
	"testing"

	"github.com/kvstore-dev/kvstore/kvstore/etcdstore/etcdtest"
)

// On a prefix the help speaks of other clients, not of a file: the
// conflict screen's O overwrites their changes.
func TestPrefixHelpSpeaksOfOtherClients(t *testing.T) {
	endpoint := etcdtest.Start(t, "ui")
	cli := etcdtest.Client(t, endpoint)
	fill(t, cli, "/app/", 3)
	b := openPrefix(t, endpoint, "/app/")
	d := newDriver(t, b, 160, 60)
	d.until(`"user-00000000"`)
	d.press("?")
	d.until("On the conflict screen", "overwrite theirs")
	if s := d.screen(); strings.Contains(s, "file") {
		t.Fatalf("the help on a prefix speaks of a file:\n%s", s)
	}
}
