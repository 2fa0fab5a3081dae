package extract

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
)

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// maxZipEntries bounds the central directory of docx/xlsx files (a real
// workbook has a few hundred parts at most).
const maxZipEntries = 10000

// openZip opens a zip and refuses one that would inflate past maxInflate
// in total (zip bombs) or has too many entries, before anything is
// decompressed. Readers must still be capped: a zip can lie about sizes.
func openZip(data []byte, maxInflate int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if len(zr.File) > maxZipEntries {
		return nil, fmt.Errorf("%w: %d zip entries", ErrTooLarge, len(zr.File))
	}
	var total uint64
	for i, f := range zr.File {
		if f.Flags&0x1 != 0 {
			return nil, fmt.Errorf("%w: zip entry %d", ErrEncrypted, i+1)
		}
		total += f.UncompressedSize64
		if total > uint64(maxInflate) {
			return nil, fmt.Errorf("%w: inflates past %d bytes", ErrTooLarge, maxInflate)
		}
	}
	return zr, nil
}

// openCapped opens a zip entry with its output capped at limit bytes; a
// longer entry is an error, not a silently cut part.
func openCapped(f *zip.File, limit int64) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return &cappedReader{rc: rc, left: limit}, nil
}

type cappedReader struct {
	rc   io.ReadCloser
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One more byte tells a lie from an entry of exactly the limit
		// (archive/zip itself answers ErrFormat to a read past the
		// declared size).
		var one [1]byte
		n, err := c.rc.Read(one[:])
		switch {
		case n > 0 || errors.Is(err, zip.ErrFormat):
			return 0, fmt.Errorf("%w: zip entry inflates past its declared size", ErrTooLarge)
		case err != nil && !errors.Is(err, io.EOF):
			return 0, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cappedReader) Close() error { return c.rc.Close() }

// docxText reads the paragraphs of word/document.xml (and headers, footers,
// footnotes) with a streaming XML decoder.
func docxText(data []byte, maxInflate int64, out *textBuf) error {
	zr, err := openZip(data, maxInflate)
	if err != nil {
		return err
	}
	found := false
	budget := maxInflate
	for _, f := range zr.File {
		n := f.Name
		if n != "word/document.xml" && !strings.HasPrefix(n, "word/header") && !strings.HasPrefix(n, "word/footer") && n != "word/footnotes.xml" {
			continue
		}
		found = true
		read, err := readEntry(f, budget, n, out, wordXML)
		budget -= read
		if err != nil {
			return err
		}
		if out.full() {
			break
		}
	}
	if !found {
		return fmt.Errorf("%w: no word/document.xml", ErrCorrupt)
	}
	return nil
}

// readEntry streams one docx/xlsx part through parse, inflating at most
// min(budget, its declared size) bytes, and returns how many it inflated.
// A part that inflates past that is ErrTooLarge; a part that cannot be
// opened is ErrCorrupt; a parse error is ErrCorrupt naming the part (what).
func readEntry(f *zip.File, budget int64, what string, out *textBuf, parse func(io.Reader, *textBuf) error) (int64, error) {
	rc, err := openCapped(f, min(budget, int64(f.UncompressedSize64)))
	if err != nil {
		return 0, err
	}
	cr := &countingReader{r: rc}
	err = parse(cr, out)
	rc.Close()
	if err != nil && !errors.Is(err, ErrTooLarge) {
		err = fmt.Errorf("%w: %s: %v", ErrCorrupt, what, err)
	}
	return cr.n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// xmlTokens hands each raw token of r to each until the end of r, or until
// out is full (out is then marked truncated).
func xmlTokens(r io.Reader, out *textBuf, each func(xml.Token)) error {
	dec := xml.NewDecoder(r)
	for !out.full() {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		each(tok)
	}
	out.truncated = true
	return nil
}

func wordXML(r io.Reader, out *textBuf) error {
	inText := false
	cell := 0 // depth of table cells: a paragraph in a cell ends with a space
	return xmlTokens(r, out, func(tok xml.Token) {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tc":
				cell++
			case "tab":
				out.WriteByte('\t')
			case "br", "cr":
				out.WriteByte('\n')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if cell > 0 {
					out.WriteByte(' ')
				} else {
					out.WriteByte('\n')
				}
			case "tc":
				cell = max(0, cell-1)
				out.WriteByte('\t')
			case "tr":
				out.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				out.Write(t)
			}
		}
	})
}

// oleStreams reads the streams of an OLE compound file's root storage
// (cfb.go: every chain checked for range and cycles, sizes capped by the
// file's).
func oleStreams(data []byte) (map[string][]byte, error) {
	f, err := readCFB(data)
	if err != nil {
		return nil, err
	}
	return f.rootStreams()
}

// oleText reads OLE compound files: Word binary documents (doc, wps) through
// their piece table, spreadsheets (xls, et) through their BIFF records,
// anything else by collecting UTF-16 text runs from every stream.
func oleText(data []byte, cfg Config, out *textBuf) error {
	streams, err := oleStreams(data)
	if err != nil {
		return err
	}
	if _, ok := streams["EncryptionInfo"]; ok {
		return fmt.Errorf("%w: OLE EncryptionInfo", ErrEncrypted)
	}
	if wd, ok := streams["WordDocument"]; ok {
		err := wordBinaryText(wd, streams, cfg.MaxPieces, out)
		if err == nil || errors.Is(err, ErrEncrypted) || errors.Is(err, ErrCorrupt) {
			return err
		}
	}
	for _, name := range []string{"Workbook", "Book"} {
		if wb, ok := streams[name]; ok {
			return xlsText(wb, cfg, out)
		}
	}
	for _, s := range streams {
		utf16Runs(s, out)
		if out.full() {
			break
		}
	}
	if out.Len() == 0 {
		return fmt.Errorf("%w: no text found in OLE streams", ErrCorrupt)
	}
	return nil
}

// errNoPieceTable sends a WordDocument without a usable piece table to the
// generic UTF-16 scan (very old or fast-saved files).
var errNoPieceTable = errors.New("no piece table")

// wordBinaryText follows the Word 97+ piece table (FIB → Clx → PlcPcd):
// each piece is UTF-16LE or, when compressed, 8-bit cp1252. Pieces are
// capped in number, and a table whose pieces cover more bytes than the
// WordDocument stream holds (one piece repeated to blow up the text) is
// corrupt.
func wordBinaryText(wd []byte, streams map[string][]byte, maxPieces int, out *textBuf) error {
	if len(wd) < 0x1AA {
		return errNoPieceTable
	}
	flags := binary.LittleEndian.Uint16(wd[0x0A:])
	if flags&0x0100 != 0 {
		return fmt.Errorf("%w: Word document", ErrEncrypted)
	}
	table := streams["0Table"]
	if flags&0x0200 != 0 {
		table = streams["1Table"]
	}
	fcClx := binary.LittleEndian.Uint32(wd[0x1A2:])
	lcbClx := binary.LittleEndian.Uint32(wd[0x1A6:])
	if table == nil || uint64(fcClx)+uint64(lcbClx) > uint64(len(table)) || lcbClx == 0 {
		return errNoPieceTable
	}
	clx := table[fcClx : fcClx+lcbClx]
	for len(clx) > 0 && clx[0] == 0x01 { // Prc entries
		if len(clx) < 3 {
			return fmt.Errorf("%w: bad Prc", ErrCorrupt)
		}
		cb := int(binary.LittleEndian.Uint16(clx[1:]))
		if 3+cb > len(clx) {
			return fmt.Errorf("%w: bad Prc", ErrCorrupt)
		}
		clx = clx[3+cb:]
	}
	if len(clx) < 5 || clx[0] != 0x02 {
		return errNoPieceTable
	}
	lcb := int(binary.LittleEndian.Uint32(clx[1:]))
	plc := clx[5:]
	if lcb > len(plc) || lcb < 16 || (lcb-4)%12 != 0 {
		return fmt.Errorf("%w: bad PlcPcd", ErrCorrupt)
	}
	n := (lcb - 4) / 12
	cps := plc[:4*(n+1)]
	pcds := plc[4*(n+1):]
	type piece struct {
		off, chars int
		compressed bool
	}
	pieces := make([]piece, 0, min(n, maxPieces))
	covered := 0
	for i := 0; i < n; i++ {
		if i == maxPieces {
			out.truncated = true
			break
		}
		cp0 := binary.LittleEndian.Uint32(cps[4*i:])
		cp1 := binary.LittleEndian.Uint32(cps[4*i+4:])
		if cp1 < cp0 || int64(cp1-cp0) > int64(len(wd)) {
			return fmt.Errorf("%w: bad character positions", ErrCorrupt)
		}
		p := piece{chars: int(cp1 - cp0)}
		fc := binary.LittleEndian.Uint32(pcds[8*i+2:])
		size := 2 * p.chars
		if fc&0x40000000 != 0 {
			p.compressed, p.off, size = true, int(fc&0x3FFFFFFF)/2, p.chars
		} else {
			p.off = int(fc)
		}
		if p.off+size > len(wd) {
			return fmt.Errorf("%w: piece out of range", ErrCorrupt)
		}
		if covered += size; covered > len(wd) {
			return fmt.Errorf("%w: piece table covers more text than the document holds", ErrCorrupt)
		}
		pieces = append(pieces, p)
	}
	dec := charmap.Windows1252.NewDecoder()
	for _, p := range pieces {
		if out.full() {
			out.truncated = true
			break
		}
		if p.compressed {
			s, _ := dec.Bytes(wd[p.off : p.off+p.chars])
			for _, r := range string(s) {
				wordRune(r, out)
			}
			continue
		}
		writeUTF16(wd[p.off:p.off+2*p.chars], out, wordRune)
	}
	return nil
}

// wordRune writes one character of Word text: \r ends paragraphs, \x07
// ends cells.
func wordRune(r rune, out *textBuf) {
	switch r {
	case '\r':
		out.WriteByte('\n')
	case 0x07:
		out.WriteByte('\t')
	default:
		out.WriteRune(r)
	}
}

// writeUTF16 decodes UTF-16LE into out, rune by rune, without a copy of
// the whole input.
func writeUTF16(b []byte, out *textBuf, emit func(rune, *textBuf)) {
	for k := 0; k+1 < len(b); k += 2 {
		if k&0xFFF == 0 && out.full() {
			out.truncated = true
			return
		}
		r := rune(binary.LittleEndian.Uint16(b[k:]))
		if r >= 0xD800 && r < 0xDC00 && k+3 < len(b) {
			if lo := rune(binary.LittleEndian.Uint16(b[k+2:])); lo >= 0xDC00 && lo < 0xE000 {
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				k += 2
			}
		} else if r >= 0xD800 && r < 0xE000 {
			r = unicode.ReplacementChar
		}
		emit(r, out)
	}
}

// utf16Runs appends runs of at least 2 printable UTF-16LE characters.
func utf16Runs(s []byte, out *textBuf) {
	run := make([]rune, 0, 64)
	flush := func() {
		if len(run) >= 2 {
			for _, r := range run {
				out.WriteRune(r)
			}
			out.WriteByte('\n')
		}
		run = run[:0]
	}
	for i := 0; i+1 < len(s) && !out.full(); i += 2 {
		r := rune(binary.LittleEndian.Uint16(s[i:]))
		if unicode.IsPrint(r) && (r < 0xD800 || r > 0xDFFF) && len(run) < 1<<16 {
			run = append(run, r)
		} else {
			flush()
		}
	}
	flush()
}
