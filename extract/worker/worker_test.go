package worker

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xunjian/xunjian/extract"
	"github.com/xunjian/xunjian/internal/fixtures"
	"github.com/xunjian/xunjian/internal/race"
)

// TestMain makes this test binary the worker when a Pool starts it, with
// an engine that also knows files built to hang, exhaust memory, crash or
// flood the pipe (what no real parser should do, but a crafted file can
// make one do).
func TestMain(m *testing.M) {
	if IsChild() {
		os.Exit(MainWith(func(c extract.Config) extract.Extractor {
			return hostileEngine{Engine: extract.NewEngine(c), maxText: c.MaxText}
		}))
	}
	if os.Getenv("XUNJIAN_TEST_PARENT") == "1" {
		parentToKill()
	}
	os.Exit(m.Run())
}

// parentToKill is the process TestWorkerDiesWithParent kills: it starts a
// worker stuck on a file, prints the worker's PID and waits.
func parentToKill() {
	p, err := New(Config{Workers: 1, Timeout: time.Hour})
	if err != nil {
		os.Exit(2)
	}
	go p.Extract(context.Background(), "sleep.bin", []byte("x"))
	for {
		p.mu.Lock()
		for w := range p.all {
			fmt.Println(w.pid)
		}
		n := len(p.all)
		p.mu.Unlock()
		if n > 0 {
			time.Sleep(time.Hour)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type hostileEngine struct {
	*extract.Engine
	maxText int
}

// sink keeps allocations alive.
var sink [][]byte

func (h hostileEngine) Extract(ctx context.Context, name string, data []byte) (extract.Result, error) {
	switch name {
	case "spin.bin": // a parser looping on a cyclic structure
		for i := 0; ; i++ {
			if i < 0 {
				break
			}
		}
	case "sleep.bin": // a parser blocked forever
		time.Sleep(time.Hour)
	case "grow.bin": // a parser allocating what a table claims, page by page
		for {
			b := make([]byte, 16<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1 // one byte a page makes it resident
			}
			sink = append(sink, b)
		}
	case "huge.bin": // one allocation of what a header claims
		b := make([]byte, 64<<30)
		b[len(b)-1] = 1
		sink = append(sink, b)
	case "fatal.bin": // a library calling a fatal logger
		log.Fatal("xls: crafted file")
	case "gopanic.bin": // a panic in a goroutine nobody recovers
		go func() { panic("index out of range in a parser goroutine") }()
		time.Sleep(time.Hour)
	case "exit.bin":
		os.Exit(3)
	case "stdout.bin": // a library printing to stdout
		fmt.Println("garbage on stdout")
		os.Stdout.WriteString("\x00\x00\x10\x00more")
	case "output.bin": // more text than any extractor may return
		seg := extract.Segment{Where: "body", Text: strings.Repeat("x", h.maxText)}
		return extract.Result{Format: extract.HTML, Segments: []extract.Segment{seg, seg, seg, seg, seg}}, nil
	}
	return h.Engine.Extract(ctx, name, data)
}

func newPool(t *testing.T, cfg Config) *Pool {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPoolReadsDocuments(t *testing.T) {
	p := newPool(t, Config{Workers: 1})
	ctx := context.Background()
	for _, tc := range []struct {
		file   string
		data   []byte
		format extract.Format
		want   string
	}{
		{"名单.xlsx", fixtures.XLSX([][]string{{"李四", "110105194912310021"}}), extract.XLSX, "李四\t110105194912310021"},
		{"通知.docx", fixtures.DOCX("联系电话：13812345678"), extract.DOCX, "联系电话：13812345678"},
		{"名单.doc", fixtures.WordBinary("王五 13912345678"), extract.OLE, "王五 13912345678"},
		{"名单.xls", fixtures.XLS([][]string{{"周某", "110105194912310021"}}), extract.OLE, "周某\t110105194912310021"},
		{"a.csv", []byte("赵六,13712345678\n"), extract.Text, "赵六,13712345678"},
		{"页面.html", []byte("<html><title>公示</title><body><p>孙某 13612345678</p></body></html>"), extract.HTML, "孙某 13612345678"},
		{"公示.pdf", fixtures.GBKPDF("关于低保名单的公示"), extract.PDF, "关于低保名单的公示"},
		{"stdout.bin", fixtures.DOCX("库打印到标准输出"), extract.DOCX, "库打印到标准输出"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res, err := p.Extract(ctx, tc.file, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != tc.format || !strings.Contains(res.Text(), tc.want) {
				t.Errorf("format %s text %q; want %s with %q", res.Format, res.Text(), tc.format, tc.want)
			}
		})
	}
	if res, _ := p.Extract(ctx, "页面.html", []byte("<html><title>标题</title><body>正文</body></html>")); len(res.Segments) != 2 ||
		res.Segments[0] != (extract.Segment{Where: "title", Text: "标题"}) || res.Segments[1] != (extract.Segment{Where: "body", Text: "正文"}) {
		t.Errorf("HTML segments %+v", res.Segments)
	}
	if s := p.Stats(); s.Started != 1 || s.Failed != 0 {
		t.Errorf("stats %+v: want one worker reused for every file", s)
	}
}

// TestPDFiumStartsLazily: a worker that has read only office files has
// no PDFium instance (its memory stays small); the first PDF starts one.
func TestPDFiumStartsLazily(t *testing.T) {
	if race.Enabled {
		t.Skip("memory figures are meaningless under the race detector")
	}
	p := newPool(t, Config{Workers: 1})
	ctx := context.Background()
	for range 5 {
		if _, err := p.Extract(ctx, "a.docx", fixtures.DOCX("通知")); err != nil {
			t.Fatal(err)
		}
	}
	before := workerRSS(t, p)
	if _, err := p.Extract(ctx, "a.pdf", fixtures.GBKPDF("公示")); err != nil {
		t.Fatal(err)
	}
	after := workerRSS(t, p)
	t.Logf("worker RSS: %d MiB before the first PDF, %d MiB after", before>>20, after>>20)
	if before > 64<<20 || after < before+32<<20 {
		t.Errorf("worker RSS %d MiB before the first PDF, %d MiB after: PDFium not started lazily", before>>20, after>>20)
	}
}

func workerRSS(t *testing.T, p *Pool) int64 {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) != 1 {
		t.Fatalf("%d idle workers", len(p.idle))
	}
	rss, _, err := procMemory(p.idle[0].pid)
	if err != nil {
		t.Fatal(err)
	}
	return rss
}

// TestPoolLimits sends files that make the worker hang, blow up, crash or
// flood its pipe: each costs one LimitError naming the limit, within the
// time limit, and the next file is read correctly by a fresh worker.
func TestPoolLimits(t *testing.T) {
	const timeout = 3 * time.Second
	// Files that end by time, crash or output share one pool with a short
	// time limit; memory blow-ups get their own with a long one, so that
	// a slow (loaded, -race) machine still reaches the memory limit first.
	fast := newPool(t, Config{Workers: 1, Timeout: timeout, MemoryLimit: 256 << 20})
	slow := newPool(t, Config{Workers: 1, Timeout: time.Minute, MemoryLimit: 256 << 20})
	ctx := context.Background()
	next := fixtures.DOCX("下一个文件照常读取")
	failures := map[*Pool]int{}
	for _, tc := range []struct {
		file   string
		pool   *Pool
		limit  extract.Limit
		detail string
	}{
		{"spin.bin", fast, extract.LimitTime, "killed after"},
		{"sleep.bin", fast, extract.LimitTime, "killed after"},
		{"grow.bin", slow, extract.LimitMemory, ""},
		{"huge.bin", slow, extract.LimitMemory, "out of memory"},
		{"fatal.bin", fast, extract.LimitCrash, "exit status 1"},
		{"gopanic.bin", fast, extract.LimitCrash, "panic: index out of range in a parser goroutine"},
		{"exit.bin", fast, extract.LimitCrash, "exit status 3"},
		{"output.bin", fast, extract.LimitOutput, "frame too large"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if tc.file == "huge.bin" && race.Enabled {
				t.Skip("no RLIMIT_AS under the race detector")
			}
			start := time.Now()
			_, err := tc.pool.Extract(ctx, tc.file, []byte("x"))
			took := time.Since(start)
			var le *extract.LimitError
			if !errors.As(err, &le) || le.Limit != tc.limit || !strings.Contains(le.Detail, tc.detail) {
				t.Fatalf("err = %v; want limit %s with %q", err, tc.limit, tc.detail)
			}
			failures[tc.pool]++
			t.Logf("%s: %v in %v", tc.file, err, took.Round(time.Millisecond))
			if limit := tc.pool.Config().Timeout; took > limit+2*time.Second {
				t.Errorf("took %v, limit %v", took, limit)
			}
			if r := extract.Reason(err); !strings.HasPrefix(r, "文件损坏或超出限制（") {
				t.Errorf("reason %q", r)
			}
			res, err := tc.pool.Extract(ctx, "next.docx", next)
			if err != nil || !strings.Contains(res.Text(), "下一个文件照常读取") {
				t.Errorf("the next file after the failure: %q, %v", res.Text(), err)
			}
		})
	}
	for _, p := range []*Pool{fast, slow} {
		s := p.Stats()
		if s.Failed != failures[p] || s.Started != failures[p]+1 {
			t.Errorf("stats %+v: want %d failed workers and %d started", s, failures[p], failures[p]+1)
		}
		if s.PeakRSS > p.Config().MemoryLimit+64<<20 {
			t.Errorf("a worker peaked at %d MiB, limit %d MiB", s.PeakRSS>>20, p.Config().MemoryLimit>>20)
		}
	}
}

// TestCancelKillsWorker: cancelling the context ends a stuck extraction
// at once (the worker is killed) and the pool goes on.
func TestCancelKillsWorker(t *testing.T) {
	p := newPool(t, Config{Workers: 1, Timeout: time.Minute})
	if _, err := p.Extract(context.Background(), "a.docx", fixtures.DOCX("先启动")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Extract(ctx, "sleep.bin", []byte("x"))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
	if res, err := p.Extract(context.Background(), "a.docx", fixtures.DOCX("照常")); err != nil || !strings.Contains(res.Text(), "照常") {
		t.Errorf("after cancel: %q %v", res.Text(), err)
	}
}

// TestCancelDuringStartKillsWorker: a worker still starting when the
// caller's context ends is killed at once, not asked to exit by closing
// its stdin and then given stop's grace period. This worker (a shell that
// never answers the handshake) marks a file when it sees its stdin closed.
func TestCancelDuringStartKillsWorker(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "stdin-closed")
	p := newPool(t, Config{Workers: 1, Exe: "/bin/sh", Args: []string{"-c", `cat >/dev/null; touch "$1"; sleep 60`, "sh", mark}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := p.Extract(ctx, "a.docx", fixtures.DOCX("启动中")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("the starting worker was asked to exit (stdin closed) and waited for, not killed")
	}
}

// TestPoolConcurrency: more callers than workers share them; no more
// workers start than configured.
func TestPoolConcurrency(t *testing.T) {
	p := newPool(t, Config{Workers: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("第%d号通知", i)
			res, err := p.Extract(context.Background(), "a.docx", fixtures.DOCX(want))
			if err == nil && !strings.Contains(res.Text(), want) {
				err = fmt.Errorf("got %q, want %q", res.Text(), want)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if s := p.Stats(); s.Started > 2 || s.Files != 16 {
		t.Errorf("stats %+v", s)
	}
}

func TestExplainExit(t *testing.T) {
	for _, tc := range []struct {
		stderr string
		limit  extract.Limit
		detail string
	}{
		{"fatal error: runtime: out of memory\n\nruntime stack:\n...", extract.LimitMemory, "fatal error: runtime: out of memory"},
		{"runtime: cannot allocate memory\nfatal error: out of memory", extract.LimitMemory, ""},
		{"panic: runtime error: index out of range [6425] with length 2354\n\ngoroutine 1", extract.LimitCrash, "panic: runtime error"},
		{"2026/01/01 xls: 张三 110105194912310021 bad sector", extract.LimitCrash, "pipe: EOF"},
		{"", extract.LimitCrash, "pipe"},
	} {
		limit, detail := explainExit(nil, tc.stderr, errors.New("EOF"))
		if limit != tc.limit || !strings.Contains(detail, tc.detail) || strings.Contains(detail, "110105") {
			t.Errorf("%q: %s %q", tc.stderr, limit, detail)
		}
	}
}

// TestPoolCraftedFiles sends the crafted files of the red-team run
// through workers with the default limits: each gives one error or a
// truncated result (one attachment finding), in bounded time, with the
// worker's peak RSS under its limit and the parent's small, and the file
// after each is read correctly. The PDFs also go to a pool whose
// pre-scan is off, so that PDFium itself meets the bombs inside its
// capped linear memory.
func TestPoolCraftedFiles(t *testing.T) {
	if testing.Short() || race.Enabled {
		t.Skip("builds files of hundreds of megabytes (inflated); .ci/run runs it without -race")
	}
	const timeout = 30 * time.Second
	p := newPool(t, Config{Workers: 1, Timeout: timeout})
	// PDFium's linear memory at 96 MiB instead of 256 so that it reaches
	// the cap sooner.
	noScan := newPool(t, Config{Workers: 1, Timeout: 10 * time.Second,
		Extract: extract.Config{MaxStream: 1 << 40, MaxContent: 1 << 40, PDFMemory: 96 << 20}})
	ctx := context.Background()
	next := fixtures.XLS([][]string{{"下一个文件", "13812345678"}})
	for _, tc := range []struct {
		name string
		file string
		data func() []byte
		pool *Pool
	}{
		{"xls-sector-chain-past-FAT", "a.xls", fixtures.XLSPastFAT, p},
		{"xls-4294967295-shared-strings", "a.xls", fixtures.XLSHugeSST, p},
		{"xls-cyclic-sector-chain", "a.et", fixtures.XLSCyclicChain, p},
		{"doc-piece-repeated-1000-times", "a.doc", func() []byte { return fixtures.DocRepeatedPiece(1<<20, 1000) }, p},
		{"xlsx-190MB-shared-strings", "a.xlsx", func() []byte { return fixtures.XLSXHugeSharedStrings(190 << 20) }, p},
		{"pdf-flate-bomb", "a.pdf", func() []byte { return fixtures.PDFFlateBomb(256 << 20) }, p},
		{"pdf-500-pages-one-stream", "a.pdf", func() []byte { return fixtures.PDFSharedStream(500, 1<<20) }, p},
		{"zip-bomb", "a.docx", func() []byte { return fixtures.ZipBomb(210 << 20) }, p},
		{"zip-lying-about-size", "a.docx", func() []byte { return fixtures.LyingZipBomb(16 << 20) }, p},
		{"pdfium-flate-bomb", "a.pdf", func() []byte { return fixtures.PDFFlateBomb(256 << 20) }, noScan},
		{"pdfium-500-pages-one-stream", "a.pdf", func() []byte { return fixtures.PDFSharedStream(500, 1<<20) }, noScan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data()
			start := time.Now()
			res, err := tc.pool.Extract(ctx, tc.file, data)
			took := time.Since(start)
			if (err == nil && !res.Truncated) || errors.Is(err, extract.ErrUnsupported) {
				t.Errorf("err = %v, truncated = %v: nothing to report", err, res.Truncated)
			}
			if took > timeout+5*time.Second {
				t.Errorf("took %v", took)
			}
			t.Logf("%d bytes: err=%v truncated=%v text=%d bytes in %v; reason: %s", len(data), err, res.Truncated,
				len(res.Text()), took.Round(time.Millisecond), extract.Reason(err))
			if res, err := tc.pool.Extract(ctx, "next.xls", next); err != nil || !strings.Contains(res.Text(), "下一个文件\t13812345678") {
				t.Errorf("the next file: %q, %v", res.Text(), err)
			}
		})
	}
	for _, pool := range []*Pool{p, noScan} {
		s := pool.Stats()
		t.Logf("pool: %+v, worker peak RSS %d MiB (limit %d MiB)", s, s.PeakRSS>>20, pool.Config().MemoryLimit>>20)
		if s.PeakRSS > pool.Config().MemoryLimit+64<<20 {
			t.Errorf("a worker peaked at %d MiB, limit %d MiB", s.PeakRSS>>20, pool.Config().MemoryLimit>>20)
		}
	}
	if _, peak, err := procMemory(os.Getpid()); err == nil {
		t.Logf("parent (this test binary) peak RSS %d MiB", peak>>20)
		if peak > 300<<20 && !race.Enabled {
			t.Errorf("parent peak RSS %d MiB above 300 MiB", peak>>20)
		}
	}
}

// TestWorkerDiesWithParent: a parent killed with SIGKILL (no Close, no
// deferred cleanup: `serve` under kill -9) takes its workers with it.
func TestWorkerDiesWithParent(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "XUNJIAN_TEST_PARENT=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscan(out, &pid); err != nil {
		cmd.Process.Kill()
		t.Fatalf("no worker PID: %v", err)
	}
	if !alive(pid) {
		t.Fatalf("worker %d not running", pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			killGroup(pid)
			t.Fatalf("worker %d outlived its parent", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports a process that exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

// TestColdPDFiumCacheUnderSmallLimit: compiling PDFium's module (no disk
// cache yet) takes about 350 MB once; a worker limited to 128 MiB still
// reads PDFs because the compile runs before any file, under the compile
// budget, and files then run under the file limit.
func TestColdPDFiumCacheUnderSmallLimit(t *testing.T) {
	if testing.Short() || race.Enabled {
		t.Skip("compiles PDFium (tens of seconds, minutes under -race)")
	}
	p := newPool(t, Config{Workers: 1, MemoryLimit: 128 << 20, Extract: extract.Config{CacheDir: t.TempDir()}})
	for i := range 3 {
		res, err := p.Extract(context.Background(), "a.pdf", fixtures.GBKPDF(fmt.Sprintf("第%d份公示", i)))
		if err != nil || !strings.Contains(res.Text(), fmt.Sprintf("第%d份公示", i)) {
			t.Fatalf("PDF %d: %q %v", i, res.Text(), err)
		}
	}
	if s := p.Stats(); s.Failed != 0 {
		t.Errorf("stats %+v", s)
	}
}

// BenchmarkExtract compares reading a file in process with reading it
// through a worker (the cost of isolation per file: two pipe copies and
// the protocol).
func BenchmarkExtract(b *testing.B) {
	files := map[string][]byte{
		"a.docx": fixtures.DOCX(strings.Repeat("关于开展冬季安全生产检查的通知。", 200)),
		"a.xlsx": fixtures.XLSX([][]string{{"姓名", "电话"}, {"钱某", "13812345678"}}),
		"a.pdf":  fixtures.GBKPDF("关于低保名单的公示", "张三 532627199001011234"),
	}
	eng := extract.NewEngine(extract.Config{})
	defer eng.Close()
	pool, err := New(Config{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	ctx := context.Background()
	for _, ex := range []struct {
		name string
		ex   extract.Extractor
	}{{"in-process", eng}, {"worker", pool}} {
		for _, name := range []string{"a.docx", "a.xlsx", "a.pdf"} {
			data := files[name]
			if _, err := ex.ex.Extract(ctx, name, data); err != nil { // start PDFium outside the timing
				b.Fatal(err)
			}
			b.Run(ex.name+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if _, err := ex.ex.Extract(ctx, name, data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
