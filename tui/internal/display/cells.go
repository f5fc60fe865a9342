package display

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// FitBlock makes s exactly h rows of w cells.
func FitBlock(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	rows := make([]string, h)
	for i := range rows {
		if i < len(lines) {
			rows[i] = Fit(lines[i], w)
		} else {
			rows[i] = strings.Repeat(" ", w)
		}
	}
	return strings.Join(rows, "\n")
}

// Fit truncates or pads a styled string to exactly w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// OneLine turns typed or pasted text into one line: line breaks and tabs
// become spaces.
func OneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}
