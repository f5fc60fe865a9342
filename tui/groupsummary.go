package tui

import (
	"strings"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
	"github.com/kvstore-dev/kvstore/tui/keylist"
)

// groupSummary draws what the value pane shows while a group of the key
// tree is selected, in h rows of w cells: the group's prefix, how many keys
// it holds (and how many the filter shows), and its first keys, whole.
func groupSummary(g keylist.Group, st *jsonview.Styles, w, h int) []string {
	count := display.Plural(g.Keys, "key") + " in this group:"
	if g.Shown != g.Keys {
		count = display.GroupDigits(g.Shown) + " of the " + display.Plural(g.Keys, "key") + " in this group:"
	}
	rows := []string{
		display.Fit(st.Title.Render(display.KeyLabel(g.Prefix)), w),
		display.Fit(st.Dim.Render(count), w),
	}
	room := h - len(rows)
	first := g.First
	if len(first) > room {
		first = first[:max(room-1, 0)]
	}
	for _, k := range first {
		rows = append(rows, display.Fit(st.Key.Render(display.KeyLabel(k)), w))
	}
	if more := g.Shown - len(first); more > 0 && len(rows) < h {
		rows = append(rows, display.Fit(st.Dim.Render("… "+display.GroupDigits(more)+" more"), w))
	}
	for len(rows) < h {
		rows = append(rows, strings.Repeat(" ", w))
	}
	return rows[:h]
}
