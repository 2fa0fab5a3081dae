package readers

import (
	"strings"
	"testing"
)

func TestIframe(t *testing.T) {
	tests := []struct {
		name, fixture, page string
		frames              []string
		links               []string
	}{
		{
			name: "visible-same-site-frames-only", fixture: "iframe/framing.html", page: "http://www.example.gov.cn/xxgk/index.html",
			frames: []string{
				"http://www.example.gov.cn/xxgk/catalog/list.html",
				// A lazy frame (src about:blank, data-src) is a frame and a link.
				"http://www.example.gov.cn/xxgk/ndbg/index.html",
				// Not: zero-size or display:none (dark-link territory), other
				// hosts (a map), "#", a repeat.
			},
			links: []string{"iframe:data-src|frame|http://www.example.gov.cn/xxgk/ndbg/index.html|年度报告||"},
		},
		{
			name: "frameset", fixture: "iframe/frameset.html", page: "http://www.example.gov.cn/xz/index.htm",
			frames: []string{
				"http://www.example.gov.cn/xz/top.htm",
				"http://www.example.gov.cn/xz/left.htm",
				"http://www.example.gov.cn/xz/main/index.htm",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := Iframe{}.Read(fixture(t, tc.fixture, tc.page), DefaultLimits())
			var got []string
			for _, f := range res.Frames {
				got = append(got, f.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.frames, "\n") {
				t.Errorf("frames\n got %v\nwant %v", got, tc.frames)
			}
			equalLines(t, "links", show(res.Links), tc.links)
		})
	}
}

// FuzzRead runs every page reader on arbitrary markup: no panic, every
// link absolute, every request same-site, every count within its cap.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`<iframe src="/a.html" width="100"></iframe><frame src="b.htm">`,
		`<meta http-equiv="refresh" content="0;url=/x.html"><script>location.href='/y.html'</script>`,
		`<a href="/module/download/downfile.jsp?classid=0&filename=a.pdf">附件</a><a href="x" download="名单.xls">下载</a>`,
		`<script type="text/xml"><datastore><record><![CDATA[<a href="/a.html">t</a>]]></record></datastore></script><script>$('#1').jpage({proxyUrl:'/p.jsp',perPage:5,ajaxParam:{a:1}})</script>`,
		`<script>createPageHTML(3,0,"index","html");var x=[{"t":"标题标题","u":"/a.html","d":"2026-01-01"}]</script>`,
		`<a href="./202601/t20260102_1.html" OLDSRC="/protect/a.pdf">x</a>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := htmlPage(t, []byte(s), "http://www.example.gov.cn/col/index.html")
		lim := Limits{MaxPagerPages: 10, MaxRequests: 3, MaxEntries: 20, MaxScriptBytes: 1 << 16, MaxNesting: 16}
		res := Read(p, lim)
		for _, l := range res.Links {
			if !l.URL.IsAbs() || l.URL.Scheme != "http" && l.URL.Scheme != "https" || l.URL.Host == "" {
				t.Fatalf("link %q", l.URL)
			}
		}
		for _, r := range res.Requests {
			if r.URL.Host != "www.example.gov.cn" || r.Reader == "" {
				t.Fatalf("request %+v", r)
			}
		}
		for _, u := range res.Frames {
			if u.Host != "www.example.gov.cn" {
				t.Fatalf("frame %v", u)
			}
		}
	})
}
