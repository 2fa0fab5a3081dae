package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, contentType string
		body              []byte
		want, charset     string
	}{
		{"utf8-header", "text/html; charset=utf-8", []byte("<p>通知</p>"), "通知", "utf-8"},
		{"gbk-header", "text/html; charset=GBK", gbk("<p>通知公告</p>"), "通知公告", "gb18030"},
		{"gb2312-header-4byte", "text/html;charset=gb2312", gbk("<p>𠮷</p>"), "𠮷", "gb18030"},
		{"meta-charset", "text/html", gbk(`<meta charset="gbk"><p>政策文件</p>`), "政策文件", "gb18030"},
		{"meta-http-equiv", "", gbk(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>人事</p>`), "人事", "gb18030"},
		{"undeclared-gbk", "text/html", gbk("<p>规划计划</p>"), "规划计划", "gb18030"},
		{"undeclared-utf8", "", []byte("<p>规划计划</p>"), "规划计划", "utf-8"},
		{"bom-beats-header", "text/html; charset=gbk", append([]byte{0xEF, 0xBB, 0xBF}, "<p>要闻</p>"...), "要闻", "utf-8"},
		{"utf16le-bom", "", []byte{0xFF, 0xFE, 0x1A, 0x90, 0xE5, 0x77}, "通知", "utf-16le"},
		{"big5-meta", "", []byte("<meta charset=big5>\xb3\x71\xaa\xbe"), "通知", "big5"},
		{"bogus-label", "text/html; charset=x-nonsense", []byte("<p>通知</p>"), "通知", "utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, cs := Decode(tc.body, tc.contentType)
			if !strings.Contains(string(got), tc.want) || cs != tc.charset {
				t.Errorf("Decode = %q (%s), want %q (%s)", got, cs, tc.want, tc.charset)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	base, _ := url.Parse("http://www.example.gov.cn/xwdt/index.html")
	for _, tc := range []struct{ ref, want, err string }{
		{"art1.html", "http://www.example.gov.cn/xwdt/art1.html", ""},
		{"../tzgg/./a.html#top", "http://www.example.gov.cn/tzgg/a.html", ""},
		{"HTTP://WWW.Example.GOV.CN:80", "http://www.example.gov.cn/", ""},
		{"https://www.example.gov.cn:443/a?b=1", "https://www.example.gov.cn/a?b=1", ""},
		{"//cdn.example.gov.cn/x.js", "http://cdn.example.gov.cn/x.js", ""},
		{"  /a\n/b.html ", "http://www.example.gov.cn/a/b.html", ""},
		{`\uploads\a.pdf`, "http://www.example.gov.cn/uploads/a.pdf", ""},
		{"/附件/名单.xls", "http://www.example.gov.cn/%E9%99%84%E4%BB%B6/%E5%90%8D%E5%8D%95.xls", ""},
		{"http://user:pw@example.gov.cn/", "http://example.gov.cn/", ""},
		{"mailto:a@b.cn", "", "skip"},
		{"tel:123", "", "skip"},
		{"javascript:void(0)", "", "skip"},
		{"data:image/png;base64,xx", "", "skip"},
		{"JavaScript:go()", "", "skip"},
		{"#main", "", "empty"},
		{"", "", "empty"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			u, err := Normalize(base, tc.ref)
			switch tc.err {
			case "skip":
				if !errors.Is(err, errSkipScheme) {
					t.Errorf("err = %v, want errSkipScheme", err)
				}
				return
			case "empty":
				if !errors.Is(err, errEmptyRef) {
					t.Errorf("err = %v, want errEmptyRef", err)
				}
				return
			}
			if err != nil || u.String() != tc.want {
				t.Errorf("Normalize = %v, %v; want %s", u, err, tc.want)
			}
		})
	}
}

func TestPathPattern(t *testing.T) {
	a, _ := url.Parse("http://x.gov.cn/cal/2024/01/02?date=2024-01-02&view=m")
	b, _ := url.Parse("http://x.gov.cn/cal/2031/12/30?date=2031-12-30&view=w")
	c, _ := url.Parse("http://x.gov.cn/art/2031/12/30.html")
	if pathPattern(a) != pathPattern(b) || pathPattern(a) == pathPattern(c) {
		t.Errorf("patterns: %s %s %s", pathPattern(a), pathPattern(b), pathPattern(c))
	}
}

func TestExtractLinks(t *testing.T) {
	page := `<html><head><base href="/sub/"><link rel="stylesheet" href="a.css"><script src="/js/x.js"></script></head><body>
	<a href="p1.html">  第一  篇 </a>
	<a href="/files/名单.XLSX"><img src="i.png" alt="名单图标"></a>
	<area href="map.html" alt="地图">
	<iframe src="/frame.html"></iframe>
	<img src="a.jpg" srcset="b.jpg 1x, c.jpg 2x" alt="图">
	<img data-src="lazy.jpg">
	<input type="image" src="btn.png"><input type="text" src="no.png">
	<video src="v.mp4" poster="p.jpg"></video>
	<object data="o.swf"></object><embed src="e.swf">
	<form action="/search.do"></form>
	<a href="mailto:x@y">信</a><a href="#top">顶部</a>
	</body></html>`
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(page))
	u, _ := url.Parse("http://x.gov.cn/dir/page.html")
	links := ExtractLinks(doc, u, map[string]bool{"xlsx": true, "mp4": true})
	got := map[string]string{}
	for _, l := range links {
		got[l.URL.Path] = fmt.Sprintf("%s|%s", l.Kind, l.Text)
	}
	want := map[string]string{
		"/sub/a.css":     "stylesheet|",
		"/js/x.js":       "script|",
		"/sub/p1.html":   "link|第一 篇",
		"/files/名单.XLSX": "attachment|名单图标",
		"/sub/i.png":     "image|名单图标",
		"/sub/map.html":  "link|地图",
		"/frame.html":    "frame|",
		"/sub/a.jpg":     "image|图",
		"/sub/b.jpg":     "image|图",
		"/sub/c.jpg":     "image|图",
		"/sub/lazy.jpg":  "image|",
		"/sub/btn.png":   "image|",
		"/sub/v.mp4":     "attachment|",
		"/sub/p.jpg":     "image|",
		"/sub/o.swf":     "media|",
		"/sub/e.swf":     "media|",
		"/search.do":     "form|",
	}
	for path, w := range want {
		if got[path] != w {
			t.Errorf("%s: got %q, want %q", path, got[path], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("extracted %d targets, want %d: %v", len(got), len(want), got)
	}
}

func TestFrontierSpillsAndKeepsOrder(t *testing.T) {
	f := NewFrontier(3, t.TempDir())
	defer f.Close()
	for i := range 10 {
		if err := f.Push(Item{URL: fmt.Sprintf("http://x/%d", i), Depth: i, Chain: i % 3, Kind: LinkKind(1 + i%8)}); err != nil {
			t.Fatal(err)
		}
	}
	sf := f.(*spillFrontier)
	if sf.onDisk != 7 || len(sf.mem) != 3 {
		t.Errorf("memory %d, disk %d; want 3 in memory and 7 spilled", len(sf.mem), sf.onDisk)
	}
	for i := range 10 {
		if i == 5 {
			f.Push(Item{URL: "http://x/late"})
		}
		it, ok, err := f.Pop()
		want := Item{URL: fmt.Sprintf("http://x/%d", i), Depth: i, Chain: i % 3, Kind: LinkKind(1 + i%8)}
		if err != nil || !ok || it != want {
			t.Fatalf("pop %d = %+v %v %v, want %+v", i, it, ok, err, want)
		}
	}
	if it, ok, _ := f.Pop(); !ok || it.URL != "http://x/late" {
		t.Errorf("late item = %+v", it)
	}
	if _, ok, _ := f.Pop(); ok || f.Len() != 0 {
		t.Error("frontier not empty")
	}
}

func TestVisited(t *testing.T) {
	v := NewVisited()
	if ok, _ := v.Add("a"); !ok {
		t.Error("first add not new")
	}
	if ok, _ := v.Add("a"); ok {
		t.Error("second add new")
	}
	if v.Len() != 1 {
		t.Errorf("len %d", v.Len())
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("<meta charset=gbk>\xcd\xa8\xd6\xaa"), "text/html")
	f.Add([]byte{0xFF, 0xFE, 0x00}, "")
	f.Add([]byte("abc"), "text/html; charset=\"")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		out, cs := Decode(body, ct)
		if cs == "" {
			t.Error("no charset name")
		}
		if cs != "utf-8" && !bytes.Equal(out, bytes.ToValidUTF8(out, []byte("\uFFFD"))) {
			t.Errorf("decoded %s text is not valid UTF-8", cs)
		}
	})
}

func FuzzExtractLinks(f *testing.F) {
	f.Add(`<a href="x">y</a><base href="//evil"><img srcset=",, ,">`)
	f.Add(`<a href="http://[::1">`)
	base, _ := url.Parse("http://x.gov.cn/a/")
	f.Fuzz(func(t *testing.T, page string) {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			return
		}
		for _, l := range ExtractLinks(doc, base, nil) {
			if l.URL.Scheme != "http" && l.URL.Scheme != "https" {
				t.Errorf("scheme %q in %s", l.URL.Scheme, l.URL)
			}
			if l.URL.Fragment != "" {
				t.Errorf("fragment kept in %s", l.URL)
			}
		}
	})
}

func TestParseHTMLFlattensDeepNesting(t *testing.T) {
	page := strings.Repeat("<div>", 20_000) + `<a href="http://bet.example/">澳门博彩</a>` + strings.Repeat("</div>", 20_000)
	doc, flattened, err := ParseHTML([]byte(page))
	if err != nil || !flattened {
		t.Fatalf("err %v flattened %v", err, flattened)
	}
	u, _ := url.Parse("http://x.gov.cn/")
	links := ExtractLinks(doc, u, nil)
	if len(links) != 1 || links[0].URL.Host != "bet.example" || links[0].Text != "澳门博彩" {
		t.Errorf("links %+v", links)
	}
	doc, flattened, err = ParseHTML([]byte("<p>普通页面</p>"))
	if err != nil || flattened || !strings.Contains(doc.Text(), "普通页面") {
		t.Errorf("ordinary page: %v %v", flattened, err)
	}
}

// simhashBefore is simhash as it was written first (rune slice, hash.Hash
// and a string per bigram), the reference its faster form must equal.
func simhashBefore(text string) uint64 {
	var v [64]int
	rs := []rune(text)
	h := fnv.New64a()
	n := 0
	for i := 0; i+1 < len(rs) && n < 4000; i++ {
		if unicode.IsSpace(rs[i]) && unicode.IsSpace(rs[i+1]) {
			continue
		}
		h.Reset()
		h.Write([]byte(string(rs[i : i+2])))
		x := h.Sum64()
		for b := 0; b < 64; b++ {
			if x&(1<<b) != 0 {
				v[b]++
			} else {
				v[b]--
			}
		}
		n++
	}
	var out uint64
	for b := 0; b < 64; b++ {
		if v[b] > 0 {
			out |= 1 << b
		}
	}
	return out
}

func TestSimhashAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("政府网站 \t\n\u3000abc，。１２\ufffd")
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(6000) {
			if rng.IntN(50) == 0 {
				b.WriteByte(byte(0x80 + rng.IntN(0x40))) // invalid UTF-8
				continue
			}
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		if got, want := simhash(b.String()), simhashBefore(b.String()); got != want {
			t.Fatalf("simhash %x, before %x, of %q", got, want, b.String())
		}
	}
}

func FuzzSimhashAsBefore(f *testing.F) {
	f.Add("首页 新闻动态  通知公告")
	f.Add("\xed\xa0\x80a\xff b")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := simhash(s), simhashBefore(s); got != want {
			t.Fatalf("simhash %x, before %x", got, want)
		}
	})
}

// pageTextBefore is the near-duplicate check's page text as it was
// written out before pageSimhash: pageSimhash must hash and measure it.
func pageTextBefore(doc *goquery.Document, limit int) string {
	var b strings.Builder
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				for w := range strings.FieldsSeq(c.Data) {
					if b.Len() > 0 {
						b.WriteByte(' ')
					}
					b.WriteString(w)
					if b.Len() >= limit {
						return false
					}
				}
			case html.ElementNode:
				switch c.Data {
				case "script", "style", "noscript", "template", "head":
					continue
				}
				if !walk(c) {
					return false
				}
			}
		}
		return true
	}
	for _, n := range doc.Nodes {
		if !walk(n) {
			break
		}
	}
	return b.String()
}

// randomTextPage is a page of random text in random elements, with
// every kind of white space, malformed UTF-8 and left-out elements.
func randomTextPage(rng *rand.Rand) string {
	pieces := []string{"政府", "网站", " ", "\t", "\n", "\u3000", "\u00a0", "\u0085", "\u2003", "\u2028", "\u202f", "\u205f", "\u1680",
		"abc", "，", "。", "\ufffd", "\xe4\xb8", "\xe3\x80", "\xe2", "\xc2", "\xff", "&nbsp;", "&#12288;", "1２"}
	tags := []string{"div", "p", "span", "script", "style", "noscript", "template", "td", "b"}
	var b strings.Builder
	b.WriteString("<html><head><title>标题 t</title></head><body>")
	for range rng.IntN(400) {
		switch rng.IntN(10) {
		case 0:
			b.WriteString("<" + tags[rng.IntN(len(tags))] + ">")
		case 1:
			b.WriteString("</" + tags[rng.IntN(len(tags))] + ">")
		default:
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
	}
	return b.String()
}

func checkPageSimhash(t *testing.T, page string, limit int) {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	text := pageTextBefore(doc, limit)
	h, n := pageSimhash(doc, limit)
	if h != simhash(text) || n != len(text) {
		t.Fatalf("limit %d: pageSimhash %x, %d bytes; before %x, %d bytes, of %q", limit, h, n, simhash(text), len(text), page)
	}
}

func TestPageSimhashAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		checkPageSimhash(t, randomTextPage(rng), []int{1, 10, 200, 64 << 10}[rng.IntN(4)])
	}
	// Past the bigrams the hash reads, only the length counts.
	long := "<p>" + strings.Repeat("政务公开 notice　", 3000) + "</p>"
	checkPageSimhash(t, long, 64<<10)
	checkPageSimhash(t, long, 20000)
}

func FuzzPageSimhashAsBefore(f *testing.F) {
	f.Add("<p>首页 新闻\u3000动态</p><script>x</script>通知\xe4\xb8 公告", 64<<10)
	f.Fuzz(func(t *testing.T, page string, limit int) {
		checkPageSimhash(t, page, max(1, limit%(1<<17)))
	})
}

// checkEachField compares eachField and fieldsLen with strings.FieldsSeq,
// whose fields they must find.
func checkEachField(t *testing.T, s string) {
	t.Helper()
	var want []string
	size := 0
	for w := range strings.FieldsSeq(s) {
		want = append(want, w)
		size += len(w)
	}
	var got []string
	eachField(s, func(w string) bool { got = append(got, w); return true })
	if !slices.Equal(got, want) {
		t.Fatalf("eachField(%q) = %q, FieldsSeq %q", s, got, want)
	}
	if n, sz := fieldsLen(s); n != len(want) || sz != size {
		t.Fatalf("fieldsLen(%q) = %d, %d; want %d, %d", s, n, sz, len(want), size)
	}
	if len(want) > 1 {
		var first []string
		if eachField(s, func(w string) bool { first = append(first, w); return false }) || len(first) != 1 || first[0] != want[0] {
			t.Fatalf("eachField(%q) stopping at the first field: %q", s, first)
		}
	}
}

// TestEachFieldAsFieldsSeq: on random text made of every kind of white
// space, the bytes that look like a space's lead byte and are not, and
// runs long enough for the eight-byte steps, eachField splits as
// strings.FieldsSeq does.
func TestEachFieldAsFieldsSeq(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"政府网站信息公开", "ab", "x", " ", "\t", "\n", "\v", "\f", "\r", "\u3000", "\u00a0", "\u0085", "\u2003", "\u2028",
		"\u2029", "\u202f", "\u205f", "\u1680", "\u200a", "\u200b", "\u3001", "\u00b7", "\u2014", "\u1100", "\ue000", "\xe3", "\xe2\x80",
		"\xc2", "\xe0\xa0\x80", "\xff", "\x00", "\x1f", "!", "\x7f", "，。", "abcdefghijklmnop", "政务公开政务公开政务公开"}
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		checkEachField(t, b.String())
	}
}

func FuzzEachFieldAsFieldsSeq(f *testing.F) {
	f.Add("首页 新闻\u3000动态\u00a0通知\xe3\x80公告 \xc2")
	f.Add("abcdefgh\u2003ijklmnopq\xe2\x80\x8b")
	f.Fuzz(func(t *testing.T, s string) { checkEachField(t, s) })
}
