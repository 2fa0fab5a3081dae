package crawler

import (
	"math/bits"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/xunjian/xunjian/internal/benchsite"
)

// This file keeps the crawl's per-page code as it was before issue 11's
// fetching round (branch fetchcpu), and holds the new code to it.

// scriptFedBefore is scriptFed as it was: the tree walked recursively.
func scriptFedBefore(p *Page) bool {
	if len(p.Entries) > 0 {
		return false
	}
	var scripts []string
	empty := false
	total := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.Data {
			case "script":
				if _, src := attrOK(c, "src"); !src && c.FirstChild != nil && total < 4<<20 {
					total += len(c.FirstChild.Data)
					scripts = append(scripts, c.FirstChild.Data)
				}
				continue
			case "ul", "ol", "tbody":
				if !empty && !hasElementChild(c) {
					empty = true
				}
			case "div":
				if !empty && !hasElementChild(c) && strings.TrimSpace(nodeTextOf(c)) == "" && (listName.MatchString(attr(c, "id")) || listName.MatchString(attr(c, "class"))) {
					empty = true
				}
			}
			walk(c)
		}
	}
	for _, n := range p.Doc.Nodes {
		walk(n)
	}
	if !p.Home && !empty && !listPath.MatchString(p.FinalURL.Path) {
		return false
	}
	for _, code := range scripts {
		for _, m := range domBuilders {
			if strings.Contains(code, m) {
				return true
			}
		}
	}
	return false
}

// beforeSeeds are pages to hold the new code to the old on: the
// benchmark site's (articles and a list page), the page readers'
// real-shape fixtures, hand-written corners and random pages.
func beforeSeeds(t testing.TB) []string {
	site := benchsite.New(benchsite.Heavy(200))
	var seeds []string
	for _, i := range []int{0, 1, 7, 50, 100, 199} {
		seeds = append(seeds, string(site.Page(i, 1)))
	}
	light := benchsite.New(benchsite.Light(200))
	seeds = append(seeds, string(light.Page(3, 1)))
	files, _ := filepath.Glob("readers/testdata/*/*.html")
	if len(files) == 0 {
		t.Fatal("no reader fixtures")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, string(b))
	}
	seeds = append(seeds,
		``, `<script>document.write("x")</script>`,
		`<ul></ul><script>$.ajax({})</script>`,
		`<div id="newslist"> </div><script>fetch("/a")</script>`,
		`<div class="item"><!-- c --></div><script src="a.js">innerHTML</script><script>new Vue({})</script>`,
		`<table><tbody></tbody></table><template><script>innerHTML</script></template>`,
		`<script><ul></ul></script><ol><li></li></ol><script>laytpl</script>`,
		strings.Repeat("<div>", 600)+`<ul></ul><script>appendChild</script>`+strings.Repeat("</div>", 600),
	)
	rng := rand.New(rand.NewPCG(11, 12))
	for range 300 {
		seeds = append(seeds, randomLinkPage(rng))
	}
	return seeds
}

func TestScriptFedAsBefore(t *testing.T) {
	fed := map[bool]int{}
	for i, s := range beforeSeeds(t) {
		doc, _, err := ParseHTML([]byte(s))
		if err != nil {
			continue
		}
		for _, path := range []string{"/a/b.html", "/list/index.html", "/"} {
			for _, home := range []bool{false, true} {
				u, _ := url.Parse("http://x.gov.cn" + path)
				p := &Page{URL: u, FinalURL: u, Doc: doc, Home: home}
				if got, want := scriptFed(p), scriptFedBefore(p); got != want {
					t.Fatalf("seed %d at %s (home %v): scriptFed %v, before %v", i, path, home, got, want)
				}
				fed[scriptFedBefore(p)]++
			}
		}
	}
	if fed[true] < 10 || fed[false] < 10 {
		t.Fatalf("seeds script-fed or not: %v (both must be met)", fed)
	}
}

// checkPlainAsGeneral holds normalizePlain to normalizeGeneral (the code
// every reference took before) for one reference on one page.
func checkPlainAsGeneral(t *testing.T, base, ref string) bool {
	b, err := url.Parse(base)
	if err != nil || b.Scheme == "" {
		return false
	}
	got := normalizePlain(b, ref)
	if got == nil {
		return false
	}
	want, err := normalizeGeneral(b, ref, "gbk")
	if err != nil {
		t.Fatalf("%q on %q: plain %#v, general error %v", ref, base, got, err)
	}
	if *got != *want || got.String() != want.String() {
		t.Fatalf("%q on %q: plain %#v (%s), general %#v (%s)", ref, base, got, got, want, want)
	}
	return true
}

var plainBases = []string{
	"http://x.gov.cn/dir/page.html", "https://X.gov.cn:443/a/b/", "http://x.gov.cn", "http://x.gov.cn:80/",
	"http://u:p@x.gov.cn./d/e?q=1#f", "HTTP://x.gov.cn/a", "ftp://x/a", "http://x/%E6%94%BF/a.html", "http://x/a b/c",
	"http://x/a/../b/c", "http://x//a/b", "http://x/a/./b", "http://x/.a/b", "http://x/a?q", "http://[::1]:8080/a/b",
}

func TestNormalizePlainAsGeneral(t *testing.T) {
	refs := []string{
		"/p/12.html", "list_2.html", "/", "a", "a/b/c.pdf", "/files/1.pdf", "a.", "a..b", "~u/x", "-", "_x",
		".", "..", "./a", "../a", "/./a", "/../a", "a/./b", "a/../b", "a/.", "a/..", "//x.gov.cn/a", "/a//b", "a//",
		"/a?q=1", "a#f", "#f", " /a", "/a ", "/a%20b", `\a`, "http:a", "1:a", "/政府", "/A/B.HTML", "", "?", "/a;b", "/a+b",
	}
	plain := 0
	for _, base := range plainBases {
		for _, ref := range refs {
			if checkPlainAsGeneral(t, base, ref) {
				plain++
			}
		}
	}
	rng := rand.New(rand.NewPCG(13, 14))
	const alphabet = "aZ09-._~/?#%: \\政"
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet)-3)])
		}
		if checkPlainAsGeneral(t, plainBases[rng.IntN(len(plainBases))], b.String()) {
			plain++
		}
	}
	if plain < 1000 {
		t.Fatalf("only %d references took the plain path", plain)
	}
}

func FuzzNormalizePlainAsGeneral(f *testing.F) {
	f.Add("http://x.gov.cn/dir/page.html", "a/b.html")
	f.Add("https://X.gov.cn:443/a/", "/p/1.html")
	f.Fuzz(func(t *testing.T, base, ref string) {
		checkPlainAsGeneral(t, base, ref)
	})
}

// TestLinkTargetsKnown: the extraction's strings are taken only for the
// links still as extracted; a link replaced, added or a form gets its
// own.
func TestLinkTargetsKnown(t *testing.T) {
	doc, _, err := ParseHTML([]byte(`<a href="/a">a</a><a href="b.html">b</a><form action="/f"></form><a href="/c?x=政">c</a>`))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://x.gov.cn/d/p.html")
	links, _, keys := extractLinks(doc, base, nil, "", 100, 1)
	known := knownTargets{keys: keys}
	for _, l := range links {
		known.urls = append(known.urls, l.URL)
	}
	other, _ := url.Parse("http://y.gov.cn/z")
	links[1].URL = other
	links = append(links, Link{URL: other, Kind: KindPage})
	got := linkTargets(links, known)
	want := []string{"http://x.gov.cn/a", "http://y.gov.cn/z", "", "http://x.gov.cn/c?x=%E6%94%BF", "http://y.gov.cn/z"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("targets %q, want %q", got, want)
	}
}

// TestLooksNotFoundAsExpression holds the literal filter in front of
// notFoundPhrase to the expression alone: titles of the seeds' pages,
// every phrase in other cases and spacing, and random text made of the
// phrases' pieces.
func TestLooksNotFoundAsExpression(t *testing.T) {
	texts := []string{"", "404", "404 Not Found", "404NOTFOUND", "404 错误", "Page Not Found", "PAGE  NOT\tFOUND", "pAgE not found",
		"页面不存在", "页面未找到", "找不到您要访问的页面", "找不到页面", "您所访问的页面已删除", "您访问的页面找不到", "文章不存在",
		"栏目不存在", "信息已被删除", "内容已删除", "页面已失效", "示例县人民政府", "关于做好冬季安全生产工作的通知", "pagenotfound", "page not found"}
	for _, s := range beforeSeeds(t) {
		doc, _, err := ParseHTML([]byte(s))
		if err != nil {
			continue
		}
		ti, h1 := firstElements(doc, "title", "h1")
		texts = append(texts, textOf(ti), textOf(h1))
	}
	pieces := []string{"404", " ", "\t", "not", "NOT", "found", "Found", "page", "PAGE", "Pa", "ge", "错误", "页面", "页", "面", "不存在",
		"未找到", "找不到", "您", "所", "访问的", "已", "被", "删除", "失效", "文章", "信息", "内容", "栏目", "该", "此", "政府", "\u212a", "ſ"}
	rng := rand.New(rand.NewPCG(17, 18))
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	matched := 0
	for _, s := range texts {
		want := notFoundPhrase.MatchString(s)
		if got := looksNotFound(s); got != want {
			t.Fatalf("%q: looksNotFound %v, the expression %v", s, got, want)
		}
		if want {
			matched++
		}
	}
	if matched < 100 {
		t.Fatalf("only %d texts matched", matched)
	}
}

// TestHashSetAsMap holds the visited set's table to the map it replaced:
// the same answers for hashes added again and again, through growth, with
// hashes that share their low bits (long probes) and the hash 0 (kept as
// 1, as a collision).
func TestHashSetAsMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	s := newHashSet(1)
	m := map[uint64]bool{}
	var added []uint64
	for i := range 300_000 {
		var h uint64
		switch {
		case i%5 == 0 && len(added) > 0:
			h = added[rng.IntN(len(added))] // again
		case i%7 == 0:
			h = rng.Uint64() << 40 // low bits shared
		case i%1000 == 0:
			h = uint64(i/1000) % 2 // 0 and 1
		default:
			h = rng.Uint64()
		}
		k := h
		if k == 0 {
			k = 1
		}
		want := !m[k]
		m[k] = true
		if got := s.add(h); got != want {
			t.Fatalf("add %#x (%d): %v, the map %v", h, i, got, want)
		}
		added = append(added, h)
		if s.n != len(m) {
			t.Fatalf("%d in the set, %d in the map", s.n, len(m))
		}
	}
	v := NewVisited()
	for i := range 5000 {
		u := "http://x.gov.cn/p/" + strconv.Itoa(i%3000) + ".html"
		if isNew, _ := v.Add(u); isNew != (i < 3000) {
			t.Fatalf("%s (%d): new %v", u, i, isNew)
		}
	}
	if v.Len() != 3000 {
		t.Fatalf("%d visited", v.Len())
	}
}

// similarBefore is similarPages.observe as it was: the clusters scanned
// whole.
type similarBefore struct {
	max      int
	clusters []cluster
}

func (s *similarBefore) observe(u, pattern string, h uint64, n int) bool {
	if s.max <= 0 || n < 1 {
		return false
	}
	for i := range s.clusters {
		c := &s.clusters[i]
		if bits.OnesCount64(c.hash^h) > 3 || n*10 < c.length*9 || n*9 > c.length*10 {
			continue
		}
		if c.pages >= s.max {
			c.skipped++
			return true
		}
		c.pages++
		return false
	}
	if len(s.clusters) < maxClusters {
		s.clusters = append(s.clusters, cluster{hash: h, length: n, pages: 1, example: u, pattern: pattern})
	}
	return false
}

// TestSimilarPagesAsBefore feeds both the same pages — families of near
// hashes and lengths, past the cluster cap — and compares every verdict
// and the traps.
func TestSimilarPagesAsBefore(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	now, before := &similarPages{max: 5}, &similarBefore{max: 5}
	bases := make([]uint64, 300)
	for i := range bases {
		bases[i] = rng.Uint64()
	}
	stopped := 0
	for i := range 20_000 {
		h := bases[rng.IntN(len(bases))]
		if i%3 == 0 {
			h = rng.Uint64() // a page of its own: the clusters fill up
		}
		for range rng.IntN(5) {
			h ^= 1 << rng.IntN(64)
		}
		n := 1000 + rng.IntN(300) - 1
		u := "http://x.gov.cn/p/" + strconv.Itoa(i) + ".html"
		got, want := now.observe(u, "x/p/#.html", h, n), before.observe(u, "x/p/#.html", h, n)
		if got != want {
			t.Fatalf("page %d: stopped %v, before %v", i, got, want)
		}
		if got {
			stopped++
		}
	}
	if len(now.clusters) != maxClusters || stopped < 100 {
		t.Fatalf("%d clusters, %d pages stopped: the test does not reach the cap or the traps", len(now.clusters), stopped)
	}
	for i := range now.clusters {
		if now.clusters[i] != before.clusters[i] {
			t.Fatalf("cluster %d: %+v, before %+v", i, now.clusters[i], before.clusters[i])
		}
	}
}
