package extract

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xunjian/xunjian/internal/fixtures"
)

// Fuzz targets for every extractor. They run the parsers in process (a
// crash is what the fuzzer should find); in production the same code runs
// inside an extract-worker process, where what the fuzzer cannot find (a
// loop, the runtime's out-of-memory exit) is stopped by the pool's limits.
// Each asserts the invariants the worker relies on: the text stays under
// its cap, errors wrap a sentinel.

// fuzzCfg keeps caps small so that the fuzzer reaches them.
var fuzzCfg = Config{MaxText: 64 << 10, MaxInflate: 4 << 20, MaxStrings: 1000, MaxStringBytes: 64 << 10,
	MaxPieces: 100, MaxEntries: 20, MaxStream: 4 << 20, MaxContent: 8 << 20}.Defaults()

func checkText(t *testing.T, out *textBuf, err error) {
	t.Helper()
	if out.Len() > out.max {
		t.Fatalf("text %d bytes past the %d cap", out.Len(), out.max)
	}
	if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrEncrypted) &&
		!errors.Is(err, ErrUnsupported) && !errors.Is(err, errNoPieceTable) {
		t.Fatalf("error wraps no sentinel: %v", err)
	}
}

func FuzzCFB(f *testing.F) {
	f.Add(fixtures.WordBinary("名单"))
	f.Add(fixtures.XLS([][]string{{"a"}}))
	f.Add(fixtures.XLSCyclicChain())
	f.Add(fixtures.XLSPastFAT())
	f.Fuzz(func(t *testing.T, data []byte) {
		cf, err := readCFB(data)
		if err != nil {
			checkText(t, newTextBuf(1), err)
			return
		}
		streams, err := cf.rootStreams()
		total := 0
		for _, s := range streams {
			total += len(s)
		}
		if total > len(data) {
			t.Fatalf("streams of %d bytes from a file of %d", total, len(data))
		}
		checkText(t, newTextBuf(1), err)
	})
}

// FuzzXLS feeds BIFF record streams (a Workbook stream without its
// container).
func FuzzXLS(f *testing.F) {
	for _, x := range [][]byte{fixtures.XLS([][]string{{"姓名", "身份证号"}, {"周某", "110105194912310021"}}), fixtures.XLSHugeSST()} {
		if cf, err := readCFB(x); err == nil {
			if s, err := cf.rootStreams(); err == nil {
				f.Add(s["Workbook"])
			}
		}
	}
	f.Fuzz(func(t *testing.T, wb []byte) {
		out := newTextBuf(fuzzCfg.MaxText)
		err := xlsText(wb, fuzzCfg, out)
		checkText(t, out, err)
	})
}

func FuzzWordBinary(f *testing.F) {
	if cf, err := readCFB(fixtures.DocRepeatedPiece(4000, 3)); err == nil {
		if s, err := cf.rootStreams(); err == nil {
			f.Add(s["WordDocument"], s["1Table"])
		}
	}
	f.Fuzz(func(t *testing.T, wd, table []byte) {
		out := newTextBuf(fuzzCfg.MaxText)
		err := wordBinaryText(wd, map[string][]byte{"0Table": table, "1Table": table}, fuzzCfg.MaxPieces, out)
		checkText(t, out, err)
	})
}

// FuzzOfficeXML feeds the XML parts of docx and xlsx files to their
// streaming readers.
func FuzzOfficeXML(f *testing.F) {
	f.Add([]byte(`<w:document><w:body><w:p><w:r><w:t>通知</w:t></w:r></w:p></w:body></w:document>`))
	f.Add([]byte(`<sst><si><t>姓名</t><rPh><t>x</t></rPh></si><si><r><t>a</t></r><r><t>b</t></r></si></sst>`))
	f.Add([]byte(`<worksheet><sheetData><row><c t="s"><v>0</v></c><c t="inlineStr"><is><t>x</t></is></c><c><v>1.5</v></c></row></sheetData></worksheet>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out := newTextBuf(fuzzCfg.MaxText)
		err := wordXML(bytes.NewReader(data), out)
		if out.Len() > out.max {
			t.Fatalf("docx text past its cap: %v", err)
		}
		out = newTextBuf(fuzzCfg.MaxText)
		sst, _ := sharedStrings(bytes.NewReader(data), fuzzCfg, out)
		n := 0
		for _, s := range sst {
			n += len(s)
		}
		if len(sst) > fuzzCfg.MaxStrings || n > fuzzCfg.MaxStringBytes {
			t.Fatalf("%d shared strings of %d bytes past the caps", len(sst), n)
		}
		out = newTextBuf(fuzzCfg.MaxText)
		_ = sheetXML(bytes.NewReader(data), sst, out)
		if out.Len() > out.max {
			t.Fatal("sheet text past its cap")
		}
	})
}

// FuzzZipDocuments feeds zip containers: docx, xlsx and archives.
func FuzzZipDocuments(f *testing.F) {
	f.Add("a.docx", fixtures.DOCX("通知"))
	f.Add("a.xlsx", fixtures.XLSX([][]string{{"a", "b"}}))
	f.Add("a.zip", zipOf("名单.txt", "b.csv"))
	f.Add("a.docx", fixtures.LyingZipBomb(64<<10))
	e := NewEngine(fuzzCfg)
	defer e.Close()
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		for _, read := range []func(*textBuf) error{
			func(out *textBuf) error { return docxText(data, fuzzCfg.MaxInflate, out) },
			func(out *textBuf) error { return xlsxText(data, fuzzCfg, out) },
			func(out *textBuf) error { return e.zipText(context.Background(), data, 0, out) },
		} {
			out := newTextBuf(fuzzCfg.MaxText)
			checkText(t, out, read(out))
		}
	})
}

func FuzzPDFBombCheck(f *testing.F) {
	f.Add(fixtures.GBKPDF("公示"))
	f.Add(fixtures.PDFSharedStream(3, 1000))
	f.Add(fixtures.PDFFlateBomb(1 << 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkText(t, newTextBuf(1), pdfBombCheck(data, 1<<20, 2<<20))
	})
}

// FuzzPDF runs PDFium (one instance, started once: about a second with
// the compiled module cached).
func FuzzPDF(f *testing.F) {
	f.Add(fixtures.GBKPDF("关于低保名单的公示"))
	f.Add(fixtures.PDFText(2, "page"))
	f.Add(fixtures.PDFSharedStream(3, 1000))
	cfg := fuzzCfg
	cfg.PDFMemory = 64 << 20
	cfg.Timeout = 3 * time.Second
	e := NewEngine(cfg)
	defer e.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		if !bytes.HasPrefix(data, []byte("%PDF")) {
			return
		}
		res, err := e.Extract(context.Background(), "a.pdf", data)
		if len(res.Text()) > cfg.MaxText {
			t.Fatalf("text %d bytes past the cap", len(res.Text()))
		}
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrTimeout) {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
	})
}

func FuzzHTML(f *testing.F) {
	f.Add([]byte("<html><title>公示</title><body><p>孙某 13612345678</p><img alt=x></body></html>"))
	f.Add([]byte(strings.Repeat("<div>", 1000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		segs, _, err := htmlSegments(data, 4096)
		checkText(t, newTextBuf(1), err)
		for _, s := range segs {
			if len(s.Text) > 4096 || !utf8.ValidString(s.Text) {
				t.Fatalf("segment %s: %d bytes, valid UTF-8 %v", s.Where, len(s.Text), utf8.ValidString(s.Text))
			}
		}
	})
}
