package crawler

import (
	"errors"
	"net/url"
	"strings"
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
// errSkipScheme.
func Normalize(base *url.URL, ref string) (*url.URL, error) {
	ref = strings.TrimSpace(ref)
	// Browsers strip tabs and newlines inside URLs; pages contain them.
	ref = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, ref)
	if ref == "" {
		return nil, errEmptyRef
	}
	if strings.HasPrefix(ref, "#") {
		// A fragment of the same page: nothing to fetch.
		return nil, errEmptyRef
	}
	// Backslashes are read as slashes by browsers in http URLs.
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = strings.ReplaceAll(ref[:i], `\`, "/") + ref[i:]
	} else {
		ref = strings.ReplaceAll(ref, `\`, "/")
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	if r.Scheme != "" {
		switch strings.ToLower(r.Scheme) {
		case "http", "https":
		default:
			return nil, errSkipScheme
		}
	}
	u := base.ResolveReference(r)
	return canonical(u), nil
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
