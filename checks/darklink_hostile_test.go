package checks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
)

// TestDarkLinkHostilePages: pages built to make the static pass spend
// gigabytes or hours end with what it could analyse and a "not analysed"
// finding saying why; the dark links it reached are still reported.
func TestDarkLinkHostilePages(t *testing.T) {
	bigCSS := strings.Repeat(".z{color:red}\n", 200_000) // 2.8 MB: cut at 2 MB
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big.css":
			w.Write([]byte(bigCSS))
		default:
			w.Write([]byte(".hide a{display:none}"))
		}
	}))
	defer srv.Close()
	home, _ := url.Parse(srv.URL + "/")
	cfg := config.Default()
	cfg.Checks.DarkLink.RenderPages, cfg.Checks.DarkLink.CloakingPages = 0, 0
	packs, _ := cfg.Content.LoadPacks(nil, nil)

	var classes strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&classes, "c%d ", i)
	}
	var links strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&links, `<p><a href="http://bet.example/%d">x</a></p>`, i)
	}
	var rules strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&rules, "[data-q%d] a{display:none}\n", i)
	}
	for _, tc := range []struct {
		name, page  string
		notAnalysed string // in the not-analysed message; "" for none
		dark        int    // dark links listed (more-hidden-links counts the rest)
	}{
		{"ancestor-with-20000-classes", `<link rel="stylesheet" href="/s.css"><div class="` + classes.String() + `hide">` + links.String() + `</div>`, "", maxPageDarkLinks},
		{"deep-nesting", `<link rel="stylesheet" href="/s.css"><div class="hide">` + strings.Repeat("<div>", 400) + `<a href="http://bet.example/deep">x</a>`, "嵌套过深", 0},
		{"huge-stylesheet", `<link rel="stylesheet" href="/big.css"><div style="display:none"><a href="http://bet.example/1">x</a></div>`, "只分析了前 2 MB", 1},
		{"too-many-rules", `<style>` + rules.String() + `</style><style>` + strings.ReplaceAll(rules.String(), "q", "r") + `</style><style>` + strings.ReplaceAll(rules.String(), "q", "s") + `</style><div class="hide"><a href="http://bet.example/1">x</a></div>`, "样式规则超过", 0},
		{"too-many-sheets", strings.Repeat(`<style>.x{display:none}</style>`, 100) + `<div style="display:none"><a href="http://bet.example/1">x</a></div>`, "样式表超过 64 个", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newDarkLink(Deps{Config: cfg, Packs: packs, SiteHosts: []string{home.Host}})
			if err != nil {
				t.Fatal(err)
			}
			doc, _, err := crawler.ParseHTML([]byte("<html><body>" + tc.page + "</body></html>"))
			if err != nil {
				t.Fatal(err)
			}
			var fs []finding.Finding
			alloc := allocatedBy(func() {
				fs = c.(PageChecker).Page(context.Background(), &crawler.Page{URL: home, FinalURL: home, Doc: doc})
			})
			var msg string
			dark := 0
			for _, f := range fs {
				switch f.Kind {
				case "not-analysed":
					msg = f.Message
				case "more-hidden-links":
				default:
					dark++
				}
			}
			if tc.notAnalysed == "" && msg != "" || !strings.Contains(msg, tc.notAnalysed) {
				t.Errorf("not-analysed message %q, want one containing %q", msg, tc.notAnalysed)
			}
			if dark != tc.dark {
				t.Errorf("%d dark links listed, want %d", dark, tc.dark)
			}
			if alloc > 400<<20 {
				t.Errorf("the page's static pass allocated %d MB", alloc>>20)
			}
			t.Logf("%d findings, %d MB allocated", len(fs), alloc>>20)
		})
	}
}

func allocatedBy(f func()) uint64 {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}
