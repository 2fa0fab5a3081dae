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
	"unicode/utf16"

	"github.com/extrame/xls"
	"github.com/richardlehane/mscfb"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// openZip opens a zip and refuses one that would inflate past maxInflate
// in total (zip bombs) before anything is decompressed.
func openZip(data []byte, maxInflate int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	var total uint64
	for _, f := range zr.File {
		if f.Flags&0x1 != 0 {
			return nil, fmt.Errorf("%w: zip entry %s", ErrEncrypted, f.Name)
		}
		total += f.UncompressedSize64
		if total > uint64(maxInflate) || len(zr.File) > 10000 {
			return nil, fmt.Errorf("%w: inflates past %d bytes", ErrTooLarge, maxInflate)
		}
	}
	return zr, nil
}

// docxText reads the paragraphs of word/document.xml (and headers, footers,
// footnotes) with a streaming XML decoder.
func docxText(data []byte, maxInflate int64, maxText int) (string, error) {
	zr, err := openZip(data, maxInflate)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	found := false
	for _, f := range zr.File {
		n := f.Name
		if n != "word/document.xml" && !strings.HasPrefix(n, "word/header") && !strings.HasPrefix(n, "word/footer") && n != "word/footnotes.xml" {
			continue
		}
		found = true
		rc, err := f.Open()
		if err != nil {
			return "", fmt.Errorf("%w: %s: %v", ErrCorrupt, n, err)
		}
		// The declared size was checked; the reader is capped too, since a
		// zip can lie about sizes.
		err = wordXML(io.LimitReader(rc, maxInflate), &b, maxText)
		rc.Close()
		if err != nil {
			return b.String(), fmt.Errorf("%w: %s: %v", ErrCorrupt, n, err)
		}
	}
	if !found {
		return "", fmt.Errorf("%w: no word/document.xml", ErrCorrupt)
	}
	return b.String(), nil
}

func wordXML(r io.Reader, b *strings.Builder, maxText int) error {
	dec := xml.NewDecoder(r)
	inText := false
	cell := 0 // depth of table cells: a paragraph in a cell ends with a space
	for b.Len() < maxText {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tc":
				cell++
			case "tab":
				b.WriteByte('\t')
			case "br", "cr":
				b.WriteByte('\n')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if cell > 0 {
					b.WriteByte(' ')
				} else {
					b.WriteByte('\n')
				}
			case "tc":
				cell = max(0, cell-1)
				b.WriteByte('\t')
			case "tr":
				b.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				b.Write(t)
			}
		}
	}
	return nil
}

// xlsxText reads every sheet row by row with excelize's streaming iterator.
func xlsxText(data []byte, maxInflate int64, maxText int) (string, error) {
	if _, err := openZip(data, maxInflate); err != nil {
		return "", err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxInflate, UnzipXMLSizeLimit: maxInflate})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			return b.String(), fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
		}
		for rows.Next() && b.Len() < maxText {
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return b.String(), fmt.Errorf("%w: sheet %s: %v", ErrCorrupt, sheet, err)
			}
			b.WriteString(strings.Join(cols, "\t"))
			b.WriteByte('\n')
		}
		rows.Close()
	}
	return b.String(), nil
}

// oleText reads OLE compound files: Word binary documents (doc, wps) through
// their piece table, spreadsheets (xls, et) through extrame/xls, anything
// else by collecting UTF-16 text runs from every stream.
func oleText(data []byte, maxText int) (string, error) {
	doc, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	streams := map[string][]byte{}
	total := 0
	for entry, err := doc.Next(); err == nil; entry, err = doc.Next() {
		if entry.Size <= 0 || entry.Size > 64<<20 {
			continue
		}
		total += int(entry.Size)
		if total > 256<<20 {
			return "", fmt.Errorf("%w: streams too large", ErrTooLarge)
		}
		buf := make([]byte, entry.Size)
		n, _ := io.ReadFull(entry, buf)
		streams[entry.Name] = buf[:n]
	}
	if _, ok := streams["EncryptionInfo"]; ok {
		return "", fmt.Errorf("%w: OLE EncryptionInfo", ErrEncrypted)
	}
	if wd, ok := streams["WordDocument"]; ok {
		if t, err := wordBinaryText(wd, streams); err == nil {
			return t, nil
		}
	}
	if _, ok := streams["Workbook"]; ok {
		if t, err := xlsText(data, maxText); err == nil {
			return t, nil
		}
	}
	if _, ok := streams["Book"]; ok {
		if t, err := xlsText(data, maxText); err == nil {
			return t, nil
		}
	}
	var b strings.Builder
	for _, s := range streams {
		utf16Runs(s, &b)
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("%w: no text found in OLE streams", ErrCorrupt)
	}
	return b.String(), nil
}

// wordBinaryText follows the Word 97+ piece table (FIB → Clx → PlcPcd):
// each piece is UTF-16LE or, when compressed, 8-bit cp1252.
func wordBinaryText(wd []byte, streams map[string][]byte) (string, error) {
	if len(wd) < 0x1AA {
		return "", errors.New("short FIB")
	}
	flags := binary.LittleEndian.Uint16(wd[0x0A:])
	if flags&0x0100 != 0 {
		return "", fmt.Errorf("%w: Word document", ErrEncrypted)
	}
	table := streams["0Table"]
	if flags&0x0200 != 0 {
		table = streams["1Table"]
	}
	fcClx := binary.LittleEndian.Uint32(wd[0x1A2:])
	lcbClx := binary.LittleEndian.Uint32(wd[0x1A6:])
	if table == nil || uint64(fcClx)+uint64(lcbClx) > uint64(len(table)) || lcbClx == 0 {
		return "", errors.New("no Clx")
	}
	clx := table[fcClx : fcClx+lcbClx]
	for len(clx) > 0 && clx[0] == 0x01 { // Prc entries
		if len(clx) < 3 {
			return "", errors.New("bad Prc")
		}
		cb := int(binary.LittleEndian.Uint16(clx[1:]))
		if 3+cb > len(clx) {
			return "", errors.New("bad Prc")
		}
		clx = clx[3+cb:]
	}
	if len(clx) < 5 || clx[0] != 0x02 {
		return "", errors.New("no Pcdt")
	}
	lcb := int(binary.LittleEndian.Uint32(clx[1:]))
	plc := clx[5:]
	if lcb > len(plc) || lcb < 16 || (lcb-4)%12 != 0 {
		return "", errors.New("bad PlcPcd")
	}
	n := (lcb - 4) / 12
	cps := plc[:4*(n+1)]
	pcds := plc[4*(n+1):]
	var b strings.Builder
	for i := 0; i < n; i++ {
		cp0 := binary.LittleEndian.Uint32(cps[4*i:])
		cp1 := binary.LittleEndian.Uint32(cps[4*i+4:])
		if cp1 < cp0 || cp1-cp0 > 16<<20 {
			return "", errors.New("bad CP")
		}
		chars := int(cp1 - cp0)
		fc := binary.LittleEndian.Uint32(pcds[8*i+2:])
		if fc&0x40000000 != 0 {
			off := int(fc&0x3FFFFFFF) / 2
			if off+chars > len(wd) {
				return "", errors.New("piece out of range")
			}
			s, _ := charmap.Windows1252.NewDecoder().Bytes(wd[off : off+chars])
			b.Write(s)
		} else {
			off := int(fc)
			if off+2*chars > len(wd) {
				return "", errors.New("piece out of range")
			}
			u := make([]uint16, chars)
			for k := range u {
				u[k] = binary.LittleEndian.Uint16(wd[off+2*k:])
			}
			b.WriteString(string(utf16.Decode(u)))
		}
	}
	// Word marks paragraphs with \r and cells with \x07.
	return strings.NewReplacer("\r", "\n", "\x07", "\t").Replace(b.String()), nil
}

// utf16Runs appends runs of at least 2 printable UTF-16LE characters.
func utf16Runs(s []byte, b *strings.Builder) {
	var run []rune
	flush := func() {
		if len(run) >= 2 {
			b.WriteString(string(run))
			b.WriteByte('\n')
		}
		run = run[:0]
	}
	for i := 0; i+1 < len(s); i += 2 {
		r := rune(binary.LittleEndian.Uint16(s[i:]))
		if unicode.IsPrint(r) && (r < 0xD800 || r > 0xDFFF) {
			run = append(run, r)
		} else {
			flush()
		}
	}
	flush()
}

// xlsRow reads one row; extrame/xls panics on rows a sheet does not have
// (sparse sheets), which is an empty row here, not a broken file.
func xlsRow(sh *xls.WorkSheet, r int) (line string) {
	defer func() {
		if recover() != nil {
			line = ""
		}
	}()
	row := sh.Row(r)
	var cells []string
	for c := row.FirstCol(); c < row.LastCol(); c++ {
		cells = append(cells, row.Col(c))
	}
	return strings.Join(cells, "\t")
}

// xlsText reads BIFF spreadsheets; extrame/xls has known panics on some
// files, which Text's recover turns into ErrCorrupt.
func xlsText(data []byte, maxText int) (string, error) {
	wb, err := xls.OpenReader(bytes.NewReader(data), "utf-8")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	var b strings.Builder
	for i := 0; i < wb.NumSheets(); i++ {
		sh := wb.GetSheet(i)
		if sh == nil {
			continue
		}
		for r := 0; r <= int(sh.MaxRow) && b.Len() < maxText; r++ {
			b.WriteString(xlsRow(sh, r))
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}
