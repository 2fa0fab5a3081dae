//go:build htmlfastpoison

package extract

import (
	"strings"
	"testing"

	"github.com/xunjian/xunjian/crawler"
)

// TestReleasedPageTextPoisoned: built with -tags htmlfastpoison, the body
// text PageSegmentsIn gave reads as garbage once released, so a text check
// that kept it (without strings.Clone) reports nonsense in the poisoned
// tests of the inspection.
func TestReleasedPageTextPoisoned(t *testing.T) {
	doc, _, err := crawler.ParseHTML([]byte("<title>通知</title><p>关于 开展 政务公开 工作的通知</p>"))
	if err != nil {
		t.Fatal(err)
	}
	segs, release := PageSegmentsIn(doc, 1<<20)
	var body string
	for _, s := range segs {
		if s.Where == "body" {
			body = s.Text
		}
	}
	if body != "关于 开展 政务公开 工作的通知" {
		t.Fatalf("body %q", body)
	}
	release()
	if strings.Contains(body, "政务公开") || !strings.Contains(body, "释放") {
		t.Errorf("released page text still reads %q", body)
	}
}
