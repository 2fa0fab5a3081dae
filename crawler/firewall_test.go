package crawler

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/xunjian/xunjian/crawler/readers"
	"github.com/xunjian/xunjian/internal/benchsite"
	"github.com/xunjian/xunjian/internal/benchtext"
)

// ruishuPage is a 瑞数-style challenge (our own markup on the public
// shape: a seed meta and scripts marked r='m', the $_ts runtime).
const ruishuPage = `<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta id="9DhefwqGPrzGxEp9hPaoag" content="Zx8Qm2kLw" r='m'>
<script type="text/javascript" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=52307;$_ts.cd="qEzcrAwrqGL";</script>
<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js" r='m'></script></head><body></body></html>`

// jiasulePage is a 加速乐-style first answer: the cookie name spelled out.
const jiasulePage = `<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(-~[]+'')+'.'+(2+[]);location.href=location.pathname+location.search</script>`

type wallSite struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func (s *wallSite) hit(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[path]++
	return s.hits[path]
}

func TestFirewallsAreNotBrokenLinks(t *testing.T) {
	// An external site behind 加速乐: every answer is its 521 challenge.
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "__jsluid_h=7c2d0f; max-age=31536000; path=/; HttpOnly")
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(521)
		w.Write([]byte(jiasulePage))
	}))
	defer ext.Close()
	s := &wallSite{hits: map[string]int{}}
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><title>页</title></head><body>%s</body></html>", body)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.hit(r.URL.Path)
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		page(w, `<a href="/ok.html">正常页面</a> <a href="/hdjl/">互动交流</a> <a href="/missing.html">已删除</a>
<a href="/throttled.html">总是限流</a> <a href="/busy.html">先忙后好</a> <a href="`+ext.URL+`/index.html">外部网站</a> <a href="`+ext.URL+`/a.html">外部文章</a>`)
	})
	mux.HandleFunc("/ok.html", func(w http.ResponseWriter, r *http.Request) { page(w, "内容") })
	// The 互动交流 section sits behind 瑞数: every request gets the challenge.
	mux.HandleFunc("/hdjl/", func(w http.ResponseWriter, r *http.Request) {
		s.hit("/hdjl/")
		w.Header().Set("Set-Cookie", "Qk7rZ2aWp1xT80S=60abcdef; path=/; HttpOnly")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(412)
		w.Write([]byte(ruishuPage))
	})
	mux.HandleFunc("/throttled.html", func(w http.ResponseWriter, r *http.Request) {
		s.hit(r.URL.Path)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	mux.HandleFunc("/busy.html", func(w http.ResponseWriter, r *http.Request) {
		if s.hit(r.URL.Path) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		page(w, "好了")
	})
	s.srv = httptest.NewServer(mux)
	defer s.srv.Close()

	cfg := testCrawlConfig(t, s.srv.URL+"/")
	cfg.Crawl.AllowNetworks = []string{"127.0.0.0/8"}
	res, _ := runCrawl(t, cfg)
	failed := map[string]Failure{}
	for _, f := range res.Failures {
		failed[strings.TrimPrefix(strings.TrimPrefix(f.URL, s.srv.URL), ext.URL)] = f
	}
	for _, p := range []string{"/hdjl/", "/index.html", "/a.html", "/busy.html"} {
		if f, ok := failed[p]; ok {
			t.Errorf("%s reported as a failure: %+v", p, f.Outcome)
		}
	}
	if f := failed["/missing.html"]; f.Outcome.Class != ClassNotFound {
		t.Errorf("real 404 lost: %+v", f.Outcome)
	}
	th := failed["/throttled.html"].Outcome
	if th.Class != ClassRateLimited || th.Firewall == nil || th.Firewall.Kind != "rate-limit" {
		t.Errorf("429-only target: %+v", th)
	}
	if res.Throttled[strings.TrimPrefix(s.srv.URL, "http://")] < 3 {
		t.Errorf("throttled counts %v, want the 429s and the 503", res.Throttled)
	}
	if len(res.Blocked) != 2 {
		t.Fatalf("blocked = %+v, want the site's 瑞数 section and the external 加速乐", res.Blocked)
	}
	var own, other Blocked
	for _, b := range res.Blocked {
		if b.InScope {
			own = b
		} else {
			other = b
		}
	}
	if own.Vendor != "ruishu" || own.Kind != "challenge" || own.FirstURL != s.srv.URL+"/hdjl/" || own.FirstPage != s.srv.URL+"/" ||
		own.Targets != 1 || own.Source != "127.0.0.1" {
		t.Errorf("own firewall = %+v", own)
	}
	if other.Vendor != "jiasule" || other.Targets != 2 {
		t.Errorf("external firewall = %+v", other)
	}
	if res.Complete || len(res.Incomplete) != 1 || !strings.Contains(res.Incomplete[0], "瑞数") {
		t.Errorf("complete=%v incomplete=%q, want incomplete for the blocked section", res.Complete, res.Incomplete)
	}
	// A challenge is not retried: retrying is hammering.
	if n := s.hit("/hdjl/") - 1; n != 1 {
		t.Errorf("challenge requested %d times, want 1", n)
	}
}

func TestForbiddenStormMidCrawl(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stormFrom int // the server denies every request from this one on (0: never)
		wantStorm bool
	}{
		{"storm after ten answers", 10, true},
		{"a few real 403s", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				n++
				k := n
				mu.Unlock()
				if tc.stormFrom > 0 && k > tc.stormFrom || strings.HasPrefix(r.URL.Path, "/private") {
					http.Error(w, "Forbidden", http.StatusForbidden)
					return
				}
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				var b strings.Builder
				if r.URL.Path == "/" {
					for i := range 40 {
						fmt.Fprintf(&b, `<a href="/p%d.html">页面%d</a>`, i, i)
					}
					b.WriteString(`<a href="/private1.html">内部</a><a href="/private2.html">内部</a>`)
				}
				fmt.Fprintf(w, "<html><body>%s</body></html>", b.String())
			}))
			defer srv.Close()
			cfg := testCrawlConfig(t, srv.URL+"/")
			cfg.Crawl.Concurrency = 1
			res, _ := runCrawl(t, cfg)
			forbidden := 0
			for _, f := range res.Failures {
				if f.Outcome.Status == 403 {
					forbidden++
				}
			}
			if !tc.wantStorm {
				if len(res.Blocked) != 0 || forbidden != 2 {
					t.Errorf("blocked %+v, %d forbidden failures; want none and the 2 real 403s", res.Blocked, forbidden)
				}
				return
			}
			if len(res.Blocked) != 1 || res.Blocked[0].Kind != "storm" || res.Blocked[0].Targets < 25 || forbidden != 0 {
				t.Fatalf("blocked %+v, %d forbidden failures left; want one storm holding them", res.Blocked, forbidden)
			}
			if res.Complete {
				t.Error("report complete despite the storm")
			}
		})
	}
}

func TestStorm(t *testing.T) {
	ev := func(s string) []hostEvent {
		var out []hostEvent
		for i, c := range s {
			out = append(out, hostEvent{ok: c == 'o', deny: c == 'd', url: fmt.Sprint(i)})
		}
		return out
	}
	for _, tc := range []struct {
		log  string
		want int
	}{
		{"oooooddddddddddd", 5},
		{"ooodoooooddddddddddd", 9},     // an early real 403 is not the start
		{"dddddddddddddd", -1},          // denied from the start: no storm (the homepage failed)
		{"ooooodddddodddddddddd", 5},    // one normal answer inside stays under 10%
		{"oooooddddoddddoddddo", -1},    // normal answers keep coming
		{"oooooxxxxxddddddddddddx", 10}, // other failures are neither
		{"ooooodddddddd", -1},           // fewer than stormMin
	} {
		if got := storm(ev(tc.log)); got != tc.want {
			t.Errorf("storm(%s) = %d, want %d", tc.log, got, tc.want)
		}
	}
}

// challengeMarks are the marks mayBeChallenge looks for.
func challengeMarks() [][]byte {
	var out [][]byte
	for _, a := range challengeAnchors {
		out = append(out, []byte(a.mark))
	}
	return out
}

// TestMayBeChallengeFindsEveryMark: the search finds each mark at the
// start, inside (at an even and an odd offset) and at the end of a page,
// at the end of the recogniser's window and not past it, and nothing in a
// page without one.
func TestMayBeChallengeFindsEveryMark(t *testing.T) {
	page := strings.Repeat(`<li class="item"><a href="/p/1.html" title="settings">通知</a></li>`, 200)
	if mayBeChallenge([]byte(page)) {
		t.Fatal("found a mark in a page without one")
	}
	big := strings.Repeat("<p>政务公开 notice</p>\n", 3000) // > FirewallScan
	for _, m := range challengeMarks() {
		for name, body := range map[string]string{"start": string(m) + page, "inside": page + string(m) + page, "inside-odd": page + "x" + string(m) + page,
			"end": page + string(m), "end-odd": "x" + page + string(m), "window-end": big[:readers.FirewallScan-len(m)] + string(m) + big,
			"window-end-odd": big[:readers.FirewallScan-len(m)-1] + string(m) + "x" + big} {
			if !mayBeChallenge([]byte(body)) {
				t.Errorf("%q at the %s not found", m, name)
			}
		}
		for name, body := range map[string]string{"across-window": big[:readers.FirewallScan-len(m)+1] + string(m) + big,
			"past-window": big[:readers.FirewallScan+1] + string(m) + big} {
			if mayBeChallenge([]byte(body)) {
				t.Errorf("%q %s found", m, name)
			}
		}
	}
}

// TestMayBeChallengeAsContains: the search agrees with a bytes.Contains
// of every mark in the recogniser's window, whatever the body's length
// and the mark's place, and with the search it replaced (every byte pair
// of the first 256 KB) where a mark is in the window or nowhere.
func TestMayBeChallengeAsContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	filler := []string{"<a href=", "\"/p/1.html\"", "rm", "r=", "$", "_", "__", "wz", "ws", "365", "('_')", "tencent", "-cloud", "政务", "s", "y",
		"'m", "m'", "\"m", "m\"", "yu", "su", "sa", "af", "ji", "cw", "f_", "cf", "_v", "fy", "yd", "cy", "t-", "ud", "+("}
	marks := challengeMarks()
	long := []byte(strings.Repeat("<p>政务公开 notice</p>\n", 3000))
	for n := range 40000 {
		var b bytes.Buffer
		if n%10 == 0 { // around the window's end
			b.Write(long[:readers.FirewallScan-rng.IntN(40)])
		}
		for range rng.IntN(12) {
			b.WriteString(filler[rng.IntN(len(filler))])
		}
		if rng.IntN(3) == 0 {
			m := marks[rng.IntN(len(marks))]
			if rng.IntN(4) == 0 {
				m = m[:len(m)-1] // one byte short: no mark
			}
			b.Write(m)
		}
		for range rng.IntN(6) {
			b.WriteString(filler[rng.IntN(len(filler))])
		}
		if n%10 == 0 {
			b.Write(long[:rng.IntN(100)])
		}
		body := b.Bytes()
		window := body[:min(len(body), readers.FirewallScan)]
		want := false
		for _, m := range marks {
			want = want || bytes.Contains(window, m)
		}
		if len(body) < 2 {
			want = false
		}
		got := mayBeChallenge(body)
		if got != want {
			t.Fatalf("mayBeChallenge(%d bytes, ending %q) = %v, want %v", len(body), body[max(0, len(body)-60):], got, want)
		}
		if before := mayBeChallengeBefore(body); before != got && (got || bytes.Equal(window, body)) {
			t.Fatalf("mayBeChallenge(%q) = %v, the former search %v", body[max(0, len(body)-60):], got, before)
		}
	}
}

// mayBeChallengeBefore is mayBeChallenge as it was before it read only
// the recogniser's window and every second byte pair: a bytes.Contains
// of each mark in the first 256 KB.
func mayBeChallengeBefore(body []byte) bool {
	if len(body) < 2 || len(body) > 256<<10 {
		return false
	}
	for _, m := range challengeMarks() {
		if bytes.Contains(body, m) {
			return true
		}
	}
	return false
}

// TestMayBeChallengeOnPages: on the benchmark site's pages, with every
// mark put in at every offset of a stretch, the search agrees with the
// former one wherever the mark is in the window.
func TestMayBeChallengeOnPages(t *testing.T) {
	site := benchsite.New(benchsite.Heavy(100))
	for _, i := range []int{3, 50} {
		page := site.Page(i, 1)
		if mayBeChallenge(page) || mayBeChallengeBefore(page) {
			t.Fatalf("page %d has a mark", i)
		}
		for _, m := range challengeMarks() {
			for at := 1000; at < 1040; at++ {
				body := append(append(append([]byte{}, page[:at]...), m...), page[at:]...)
				if !mayBeChallenge(body) || !mayBeChallengeBefore(body) {
					t.Fatalf("page %d: %q at %d not found", i, m, at)
				}
			}
		}
	}
}

// BenchmarkMayBeChallenge sniffs a heavy page of the benchmark site
// (100 KB, no mark): the cost every page crawled pays.
func BenchmarkMayBeChallenge(b *testing.B) {
	page := benchsite.New(benchsite.Heavy(100)).Page(3, 1)
	b.SetBytes(int64(len(page)))
	cpu := benchtext.StartCPU()
	for b.Loop() {
		if mayBeChallenge(page) {
			b.Fatal("mark found")
		}
	}
	cpu.ReportOp(b)
}
