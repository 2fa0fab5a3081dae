package crawler

import "strings"

// maxSrcsetCandidates bounds the candidates read from one srcset.
const maxSrcsetCandidates = 64

// ParseSrcset returns the URLs of an img/source srcset attribute, read as
// the HTML standard's "parse a srcset attribute" algorithm reads them: a
// URL runs to the next whitespace, so commas inside it stay (a CDN's
// "x.jpg?w=100,200 2x"); commas ending a URL end the candidate;
// descriptors are skipped up to the next comma outside parentheses.
// Placeholders (data: URLs) are returned like any other and dropped by
// Normalize. At most maxSrcsetCandidates URLs are returned.
func ParseSrcset(s string) []string {
	var out []string
	pos := 0
	n := len(s)
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
	for pos < n && len(out) < maxSrcsetCandidates {
		// Splitting loop: skip whitespace and commas.
		for pos < n && (isSpace(s[pos]) || s[pos] == ',') {
			pos++
		}
		if pos >= n {
			break
		}
		start := pos
		for pos < n && !isSpace(s[pos]) {
			pos++
		}
		u := s[start:pos]
		if strings.HasSuffix(u, ",") {
			// The candidate ends here: no descriptors.
			u = strings.TrimRight(u, ",")
		} else {
			// Descriptor tokenizer: up to a comma outside parentheses.
			inParens := false
			for pos < n {
				c := s[pos]
				pos++
				if c == '(' {
					inParens = true
				} else if c == ')' {
					inParens = false
				} else if c == ',' && !inParens {
					break
				}
			}
		}
		if u != "" {
			out = append(out, u)
		}
	}
	return out
}
