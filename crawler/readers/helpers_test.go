package readers

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// fixture loads testdata/<name> as an HTML page served at pageURL.
func fixture(t testing.TB, name, pageURL string) *Page {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return htmlPage(t, body, pageURL)
}

func htmlPage(t testing.TB, body []byte, pageURL string) *Page {
	t.Helper()
	u, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return &Page{URL: u, Status: 200, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, Body: body, Doc: doc}
}

// answer loads testdata/<name> as the answer to req.
func answer(t testing.TB, name string, req Request) *Page {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return &Page{URL: req.URL, Status: 200, Header: http.Header{}, Body: body, Request: &req}
}

// show renders links as "where|kind|url|text|date|entry" lines, sorted.
func show(links []Link) []string {
	var out []string
	for _, l := range links {
		e := ""
		if l.Entry {
			e = "entry"
		}
		if l.Redirect {
			e += "redirect"
		}
		out = append(out, strings.Join([]string{l.Where, l.Kind.String(), l.URL.String(), l.Text, l.Date, e}, "|"))
	}
	sort.Strings(out)
	return out
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s differ\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
