package checks

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/internal/benchsite"
)

// BenchmarkTextScanRun is the sensitive-word and typo checks on the pages
// of a whole run of the benchmark site (internal/benchsite, the heavy
// 20,000-page site), in the order of their numbers — each page once, as a
// crawl reads them, so that the run's line memo holds what a run's would
// (BenchmarkPageCost cycles 20 pages, whose lines it soon holds all of).
// Each page is read by the two checks with the run's line memo and
// without one (the scan as before), in turn, and the thread's CPU time
// of each is summed: cpu-us/page (memo) and cpu-us/page-without, on the
// same pages in the same minutes; lines-passed is the share of the lines
// looked up that the memo passed over. XUNJIAN_SCAN_PAGES sets the pages
// (default 2,000; 20,000 for the whole run, ~1 minute):
//
//	XUNJIAN_SCAN_PAGES=20000 go test -run XXX -bench TextScanRun -benchtime 1x ./checks
func BenchmarkTextScanRun(b *testing.B) {
	pages := 2000
	if v, err := strconv.Atoi(os.Getenv("XUNJIAN_SCAN_PAGES")); err == nil && v > 0 {
		pages = v
	}
	site := benchsite.New(benchsite.Heavy(20000))
	ctx := context.Background()
	for b.Loop() {
		shared := contentChecks(b, nil, nil)
		sw, ty := shared["sensitive-word"].(*sensitiveWord), shared["typo"].(*typo)
		// The same checks with the scan as it was: no line memo.
		swOld, tyOld := *sw, *ty
		old := &textScan{pair: sw.scan.pair}
		swOld.scan, tyOld.scan = old, old
		runtime.LockOSThread()
		var with, without int64
		for i := 1; i <= pages; i++ {
			doc, _, err := crawler.ParseHTML(site.Page(i, 1))
			if err != nil {
				b.Fatal(err)
			}
			segs := extract.PageSegments(doc, 4<<20)
			both := func(s *sensitiveWord, t *typo) int64 {
				d := &Document{URL: "http://x.gov.cn/p/" + strconv.Itoa(i) + ".html", Segments: segs}
				start := threadCPU()
				s.Text(ctx, d)
				t.Text(ctx, d)
				return threadCPU() - start
			}
			if i%2 == 0 {
				with += both(sw, ty)
				without += both(&swOld, &tyOld)
			} else {
				without += both(&swOld, &tyOld)
				with += both(sw, ty)
			}
		}
		runtime.UnlockOSThread()
		lines, hits := sw.scan.memo.Stats()
		b.ReportMetric(float64(with)/1e3/float64(pages), "cpu-us/page")
		b.ReportMetric(float64(without)/1e3/float64(pages), "cpu-us/page-without")
		b.ReportMetric(float64(hits)/float64(max(lines, 1)), "lines-passed")
		read, passed := sw.scan.memo.Bytes()
		b.ReportMetric(float64(passed)/float64(max(read, 1)), "bytes-passed")
	}
}

// threadCPU is the calling thread's CPU time in nanoseconds.
func threadCPU() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}
