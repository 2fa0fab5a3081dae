// Package extract turns attachments and local files into text for the
// content checks: xlsx, xls/et, docx, doc/wps (OLE), pdf (PDFium in
// WebAssembly), zip archives of those, csv, txt and html. Every file is
// hostile until read: sizes are capped before and after decompression,
// tables a file declares (shared strings, piece tables, pages, zip entries)
// are capped by what the file can really hold, and the text taken from one
// file is capped with a Truncated flag. A file that cannot be read gives an
// error wrapping one of the sentinels below.
//
// The Engine here parses in the calling process. Production code does not
// use it directly: package extract/worker runs it in child processes with
// memory and time limits, because no in-process guard stops a parser that
// loops, or the runtime's own out-of-memory exit.
package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xunjian/xunjian/crawler"
)

// Reasons a file could not be read, checked with errors.Is.
var (
	ErrUnsupported = errors.New("unsupported format")
	ErrCorrupt     = errors.New("corrupt or truncated file")
	ErrEncrypted   = errors.New("encrypted file")
	ErrTooLarge    = errors.New("file too large")
	ErrTimeout     = errors.New("extraction timed out")
	// ErrUnavailable: the extraction machinery (a worker process, PDFium)
	// could not be started; nothing is known about the file.
	ErrUnavailable = errors.New("extraction unavailable")
	// ErrLimit is a failure of the isolated extraction itself: the worker
	// process was killed (time, memory, output) or died (crash, runtime
	// fatal error). Errors wrapping it are *LimitError.
	ErrLimit = errors.New("extraction worker failed")
)

// Limit names why an isolated extraction was stopped.
type Limit string

// Limits a worker can hit.
const (
	LimitTime   Limit = "timeout"
	LimitMemory Limit = "memory"
	LimitCrash  Limit = "crash"
	LimitOutput Limit = "output"
)

// LimitError reports a worker that was killed or died on a file.
type LimitError struct {
	Limit Limit
	// Detail is an English explanation for logs and evidence (no file
	// contents).
	Detail string
}

func (e *LimitError) Error() string { return fmt.Sprintf("%v (%s): %s", ErrLimit, e.Limit, e.Detail) }

// Unwrap makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Unwrap() error { return ErrLimit }

// Format names a detected file type.
type Format string

// Formats the extractor knows.
const (
	PDF     Format = "pdf"
	DOCX    Format = "docx"
	XLSX    Format = "xlsx"
	OLE     Format = "ole" // doc, xls, wps, et: told apart by their streams
	HTML    Format = "html"
	Text    Format = "text"
	Zip     Format = "zip"
	Unknown Format = "unknown"
)

// Segment is a piece of text and where it came from: "title",
// "meta-description", "alt", "body" for pages, "attachment" for files.
type Segment struct {
	Where string
	Text  string
}

// Result is what one file gave.
type Result struct {
	Format Format
	// Segments hold the text: one "attachment" segment for documents,
	// title/meta-description/alt/body for HTML files.
	Segments []Segment
	// Truncated is set when a cap cut the text short (Config.MaxText, the
	// shared-string, piece, page or zip-entry caps): the checks saw only
	// part of the file.
	Truncated bool
}

// Text joins the segments.
func (r Result) Text() string {
	if len(r.Segments) == 1 {
		return r.Segments[0].Text
	}
	var parts []string
	for _, s := range r.Segments {
		parts = append(parts, s.Text)
	}
	return strings.Join(parts, "\n")
}

// Extractor reads files. *Engine does it in this process; the worker
// package's Pool does it in child processes.
type Extractor interface {
	Extract(ctx context.Context, name string, data []byte) (Result, error)
	Close() error
}

// Config bounds extraction. Zero fields get the defaults in Defaults.
type Config struct {
	// MaxText caps the text taken from one file, in bytes.
	MaxText int `json:"max_text"`
	// MaxInflate caps what one zip-based file may decompress to, in total.
	MaxInflate int64 `json:"max_inflate"`
	// Timeout bounds one PDF inside the engine (the worker pool enforces
	// its own limit from outside).
	Timeout time.Duration `json:"timeout"`
	// MaxPages caps the PDF pages read.
	MaxPages int `json:"max_pages"`
	// MaxStrings caps the shared strings kept from one workbook (xlsx and
	// xls), MaxStringBytes their total size.
	MaxStrings     int `json:"max_strings"`
	MaxStringBytes int `json:"max_string_bytes"`
	// MaxPieces caps the pieces read from a Word binary piece table.
	MaxPieces int `json:"max_pieces"`
	// MaxEntries caps the entries read from a zip archive.
	MaxEntries int `json:"max_entries"`
	// MaxStream caps one decompressed PDF stream, and MaxContent the
	// decompressed page content of a whole PDF (a stream counted once per
	// page that uses it).
	MaxStream  int64 `json:"max_stream"`
	MaxContent int64 `json:"max_content"`
	// PDFMemory caps PDFium's WebAssembly linear memory, in bytes.
	PDFMemory int64 `json:"pdf_memory"`
	// CacheDir keeps the compiled PDFium module between runs ("" for the
	// user cache dir, "-" for none).
	CacheDir string `json:"cache_dir"`
}

// Defaults fills zero fields.
func (c Config) Defaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def64 := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxText, 8<<20)
	def64(&c.MaxInflate, 200<<20)
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	def(&c.MaxPages, 500)
	def(&c.MaxStrings, 1_000_000)
	def(&c.MaxStringBytes, 32<<20)
	def(&c.MaxPieces, 100_000)
	def(&c.MaxEntries, 1000)
	def64(&c.MaxStream, 64<<20)
	def64(&c.MaxContent, 256<<20)
	def64(&c.PDFMemory, 256<<20)
	return c
}

// Engine extracts text in the calling process. Create it with NewEngine and
// Close it when done: it may hold a PDFium instance.
type Engine struct {
	cfg Config
	pdf *pdfEngine
}

var _ Extractor = (*Engine)(nil)

// NewEngine returns an Engine; zero Config fields get defaults.
func NewEngine(cfg Config) *Engine {
	cfg = cfg.Defaults()
	switch cfg.CacheDir {
	case "":
		cfg.CacheDir = defaultCacheDir()
	case "-":
		cfg.CacheDir = ""
	}
	return &Engine{cfg: cfg, pdf: &pdfEngine{cacheDir: cfg.CacheDir, timeout: cfg.Timeout, memory: cfg.PDFMemory}}
}

// Close releases PDFium.
func (e *Engine) Close() error { e.pdf.close(); return nil }

// PDFStarted reports whether a PDFium instance was started (it starts on
// the first PDF only).
func (e *Engine) PDFStarted() bool { return e.pdf.started() }

// StartPDF starts PDFium now rather than on the first PDF (the worker pool
// does it under a larger memory budget: compiling the module when it is
// not cached yet is the costliest moment of a worker's life).
func (e *Engine) StartPDF() error {
	e.pdf.mu.Lock()
	defer e.pdf.mu.Unlock()
	if err := e.pdf.start(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// Detect tells the format from the content, then the name.
func Detect(name string, data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF")):
		return PDF
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		ext := strings.ToLower(path.Ext(name))
		switch {
		case bytes.Contains(data, []byte("word/document.xml")), ext == ".docx":
			return DOCX
		case bytes.Contains(data, []byte("xl/workbook.xml")), ext == ".xlsx":
			return XLSX
		}
		return Zip
	case bytes.HasPrefix(data, oleMagic):
		return OLE
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	head := data[:min(len(data), 1024)]
	lower := bytes.ToLower(head)
	if ext == "html" || ext == "htm" || bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<!doctype html")) {
		return HTML
	}
	if looksLikeText(head) {
		return Text
	}
	return Unknown
}

// looksLikeText accepts bytes without NULs and few control characters.
func looksLikeText(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	ctrl := 0
	for _, c := range b {
		if c == 0 {
			return false
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctrl++
		}
	}
	return ctrl*20 < len(b)
}

// Extract reads one file. A parser panic becomes ErrCorrupt; everything a
// panic cannot stop (loops, the runtime's out-of-memory exit) is the
// worker pool's job.
func (e *Engine) Extract(ctx context.Context, name string, data []byte) (res Result, err error) {
	return e.extract(ctx, name, data, 0)
}

// maxDepth bounds archives inside archives.
const maxDepth = 2

func (e *Engine) extract(ctx context.Context, name string, data []byte, depth int) (res Result, err error) {
	res.Format = Detect(name, data)
	defer func() {
		if r := recover(); r != nil {
			res.Segments, err = nil, fmt.Errorf("%w: parser panic: %v", ErrCorrupt, r)
		}
	}()
	if res.Format == HTML {
		segs, trunc, err := htmlSegments(data, e.cfg.MaxText)
		res.Segments, res.Truncated = segs, trunc
		return res, err
	}
	out := newTextBuf(e.cfg.MaxText)
	switch res.Format {
	case PDF:
		err = e.pdfText(ctx, data, out)
	case DOCX:
		err = docxText(data, e.cfg.MaxInflate, out)
	case XLSX:
		err = xlsxText(data, e.cfg, out)
	case OLE:
		err = oleText(data, e.cfg, out)
	case Text:
		b, _ := crawler.Decode(data, "")
		out.Write(b)
	case Zip:
		if depth >= maxDepth {
			return res, fmt.Errorf("%w: archive nested too deep", ErrUnsupported)
		}
		err = e.zipText(ctx, data, depth, out)
	default:
		err = fmt.Errorf("%w: not a document", ErrUnsupported)
	}
	text := out.String()
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	res.Segments = []Segment{{Where: "attachment", Text: text}}
	res.Truncated = out.truncated
	return res, err
}

// Reason explains an extraction error in Chinese for reports: what a
// webmaster reads after "附件无法读取：".
func Reason(err error) string {
	var le *LimitError
	switch {
	case errors.As(err, &le):
		return "文件损坏或超出限制（" + le.Limit.Chinese() + "）"
	case errors.Is(err, ErrUnavailable):
		return "解析进程未能启动，未检查内容"
	case errors.Is(err, ErrEncrypted):
		return "文件已加密，无法检查内容"
	case errors.Is(err, ErrTooLarge):
		return "文件损坏或超出限制（文件过大或解压后过大，疑似压缩炸弹）"
	case errors.Is(err, ErrTimeout):
		return "文件损坏或超出限制（超时）"
	case errors.Is(err, ErrCorrupt):
		return "文件已损坏或不完整"
	case errors.Is(err, ErrUnsupported):
		return "不支持的文件格式"
	}
	return "文件损坏或超出限制"
}

// Chinese names the limit for reports.
func (l Limit) Chinese() string {
	switch l {
	case LimitTime:
		return "超时"
	case LimitMemory:
		return "内存超限"
	case LimitOutput:
		return "输出超限"
	}
	return "进程崩溃"
}
