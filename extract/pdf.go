package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// pdfEngine runs PDFium compiled to WebAssembly (wazero, no cgo). PDFium
// reads CJK PDFs whose fonts have no ToUnicode map (GBK-EUC-H and other
// predefined CMaps, common in documents from Chinese office software), on
// which pure-Go extractors return garbage. It starts on the first PDF of a
// run (about 5 s; the compiled module is cached on disk for later runs)
// and serves one document at a time.
type pdfEngine struct {
	mu       sync.Mutex
	pool     pdfium.Pool
	instance pdfium.Pdfium
	startErr error
	cacheDir string
	timeout  time.Duration
	maxPages int
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
		WithCloseOnContextDone(true)
	if e.cacheDir != "" {
		if err := os.MkdirAll(e.cacheDir, 0o755); err == nil {
			if cache, err := wazero.NewCompilationCacheWithDir(e.cacheDir); err == nil {
				rc = rc.WithCompilationCache(cache)
			}
		}
	}
	if e.pool == nil {
		pool, err := webassembly.Init(webassembly.Config{
			MinIdle: 1, MaxIdle: 1, MaxTotal: 1,
			RuntimeConfig: rc,
			// No file system: documents are passed as bytes, and a hostile
			// PDF must not reach the host's files.
			FSConfig: wazero.NewFSConfig(),
			Stdout:   discard{}, Stderr: discard{},
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

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// text extracts the text of every page (up to maxPages).
func (e *pdfEngine) text(ctx context.Context, data []byte) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.start(); err != nil {
		return "", err
	}
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	inst := e.instance
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("%w: pdfium panic: %v", ErrCorrupt, r)}
			}
		}()
		t, err := pdfText(inst, data, e.maxPages)
		done <- result{t, err}
	}()
	timer := time.NewTimer(e.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.text, r.err
	case <-ctx.Done():
		e.kill()
		return "", ctx.Err()
	case <-timer.C:
		e.kill()
		return "", fmt.Errorf("%w: no text after %v", ErrTimeout, e.timeout)
	}
}

// kill stops a stuck instance; the next document gets a fresh one.
func (e *pdfEngine) kill() {
	if e.instance != nil {
		e.instance.Kill()
		e.instance = nil
	}
}

func pdfText(inst pdfium.Pdfium, data []byte, maxPages int) (string, error) {
	doc, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		msg := err.Error()
		if strings.Contains(strings.ToLower(msg), "password") {
			return "", fmt.Errorf("%w: %s", ErrEncrypted, msg)
		}
		return "", fmt.Errorf("%w: %s", ErrCorrupt, msg)
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrCorrupt, err)
	}
	var b strings.Builder
	for i := 0; i < count.PageCount && i < maxPages; i++ {
		t, err := inst.GetPageText(&requests.GetPageText{Page: requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: i}}})
		if err != nil {
			return b.String(), fmt.Errorf("%w: page %d: %s", ErrCorrupt, i+1, err)
		}
		b.WriteString(t.Text)
		b.WriteString("\n")
	}
	return b.String(), nil
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

var _ = errors.New
