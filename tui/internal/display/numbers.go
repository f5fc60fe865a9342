package display

import (
	"fmt"
	"strconv"
	"strings"
)

// GroupDigits formats n with thousands separators: 3400 -> "3,400".
func GroupDigits(n int) string {
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Plural formats a count with its noun: "1 key", "3 keys".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return GroupDigits(n) + " " + noun + "s"
}

// ByteSize writes n bytes as B, KB or MB, to a tenth below 10.
func ByteSize(n int) string {
	f, unit := float64(n), "B"
	switch {
	case n >= 1<<20:
		f, unit = f/(1<<20), "MB"
	case n >= 1<<10:
		f, unit = f/(1<<10), "KB"
	default:
		return fmt.Sprintf("%d B", n)
	}
	if f < 10 {
		return fmt.Sprintf("%.1f %s", f, unit)
	}
	return fmt.Sprintf("%.0f %s", f, unit)
}
