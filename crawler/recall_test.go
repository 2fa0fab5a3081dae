package crawler

import (
	"reflect"
	"testing"
	"time"
)

func TestKnownRoundTrip(t *testing.T) {
	for name, k := range map[string]Known{
		"page": {
			URL: "http://x.gov.cn/a.html", CheckedAt: time.Unix(1764000000, 123), ETag: `W/"abc"`, LastModified: "Mon, 02 Nov 2026 08:00:00 GMT",
			Outcome: Outcome{Status: 200, FinalURL: "http://x.gov.cn/a.html", Attempts: 1, ContentType: "text/html; charset=gbk"},
			Page: &KnownPage{FinalURL: "http://x.gov.cn/a.html", Status: 200, Frames: []string{"http://x.gov.cn/f.html"}, Dynamic: true,
				Links: []KnownLink{{URL: "http://x.gov.cn/b.html", Kind: KindPage, Tag: "a", Attr: "href", Text: "第二页"}, {URL: "http://x.gov.cn/r.html", Kind: KindPage, Redirect: true}}},
			Read: true, Daily: true, Memo: []byte(`{"f":[]}`),
		},
		"failed target": {URL: "http://x.gov.cn/gone.pdf", Outcome: Outcome{Status: 404, Class: ClassNotFound, Attempts: 1, Agree: false}, Daily: true},
		"document":      {URL: "http://x.gov.cn/d.jsp", Document: true, Read: true, Memo: []byte(`{}`), Outcome: Outcome{Status: 200, Agree: true, Err: "x"}},
		"empty":         {},
		"negative and multi-byte numbers": {URL: "http://x.gov.cn/n", CheckedAt: time.Unix(-86400, 0),
			Outcome: Outcome{Status: -1, Attempts: 300}, Page: &KnownPage{Status: -70000, Links: make([]KnownLink, 200)}},
	} {
		t.Run(name, func(t *testing.T) {
			b, err := k.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var back Known
			if err := back.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if k.CheckedAt.IsZero() {
				k.CheckedAt = time.Time{}
			}
			if !back.CheckedAt.Equal(k.CheckedAt) {
				t.Errorf("checked at %v, want %v", back.CheckedAt, k.CheckedAt)
			}
			back.CheckedAt, k.CheckedAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(back, k) {
				t.Errorf("round trip\n got %+v\nwant %+v", back, k)
			}
			for i := range b {
				var cut Known
				if err := cut.UnmarshalBinary(b[:i]); err == nil && i < len(b) {
					t.Errorf("a record cut at %d of %d bytes was read", i, len(b))
				}
			}
		})
	}
}

// FuzzKnown: a stored record read back never panics or allocates beyond
// its size, and what it reads encodes to a record that reads the same.
func FuzzKnown(f *testing.F) {
	k := Known{URL: "http://x.gov.cn/", Page: &KnownPage{Links: []KnownLink{{URL: "http://x.gov.cn/a", Kind: KindPage}}}, Read: true}
	b, _ := k.MarshalBinary()
	f.Add(b)
	f.Add([]byte{knownFormat, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		var k Known
		if k.UnmarshalBinary(data) != nil {
			return
		}
		again, err := k.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var k2 Known
		if err := k2.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded record unreadable: %v", err)
		}
		if !reflect.DeepEqual(k, k2) {
			t.Fatalf("re-encoded record differs")
		}
	})
}

func TestSpreadDayCoversEachURLOnce(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	counts := map[string]int{}
	urls := []string{}
	for i := range 2000 {
		urls = append(urls, "http://x.gov.cn/p/"+string(rune('a'+i%26))+"/"+time.Unix(int64(i), 0).UTC().Format("150405")+".html")
	}
	start := time.Date(2026, 11, 30, 1, 0, 0, 0, loc)
	buckets := map[int]int{}
	for d := range 7 {
		today := DayNumber(start.AddDate(0, 0, d), loc)
		for _, u := range urls {
			if SpreadDay(u, 7) == today%7 {
				counts[u]++
				buckets[d]++
			}
		}
	}
	for _, u := range urls {
		if counts[u] != 1 {
			t.Fatalf("%s due %d times in 7 days", u, counts[u])
		}
	}
	for d, n := range buckets {
		if n < 2000/7/2 || n > 2000/7*2 {
			t.Errorf("day %d has %d of 2000 URLs", d, n)
		}
	}
	// Day numbers follow the zone: 23:30 and 00:30 local are two days.
	if a, b := DayNumber(time.Date(2026, 11, 30, 23, 30, 0, 0, loc), loc), DayNumber(time.Date(2026, 12, 1, 0, 30, 0, 0, loc), loc); b != a+1 {
		t.Errorf("day numbers %d, %d", a, b)
	}
}
