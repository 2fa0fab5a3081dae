package rodata

import (
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/go-ego/gse"
)

// TestRelease reads a large string of the binary's read-only data (the
// jieba word list gse embeds, 6.2 MB), releases it and finds its pages no
// longer resident, then reads it again: the same bytes, resident again.
func TestRelease(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Release needs Linux's madvise and /proc/self/pagemap")
	}
	s := gse.ZhIdf
	sum := crc32.ChecksumIEEE([]byte(s))
	res, err := Resident(s)
	if err != nil {
		t.Fatal(err)
	}
	if res < len(s)*9/10 {
		t.Fatalf("%d of %d bytes resident after a full read, want most", res, len(s))
	}
	n := Release(s)
	if n < len(s)-2*4096 {
		t.Fatalf("released %d of %d bytes", n, len(s))
	}
	if res, _ = Resident(s); res > 0 {
		t.Fatalf("%d bytes still resident after Release", res)
	}
	if got := crc32.ChecksumIEEE([]byte(s)); got != sum {
		t.Fatalf("checksum %08x after Release, was %08x", got, sum)
	}
	if res, _ = Resident(s); res < len(s)*9/10 {
		t.Fatalf("%d of %d bytes resident after a second read, want most", res, len(s))
	}
}

// TestReleaseLeavesHeapAlone: memory that is not a read-only file mapping
// (the heap) is never released.
func TestReleaseLeavesHeapAlone(t *testing.T) {
	s := strings.Repeat("政府网站", 100_000)
	if n := Release(s); n != 0 {
		t.Fatalf("released %d bytes of a heap string", n)
	}
	if s[len(s)-3:] != "站" || strings.Count(s, "政府网站") != 100_000 {
		t.Fatal("heap string changed")
	}
	if n := Release(""); n != 0 {
		t.Fatalf("released %d bytes of the empty string", n)
	}
}
