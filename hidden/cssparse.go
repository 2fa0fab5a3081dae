package hidden

import (
	"regexp"
	"strings"

	"github.com/gorilla/css/scanner"
)

// cssRule is a style rule as read from a stylesheet: its selector list,
// its declarations (property lower-cased, value as written less
// !important) and the line it starts on.
type cssRule struct {
	prelude string
	decls   [][2]string
	line    int
}

// cssParser reads style rules from CSS tokens (gorilla/css's scanner,
// CSS3 tokenisation). It replaces douceur's parser, which loops forever
// on a semicolon between two rules (".a{…};.b{…}", a common slip in real
// stylesheets): every step here consumes at least one token, and what
// does not parse is skipped, not the end of the sheet.
type cssParser struct {
	sc  *scanner.Scanner
	tok *scanner.Token
}

func (p *cssParser) next() *scanner.Token {
	if p.tok == nil {
		p.tok = p.sc.Next()
	}
	return p.tok
}

func (p *cssParser) shift() *scanner.Token {
	t := p.next()
	if t.Type != scanner.TokenEOF && t.Type != scanner.TokenError {
		p.tok = nil
	}
	return t
}

func (p *cssParser) done() bool {
	t := p.next().Type
	return t == scanner.TokenEOF || t == scanner.TokenError
}

func (p *cssParser) char(c string) bool {
	t := p.next()
	return t.Type == scanner.TokenChar && t.Value == c
}

// rules reads a list of rules up to the '}' that closes it (depth > 0) or
// the end, calling emit for each style rule and for the rules of @media
// blocks whose query media says whether it applies.
func (p *cssParser) rules(depth int, emit func(r cssRule, media string)) {
	p.rulesIn(depth, "", emit)
}

func (p *cssParser) rulesIn(depth int, media string, emit func(cssRule, string)) {
	for !p.done() {
		t := p.next()
		switch {
		case t.Type == scanner.TokenS || t.Type == scanner.TokenComment || t.Type == scanner.TokenCDO || t.Type == scanner.TokenCDC || t.Type == scanner.TokenBOM:
			p.shift()
		case p.char("}"):
			p.shift()
			if depth > 0 {
				return
			}
		case p.char(";"):
			p.shift() // a stray semicolon between rules
		case t.Type == scanner.TokenAtKeyword:
			name := strings.ToLower(p.shift().Value)
			prelude, _ := p.prelude()
			if !p.char("{") {
				p.shift() // a statement: @import …; @charset …;
				continue
			}
			p.shift()
			if name == "@media" {
				inner := prelude
				if media != "" {
					inner = media + " and " + prelude
				}
				p.rulesIn(depth+1, inner, emit)
			} else {
				p.skipBlock() // @font-face, @keyframes, @supports…: not applied
			}
		default:
			prelude, line := p.prelude()
			if !p.char("{") {
				p.shift() // a selector without a block
				continue
			}
			p.shift()
			decls := p.declarations()
			if prelude != "" {
				emit(cssRule{prelude: prelude, decls: decls, line: line}, media)
			}
		}
	}
}

// prelude reads up to a '{' or ';' (not consumed) and returns the text and
// the line it starts on.
func (p *cssParser) prelude() (string, int) {
	var b strings.Builder
	line := p.next().Line
	for !p.done() && !p.char("{") && !p.char(";") {
		t := p.shift()
		if t.Type != scanner.TokenComment {
			b.WriteString(t.Value)
		}
	}
	return strings.TrimSpace(b.String()), line
}

var important = regexp.MustCompile(`(?i)\s*!\s*important\s*$`)

// declarations reads a declaration block after its '{', up to the '}' that
// closes it; nested blocks are skipped.
func (p *cssParser) declarations() [][2]string {
	var out [][2]string
	var prop, val strings.Builder
	inValue := false
	flush := func() {
		if name := strings.ToLower(strings.TrimSpace(prop.String())); inValue && name != "" {
			out = append(out, [2]string{name, important.ReplaceAllString(strings.TrimSpace(val.String()), "")})
		}
		prop.Reset()
		val.Reset()
		inValue = false
	}
	for !p.done() {
		switch {
		case p.char("}"):
			p.shift()
			flush()
			return out
		case p.char(";"):
			p.shift()
			flush()
		case p.char("{"):
			p.shift()
			p.skipBlock()
			prop.Reset()
			val.Reset()
			inValue = false
		case p.char(":") && !inValue:
			p.shift()
			inValue = true
		default:
			t := p.shift()
			switch {
			case t.Type == scanner.TokenComment:
			case inValue:
				val.WriteString(t.Value)
			default:
				prop.WriteString(t.Value)
			}
		}
	}
	flush()
	return out
}

// skipBlock skips tokens after a '{' up to its matching '}'.
func (p *cssParser) skipBlock() {
	for depth := 1; depth > 0 && !p.done(); {
		switch {
		case p.char("{"):
			depth++
		case p.char("}"):
			depth--
		}
		p.shift()
	}
}
