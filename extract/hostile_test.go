package extract

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xunjian/xunjian/internal/fixtures"
	"github.com/xunjian/xunjian/internal/race"
)

// TestHostileFiles reads each crafted file of the red-team run in process
// and expects the hardened parsers to refuse it or cut it short, quickly:
// the error or flag the inspection turns into one attachment finding.
// (In production these files reach the extractors only inside a worker
// process; extract/worker's tests run them there and measure memory.)
func TestHostileFiles(t *testing.T) {
	if testing.Short() || race.Enabled {
		t.Skip("builds files of hundreds of megabytes (inflated); .ci/run runs it without -race")
	}
	e := NewEngine(Config{})
	defer e.Close()
	for _, tc := range []struct {
		name string
		file string
		data func() []byte
		// err is the error wanted; nil means a result marked truncated.
		err error
	}{
		{"xls-sector-chain-past-FAT", "a.xls", fixtures.XLSPastFAT, ErrCorrupt},
		{"xls-cyclic-sector-chain", "a.xls", fixtures.XLSCyclicChain, ErrCorrupt},
		{"xls-4294967295-shared-strings", "a.xls", fixtures.XLSHugeSST, ErrCorrupt},
		{"doc-piece-repeated-1000-times", "a.doc", func() []byte { return fixtures.DocRepeatedPiece(1<<20, 1000) }, ErrCorrupt},
		{"xlsx-190MB-shared-strings", "a.xlsx", func() []byte { return fixtures.XLSXHugeSharedStrings(190 << 20) }, nil},
		{"pdf-flate-bomb", "a.pdf", func() []byte { return fixtures.PDFFlateBomb(256 << 20) }, ErrTooLarge},
		{"pdf-500-pages-one-stream", "a.pdf", func() []byte { return fixtures.PDFSharedStream(500, 1<<20) }, ErrTooLarge},
		{"zip-bomb", "a.docx", func() []byte { return fixtures.ZipBomb(210 << 20) }, ErrTooLarge},
		{"zip-lying-about-size", "a.docx", func() []byte { return fixtures.LyingZipBomb(16 << 20) }, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data()
			start := time.Now()
			res, err := e.Extract(context.Background(), tc.file, data)
			took := time.Since(start)
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
			if tc.err == nil && (err != nil || !res.Truncated) {
				t.Errorf("err = %v, truncated = %v; want a truncated result", err, res.Truncated)
			}
			if len(res.Text()) > 8<<20 {
				t.Errorf("text of %d bytes passes the 8 MiB cap", len(res.Text()))
			}
			if took > 20*time.Second {
				t.Errorf("took %v", took)
			}
			t.Logf("%d bytes: %v in %v", len(data), err, took.Round(time.Millisecond))
		})
	}
}

// TestCaps checks each cap on a file just past it: the text is cut and
// marked, not refused.
func TestCaps(t *testing.T) {
	ctx := context.Background()
	rows := [][]string{}
	for i := range 200 {
		rows = append(rows, []string{"名单" + strings.Repeat("甲", i%7), "13812345678"})
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		file string
		data []byte
	}{
		{"max-text-xlsx", Config{MaxText: 1000}, "a.xlsx", fixtures.XLSX(rows)},
		{"max-text-xls", Config{MaxText: 1000}, "a.xls", fixtures.XLS(rows)},
		{"max-strings-xlsx", Config{MaxStrings: 3}, "a.xlsx", fixtures.XLSX(rows)},
		{"max-strings-xls", Config{MaxStrings: 3}, "a.xls", fixtures.XLS(rows)},
		{"max-text-doc", Config{MaxText: 100}, "a.doc", fixtures.WordBinary(strings.Repeat("困难群众名单\n", 100))},
		{"max-pieces-doc", Config{MaxPieces: 1}, "a.doc", fixtures.DocRepeatedPiece(1000, 2)},
		{"max-text-docx", Config{MaxText: 100}, "a.docx", fixtures.DOCX(strings.Repeat("通知", 200))},
		{"max-text-csv", Config{MaxText: 100}, "a.csv", []byte(strings.Repeat("a,b\n", 200))},
		{"max-entries-zip", Config{MaxEntries: 1}, "a.zip", zipOf("1.txt", "2.txt")},
		{"max-pages-pdf", Config{MaxPages: 2}, "a.pdf", fixtures.PDFText(5, "page")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEngine(tc.cfg)
			defer e.Close()
			res, err := e.Extract(ctx, tc.file, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Truncated {
				t.Errorf("not marked truncated: %d bytes", len(res.Text()))
			}
			if max := e.cfg.MaxText; len(res.Text()) > max {
				t.Errorf("%d bytes past the %d cap", len(res.Text()), max)
			}
			if res.Text() == "" {
				t.Error("no text at all")
			}
		})
	}
}
