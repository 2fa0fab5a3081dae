package mediatype

import (
	"math/rand/v2"
	"mime"
	"strings"
	"testing"
)

// asMime holds Parse to mime.ParseMediaType on v.
func asMime(t testing.TB, v string) {
	t.Helper()
	mt, cs, err := Parse(v)
	wmt, params, werr := mime.ParseMediaType(v)
	if mt != wmt || cs != params["charset"] || (err == nil) != (werr == nil) {
		t.Fatalf("Parse(%q) = %q, %q, %v; mime: %q, %q, %v", v, mt, cs, err, wmt, params["charset"], werr)
	}
}

// TestParseAsMime: on the Content-Types servers send and on random ones
// made of their pieces, Parse returns what mime.ParseMediaType returns.
func TestParseAsMime(t *testing.T) {
	for _, v := range []string{
		"", "text/html", "text/html; charset=utf-8", "text/html;charset=UTF-8", "text/html; charset=GBK ",
		" text/html ;\tcharset = gb2312\t", "TEXT/HTML", "text/html; Charset=utf-8", "text/html; CHARSET=utf-8",
		`text/html; charset="utf-8"`, "text/html; charset=utf-8;", "text/html; charset=utf-8; charset=gbk",
		"text/html; charset=utf-8; charset=utf-8", "text/html; boundary=x", "text/html; charset*=utf-8''x",
		"text/html; charset=", "text/html; charset", "text/html;", "text/html; ", "text", "text/", "/html",
		"text/html/x", "text/ht ml", "application/xhtml+xml", "application/octet-stream", "image/svg+xml; charset=utf-8",
		"text/html\n", "text/html; charset=utf-8\r\n", "text/html;\u00a0charset=utf-8", "téxt/html", "text/html; charset=utf\x00",
		"text/html; charset=ut(f)", "application/vnd.ms-excel", "text/html ; charset = utf-8 ; ",
	} {
		asMime(t, v)
	}
	pieces := []string{"text", "html", "/", ";", " ", "\t", "=", "charset", "Charset", "CHARSET", "utf-8", "GBK", `"`, "x",
		"*", "'", "\n", "\u00a0", "é", "(", "+", "application", "xhtml+xml", ",", "name", "\\"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var b strings.Builder
		for range rng.IntN(9) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		asMime(t, b.String())
	}
}

// TestParseAllocatesNothing: the values servers send are read in place.
func TestParseAllocatesNothing(t *testing.T) {
	for _, v := range []string{"text/html", "text/html; charset=utf-8", "text/html;charset=GBK", "application/pdf"} {
		if n := testing.AllocsPerRun(100, func() { Parse(v) }); n != 0 {
			t.Errorf("Parse(%q): %v allocations", v, n)
		}
	}
}

// FuzzParseAsMime: on any value, Parse returns what mime.ParseMediaType
// returns.
func FuzzParseAsMime(f *testing.F) {
	for _, v := range []string{"text/html", "text/html; charset=utf-8", " text/html ;\tCharset = gb2312\t", `text/html; charset="x"`, "a/b; charset=x;"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) { asMime(t, v) })
}
