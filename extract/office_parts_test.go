package extract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
)

// officeZip is a zip of parts; a part named in lying declares 100 bytes
// whatever it holds.
func officeZip(t *testing.T, parts [][2]string, lying map[string]bool) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		name, body := p[0], p[1]
		if !lying[name] {
			w, _ := zw.Create(name)
			w.Write([]byte(body))
			continue
		}
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		fw.Write([]byte(body))
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate,
			CRC32: crc32.ChecksumIEEE([]byte(body)), CompressedSize64: uint64(comp.Len()), UncompressedSize64: 100})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestOfficePartErrors pins how docx and xlsx report a bad part: a part
// inflating past its declared size is ErrTooLarge, a part that does not
// parse is ErrCorrupt naming the part, and good parts before it are read.
func TestOfficePartErrors(t *testing.T) {
	const sheet = `<worksheet><sheetData><row><c t="inlineStr"><is><t>公示</t></is></c></row></sheetData></worksheet>`
	doc := `<w:document><w:body><w:p><w:r><w:t>通知</w:t></w:r></w:p></w:body></w:document>`
	big := `<w:document><w:body><w:p><w:r><w:t>` + strings.Repeat("gambling ", 1000) + `</w:t></w:r></w:p></w:body></w:document>`
	scenarios := []struct {
		name     string
		read     func(data []byte, out *textBuf) error
		parts    [][2]string
		lying    map[string]bool
		want     error
		wantMsg  string // in the error
		wantText string // in the text read before the error
	}{
		{
			name:     "docx-good",
			read:     func(d []byte, out *textBuf) error { return docxText(d, 1<<20, out) },
			parts:    [][2]string{{"word/document.xml", doc}, {"word/footer1.xml", doc}},
			wantText: "通知\n通知",
		},
		{
			name:     "docx-footer-does-not-parse",
			read:     func(d []byte, out *textBuf) error { return docxText(d, 1<<20, out) },
			parts:    [][2]string{{"word/document.xml", doc}, {"word/footer1.xml", `<w:ftr><w:p a=></w:p></w:ftr>`}},
			want:     ErrCorrupt,
			wantMsg:  "word/footer1.xml: ",
			wantText: "通知",
		},
		{
			name:  "docx-document-lies-about-its-size",
			read:  func(d []byte, out *textBuf) error { return docxText(d, 1<<20, out) },
			parts: [][2]string{{"word/document.xml", big}},
			lying: map[string]bool{"word/document.xml": true},
			want:  ErrTooLarge,
		},
		{
			name:     "xlsx-good",
			read:     func(d []byte, out *textBuf) error { return xlsxText(d, fuzzCfg, out) },
			parts:    [][2]string{{"xl/worksheets/sheet1.xml", sheet}, {"xl/worksheets/sheet2.xml", sheet}},
			wantText: "公示\n公示",
		},
		{
			name:     "xlsx-second-sheet-does-not-parse",
			read:     func(d []byte, out *textBuf) error { return xlsxText(d, fuzzCfg, out) },
			parts:    [][2]string{{"xl/worksheets/sheet1.xml", sheet}, {"xl/worksheets/sheet2.xml", `<worksheet><row a=></row>`}},
			want:     ErrCorrupt,
			wantMsg:  "worksheet 2: ",
			wantText: "公示",
		},
		{
			name:  "xlsx-sheet-lies-about-its-size",
			read:  func(d []byte, out *textBuf) error { return xlsxText(d, fuzzCfg, out) },
			parts: [][2]string{{"xl/worksheets/sheet1.xml", strings.Repeat(sheet, 50)}},
			lying: map[string]bool{"xl/worksheets/sheet1.xml": true},
			want:  ErrTooLarge,
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			out := newTextBuf(1 << 20)
			err := sc.read(officeZip(t, sc.parts, sc.lying), out)
			switch {
			case sc.want == nil && err != nil:
				t.Fatalf("error %v, want none", err)
			case sc.want != nil && !errors.Is(err, sc.want):
				t.Fatalf("error %v, want %v", err, sc.want)
			}
			if sc.want == ErrTooLarge && errors.Is(err, ErrCorrupt) {
				t.Errorf("error %v is also ErrCorrupt", err)
			}
			if sc.wantMsg != "" && !strings.Contains(err.Error(), sc.wantMsg) {
				t.Errorf("error %q does not name %q", err, sc.wantMsg)
			}
			if got := strings.TrimSpace(out.String()); !strings.Contains(got, sc.wantText) {
				t.Errorf("text %q, want it to hold %q", got, sc.wantText)
			}
		})
	}
}
