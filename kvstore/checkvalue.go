package kvstore

import "fmt"

// This file holds the checking half of the scanner: values and keys
// validated with the errors of jsonscan.go's compacting scan, but not
// copied, for ReadKey's pass over every member of a file.

// checkValue validates the JSON value that starts at or after src[i], as
// compactValue does, with the same errors, and returns the index just past
// it, with no copy: ReadKey's scan checks every member's value and keeps
// one. It is compactValue with the appends left out, rather than
// compactValue told not to append, because a 300 MB file's scan is 4%
// faster for it (and FuzzCheckValue holds the two to the same answers).
func checkValue(src []byte, i int) (int, *scanError) {
	var stackBuf [32]byte
	stack := stackBuf[:0] // open containers: '{' or '['
	var err *scanError
	for {
		// Expecting a value.
		i = skipSpace(src, i)
		if i >= len(src) {
			return i, errAt(src, i, "")
		}
		switch c := src[i]; {
		case c == '{' || c == '[':
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if len(stack) >= maxDepth {
				return i, &scanError{off: i, msg: fmt.Sprintf("exceeded max nesting depth of %d", maxDepth)}
			}
			i = skipSpace(src, i+1)
			if i < len(src) && src[i] == closer {
				i++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if i, err = checkKey(src, i); err != nil {
					return i, err
				}
			}
			continue
		case c == '"':
			if i, err = stringEnd(src, i); err != nil {
				return i, err
			}
		case c == '-' || isDigit(c):
			if i, err = scanNumber(src, i); err != nil {
				return i, err
			}
		case c == 't' || c == 'f' || c == 'n':
			lit, err := scanLiteral(src, i)
			i += len(lit)
			if err != nil {
				return i, err
			}
		default:
			return i, errAt(src, i, "looking for beginning of value")
		}

		// A value is complete: close containers until one wants more.
		for {
			if len(stack) == 0 {
				return i, nil
			}
			i = skipSpace(src, i)
			top := stack[len(stack)-1]
			if i < len(src) && src[i] == ',' {
				i++
				if top == '{' {
					if i, err = checkKey(src, i); err != nil {
						return i, err
					}
				}
				break
			}
			if i < len(src) && (top == '{' && src[i] == '}' || top == '[' && src[i] == ']') {
				i++
				stack = stack[:len(stack)-1]
				continue
			}
			if top == '{' {
				return i, errAt(src, i, "after object key:value pair (missing ',' or '}'?)")
			}
			return i, errAt(src, i, "after array element (missing ',' or ']'?)")
		}
	}
}

// checkKey is scanKey with no copy, for checkValue.
func checkKey(src []byte, i int) (int, *scanError) {
	i = skipSpace(src, i)
	if i >= len(src) || src[i] != '"' {
		return i, errAt(src, i, "looking for beginning of object key string")
	}
	end, err := stringEnd(src, i)
	if err != nil {
		return end, err
	}
	i = skipSpace(src, end)
	if i >= len(src) || src[i] != ':' {
		return i, errAt(src, i, "after object key")
	}
	return i + 1, nil
}
