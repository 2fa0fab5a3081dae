package hidden

import (
	"bytes"
	"io"
	"strings"

	"github.com/tdewolff/parse/v2"
	"github.com/tdewolff/parse/v2/css"
)

// cssRuleset is one style rule as written: its selectors, declarations
// (property lower-cased, value as written, trimmed), its offset in the
// text (the end of its selector) and the line its selector starts on.
type cssRuleset struct {
	selectors []string
	decls     [][2]string
	offset    int
	line      int
}

// lines counts the lines of a text up to offsets that only grow, so that
// numbering every rule of a sheet costs one pass.
type lines struct {
	text      string
	pos, line int
}

// at returns the line of the first character at or after off that is not
// space, a stray ';' or '}', or a comment: where the next rule starts.
func (l *lines) at(off int) int {
	t := l.text
	for off < len(t) {
		switch c := t[off]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == ';' || c == '}':
			off++
			continue
		case strings.HasPrefix(t[off:], "/*"):
			if end := strings.Index(t[off+2:], "*/"); end >= 0 {
				off += end + 4
				continue
			}
			off = len(t)
			continue
		}
		break
	}
	if off > l.pos {
		l.line += strings.Count(t[l.pos:off], "\n")
		l.pos = off
	}
	return l.line + 1
}

// parseCSS streams the style rules of a stylesheet that apply to a
// desktop screen (rules inside @media apply when appliesToDesktop says
// so; other at-rule blocks are skipped) to fn, until fn returns false;
// rest is then the offset of the text not parsed (len(text) when all
// was). It uses tdewolff/parse's CSS parser, which recovers from errors as
// the CSS syntax specification says and keeps no stack but one flag per
// open at-rule. douceur, used before, looped forever on a stylesheet of
// ";" (found by FuzzStyle); a recursive parser with the query text of
// nested @media blocks joined at each level took 2 GB for 270 KB of
// "@media screen{" (TestNestedMedia). The loop stops anyway if the parser
// stops advancing.
func parseCSS(text string, fn func(cssRuleset) bool) (rest int) {
	p := css.NewParser(parse.NewInputString(text), false)
	// skip counts the enclosing at-rule blocks that do not apply; depth
	// the ones open.
	var open []bool // per open at-rule: whether it applies
	skipped := 0
	var cur *cssRuleset
	lastOffset, stuck := -1, 0
	ln := lines{text: text}
	for {
		before := p.Offset()
		gt, _, data := p.Next()
		if off := p.Offset(); off == lastOffset {
			if stuck++; stuck > 16 {
				return len(text)
			}
		} else {
			lastOffset, stuck = off, 0
		}
		switch gt {
		case css.ErrorGrammar:
			if p.Err() == io.EOF || !p.HasParseError() && p.Err() != nil {
				return len(text)
			}
		case css.BeginAtRuleGrammar:
			applies := bytes.EqualFold(data, []byte("@media")) && appliesToDesktop(tokensText(p.Values()))
			open = append(open, applies)
			if !applies {
				skipped++
			}
		case css.EndAtRuleGrammar:
			if n := len(open); n > 0 {
				if !open[n-1] {
					skipped--
				}
				open = open[:n-1]
			}
		case css.BeginRulesetGrammar:
			cur = &cssRuleset{offset: p.Offset(), line: ln.at(before)}
			for sel := range strings.SplitSeq(tokensText(p.Values()), ",") {
				if sel = strings.TrimSpace(sel); sel != "" {
					cur.selectors = append(cur.selectors, sel)
				}
			}
		case css.DeclarationGrammar:
			if cur != nil {
				v := strings.TrimSpace(tokensText(p.Values()))
				if i := strings.LastIndexByte(v, '!'); i >= 0 && strings.EqualFold(strings.TrimSpace(v[i+1:]), "important") {
					v = strings.TrimSpace(v[:i])
				}
				cur.decls = append(cur.decls, [2]string{strings.ToLower(string(data)), v})
			}
		case css.EndRulesetGrammar:
			if cur != nil && skipped == 0 && !fn(*cur) {
				return p.Offset()
			}
			cur = nil
		}
	}
}

// tokensText writes tokens back as text. The parser drops the whitespace
// around ">" "+" "~" and ","; descendant combinators keep theirs.
func tokensText(ts []css.Token) string {
	var b strings.Builder
	for _, t := range ts {
		if t.TokenType == css.WhitespaceToken {
			b.WriteByte(' ')
			continue
		}
		b.Write(t.Data)
	}
	return b.String()
}
