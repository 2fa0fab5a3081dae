package extract

// BIFF spreadsheets (.xls, and WPS Office's .et): the cell text of the
// Workbook (BIFF8) or Book (BIFF5) stream of an OLE compound file.
//
// This replaces github.com/extrame/xls, which on crafted files calls a
// fatal logger (the process exits), allocates what the shared-string
// table claims (4,294,967,295 strings: the runtime's unrecoverable
// out-of-memory exit) and loops forever on a cyclic sector chain of its
// OLE reader (github.com/extrame/ole2); see its issues #46 (1 GB of RAM for
// a 2 MB file) and #17 (crashes after repeated loads), and the panics
// reported against github.com/shakinm/xlsReader (#29), the other pure-Go
// reader on the proxy. No maintained pure-Go replacement exists, and
// reading text needs only a few records; the container is read by the
// strict compound-file reader in cfb.go (chains checked for range and
// cycles, streams capped at the file's size).

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// BIFF record types read here.
const (
	recBOF        = 0x0809
	recEOF        = 0x000A
	recFilePass   = 0x002F
	recCodePage   = 0x0042
	recSST        = 0x00FC
	recContinue   = 0x003C
	recLabelSST   = 0x00FD
	recLabel      = 0x0204
	recRString    = 0x00D6
	recNumber     = 0x0203
	recRK         = 0x027E
	recMulRK      = 0x00BD
	recFormula    = 0x0006
	recString     = 0x0207
	biff8Version  = 0x0600
	maxRecordSize = 8224
)

type biffRecord struct {
	typ  uint16
	data []byte
}

// biffRecords splits a stream into records; a record running past the
// end of the stream ends it.
func biffRecords(s []byte, yield func(biffRecord) bool) {
	for len(s) >= 4 {
		typ := binary.LittleEndian.Uint16(s)
		n := int(binary.LittleEndian.Uint16(s[2:]))
		if 4+n > len(s) {
			return
		}
		if !yield(biffRecord{typ, s[4 : 4+n]}) {
			return
		}
		s = s[4+n:]
	}
}

// xlsText writes the cells of every sheet, one line per row, cells
// separated by tabs, in the order the file stores them.
func xlsText(wb []byte, cfg Config, out *textBuf) error {
	var (
		sst      []string
		biff8    = true
		cp       encoding.Encoding
		lastRow  = -1
		err      error
		pending  bool // a FORMULA whose string result follows in STRING
		formRow  int  // that FORMULA's row
		sstParts [][]byte
		inSST    bool
		records  int
	)
	cell := func(row int, text string) {
		if text == "" {
			return
		}
		if lastRow >= 0 {
			if row != lastRow {
				out.WriteByte('\n')
			} else {
				out.WriteByte('\t')
			}
		}
		lastRow = row
		out.WriteString(text)
	}
	finishSST := func() {
		if !inSST {
			return
		}
		inSST = false
		sst, err = parseSST(sstParts, cfg, out)
		sstParts = nil
	}
	biffRecords(wb, func(r biffRecord) bool {
		records++
		if r.typ == recContinue && inSST {
			sstParts = append(sstParts, r.data)
			return true
		}
		finishSST()
		if err != nil || out.full() {
			return false
		}
		d := r.data
		switch r.typ {
		case recBOF:
			if len(d) >= 2 {
				biff8 = binary.LittleEndian.Uint16(d) == biff8Version
			}
			lastRow = -1
			if records > 1 {
				out.WriteByte('\n')
			}
		case recFilePass:
			err = fmt.Errorf("%w: xls FILEPASS", ErrEncrypted)
			return false
		case recCodePage:
			if len(d) >= 2 {
				cp = codePage(binary.LittleEndian.Uint16(d))
			}
		case recSST:
			inSST = true
			sstParts = [][]byte{d}
		case recLabelSST:
			if len(d) >= 10 {
				if i := binary.LittleEndian.Uint32(d[6:]); int64(i) < int64(len(sst)) {
					cell(int(binary.LittleEndian.Uint16(d)), sst[i])
				}
			}
		case recLabel, recRString:
			if len(d) >= 8 {
				cell(int(binary.LittleEndian.Uint16(d)), shortString(d[6:], biff8, cp))
			}
		case recNumber:
			if len(d) >= 14 {
				cell(int(binary.LittleEndian.Uint16(d)), formatNumber(math.Float64frombits(binary.LittleEndian.Uint64(d[6:]))))
			}
		case recRK:
			if len(d) >= 10 {
				cell(int(binary.LittleEndian.Uint16(d)), formatNumber(rkValue(binary.LittleEndian.Uint32(d[6:]))))
			}
		case recMulRK:
			if len(d) >= 6 {
				row := int(binary.LittleEndian.Uint16(d))
				for p := 4; p+6 <= len(d)-2; p += 6 {
					cell(row, formatNumber(rkValue(binary.LittleEndian.Uint32(d[p+2:]))))
				}
			}
		case recFormula:
			if len(d) >= 14 {
				res := d[6:14]
				if res[6] == 0xFF && res[7] == 0xFF {
					pending = res[0] == 0
					formRow = int(binary.LittleEndian.Uint16(d))
				} else {
					cell(int(binary.LittleEndian.Uint16(d)), formatNumber(math.Float64frombits(binary.LittleEndian.Uint64(res))))
				}
			}
		case recString:
			if pending {
				cell(formRow, shortString(d, biff8, cp))
			}
			pending = false
		}
		return true
	})
	finishSST()
	if err != nil {
		return err
	}
	if records == 0 {
		return fmt.Errorf("%w: empty workbook stream", ErrCorrupt)
	}
	if out.full() {
		out.truncated = true
	}
	return nil
}

func codePage(id uint16) encoding.Encoding {
	switch id {
	case 936:
		return simplifiedchinese.GB18030
	case 950:
		return traditionalchinese.Big5
	case 1252, 0x8001:
		return charmap.Windows1252
	}
	return nil
}

// rkValue decodes the RK number format.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&0x02 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&0x01 != 0 {
		v /= 100
	}
	return v
}

// formatNumber writes integers (phone numbers, IDs kept as numbers) without
// exponent or decimals.
func formatNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e17 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// shortString reads a LABEL/STRING record's string: BIFF8 XLUnicodeString
// (cch, flags, characters) or BIFF5 (cch, code-page bytes).
func shortString(d []byte, biff8 bool, cp encoding.Encoding) string {
	if len(d) < 2 {
		return ""
	}
	cch := int(binary.LittleEndian.Uint16(d))
	if !biff8 {
		b := d[2:]
		if cch < len(b) {
			b = b[:cch]
		}
		if cp == nil {
			cp = simplifiedchinese.GB18030
		}
		s, _ := cp.NewDecoder().Bytes(b)
		return string(s)
	}
	if len(d) < 3 {
		return ""
	}
	flags := d[2]
	b := d[3:]
	if flags&0x01 == 0 {
		if cch < len(b) {
			b = b[:cch]
		}
		s, _ := charmap.ISO8859_1.NewDecoder().Bytes(b)
		return string(s)
	}
	if 2*cch < len(b) {
		b = b[:2*cch]
	}
	buf := newTextBuf(len(b) * 2)
	writeUTF16(b, buf, func(r rune, t *textBuf) { t.WriteRune(r) })
	return buf.String()
}

// sstReader reads across an SST record and its CONTINUE records.
type sstReader struct {
	parts [][]byte
	i     int // current part
	p     int // offset in it
}

func (r *sstReader) avail() int {
	for r.i < len(r.parts) && r.p >= len(r.parts[r.i]) {
		r.i++
		r.p = 0
	}
	if r.i >= len(r.parts) {
		return 0
	}
	return len(r.parts[r.i]) - r.p
}

func (r *sstReader) bytes(n int) ([]byte, bool) {
	if r.avail() >= n {
		b := r.parts[r.i][r.p : r.p+n]
		r.p += n
		return b, true
	}
	// Fields split over a CONTINUE boundary: gather them.
	var b []byte
	for len(b) < n {
		a := r.avail()
		if a == 0 {
			return nil, false
		}
		k := min(a, n-len(b))
		b = append(b, r.parts[r.i][r.p:r.p+k]...)
		r.p += k
	}
	return b, true
}

func (r *sstReader) skip(n int) bool {
	for n > 0 {
		a := r.avail()
		if a == 0 {
			return false
		}
		k := min(a, n)
		r.p += k
		n -= k
	}
	return true
}

// parseSST reads the shared strings, keeping at most cfg.MaxStrings of
// them and cfg.MaxStringBytes of text; strings past the caps are left out
// (cells using them read empty) and the text is marked truncated. A table
// claiming more strings than its records can hold is corrupt: it is never
// allocated from the claim.
func parseSST(parts [][]byte, cfg Config, out *textBuf) ([]string, error) {
	if len(parts[0]) < 8 {
		return nil, fmt.Errorf("%w: short SST", ErrCorrupt)
	}
	unique := binary.LittleEndian.Uint32(parts[0][4:])
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	// Each string takes at least 3 bytes (cch and flags).
	if int64(unique) > int64(size)/3+1 {
		return nil, fmt.Errorf("%w: shared-string table claims %d strings in %d bytes", ErrCorrupt, unique, size)
	}
	r := &sstReader{parts: parts, p: 8}
	var sst []string
	total := 0
	for k := uint32(0); k < unique; k++ {
		if len(sst) >= cfg.MaxStrings || total >= cfg.MaxStringBytes {
			out.truncated = true
			break
		}
		h, ok := r.bytes(3)
		if !ok {
			break
		}
		cch := int(binary.LittleEndian.Uint16(h))
		flags := h[2]
		var runs, ext int
		if flags&0x08 != 0 {
			b, ok := r.bytes(2)
			if !ok {
				break
			}
			runs = int(binary.LittleEndian.Uint16(b))
		}
		if flags&0x04 != 0 {
			b, ok := r.bytes(4)
			if !ok {
				break
			}
			ext = int(binary.LittleEndian.Uint32(b))
		}
		high := flags&0x01 != 0
		buf := newTextBuf(min(3*cch, cfg.MaxStringBytes-total))
		for left := cch; left > 0 && r.i < len(r.parts); {
			part := r.parts[r.i]
			if r.p >= len(part) {
				// Characters continued in a CONTINUE record: it starts
				// with a new flags byte, and the width may change there.
				r.i, r.p = r.i+1, 0
				if r.i < len(r.parts) && len(r.parts[r.i]) > 0 {
					high = r.parts[r.i][0]&0x01 != 0
					r.p = 1
				}
				continue
			}
			width := 1
			if high {
				width = 2
			}
			n := min(left, (len(part)-r.p)/width)
			if n == 0 {
				// Half a character at the end of a record: malformed.
				r.p = len(part)
				continue
			}
			chunk := part[r.p : r.p+n*width]
			r.p += n * width
			left -= n
			if high {
				writeUTF16(chunk, buf, func(r rune, t *textBuf) { t.WriteRune(r) })
			} else {
				for _, c := range chunk {
					buf.WriteRune(rune(c))
				}
			}
		}
		if !r.skip(4*runs) || !r.skip(ext) {
			sst = append(sst, buf.String())
			break
		}
		s := buf.String()
		total += len(s)
		sst = append(sst, s)
	}
	return sst, nil
}
