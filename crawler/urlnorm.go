package crawler

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
)

// Reasons a reference is not followed.
var (
	errSkipScheme = errors.New("scheme not fetched")
	errEmptyRef   = errors.New("empty reference")
)

// Normalize resolves ref against base and returns the canonical absolute URL
// used to deduplicate targets: scheme and host lower-cased, default port
// dropped, dot segments resolved, fragment removed, empty path made "/".
// mailto:, tel:, javascript:, data: and other non-HTTP schemes return
// errSkipScheme. References are read as browsers read them (see
// NormalizeIn); a non-ASCII query is encoded as UTF-8.
func Normalize(base *url.URL, ref string) (*url.URL, error) {
	return NormalizeIn(base, ref, "")
}

// NormalizeIn is Normalize for a reference on a page decoded from charset
// (Page.Charset; "" or "utf-8" for UTF-8). It reads references as browsers
// do: a non-ASCII query is encoded in the page's charset (a GBK portal's
// ?q=政府 is sent as %D5%FE%B8%AE), the path always in UTF-8; a "%" that
// starts no escape is sent as %25; a first segment with a colon that is not
// a scheme (":", "1:a") is a relative path; "http:a.html" on an http page
// is relative, and "http:/x" or "http:///x" name host x.
func NormalizeIn(base *url.URL, ref, charset string) (*url.URL, error) {
	if u := normalizePlain(base, ref); u != nil {
		return u, nil
	}
	return normalizeGeneral(base, ref, charset)
}

// normalizeGeneral is NormalizeIn for any reference.
func normalizeGeneral(base *url.URL, ref, charset string) (*url.URL, error) {
	ref = strings.TrimSpace(ref)
	// Browsers strip tabs and newlines inside URLs; pages contain them.
	if strings.ContainsAny(ref, "\t\n\r") {
		ref = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, ref)
	}
	if ref == "" {
		return nil, errEmptyRef
	}
	if strings.HasPrefix(ref, "#") {
		// A fragment of the same page: nothing to fetch.
		return nil, errEmptyRef
	}
	if i := strings.IndexByte(ref, '#'); i >= 0 {
		ref = ref[:i]
	}
	// Backslashes are read as slashes by browsers in http URLs.
	query := ""
	if i := strings.IndexByte(ref, '?'); i >= 0 {
		ref, query = ref[:i], ref[i+1:]
	}
	ref = strings.ReplaceAll(ref, `\`, "/")
	if scheme, rest, ok := splitScheme(ref); ok {
		switch strings.ToLower(scheme) {
		case "http", "https":
		default:
			return nil, errSkipScheme
		}
		if !strings.HasPrefix(rest, "//") || strings.HasPrefix(rest, "///") {
			if strings.EqualFold(scheme, base.Scheme) && !strings.HasPrefix(rest, "/") {
				ref = rest // "http:a.html": relative to the page
				if rest == "" && query == "" {
					return nil, errEmptyRef
				}
			} else {
				ref = scheme + "://" + strings.TrimLeft(rest, "/")
			}
		}
	} else if first, _, _ := strings.Cut(ref, "/"); strings.Contains(first, ":") {
		ref = "./" + ref // ":" or "1:x" is a path, not a scheme
	}
	ref = fixPercent(ref)
	if query != "" || strings.HasSuffix(ref, "?") {
		ref += "?" + encodeQuery(fixPercent(query), charset)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	u := base.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errSkipScheme
	}
	if query != "" {
		// ResolveReference keeps the query as written: make sure it is.
		u.RawQuery = r.RawQuery
	}
	return canonical(u), nil
}

// normalizePlain is NormalizeIn for the references most pages are made
// of, a path of plain characters ("/p/12.html", "list_2.html") on an
// http(s) page whose own path is plain: nothing to trim, escape, cut or
// resolve but the join with the page's directory, so the URL is built
// without url.Parse and ResolveReference (0.6 CPU-s of a 20,000-page
// crawl's 800,000 references). It returns nil for anything else, which
// NormalizeIn reads the general way (TestNormalizePlainAsGeneral holds
// the two to each other).
func normalizePlain(base *url.URL, ref string) *url.URL {
	if ref == "" || !plainPath(ref) || base.Scheme != "http" && base.Scheme != "https" || base.Opaque != "" || base.RawPath != "" {
		return nil
	}
	path := ref
	if ref[0] != '/' {
		// Relative to the page's directory; the page's path must be
		// plain too (and absolute) for the join to be the resolution.
		if ref[0] == '.' || base.Path == "" || base.Path[0] != '/' || !plainPath(base.Path) {
			return nil
		}
		path = base.Path[:strings.LastIndexByte(base.Path, '/')+1] + ref
	}
	return canonical(&url.URL{Scheme: base.Scheme, Host: base.Host, Path: path})
}

// plainPath reports a path of letters, digits and "-._~/" only, without
// an empty segment ("//") or a segment starting with a dot ("/.", which
// takes in the dot segments): one that url.Parse takes as it is and
// ResolveReference does not change.
func plainPath(p string) bool {
	prev := byte(0)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c == '-', c == '_', c == '~':
		case c == '/':
			if prev == '/' {
				return false
			}
		case c == '.':
			if prev == '/' {
				return false
			}
		default:
			return false
		}
		prev = c
	}
	return true
}

// splitScheme returns a reference's scheme (an ASCII letter, then letters,
// digits, "+", "-" or ".", then ":") and what follows it.
func splitScheme(ref string) (scheme, rest string, ok bool) {
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':' && i > 0:
			return ref[:i], ref[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// fixPercent escapes a "%" that starts no %XX escape, as browsers send it.
func fixPercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// encodeQuery percent-encodes a query as a browser does: non-ASCII
// characters in the page's charset (characters it cannot encode as
// &#N;), and controls, space, quotes and angle brackets.
func encodeQuery(q, charset string) string {
	need := false
	for i := 0; i < len(q); i++ {
		if queryEscape(q[i]) {
			need = true
			break
		}
	}
	if !need {
		return q
	}
	enc := queryEncoder(charset)
	var b strings.Builder
	const hex = "0123456789ABCDEF"
	put := func(c byte) { b.WriteByte('%'); b.WriteByte(hex[c>>4]); b.WriteByte(hex[c&15]) }
	for i := 0; i < len(q); {
		c := q[i]
		if c < 0x80 {
			if queryEscape(c) {
				put(c)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(q[i:])
		i += size
		var bs []byte
		if enc != nil {
			if e, err := enc.Bytes([]byte(string(r))); err == nil {
				bs = e
			} else {
				bs = []byte(fmt.Sprintf("&#%d;", r))
			}
		} else {
			bs = []byte(string(r))
		}
		for _, x := range bs {
			put(x)
		}
	}
	return b.String()
}

// queryEscape: the query percent-encode set of special URLs, and non-ASCII.
func queryEscape(c byte) bool {
	return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\''
}

// queryEncoder returns the encoder of a page charset, nil for UTF-8.
func queryEncoder(charset string) *encoding.Encoder {
	if charset == "" || strings.EqualFold(charset, "utf-8") {
		return nil
	}
	enc, name := lookupLabel(charset)
	if enc == nil || name == "utf-8" || strings.HasPrefix(name, "utf-16") {
		return nil // UTF-16 pages encode URLs as UTF-8
	}
	return enc.NewEncoder()
}

// canonical normalises an absolute URL in place and returns it.
func canonical(u *url.URL) *url.URL {
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	if (u.Scheme == "http" && strings.HasSuffix(host, ":80")) ||
		(u.Scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	host = strings.TrimSuffix(host, ".")
	u.Host = host
	u.Fragment = ""
	u.RawFragment = ""
	u.User = nil
	if u.Path == "" {
		u.Path = "/"
		u.RawPath = ""
	}
	if u.RawQuery == "" {
		u.ForceQuery = false
	}
	return u
}

// pathPattern maps a URL to its trap-guard pattern: digits collapsed, query
// values dropped, so /cal/2024/01/02 and /cal/2031/12/30 share one pattern.
func pathPattern(u *url.URL) string {
	var b strings.Builder
	b.WriteString(u.Host)
	inDigits := false
	for _, r := range u.Path {
		if r >= '0' && r <= '9' {
			if !inDigits {
				b.WriteByte('#')
			}
			inDigits = true
			continue
		}
		inDigits = false
		b.WriteRune(r)
	}
	if u.RawQuery != "" {
		b.WriteByte('?')
		for i, kv := range strings.Split(u.RawQuery, "&") {
			if i > 0 {
				b.WriteByte('&')
			}
			k, _, _ := strings.Cut(kv, "=")
			b.WriteString(k)
		}
	}
	return b.String()
}
