package crawler

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/xunjian/xunjian/internal/mediatype"
)

// metaCharset finds <meta charset="..."> and <meta http-equiv content="...;
// charset=..."> in the first bytes of a page.
var metaCharset = regexp.MustCompile(`(?i)<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_\-:.]+)`)

// Decode returns the page text as UTF-8 and the name of the encoding used.
// The charset comes from, in order: a byte-order mark, the Content-Type
// header, a <meta> tag in the first 4 KiB. gb2312 and gbk labels are decoded
// as GB18030 (its superset: x/text's GBK decoder loses 4-byte sequences).
// Undeclared bytes are UTF-8 when valid, otherwise GB18030, since undeclared
// non-UTF-8 Chinese pages are GBK in practice (x/net guesses windows-1252).
func Decode(body []byte, contentType string) ([]byte, string) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return body[3:], "utf-8"
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return decodeWith(body, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)), "utf-16be"
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return decodeWith(body, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)), "utf-16le"
	}
	label := ""
	if contentType != "" {
		if _, cs, err := mediatype.Parse(contentType); err == nil {
			label = cs
		}
	}
	if label == "" {
		head := body
		if len(head) > 4096 {
			head = head[:4096]
		}
		if m := metaCharset.FindSubmatch(head); m != nil {
			label = string(m[1])
		}
	}
	if label != "" {
		if enc, name := lookupLabel(label); enc != nil {
			if name == "utf-8" {
				return body, name
			}
			return decodeWith(body, enc), name
		}
	}
	if utf8.Valid(body) {
		return body, "utf-8"
	}
	return decodeWith(body, simplifiedchinese.GB18030), "gb18030"
}

// lookupLabel maps a charset label to a decoder, folding the GB family into GB18030.
func lookupLabel(label string) (encoding.Encoding, string) {
	l := strings.ToLower(strings.Trim(label, `"' `))
	switch l {
	case "gb2312", "gbk", "x-gbk", "gb18030", "cp936", "ms936", "windows-936", "euc-cn", "csgb2312", "gb_2312-80", "chinese", "iso-ir-58":
		return simplifiedchinese.GB18030, "gb18030"
	case "utf8", "utf-8", "unicode-1-1-utf-8":
		return encoding.Nop, "utf-8"
	}
	enc, name := charset.Lookup(l)
	if enc == nil {
		return nil, ""
	}
	if name == "utf-8" {
		return encoding.Nop, name
	}
	return enc, name
}

func decodeWith(body []byte, enc encoding.Encoding) []byte {
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		return bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	return out
}
