package schema

import (
	"errors"
	"unicode/utf8"
)

var errBadPattern = errors.New("malformed pattern: an unclosed [ or a trailing \\")

// matchPattern reports whether key matches the glob pattern as a whole.
// Unlike path.Match, * crosses /: key patterns name groups of keys, and
// user/* is meant to cover user/42/profile too. The pattern is checked
// whole, so a malformed pattern is an error even when key does not reach
// its fault.
func matchPattern(pattern, key string) (bool, error) {
	if err := checkPattern(pattern); err != nil {
		return false, err
	}
	// Backtracking over the last *: on a mismatch, let that * take one
	// more character and try again. Linear in practice, quadratic at worst.
	p, k := 0, 0
	star, mark := -1, 0
	for k < len(key) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				star, mark = p, k
				p++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(key[k:])
				p++
				k += n
				continue
			case '[':
				r, n := utf8.DecodeRuneInString(key[k:])
				ok, end := matchClass(pattern, p, r)
				if ok {
					p = end
					k += n
					continue
				}
			default:
				c, pn := literal(pattern, p)
				if len(key)-k >= len(c) && key[k:k+len(c)] == c {
					p = pn
					k += len(c)
					continue
				}
			}
		}
		if star < 0 {
			return false, nil
		}
		_, n := utf8.DecodeRuneInString(key[mark:])
		mark += n
		p, k = star+1, mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern), nil
}

// literal returns the character at pattern[p], unquoting a \, and the index
// after it.
func literal(pattern string, p int) (string, int) {
	if pattern[p] == '\\' {
		p++
	}
	_, n := utf8.DecodeRuneInString(pattern[p:])
	return pattern[p : p+n], p + n
}

// matchClass matches r against the class that opens at pattern[p] ('['),
// returning whether it matched and the index after the class.
func matchClass(pattern string, p int, r rune) (bool, int) {
	p++
	negate := p < len(pattern) && (pattern[p] == '^' || pattern[p] == '!')
	if negate {
		p++
	}
	matched, first := false, true
	for p < len(pattern) && (first || pattern[p] != ']') {
		first = false
		lo, next := classChar(pattern, p)
		hi := lo
		if next+1 < len(pattern) && pattern[next] == '-' && pattern[next+1] != ']' {
			hi, next = classChar(pattern, next+1)
		}
		if lo <= r && r <= hi {
			matched = true
		}
		p = next
	}
	return matched != negate, p + 1
}

func classChar(pattern string, p int) (rune, int) {
	if pattern[p] == '\\' && p+1 < len(pattern) {
		p++
	}
	r, n := utf8.DecodeRuneInString(pattern[p:])
	return r, p + n
}

// checkPattern refuses a pattern with an unclosed class or a trailing \.
func checkPattern(pattern string) error {
	for p := 0; p < len(pattern); p++ {
		switch pattern[p] {
		case '\\':
			if p+1 == len(pattern) {
				return errBadPattern
			}
			p++
		case '[':
			q := p + 1
			if q < len(pattern) && (pattern[q] == '^' || pattern[q] == '!') {
				q++
			}
			first := true
			for ; q < len(pattern) && (first || pattern[q] != ']'); q++ {
				first = false
				if pattern[q] == '\\' {
					q++
				}
			}
			if q >= len(pattern) {
				return errBadPattern
			}
			p = q
		}
	}
	return nil
}
