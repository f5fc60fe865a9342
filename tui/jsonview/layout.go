package jsonview

import (
	"bytes"
	"encoding/json"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kvstore-dev/kvstore/tui/internal/display"
)

// tokenKind classifies a piece of pretty-printed JSON for syntax colours.
type tokenKind uint8

const (
	tokPunct tokenKind = iota
	tokKey
	tokString
	tokNumber
	tokLiteral
	tokSummary // the size of a folded container
)

// token is one coloured piece of a line. Its text is already escaped for
// display; start is its byte offset within the line's text.
type token struct {
	kind  tokenKind
	start int
	text  string
}

// jsonLine is one line of pretty-printed JSON: an indent level and tokens,
// and where the line sits in the tree, so the pane can fold a container,
// name a node's path and copy it without parsing the value again.
type jsonLine struct {
	depth  int
	tokens []token
	width  int // byte length of the concatenated token texts

	node   int32  // the line that starts this line's node: itself, or the opener for a closing line
	parent int32  // the line opening the container that holds the node; -1 at the top
	end    int32  // for a line opening a non-empty container, its closing line; else 0
	size   int32  // for such a line, the container's members
	index  int32  // the node's position in its parent array
	key    string // the raw JSON key of an object member, quotes included; "" otherwise
	from   int    // the node's value in the raw text, as a byte range
	to     int
}

// opens reports whether the line opens a container that can fold.
func (l *jsonLine) opens() bool { return l.end > 0 }

func (l *jsonLine) add(kind tokenKind, text string) {
	l.tokens = append(l.tokens, token{kind: kind, start: l.width, text: text})
	l.width += len(text)
}

// layout lays out JSON text with two-space indentation, the way
// json.Indent does, but as tokens so the view can colour them and draw only
// the lines on screen. It never rewrites numbers or string escapes: what is
// shown is what is stored, except that unsafe characters are escaped.
func layout(raw string) []jsonLine {
	type open struct {
		c       byte  // '{' or '['
		line    int32 // the line it opens
		members int32
	}
	var (
		lines     []jsonLine
		cur       = jsonLine{parent: -1}
		stack     []open
		expectKey bool
	)
	newline := func() {
		lines = append(lines, cur)
		cur = jsonLine{depth: len(stack), node: int32(len(lines)), parent: -1}
	}
	// member notes where a node's value starts; the first token of a line
	// inside a container also counts the line as the container's member.
	member := func(i int) {
		if len(cur.tokens) == 0 && len(stack) > 0 {
			top := &stack[len(stack)-1]
			cur.parent, cur.index = top.line, top.members
			top.members++
		}
		if !expectKey {
			cur.from = i
		}
	}
	skipSpace := func(i int) int {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
			i++
		}
		return i
	}
	for i := 0; i < len(raw); {
		c := raw[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			i++
		case '{', '[':
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			member(i)
			if j := skipSpace(i + 1); j < len(raw) && raw[j] == closer {
				cur.add(tokPunct, string([]byte{c, closer}))
				cur.to = j + 1
				i = j + 1
				continue
			}
			cur.add(tokPunct, string(c))
			stack = append(stack, open{c: c, line: int32(len(lines))})
			expectKey = c == '{'
			newline()
			i++
		case '}', ']':
			var top open
			if len(stack) > 0 {
				top = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
			newline()
			if top.c != 0 {
				// The closing line belongs to the node it closes.
				cur.node, cur.parent = top.line, lines[top.line].parent
				opener := &lines[top.line]
				opener.end, opener.size, opener.to = int32(len(lines)), top.members, i+1
			}
			cur.add(tokPunct, string(c))
			i++
		case ',':
			cur.add(tokPunct, ",")
			newline()
			expectKey = len(stack) > 0 && stack[len(stack)-1].c == '{'
			i++
		case ':':
			cur.add(tokPunct, ": ")
			expectKey = false
			i++
		case '"':
			j := i + 1
			for j < len(raw) && raw[j] != '"' {
				if raw[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(raw))
			kind := tokString
			member(i)
			if expectKey {
				kind = tokKey
				cur.key = raw[i:j]
			} else {
				cur.to = j
			}
			cur.add(kind, display.Escape(raw[i:j]))
			i = j
		default:
			j := i
			for j < len(raw) && !strings.ContainsRune(",:{}[] \t\n\r\"", rune(raw[j])) {
				j++
			}
			if j == i {
				j++
			}
			member(i)
			cur.to = j
			kind := tokNumber
			if c == 't' || c == 'f' || c == 'n' {
				kind = tokLiteral
			}
			cur.add(kind, display.Escape(raw[i:j]))
			i = j
		}
	}
	if len(cur.tokens) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

// visualRow is one screen row of the value pane: a byte range of a line's
// text, drawn after indent columns of space.
type visualRow struct {
	line     int
	from, to int
	indent   int
}

// wrap splits lines into screen rows no wider than width cells, breaking
// long strings across rows rather than hiding their end. A row breaks after
// its last space when that space is in the last third of the row, so prose
// wraps between words; otherwise it breaks where the width runs out.
// Continuation rows keep the line's indentation so the structure stays
// readable. Indentation is capped at half the width so deep nesting still
// leaves room for text. A folded container (folded[line], nil for none)
// takes the rows of its one-line summary, and its inside takes none.
func wrap(lines []jsonLine, folded []bool, width int) []visualRow {
	if width < 1 {
		width = 1
	}
	// Sized up front: appending to a slice of a quarter million rows (a
	// 20 MB string) would allocate four times its final size as it grew.
	// A character takes at least as many bytes as cells, so this counts
	// about the rows needed; breaks at spaces may add a few.
	n := 0
	for li := range lines {
		n += lines[li].width/max(width-min(2*lines[li].depth, width/2), 1) + 1
	}
	return wrapRange(make([]visualRow, 0, n), lines, folded, 0, len(lines), width)
}

// wrapRange appends the rows of lines[from:to] to rows, skipping the inside
// of folded containers.
func wrapRange(rows []visualRow, lines []jsonLine, folded []bool, from, to, width int) []visualRow {
	for li := from; li < to; li++ {
		if li < len(folded) && folded[li] {
			s := summary(lines, li)
			rows = wrapLine(rows, &s, li, width)
			li = int(lines[li].end)
			continue
		}
		rows = wrapLine(rows, &lines[li], li, width)
	}
	return rows
}

// wrapLine appends the rows of l, which is shown as line li.
func wrapLine(rows []visualRow, l *jsonLine, li, width int) []visualRow {
	indent := min(2*l.depth, width/2)
	avail := width - indent
	from, used := 0, 0
	space, usedAtSpace := -1, 0 // byte offset just after the row's last space
	for ti := range l.tokens {
		t := l.tokens[ti].text
		for k := 0; k < len(t); {
			cluster, w := nextCluster(t[k:])
			at := l.tokens[ti].start + k
			if used+w > avail && used > 0 {
				if space > from && used-usedAtSpace < avail/3 {
					rows = append(rows, visualRow{line: li, from: from, to: space, indent: indent})
					from, used = space, used-usedAtSpace
				} else {
					rows = append(rows, visualRow{line: li, from: from, to: at, indent: indent})
					from, used = at, 0
				}
				space = -1
			}
			used += w
			k += len(cluster)
			if cluster == " " {
				space, usedAtSpace = at+1, used
			}
		}
	}
	return append(rows, visualRow{line: li, from: from, to: l.width, indent: indent})
}

// nextCluster returns the first grapheme cluster of s and its width in
// cells, with a fast path for ASCII.
func nextCluster(s string) (string, int) {
	if c := s[0]; c < 0x80 && (len(s) == 1 || s[1] < 0x80) {
		return s[:1], 1
	}
	return ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
}

// renderRow draws one visual row with syntax colours, and the parts in
// matches (byte ranges of the line, in order) in the match style.
func renderRow(l *jsonLine, r visualRow, st *Styles, matches [][2]int) string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", r.indent))
	for _, t := range l.tokens {
		end := t.start + len(t.text)
		if end <= r.from || t.start >= r.to {
			continue
		}
		lo, hi := max(r.from, t.start), min(r.to, end)
		style := st.tokenStyle(t.kind)
		for lo < hi {
			// The piece up to the next edge of a match.
			cut, in := hi, false
			for _, m := range matches {
				if m[1] <= lo {
					continue
				}
				if m[0] <= lo {
					cut, in = min(hi, m[1]), true
				} else {
					cut = min(hi, m[0])
				}
				break
			}
			piece := t.text[lo-t.start : cut-t.start]
			if in {
				b.WriteString(st.Match.Render(piece))
			} else {
				b.WriteString(style.Render(piece))
			}
			lo = cut
		}
	}
	return b.String()
}

// tokenStyle returns the syntax colour for a kind of JSON token.
func (s *Styles) tokenStyle(k tokenKind) lipgloss.Style {
	switch k {
	case tokKey:
		return s.Key
	case tokString:
		return s.String
	case tokNumber:
		return s.Number
	case tokLiteral:
		return s.Literal
	case tokSummary:
		return s.Dim
	default:
		return s.Punct
	}
}

// Pretty indents compact JSON with two spaces, the way the pane shows it
// and the editors edit it. json.Indent copies string escapes and number
// digits as they are, so only white space changes.
func Pretty(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}
