package checks

import (
	"context"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/internal/benchsite"
)

// TestTextScanAsFindAll holds the sensitive-word and typo checks reading a
// document through their shared scan (textScan, as Build gives it) to the
// same checks each reading it with its own matcher (FindAll, as before):
// the real-text regression set's clean documents and spam strings with
// their evasions, the benchmark site's pages, and random mixes of pack
// words, typos, noise and pinyin, as one document read by both checks
// (either first) and as a document each.
func TestTextScanAsFindAll(t *testing.T) {
	shared := contentChecks(t, nil, nil)
	sw, ty := shared["sensitive-word"].(*sensitiveWord), shared["typo"].(*typo)
	if sw.scan == nil || ty.scan == nil || sw.scan != ty.scan {
		t.Fatal("Build did not give both checks one scan")
	}
	// The same checks without it: copies with scan unset.
	swAlone, tyAlone := *sw, *ty
	swAlone.scan, tyAlone.scan = nil, nil

	var docs [][]extract.Segment
	body := func(text string) []extract.Segment {
		title, _, _ := strings.Cut(text, "。")
		return []extract.Segment{{Where: "title", Text: title}, {Where: "body", Text: text}}
	}
	for _, d := range readCleanDocs(t) {
		docs = append(docs, body(d.text))
	}
	var pieces []string
	for _, s := range readSpam(t) {
		docs = append(docs, body("关于开展专项整治的通知。"+s.text+"，请相互转告。"))
		pieces = append(pieces, s.text)
		for _, e := range evasions(s.text) {
			docs = append(docs, body(e))
		}
	}
	site := benchsite.New(benchsite.Heavy(20000))
	for _, i := range []int{0, 1, 50, 1234, 1250} {
		doc, _, err := crawler.ParseHTML(site.Page(i, 1))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, extract.PageSegments(doc, 4<<20))
	}
	for _, e := range ty.entries {
		pieces = append(pieces, e.Wrong)
	}
	for _, w := range sw.words.entries[:min(2000, len(sw.words.entries))] {
		pieces = append(pieces, w.Word)
	}
	pieces = append(pieces, "，", "。", "\n", " ", "*", "(ao)", "（men）", "严峻", "工作", "2019年", "sex", "Essex", "\xff")
	rng := rand.New(rand.NewPCG(31, 32))
	for range 800 {
		var segs []extract.Segment
		for _, where := range []string{"title", "alt", "body"} {
			var b strings.Builder
			for range rng.IntN(20) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			segs = append(segs, extract.Segment{Where: where, Text: b.String()})
		}
		docs = append(docs, segs)
	}

	ctx := context.Background()
	found := 0
	for k, segs := range docs {
		doc := func() *Document {
			return &Document{URL: "http://x.gov.cn/a.html", Segments: segs, Attachment: k%7 == 0}
		}
		wantW := swAlone.Text(ctx, doc())
		wantT := tyAlone.Text(ctx, doc())
		found += len(wantW) + len(wantT)
		one := doc()
		gotW, gotT := sw.Text(ctx, one), ty.Text(ctx, one)
		other := doc()
		gotT2, gotW2 := ty.Text(ctx, other), sw.Text(ctx, other)
		// A document read again (the scan is kept, not used up).
		gotW3 := sw.Text(ctx, other)
		for _, c := range []struct {
			name      string
			got, want any
		}{{"sensitive-word", gotW, wantW}, {"typo", gotT, wantT}, {"typo first", gotT2, wantT}, {"sensitive-word second", gotW2, wantW}, {"again", gotW3, wantW}} {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Fatalf("document %d, %s: shared scan\n%v\nown matcher\n%v\nsegments %q", k, c.name, c.got, c.want, segs)
			}
		}
	}
	t.Logf("%d documents, %d findings", len(docs), found)
	if found < 500 {
		t.Errorf("only %d findings: the documents do not exercise the checks", found)
	}
}
