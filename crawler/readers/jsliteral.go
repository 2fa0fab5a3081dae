package readers

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsKind is the kind of a parsed literal value.
type jsKind uint8

const (
	jsObject jsKind = iota + 1
	jsArray
	jsString
	jsNumber
	jsOther // true, false, null, identifiers and expressions, kept as raw text
)

// jsValue is a JavaScript literal value: JSON plus what hand-written page
// scripts use (single quotes, unquoted keys, comments, trailing commas,
// expressions as values, which are kept as raw text).
type jsValue struct {
	kind jsKind
	str  string // string value; raw text of numbers and others
	keys []string
	vals []*jsValue // object values (parallel to keys) or array items
}

func (v *jsValue) get(key string) *jsValue {
	if v == nil || v.kind != jsObject {
		return nil
	}
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

// scalar returns a string or number's text ("" otherwise).
func (v *jsValue) scalar() string {
	if v == nil || (v.kind != jsString && v.kind != jsNumber && v.kind != jsOther) {
		return ""
	}
	return v.str
}

var (
	errLiteral     = errors.New("not a literal")
	errTooDeep     = errors.New("literal nested too deep")
	errTooLarge    = errors.New("literal too large")
	errUnterminate = errors.New("unterminated literal")
)

// literalParser parses one literal; budget bounds the values it builds.
type literalParser struct {
	s        string
	i        int
	maxDepth int
	budget   int
	// values, keySlab and valSlab hand out values and members a chunk at
	// a time: a template's settings literal has thousands. keys and vals
	// are the open objects' and arrays' members, innermost last; a closed
	// one's are copied into exact-sized slices of the slabs.
	values  arena[jsValue]
	keySlab arena[string]
	valSlab arena[*jsValue]
	keys    []string
	vals    []*jsValue
}

// arena hands out slices of T from chunks it keeps; reset frees them all
// (zeroed) for the next script, so a pooled parser allocates nothing once
// its chunks have grown to a page's literals.
type arena[T any] struct {
	chunks  [][]T
	ci, off int
}

func (a *arena[T]) take(n int) []T {
	for {
		if a.ci < len(a.chunks) {
			if c := a.chunks[a.ci]; a.off+n <= len(c) {
				s := c[a.off : a.off+n : a.off+n]
				a.off += n
				return s
			}
			a.ci++
			a.off = 0
			continue
		}
		a.chunks = append(a.chunks, make([]T, max(n, 256)))
	}
}

func (a *arena[T]) reset() {
	// No pointer into the last page's script stays: what was handed out
	// is cleared (the chunks before the current one, and the current
	// one up to off).
	for i := 0; i < a.ci && i < len(a.chunks); i++ {
		clear(a.chunks[i])
	}
	if a.ci < len(a.chunks) {
		clear(a.chunks[a.ci][:a.off])
	}
	a.ci, a.off = 0, 0
}

// reset frees everything the parser handed out.
func (p *literalParser) reset() {
	p.values.reset()
	p.keySlab.reset()
	p.valSlab.reset()
	clear(p.keys[:cap(p.keys)])
	clear(p.vals[:cap(p.vals)])
	p.s = ""
}

// members moves the members above keysFrom and valsFrom off the stacks
// into their own slices.
func (p *literalParser) members(v *jsValue, keysFrom, valsFrom int) {
	if n := len(p.keys) - keysFrom; n > 0 {
		v.keys = p.keySlab.take(n)
		copy(v.keys, p.keys[keysFrom:])
		p.keys = p.keys[:keysFrom]
	}
	if n := len(p.vals) - valsFrom; n > 0 {
		v.vals = p.valSlab.take(n)
		copy(v.vals, p.vals[valsFrom:])
		p.vals = p.vals[:valsFrom]
	}
}

// newValue returns a value from the slab.
func (p *literalParser) newValue(kind jsKind, str string) *jsValue {
	v := &p.values.take(1)[0]
	v.kind, v.str = kind, str
	return v
}

// parseLiteral parses the literal at s[i:]; it returns the value and the
// index after it.
func parseLiteral(s string, i, maxDepth, maxValues int) (*jsValue, int, error) {
	p := &literalParser{maxDepth: maxDepth}
	return p.parse(s, i, maxValues)
}

// parse is parseLiteral on a parser that parses many literals of a
// script: what its slabs have left serves the next one.
func (p *literalParser) parse(s string, i, maxValues int) (*jsValue, int, error) {
	p.s, p.i, p.budget = s, i, maxValues
	p.keys, p.vals = p.keys[:0], p.vals[:0]
	v, err := p.value(0)
	return v, p.i, err
}

func (p *literalParser) space() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			p.i++
		case c == '/' && p.i+1 < len(p.s) && p.s[p.i+1] == '/':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case c == '/' && p.i+1 < len(p.s) && p.s[p.i+1] == '*':
			end := strings.Index(p.s[p.i+2:], "*/")
			if end < 0 {
				p.i = len(p.s)
				return
			}
			p.i += end + 4
		case c == 0xC2 && p.i+1 < len(p.s) && p.s[p.i+1] == 0xA0: // NBSP
			p.i += 2
		default:
			return
		}
	}
}

func (p *literalParser) value(depth int) (*jsValue, error) {
	if depth > p.maxDepth {
		return nil, errTooDeep
	}
	if p.budget--; p.budget < 0 {
		return nil, errTooLarge
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, errUnterminate
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"' || c == '\'' || c == '`':
		str, err := p.str()
		if err != nil {
			return nil, err
		}
		v := p.newValue(jsString, str)
		p.concat(v)
		return v, nil
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		start := p.i
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eExXabcdefABCDEF+-_", p.s[p.i]) >= 0 {
			p.i++
		}
		return p.newValue(jsNumber, p.s[start:p.i]), nil
	default:
		return p.expression()
	}
}

// concat keeps a string literal followed by "+ 'more'" whole: page
// scripts split long values that way.
func (p *literalParser) concat(v *jsValue) {
	for {
		save := p.i
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '+' {
			p.i = save
			return
		}
		p.i++
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\'') {
			p.i = save
			return
		}
		more, err := p.str()
		if err != nil {
			p.i = save
			return
		}
		v.str += more
	}
}

// expression skips a value that is not a literal (a variable, a call, an
// arithmetic expression) up to the comma or bracket that ends it, and
// keeps its text.
func (p *literalParser) expression() (*jsValue, error) {
	start := p.i
	depth := 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '"', '\'', '`':
			if _, err := p.str(); err != nil {
				return nil, err
			}
			continue
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return p.other(start)
			}
			depth--
		case ',', ';':
			if depth == 0 {
				return p.other(start)
			}
		}
		p.i++
	}
	return nil, errUnterminate
}

func (p *literalParser) other(start int) (*jsValue, error) {
	raw := strings.TrimSpace(p.s[start:p.i])
	if raw == "" {
		return nil, errLiteral
	}
	return p.newValue(jsOther, raw), nil
}

func (p *literalParser) object(depth int) (*jsValue, error) {
	v := p.newValue(jsObject, "")
	p.i++ // {
	keysFrom, valsFrom := len(p.keys), len(p.vals)
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil, errUnterminate
		}
		if p.s[p.i] == '}' {
			p.i++
			p.members(v, keysFrom, valsFrom)
			return v, nil
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, errLiteral
		}
		p.i++
		val, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.keys = append(p.keys, key)
		p.vals = append(p.vals, val)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		} else if p.i < len(p.s) && p.s[p.i] != '}' {
			return nil, errLiteral
		}
	}
}

func (p *literalParser) key() (string, error) {
	if c := p.s[p.i]; c == '"' || c == '\'' {
		return p.str()
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 {
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		return "", errLiteral
	}
	return p.s[start:p.i], nil
}

func (p *literalParser) array(depth int) (*jsValue, error) {
	v := p.newValue(jsArray, "")
	p.i++ // [
	valsFrom := len(p.vals)
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil, errUnterminate
		}
		if p.s[p.i] == ']' {
			p.i++
			p.members(v, len(p.keys), valsFrom)
			return v, nil
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		item, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.vals = append(p.vals, item)
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		} else if p.i < len(p.s) && p.s[p.i] != ']' {
			return nil, errLiteral
		}
	}
}

// str reads a quoted string with JavaScript escapes.
func (p *literalParser) str() (string, error) {
	q := p.s[p.i]
	p.i++
	// Most strings have no escape: the text itself, not a copy (callers
	// copy what they keep).
	for j := p.i; j < len(p.s); j++ {
		if c := p.s[j]; c == q {
			str := p.s[p.i:j]
			p.i = j + 1
			return str, nil
		} else if c == '\\' || c == '\n' {
			break
		}
	}
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\n' && q != '`':
			return "", errUnterminate
		case c == '\\' && p.i+1 < len(p.s):
			p.i++
			e := p.s[p.i]
			p.i++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b', 'f', 'v':
				b.WriteByte(' ')
			case '0':
				b.WriteByte(0)
			case 'u':
				if r, n := hexRune(p.s[p.i:], 4); n > 0 {
					// A surrogate pair is two \u escapes.
					if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(p.s[p.i+n:], `\u`) {
						if lo, m := hexRune(p.s[p.i+n+2:], 4); m > 0 && lo >= 0xDC00 && lo < 0xE000 {
							r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
							n += 2 + m
						}
					}
					b.WriteRune(r)
					p.i += n
				} else {
					b.WriteByte('u')
				}
			case 'x':
				if r, n := hexRune(p.s[p.i:], 2); n > 0 {
					b.WriteRune(r)
					p.i += n
				} else {
					b.WriteByte('x')
				}
			case '\n':
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", errUnterminate
}

func hexRune(s string, n int) (rune, int) {
	if len(s) < n {
		return 0, 0
	}
	v, err := strconv.ParseUint(s[:n], 16, 32)
	if err != nil {
		return 0, 0
	}
	r := rune(v)
	if !utf8.ValidRune(r) && (r < 0xD800 || r >= 0xE000) {
		r = utf8.RuneError
	}
	return r, n
}
