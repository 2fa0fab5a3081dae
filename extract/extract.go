// Package extract turns attachments and local files into text for the
// content checks: xlsx, xls, docx, doc, wps/et (OLE), pdf (PDFium in
// WebAssembly), csv, txt and html. Every file is hostile until read: sizes
// are capped, zip entries are checked before they are inflated, parsers run
// under recover, PDFs under a timeout. A file that cannot be read gives an
// error wrapping one of the sentinels below, never a crash or a hang.
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
)

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

// Config bounds extraction.
type Config struct {
	// MaxText caps the text taken from one file, in bytes.
	MaxText int
	// MaxInflate caps what one zip-based file may decompress to.
	MaxInflate int64
	// Timeout bounds one PDF.
	Timeout time.Duration
	// MaxPages caps the PDF pages read.
	MaxPages int
	// CacheDir keeps the compiled PDFium module between runs ("" for the
	// user cache dir, "-" for none).
	CacheDir string
}

// Extractor extracts text. Create it with New and Close it when done: it
// may hold a PDFium instance.
type Extractor struct {
	cfg Config
	pdf *pdfEngine
}

// New returns an Extractor; zero Config fields get defaults.
func New(cfg Config) *Extractor {
	if cfg.MaxText <= 0 {
		cfg.MaxText = 8 << 20
	}
	if cfg.MaxInflate <= 0 {
		cfg.MaxInflate = 200 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 500
	}
	switch cfg.CacheDir {
	case "":
		cfg.CacheDir = defaultCacheDir()
	case "-":
		cfg.CacheDir = ""
	}
	return &Extractor{cfg: cfg, pdf: &pdfEngine{cacheDir: cfg.CacheDir, timeout: cfg.Timeout, maxPages: cfg.MaxPages}}
}

// Close releases PDFium.
func (e *Extractor) Close() { e.pdf.close() }

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

// Text extracts the text of one file. HTML is returned decoded but not
// parsed (callers that want page segments parse it).
func (e *Extractor) Text(ctx context.Context, name string, data []byte) (text string, f Format, err error) {
	f = Detect(name, data)
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("%w: parser panic: %v", ErrCorrupt, r)
		}
		if len(text) > e.cfg.MaxText {
			text = strings.ToValidUTF8(text[:e.cfg.MaxText], "")
		}
	}()
	switch f {
	case PDF:
		text, err = e.pdf.text(ctx, data)
	case DOCX:
		text, err = docxText(data, e.cfg.MaxInflate, e.cfg.MaxText)
	case XLSX:
		text, err = xlsxText(data, e.cfg.MaxInflate, e.cfg.MaxText)
	case OLE:
		text, err = oleText(data, e.cfg.MaxText)
	case HTML, Text:
		b, _ := crawler.Decode(data, "")
		text = string(b)
	case Zip:
		err = fmt.Errorf("%w: zip archive", ErrUnsupported)
	default:
		err = fmt.Errorf("%w: not a document", ErrUnsupported)
	}
	if err == nil && !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return text, f, err
}

// Reason explains an extraction error in Chinese for reports.
func Reason(err error) string {
	switch {
	case errors.Is(err, ErrEncrypted):
		return "文件已加密，无法检查内容"
	case errors.Is(err, ErrTooLarge):
		return "文件过大或解压后过大（疑似压缩炸弹），未检查内容"
	case errors.Is(err, ErrTimeout):
		return "文件解析超时，未检查内容"
	case errors.Is(err, ErrCorrupt):
		return "文件已损坏或不完整，无法读取"
	case errors.Is(err, ErrUnsupported):
		return "不支持的文件格式"
	}
	return "无法读取文件"
}
