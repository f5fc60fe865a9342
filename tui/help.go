package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
	"github.com/kvstore-dev/kvstore/tui/internal/nav"
)

// fullHelp is the full help: every key the data allows, in titled groups
// laid out in columns, each group whole, over the panes and the bottom
// line. It scrolls when the groups do not fit; ?, esc and q close it.
type fullHelp struct {
	keys     KeyMap
	nav      nav.KeyMap
	readOnly bool
	offset   int // first row of the groups on screen
	rows     int // rows of the groups as last drawn
	height   int // rows for them as last drawn
}

func newFullHelp(keys KeyMap, readOnly bool) *fullHelp {
	return &fullHelp{keys: keys, nav: keys.nav(), readOnly: readOnly}
}

// Update closes the help, or scrolls it.
func (h *fullHelp) Update(msg tea.Msg) (overlay, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return h, nil
	}
	switch {
	case key.Matches(k, h.keys.Help), key.Matches(k, h.keys.Quit), k.Code == tea.KeyEscape:
		return nil, nil
	}
	if to, ok := h.nav.Move(k, h.offset, max(h.height-1, 1), h.rows); ok {
		h.offset = max(min(to, h.rows-h.height), 0)
	}
	return h, nil
}

// SetSize does nothing: the help is laid out for the frame it is drawn in.
func (h *fullHelp) SetSize(int, int) {}

// Draw replaces the body and the bottom line with the help: a title that
// says how to close it, then the groups.
func (h *fullHelp) Draw(f *frame) {
	f.noLine = true
	km := f.keys.forFullHelp(h.readOnly)
	rows := helpRows(km.FullHelp(), fullHelpTitles, f.width, f.st)
	h.rows, h.height = len(rows), max(f.bodyHeight()-1, 1)
	h.offset = max(min(h.offset, h.rows-h.height), 0)
	title := "Help · esc ? q close"
	if h.rows > h.height {
		title += fmt.Sprintf(" · ↑↓ %d-%d/%d", h.offset+1, min(h.offset+h.height, h.rows), h.rows)
	}
	out := []string{display.Fit(f.st.TitleFocused.Render(title), f.width)}
	for i := range h.height {
		r := ""
		if h.offset+i < len(rows) {
			r = rows[h.offset+i]
		}
		out = append(out, display.Fit(r, f.width))
	}
	f.body = strings.Join(out, "\n")
	f.cursor = nil
}

// helpRows lays the groups out in as many columns as fit in width, each
// group whole under its title, a blank row between groups, filling the
// columns in order to about the same height.
func helpRows(groups [][]key.Binding, titles []string, width int, st *Styles) []string {
	var blocks [][]string
	keyW, descW := 0, 0
	for _, g := range groups {
		for _, b := range g {
			if b.Enabled() {
				keyW = max(keyW, ansi.StringWidth(b.Help().Key))
				descW = max(descW, ansi.StringWidth(b.Help().Desc))
			}
		}
	}
	for _, t := range titles {
		descW = max(descW, ansi.StringWidth(t)-keyW-1)
	}
	colW := keyW + 1 + descW
	total := 0
	for gi, g := range groups {
		var block []string
		for _, b := range g {
			if b.Enabled() {
				block = append(block, display.Fit(st.HelpKey.Render(b.Help().Key), keyW)+" "+
					display.Fit(st.HelpDesc.Render(b.Help().Desc), descW))
			}
		}
		if len(block) == 0 {
			continue
		}
		if gi < len(titles) {
			block = append([]string{display.Fit(st.TitleFocused.Render(titles[gi]), colW)}, block...)
		}
		blocks = append(blocks, block)
		total += len(block) + 1
	}
	const gap = 2
	ncols := max(min((width+gap)/(colW+gap), len(blocks)), 1)
	// Fill each column to the target height, never splitting a group; the
	// lowest target whose columns fit in ncols, so that groups of unequal
	// sizes do not pile up in the last column.
	var cols [][]string
	for target := (total + ncols - 1) / ncols; ; target++ {
		cols = fillColumns(blocks, target)
		if len(cols) <= ncols {
			break
		}
	}
	height := 0
	for _, c := range cols {
		height = max(height, len(c))
	}
	rows := make([]string, height)
	for i := range rows {
		var b strings.Builder
		for ci, c := range cols {
			if ci > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			cell := ""
			if i < len(c) {
				cell = c[i]
			}
			b.WriteString(display.Fit(cell, min(colW, width)))
		}
		rows[i] = b.String()
	}
	return rows
}

// fillColumns puts the blocks in columns in order, a blank row between
// two, starting a new column when the next block would pass target rows.
func fillColumns(blocks [][]string, target int) [][]string {
	var cols [][]string
	var col []string
	for _, b := range blocks {
		if len(col) > 0 && len(col)+1+len(b) > target {
			cols = append(cols, col)
			col = nil
		}
		if len(col) > 0 {
			col = append(col, "")
		}
		col = append(col, b...)
	}
	return append(cols, col)
}
