package keylist

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// View draws the pane: a title line (the filter when there is one), the
// visible keys with the selection marked by ▸ as well as by colour, and the
// count.
func (l *Model) View(st *Styles, focused bool) string {
	var b strings.Builder
	switch {
	case l.typing:
		b.WriteString(display.Fit(st.FilterPrompt.Render("/")+display.Escape(l.query)+st.FilterPrompt.Render("▏")+st.Dim.Render(l.modeText()), l.width))
	case l.foundTitle != "":
		b.WriteString(display.Fit(st.Title.Render(display.Escape(l.foundTitle)), l.width))
	case l.found != "":
		b.WriteString(display.Fit(st.Title.Render("find: "+display.Escape(l.found)), l.width))
	case l.matches != nil:
		b.WriteString(display.Fit(st.Title.Render("/"+display.Escape(l.query))+st.Dim.Render(l.modeText()), l.width))
	case focused:
		b.WriteString(display.Fit(st.TitleFocused.Render(l.title()), l.width))
	default:
		b.WriteString(display.Fit(st.Title.Render(l.title()), l.width))
	}
	for row := l.offset; row < l.offset+l.height; row++ {
		b.WriteByte('\n')
		if row >= l.Len() {
			if row == 0 {
				msg := "no keys"
				if l.matches != nil {
					msg = "no match"
				}
				b.WriteString(display.Fit(st.Dim.Render("  "+msg), l.width))
				continue
			}
			b.WriteString(strings.Repeat(" ", l.width))
			continue
		}
		var name, count, tag string
		k := l.At(row)
		if l.marked != nil && (!l.treeOn || !l.treeRowAt(row).group) {
			if t := l.marked(k); t != "" {
				tag = " " + t
			}
		}
		if l.treeOn {
			name, count = l.treeLabel(row)
		} else {
			if l.order != nil {
				// The size column sits at the right edge, a space after
				// the name at least.
				size := display.ByteSize(l.sizes[l.order[row]])
				count = " " + strings.Repeat(" ", max(sizeWidth-ansi.StringWidth(size), 0)) + size
			}
			name = ansi.Truncate(display.KeyLabel(k), max(l.width-2-ansi.StringWidth(tag)-ansi.StringWidth(count), 1), "…")
			if count != "" {
				pad := max(l.width-2-ansi.StringWidth(name)-ansi.StringWidth(tag)-ansi.StringWidth(count), 0)
				count = strings.Repeat(" ", pad) + count
			}
		}
		if count != "" {
			count = st.Dim.Render(count)
		}
		if tag != "" {
			tag = st.Dim.Render(tag)
		}
		if row == l.sel {
			marker := "▸ "
			if !focused {
				marker = "▹ "
			}
			b.WriteString(display.Fit(st.Marker.Render(marker)+st.Selected.Render(name)+count+tag, l.width))
		} else {
			b.WriteString(display.Fit("  "+st.Key.Render(name)+count+tag, l.width))
		}
	}
	b.WriteByte('\n')
	b.WriteString(display.Fit(st.Dim.Render(l.countText()), l.width))
	return b.String()
}

// sizeWidth is the width of the size column: "1023 KB".
const sizeWidth = 7

// modeText says how the filter matches: as text, a glob or a regular
// expression, or that the expression does not compile.
func (l *Model) modeText() string {
	if l.query == "" {
		return ""
	}
	if l.match.err != nil {
		return "  bad regex"
	}
	mode, _ := modeOf(l.query)
	return "  " + mode.String()
}

// countText describes how many keys are shown, e.g. "12 of 3,400 keys",
// shortened when it does not fit the pane.
func (l *Model) countText() string {
	total := display.GroupDigits(l.keys.Len())
	var long, short string
	switch {
	case l.matches != nil:
		long = display.GroupDigits(len(l.matches)) + " of " + total + " keys"
		short = display.GroupDigits(len(l.matches)) + "/" + total
	case l.keys.Len() == 1:
		long, short = "1 key", "1 key"
	default:
		long, short = total+" keys", total
	}
	if ansi.StringWidth(long) <= l.width {
		return long
	}
	return short
}
