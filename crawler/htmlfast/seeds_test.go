package htmlfast_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/internal/benchsite"
	"github.com/xunjian/xunjian/internal/hostilesite"
	"github.com/xunjian/xunjian/sampleportal"
	"golang.org/x/net/html"
)

// realPagesEnv names a glob of real pages to add to the seeds (real
// portal pages are not committed): XUNJIAN_REALPAGES='/work/realdata/docs/pages/*.html'.
const realPagesEnv = "XUNJIAN_REALPAGES"

// snippets are hand-written inputs for the tree construction's corners.
var snippets = []string{
	"", " ", "\r\n", "x", "<", "<<", "</", "</>", "<!", "<!-", "<!--", "<!---->", "<!-- a -- b --!>", "<?xml x?>", "&", "&amp", "&amp;", "&ampx", "&#", "&#x", "&#0;", "&#x80;", "&#xD800;", "&notit;", "&notin;",
	"<!DOCTYPE html><p>a", "<!doctype html public \"-//W3C//DTD HTML 4.01 Transitional//EN\">x", "<!DOCTYPE>", "<!DOCTYPE html SYSTEM \"about:legacy-compat\">",
	"<html><head><title>t&amp;</title><meta charset=utf-8><link rel=x href='a?b=1&c=2'><script>if(a<b)x()</script><style>p{}</style><noscript><p>n</p></noscript><base href=/></head><body>b</body></html>",
	"<p>a<p>b<div>c</div><li>d<li>e<dd>f<dt>g", "<ul><li>a<ul><li>b</ul><li>c</ul>", "<select><option>a<option>b<optgroup><option>c</select>",
	"<table><tr><td>a<td>b<tr><th>c</table>", "<table>x<tr>y</table>", "<table><caption>c<tr><td>d</table>", "<table><colgroup><col><tbody><tr><td>a</td></tr></tbody><tfoot></table>",
	"<b>a<i>b</b>c</i>", "<a href=1>a<a href=2>b</a>", "<p><b><i>x</p>y", "<font color=red><p>a</font>b</p>", "<div></a></span></p>x</div>", "</div>x", "</p>", "</br>",
	"<pre>\nx</pre>", "<pre>\n\nx</pre>", "<textarea>\nx</textarea>", "<listing>\r\nx</listing>", "a\r\nb\rc\n", "<title>a<b>&lt;</title>", "<xmp><b></xmp>", "<iframe><p>x</iframe>", "<noembed><p></noembed>", "<noframes><p></noframes>",
	"<plaintext><p>x", "<script><!--<script></script>--></script>", "<script>a</script >b", "<script>a</SCRIPT>b", "<style></style", "<textarea></textarea",
	"<svg viewBox='0 0 1 1'><symbol id=a><path d='M0'/></symbol><use xlink:href='#a'/><foreignObject><p>x</p></foreignObject><clippath/><lineargradient/></svg>",
	"<math><mi>x</mi><annotation-xml encoding='text/html'><p>y</annotation-xml><mglyph/></math>", "<svg><p>x</svg>", "<svg><font color=1>a</font></svg>", "<svg><title><b>x</b></title></svg>", "<svg><![CDATA[a<b]]></svg>",
	"<input type=hidden><img src=a><br><hr><wbr><area><embed><source><track><param><keygen><image src=x>", "<a href=x b=1 b=2 B=3>", "<a HREF=X data-A=\"&quot;\" c='&#39;' d=e&f=g>", "<a x=\"a\"y=1>", "<a =a>", "<a\"b>", "<a/ b/>", "<br/><p/>",
	"<frameset><frame src=a></frameset>", "<template><p>x</template>", "<body a=1><body b=2>", "<html a=1><html b=2>", "<form><form></form></form>", "<button><button>", "<nobr>a<nobr>b",
	"<applet><object><marquee>", "<h1><h2>x</h1>", "<dl><dt>a<dd>b<dt>c</dl>", "<ruby>a<rb>b<rt>c<rp>d<rtc>e</ruby>", "<math><mtext><b>x</b></mtext></math>", "a\x00b", "<p>\x00</p>", "<svg>\x00</svg>",
	"<!--\r\n-->", "<a href='\r\n'>", "<div id=a class='b c' hidden style=display:none>x</div>",
}

// seedPages returns every HTML page this repository has: the fixtures
// under testdata, pages of the benchmark site, the sample portal's and
// the hostile site's pages as a crawler sees them, and the real pages of
// $XUNJIAN_REALPAGES.
func seedPages(t testing.TB) map[string][]byte {
	pages := map[string][]byte{}
	for i, s := range snippets {
		pages["snippet/"+strings.Repeat("0", 3-len(itoa(i)))+itoa(i)] = []byte(s)
	}
	root := filepath.Join("..", "..")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		ext := strings.ToLower(filepath.Ext(p))
		if !d.IsDir() && (ext == ".html" || ext == ".htm" || ext == ".shtml") {
			if b, err := os.ReadFile(p); err == nil {
				pages["file/"+p] = b
			}
		}
		return nil
	})
	heavy, light := benchsite.New(benchsite.Heavy(20000)), benchsite.New(benchsite.Light(20000))
	for _, i := range []int{1, 2, 1234, 1250, 1000, 19999} {
		pages["benchsite/heavy/"+itoa(i)] = heavy.Page(i, 1)
		pages["benchsite/light/"+itoa(i)] = light.Page(i, 1)
	}
	if g := os.Getenv(realPagesEnv); g != "" {
		files, _ := filepath.Glob(g)
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				pages["real/"+filepath.Base(f)] = b
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if p, err := sampleportal.Start(ctx, sampleportal.Options{Slow: 10 * time.Millisecond}); err == nil {
		crawl(p.URL, 500, "sampleportal", pages)
		crawl(p.ExternalURL+"/", 50, "sampleportal-ext", pages)
		p.Close()
	} else {
		t.Logf("sample portal: %v", err)
	}
	if s, err := hostilesite.Start(hostilesite.Options{BombBytes: 1 << 20, Links: 20}); err == nil {
		crawl(s.URL+"/", 200, "hostilesite", pages)
		s.Close()
	} else {
		t.Logf("hostile site: %v", err)
	}
	return pages
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// crawl collects up to max HTML pages of the site at start, breadth first.
func crawl(start string, max int, name string, pages map[string][]byte) {
	base, err := url.Parse(start)
	if err != nil {
		return
	}
	client := &http.Client{Timeout: 2 * time.Second}
	seen := map[string]bool{start: true}
	queue := []string{start}
	for n := 0; len(queue) > 0 && n < max; n++ {
		u := queue[0]
		queue = queue[1:]
		resp, err := client.Get(u)
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if !strings.Contains(resp.Header.Get("Content-Type"), "html") && !bytes.Contains(body[:min(len(body), 512)], []byte("<")) {
			continue
		}
		pages[name+strings.TrimPrefix(u, base.Scheme+"://"+base.Host)] = body
		doc, err := html.Parse(bytes.NewReader(body))
		if err != nil {
			continue
		}
		var refs []string
		for n := range doc.Descendants() {
			for _, a := range n.Attr {
				if a.Key == "href" || a.Key == "src" {
					refs = append(refs, a.Val)
				}
			}
		}
		sort.Strings(refs)
		for _, r := range refs {
			ref, err := url.Parse(strings.TrimSpace(r))
			if err != nil {
				continue
			}
			v := base.ResolveReference(ref)
			if r2, _ := url.Parse(u); r2 != nil {
				v = r2.ResolveReference(ref)
			}
			v.Fragment = ""
			if v.Host != base.Host || seen[v.String()] {
				continue
			}
			seen[v.String()] = true
			queue = append(queue, v.String())
		}
	}
}
