package extract

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// wasmPage is the WebAssembly memory page size.
const wasmPage = 64 << 10

// pdfEngine runs PDFium compiled to WebAssembly (wazero, no cgo). PDFium
// reads CJK PDFs whose fonts have no ToUnicode map (GBK-EUC-H and other
// predefined CMaps, common in documents from Chinese office software), on
// which pure-Go extractors return garbage. It starts on the first PDF met
// (about 5 s; the compiled module is cached on disk for later runs), its
// linear memory is capped (memory), and it serves one document at a time.
type pdfEngine struct {
	mu       sync.Mutex
	pool     pdfium.Pool
	instance pdfium.Pdfium
	startErr error
	cacheDir string
	timeout  time.Duration
	memory   int64
}

func (e *pdfEngine) started() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pool != nil
}

func (e *pdfEngine) start() error {
	if e.instance != nil {
		return nil
	}
	if e.startErr != nil {
		return e.startErr
	}
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(uint32(max(e.memory/wasmPage, 256)))
	if e.cacheDir != "" {
		if err := os.MkdirAll(e.cacheDir, 0o755); err == nil {
			if cache, err := wazero.NewCompilationCacheWithDir(e.cacheDir); err == nil {
				rc = rc.WithCompilationCache(cache)
			}
		}
	}
	if e.pool == nil {
		pool, err := webassembly.Init(webassembly.Config{
			// The linear memory is reserved once at its cap (untouched
			// pages cost address space, not RSS) instead of growing by
			// copying, which holds the old and the new buffer at once; it
			// is unmapped when a failed instance is killed.
			Context: experimental.WithMemoryAllocator(context.Background(), linearMemory{}),
			MinIdle: 1, MaxIdle: 1, MaxTotal: 1,
			RuntimeConfig: rc,
			// No file system: documents are passed as bytes, and a hostile
			// PDF must not reach the host's files.
			FSConfig: wazero.NewFSConfig(),
			Stdout:   io.Discard, Stderr: io.Discard,
		})
		if err != nil {
			e.startErr = fmt.Errorf("start pdfium: %w", err)
			return e.startErr
		}
		e.pool = pool
	}
	inst, err := e.pool.GetInstance(30 * time.Second)
	if err != nil {
		e.startErr = fmt.Errorf("start pdfium: %w", err)
		return e.startErr
	}
	e.instance = inst
	return nil
}

// pdfText checks the PDF for decompression bombs, then extracts the text
// of its pages into out.
func (e *Engine) pdfText(ctx context.Context, data []byte, out *textBuf) error {
	if err := pdfBombCheck(data, e.cfg.MaxStream, e.cfg.MaxContent); err != nil {
		return err
	}
	return e.pdf.text(ctx, data, e.cfg.MaxPages, out)
}

// text extracts the text of every page (up to maxPages).
func (e *pdfEngine) text(ctx context.Context, data []byte, maxPages int, out *textBuf) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.start(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	type result struct {
		text      string
		truncated bool
		err       error
		panicked  bool
	}
	done := make(chan result, 1)
	inst := e.instance
	room := out.max - out.Len()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("%w: pdfium panic: %v", ErrCorrupt, r), panicked: true}
			}
		}()
		page := newTextBuf(room)
		err := pdfPages(inst, data, maxPages, page)
		done <- result{text: page.String(), truncated: page.truncated, err: err}
	}()
	timer := time.NewTimer(e.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil && (r.panicked || strings.Contains(r.err.Error(), "wasm error")) {
			// A trap (an allocation past the memory cap aborts) or a
			// panic may leave PDFium's state broken: start afresh. A
			// document PDFium merely refused leaves it sound.
			e.kill()
		}
		out.WriteString(r.text)
		if r.truncated {
			out.truncated = true
		}
		return r.err
	case <-ctx.Done():
		e.kill()
		return ctx.Err()
	case <-timer.C:
		e.kill()
		return fmt.Errorf("%w: no text after %v", ErrTimeout, e.timeout)
	}
}

// kill stops a stuck or failed instance; the next document gets a fresh one.
func (e *pdfEngine) kill() {
	if e.instance != nil {
		e.instance.Kill()
		e.instance = nil
	}
}

func pdfPages(inst pdfium.Pdfium, data []byte, maxPages int, out *textBuf) error {
	doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		msg := firstLineOf(err)
		if strings.Contains(strings.ToLower(msg), "password") {
			return fmt.Errorf("%w: %s", ErrEncrypted, msg)
		}
		return fmt.Errorf("%w: %s", ErrCorrupt, msg)
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return fmt.Errorf("%w: %s", ErrCorrupt, firstLineOf(err))
	}
	if count.PageCount > maxPages {
		out.truncated = true
	}
	for i := 0; i < count.PageCount && i < maxPages; i++ {
		if out.full() {
			out.truncated = true
			break
		}
		if err := pdfPage(inst, doc.Document, i, out); err != nil {
			return fmt.Errorf("%w: page %d: %s", ErrCorrupt, i+1, firstLineOf(err))
		}
		out.WriteByte('\n')
	}
	return nil
}

// pdfPage reads one page's text, no more characters than out has room for.
func pdfPage(inst pdfium.Pdfium, doc references.FPDF_DOCUMENT, i int, out *textBuf) error {
	tp, err := inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: requests.Page{ByIndex: &requests.PageByIndex{Document: doc, Index: i}}})
	if err != nil {
		return err
	}
	defer inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage})
	n, err := inst.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
	if err != nil {
		return err
	}
	// A character is at least one byte of output.
	want := min(n.Count, out.max-out.Len()+1)
	if want < n.Count {
		out.truncated = true
	}
	if want <= 0 {
		return nil
	}
	t, err := inst.FPDFText_GetText(&requests.FPDFText_GetText{TextPage: tp.TextPage, StartIndex: 0, Count: want})
	if err != nil {
		return err
	}
	out.WriteString(strings.TrimRight(t.Text, "\x00"))
	return nil
}

// firstLineOf keeps an error to its first line (wazero appends the wasm
// stack trace to a trap).
func firstLineOf(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func (e *pdfEngine) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.instance != nil {
		e.instance.Close()
		e.instance = nil
	}
	if e.pool != nil {
		e.pool.Close()
		e.pool = nil
	}
}

// defaultCacheDir is where the compiled PDFium module is cached.
func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "xunjian", "wazero")
}

var (
	objHeader   = regexp.MustCompile(`(\d+)\s+\d+\s+obj\b`)
	contentsRef = regexp.MustCompile(`/Contents\s*(?:(\d+)\s+\d+\s+R|\[([^\]]*)\])`)
	indirectRef = regexp.MustCompile(`(\d+)\s+\d+\s+R`)
	imageDict   = regexp.MustCompile(`/Subtype\s*/Image\b`)
)

// pdfBombCheck inflates the zlib streams of a PDF into a counter before
// PDFium sees it: a stream that inflates past maxStream, streams that
// together inflate past 4×maxContent, or page contents that, counted once
// for every page using them, pass maxContent (500 pages sharing one
// stream) make the file ErrTooLarge. Images are skipped (text extraction
// never decodes them, and scans are legitimately large). This is a cheap
// early refusal: it cannot see pages inside compressed object streams,
// which the worker's memory and time limits still bound.
func pdfBombCheck(data []byte, maxStream, maxContent int64) error {
	inflated := map[string]int64{} // object number → inflated stream size
	var total int64
	pos := 0
	for {
		i := bytes.Index(data[pos:], []byte("stream"))
		if i < 0 {
			break
		}
		kw := pos + i
		pos = kw + len("stream")
		if kw > 0 && data[kw-1] == 'd' { // endstream
			continue
		}
		start := pos
		if start < len(data) && data[start] == '\r' {
			start++
		}
		if start >= len(data) || data[start] != '\n' {
			continue
		}
		start++
		end := bytes.Index(data[start:], []byte("endstream"))
		if end < 0 {
			end = len(data) - start
		}
		body := data[start : start+end]
		pos = start + end
		// The object header and dictionary before the keyword.
		head := data[max(0, kw-4096):kw]
		obj := ""
		if m := objHeader.FindAllSubmatchIndex(head, -1); len(m) > 0 {
			last := m[len(m)-1]
			obj = string(head[last[2]:last[3]])
			head = head[last[1]:]
		}
		if imageDict.Match(head) {
			continue
		}
		n := int64(len(body))
		if len(body) >= 2 && body[0]&0x0F == 8 && (uint16(body[0])<<8|uint16(body[1]))%31 == 0 {
			zr, err := zlib.NewReader(bytes.NewReader(body))
			if err == nil {
				n, _ = io.Copy(io.Discard, io.LimitReader(zr, maxStream+1))
				zr.Close()
			}
		}
		if n > maxStream {
			return fmt.Errorf("%w: a PDF stream inflates past %d bytes", ErrTooLarge, maxStream)
		}
		if total += n; total > 4*maxContent {
			return fmt.Errorf("%w: PDF streams inflate past %d bytes", ErrTooLarge, 4*maxContent)
		}
		if obj != "" {
			inflated[obj] = n
		}
	}
	var content int64
	for _, m := range contentsRef.FindAllSubmatch(data, -1) {
		refs := [][]byte{m[1]}
		if m[1] == nil {
			refs = nil
			for _, r := range indirectRef.FindAllSubmatch(m[2], -1) {
				refs = append(refs, r[1])
			}
		}
		for _, r := range refs {
			if _, err := strconv.Atoi(string(r)); err == nil {
				content += inflated[string(r)]
			}
		}
		if content > maxContent {
			return fmt.Errorf("%w: PDF pages use %d+ bytes of content", ErrTooLarge, maxContent)
		}
	}
	return nil
}
