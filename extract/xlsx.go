package extract

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
)

// xlsxText streams the workbook's shared strings and then every worksheet
// with encoding/xml, writing one line per row and tabs between cells.
// Nothing is held but the shared strings, and those are capped
// (cfg.MaxStrings, cfg.MaxStringBytes; the part itself is read up to twice
// that): a workbook with 190 MB of shared strings costs at most the caps,
// not the gigabytes a DOM-building reader needs.
func xlsxText(data []byte, cfg Config, out *textBuf) error {
	zr, err := openZip(data, cfg.MaxInflate)
	if err != nil {
		return err
	}
	var sstFile *zip.File
	var sheets []*zip.File
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		switch {
		case name == "xl/sharedstrings.xml":
			sstFile = f
		case strings.HasPrefix(name, "xl/worksheets/") && path.Ext(name) == ".xml" && !strings.Contains(name[len("xl/worksheets/"):], "/"):
			sheets = append(sheets, f)
		}
	}
	if len(sheets) == 0 {
		return fmt.Errorf("%w: no worksheets", ErrCorrupt)
	}
	slices.SortStableFunc(sheets, func(a, b *zip.File) int { return naturalCompare(a.Name, b.Name) })
	budget := cfg.MaxInflate
	var sst []string
	if sstFile != nil {
		limit := min(budget, 2*int64(cfg.MaxStringBytes))
		rc, err := sstFile.Open()
		if err != nil {
			return fmt.Errorf("%w: shared strings: %v", ErrCorrupt, err)
		}
		cr := &countingReader{r: io.LimitReader(rc, limit)}
		sst, err = sharedStrings(cr, cfg, out)
		rc.Close()
		budget -= cr.n
		if cr.n >= limit {
			out.truncated = true // the rest of the part was not read
		} else if err != nil {
			return fmt.Errorf("%w: shared strings: %v", ErrCorrupt, err)
		}
	}
	for i, f := range sheets {
		if out.full() || budget <= 0 {
			out.truncated = true
			break
		}
		if i > 0 {
			out.WriteByte('\n')
		}
		read, err := readEntry(f, budget, "worksheet "+strconv.Itoa(i+1), out, func(r io.Reader, out *textBuf) error {
			return sheetXML(r, sst, out)
		})
		budget -= read
		if err != nil {
			return err
		}
	}
	return nil
}

// sharedStrings reads <si> items: the text of their <t> elements, without
// phonetic runs (<rPh>).
func sharedStrings(r io.Reader, cfg Config, out *textBuf) ([]string, error) {
	dec := xml.NewDecoder(r)
	var (
		sst       []string
		total     int
		cur       strings.Builder
		inT, inSI bool
		phonetic  int
	)
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return sst, nil
		}
		if err != nil {
			return sst, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				phonetic++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if !inSI {
					continue
				}
				inSI = false
				if len(sst) >= cfg.MaxStrings || total+cur.Len() > cfg.MaxStringBytes {
					out.truncated = true
					return sst, nil
				}
				total += cur.Len()
				sst = append(sst, cur.String())
			case "t":
				inT = false
			case "rPh":
				phonetic = max(0, phonetic-1)
			}
		case xml.CharData:
			if inSI && inT && phonetic == 0 && cur.Len() <= cfg.MaxStringBytes {
				cur.Write(t)
			}
		}
	}
}

// sheetXML writes the cells of one worksheet.
func sheetXML(r io.Reader, sst []string, out *textBuf) error {
	var (
		typ            string
		val            strings.Builder
		inV, inT, inIS bool
		firstRow       = true
		cellsInRow     int
	)
	return xmlTokens(r, out, func(tok xml.Token) {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				if !firstRow {
					out.WriteByte('\n')
				}
				firstRow, cellsInRow = false, 0
			case "c":
				typ = ""
				for _, a := range t.Attr {
					if a.Name.Local == "t" {
						typ = a.Value
					}
				}
				val.Reset()
			case "v":
				inV = true
			case "is":
				inIS = true
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "c":
				text := cellText(typ, val.String(), sst)
				if text != "" {
					if cellsInRow > 0 {
						out.WriteByte('\t')
					}
					out.WriteString(text)
					cellsInRow++
				}
			}
		case xml.CharData:
			if (inV || (inIS && inT)) && val.Len() < 1<<20 {
				val.Write(t)
			}
		}
	})
}

func cellText(typ, v string, sst []string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(sst) {
			return ""
		}
		return sst[i]
	case "b", "e":
		return ""
	}
	return v
}

// naturalCompare orders sheet2.xml before sheet10.xml.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na, _ := strconv.Atoi(a[:min(da, 9)])
			nb, _ := strconv.Atoi(b[:min(db, 9)])
			if na != nb {
				return na - nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitPrefix(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
