//go:build htmlfastpoison

package extract

// poisonReleased: built with -tags htmlfastpoison (as the crawl's tree
// users are tested), the page text PageSegmentsIn released is overwritten
// with garbage and its buffer never reused, so that a segment's string
// kept past release reads as no page does.
const poisonReleased = true

const releasedText = "〖已释放的页面文字〗"

func poison(b []byte) {
	b = b[:cap(b)]
	for i := 0; i < len(b); i += copy(b[i:], releasedText) {
	}
}
