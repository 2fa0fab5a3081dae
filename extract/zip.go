package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// archiveExts are the entries read from a zip: documents, not the media,
// scripts or XML parts that share archives with them.
var archiveExts = map[string]bool{
	".pdf": true, ".doc": true, ".docx": true, ".wps": true, ".xls": true, ".xlsx": true, ".et": true,
	".txt": true, ".csv": true, ".htm": true, ".html": true, ".zip": true,
}

// zipText reads the documents in a zip archive (portals publish lists as
// 附件.zip): at most cfg.MaxEntries entries and cfg.MaxInflate bytes in
// total, each entry's text after a line naming it. Entries that are
// encrypted or cannot be read are skipped; an archive with nothing
// readable is ErrUnsupported (nothing to check) or the first entry's
// error.
func (e *Engine) zipText(ctx context.Context, data []byte, depth int, out *textBuf) error {
	zr, err := openZip(data, e.cfg.MaxInflate)
	if err != nil {
		return err
	}
	budget := e.cfg.MaxInflate
	read, seen := 0, 0
	var firstErr error
	for _, f := range zr.File {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := entryName(f.Name, f.NonUTF8)
		if f.FileInfo().IsDir() || !archiveExts[strings.ToLower(path.Ext(name))] {
			continue
		}
		if seen++; seen > e.cfg.MaxEntries || out.full() || budget <= 0 {
			out.truncated = true
			break
		}
		size := min(budget, int64(f.UncompressedSize64))
		rc, err := openCapped(f, size)
		if err != nil {
			firstErr = firstOf(firstErr, err)
			continue
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		budget -= int64(len(body))
		if err != nil {
			firstErr = firstOf(firstErr, fmt.Errorf("%w: zip entry %d: %v", ErrCorrupt, seen, err))
			continue
		}
		sub := &Engine{cfg: e.cfg, pdf: e.pdf}
		sub.cfg.MaxText = max(1, e.cfg.MaxText-out.Len())
		sub.cfg.MaxInflate = max(1, budget)
		res, err := sub.extract(ctx, name, body, depth+1)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				firstErr = firstOf(firstErr, err)
			}
			continue
		}
		read++
		out.WriteString("【" + path.Base(name) + "】\n")
		out.WriteString(res.Text())
		out.WriteByte('\n')
		if res.Truncated {
			out.truncated = true
		}
	}
	if read == 0 {
		if firstErr != nil {
			return firstErr
		}
		return fmt.Errorf("%w: no documents in the archive", ErrUnsupported)
	}
	return nil
}

func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// entryName decodes a zip entry name: archives made on Chinese Windows
// store GBK names without the UTF-8 flag.
func entryName(name string, nonUTF8 bool) string {
	if !nonUTF8 && utf8.ValidString(name) {
		return name
	}
	if b, err := simplifiedchinese.GB18030.NewDecoder().String(name); err == nil {
		return b
	}
	return strings.ToValidUTF8(name, "\uFFFD")
}
