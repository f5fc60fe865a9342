package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/kvstore-dev/kvstore/tui/editor"
	"github.com/kvstore-dev/kvstore/tui/jsonview"
	"github.com/kvstore-dev/kvstore/tui/keylist"
)

// Styles holds every style the UI draws with. It is built by newStyles for a
// light or dark terminal background and rebuilt when the terminal reports
// its background colour. Colour is never the only signal: the selection has
// a marker and the focused pane a bold title, so NO_COLOR users lose nothing.
type Styles struct {
	Title        lipgloss.Style
	TitleFocused lipgloss.Style
	Marker       lipgloss.Style
	Selected     lipgloss.Style
	Key          lipgloss.Style
	Dim          lipgloss.Style
	Separator    lipgloss.Style
	FilterPrompt lipgloss.Style

	// List is the key list's, built from the styles above.
	List keylist.Styles
	// Editor is the editor's, built from the styles above.
	Editor editor.Styles
	// Value is the value pane's, built from the styles above and a colour
	// per kind of JSON token.
	Value jsonview.Styles

	StatusFile   lipgloss.Style
	StatusSaved  lipgloss.Style
	StatusDirty  lipgloss.Style
	StatusSaving lipgloss.Style
	StatusError  lipgloss.Style
	StatusNote   lipgloss.Style
	Prompt       lipgloss.Style

	EditorError lipgloss.Style
	HelpKey     lipgloss.Style
	HelpDesc    lipgloss.Style
	HelpSep     lipgloss.Style
}

// newStyles returns the styles for a dark or light terminal background.
func newStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	accent := ld(c("#5A3FC0"), c("#A58BFF"))
	dim := ld(c("#7A7A7A"), c("#8A8A8A"))
	s := Styles{
		Title:        lipgloss.NewStyle().Foreground(dim),
		TitleFocused: lipgloss.NewStyle().Foreground(accent).Bold(true),
		Marker:       lipgloss.NewStyle().Foreground(accent).Bold(true),
		Selected:     lipgloss.NewStyle().Foreground(accent).Bold(true),
		Key:          lipgloss.NewStyle(),
		Dim:          lipgloss.NewStyle().Foreground(dim),
		Separator:    lipgloss.NewStyle().Foreground(ld(c("#D0D0D0"), c("#3A3A3A"))),
		FilterPrompt: lipgloss.NewStyle().Foreground(accent).Bold(true),

		StatusFile:   lipgloss.NewStyle().Bold(true),
		StatusSaved:  lipgloss.NewStyle().Foreground(ld(c("#2E7D32"), c("#9BDB8C"))),
		StatusDirty:  lipgloss.NewStyle().Foreground(ld(c("#B35C00"), c("#FFB86C"))),
		StatusSaving: lipgloss.NewStyle().Foreground(accent),
		StatusError:  lipgloss.NewStyle().Foreground(ld(c("#C62828"), c("#FF6B6B"))).Bold(true),
		StatusNote:   lipgloss.NewStyle().Foreground(dim).Italic(true),
		Prompt:       lipgloss.NewStyle().Foreground(ld(c("#C62828"), c("#FF6B6B"))).Bold(true),

		EditorError: lipgloss.NewStyle().Foreground(ld(c("#C62828"), c("#FF6B6B"))),
		HelpKey:     lipgloss.NewStyle().Foreground(ld(c("#5C5C5C"), c("#A0A0A0"))).Bold(true),
		HelpDesc:    lipgloss.NewStyle().Foreground(dim),
		HelpSep:     lipgloss.NewStyle().Foreground(ld(c("#C0C0C0"), c("#4A4A4A"))),
	}
	s.List = keylist.Styles{
		Title: s.Title, TitleFocused: s.TitleFocused, FilterPrompt: s.FilterPrompt,
		Marker: s.Marker, Selected: s.Selected, Key: s.Key, Dim: s.Dim,
	}
	s.Editor = editor.Styles{Title: s.TitleFocused, Dim: s.Dim, Error: s.EditorError, Notice: s.StatusDirty}
	s.Value = jsonview.Styles{
		Title: s.Title, TitleFocused: s.TitleFocused, Dim: s.Dim,
		Key:     lipgloss.NewStyle().Foreground(ld(c("#1F5FAF"), c("#7FB4FF"))),
		String:  lipgloss.NewStyle().Foreground(ld(c("#2E7D32"), c("#9BDB8C"))),
		Number:  lipgloss.NewStyle().Foreground(ld(c("#B35C00"), c("#FFB86C"))),
		Literal: lipgloss.NewStyle().Foreground(ld(c("#A0287D"), c("#FF87D7"))),
		Punct:   lipgloss.NewStyle().Foreground(dim),
		// Reverse video shows without colour too (NO_COLOR).
		Match: lipgloss.NewStyle().Reverse(true),
		// The cursor line is marked by a character as well, for NO_COLOR.
		Cursor: s.Marker,
	}
	return s
}
