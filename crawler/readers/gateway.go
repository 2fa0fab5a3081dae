package readers

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xunjian/xunjian/internal/mediatype"
)

// Gateway reads download gateways: files served from a script
// (/module/download/downfile.jsp?classid=0&filename=…, download.do?id=…)
// whose type and name only the response headers tell. On pages it marks
// links to known gateways as attachments (checked, never crawled as
// pages); on responses ReadFile reads Content-Type and Content-Disposition,
// including GBK file names and RFC 5987 filename*, and IsDownload tells a
// file from a page even when a JSP gateway labels it text/html.
type Gateway struct{}

// Name implements Reader.
func (Gateway) Name() string { return "gateway" }

// gatewayScripts are the file names of download scripts seen on
// government CMSs (Hanweb downfile.jsp, Java download.do and friends).
var gatewayScripts = map[string]bool{
	"downfile.jsp": true, "download.jsp": true, "downloadfile.jsp": true, "down.jsp": true, "getfile.jsp": true,
	"download.do": true, "downloadfile.do": true, "filedownload.do": true, "download.action": true, "downloadfile.action": true,
	"download.aspx": true, "downloadfile.aspx": true, "download.ashx": true, "download.php": true, "attachment.do": true,
}

// Read implements Reader.
func (g Gateway) Read(p *Page, lim Limits) Result {
	var out Result
	if p.Doc == nil {
		return out
	}
	b := base(p)
	for _, a := range p.index(lim).anchors {
		if len(out.Links) >= lim.MaxEntries {
			out.skip("gateway-capped", 1)
			break
		}
		href, _ := attrOf(a, "href")
		name, hasName := attrOf(a, "download")
		low := strings.ToLower(href)
		if !hasName && !strings.Contains(low, "down") && !strings.Contains(low, "getfile") && !strings.Contains(low, "attachment") {
			continue // most links: no URL to parse
		}
		u, ok := resolve(b, href)
		if !ok {
			continue
		}
		if LooksLikeGateway(u) {
			out.Links = append(out.Links, Link{URL: u, Kind: KindAttachment, Text: collapse(nodeText(a), 100), Where: "gateway"})
		} else if hasName && documentExt(name) != "" {
			out.Links = append(out.Links, Link{URL: u, Kind: KindAttachment, Text: collapse(nodeText(a), 100), Where: "gateway:download-attribute"})
		}
	}
	return out
}

// LooksLikeGateway reports a download script with a query naming the file.
func LooksLikeGateway(u *url.URL) bool {
	if u.RawQuery == "" {
		return false
	}
	p := strings.ToLower(u.Path)
	return gatewayScripts[path.Base(p)] || strings.Contains(p, "/module/download/")
}

// File is what a response's headers say about a downloaded file.
type File struct {
	// Name is the file name from Content-Disposition, decoded to UTF-8
	// ("" when none is given).
	Name string
	// Ext is the lower-case extension (no dot) of Name, else the one the
	// media type implies ("" when unknown).
	Ext string
	// MediaType is the Content-Type's media type, lower case.
	MediaType string
	// Disposition is "attachment", "inline" or "".
	Disposition string
}

// ReadFile reads a response's Content-Type and Content-Disposition.
func ReadFile(h http.Header) File {
	f := File{}
	if mt, _, err := mediatype.Parse(h.Get("Content-Type")); err == nil {
		f.MediaType = strings.ToLower(mt)
	}
	if v := h.Get("Content-Disposition"); v != "" {
		f.Disposition, f.Name = ParseContentDisposition(v)
	}
	f.Ext = documentExt(f.Name)
	if f.Ext == "" {
		f.Ext = mediaExt[f.MediaType]
	}
	return f
}

// IsDownload reports a response that is a file to save, not a page to
// read: Content-Disposition: attachment (whatever the Content-Type says:
// JSP gateways keep their page's text/html), or inline with a document's
// file name.
func IsDownload(h http.Header) bool {
	f := ReadFile(h)
	switch f.Disposition {
	case "attachment":
		return f.Ext != "html" && f.Ext != "htm"
	case "inline":
		return documentExt(f.Name) != ""
	}
	return false
}

var mediaExt = map[string]string{
	"application/pdf":          "pdf",
	"application/msword":       "doc",
	"application/vnd.ms-excel": "xls",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       "xlsx",
	"application/vnd.ms-powerpoint":                                           "ppt",
	"application/zip":                                                         "zip",
	"application/x-rar-compressed":                                            "rar",
	"application/ofd":                                                         "ofd",
	"text/csv":                                                                "csv",
	"application/kswps":                                                       "wps",
}

// documentExt is the extension of a file name when it names a document,
// archive or medium.
func documentExt(name string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	switch ext {
	case "pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "dps", "ppt", "pptx", "csv", "txt", "zip", "rar", "7z",
		"gz", "tar", "ofd", "ceb", "mp4", "mp3", "avi", "flv", "wmv", "jpg", "jpeg", "png", "gif", "html", "htm":
		return ext
	}
	return ""
}

// ParseContentDisposition returns the disposition type and the file name
// of a Content-Disposition value as real servers write it: RFC 6266
// filename*=charset”%XX (any charset, GBK included), filename="…" with
// raw UTF-8 or GBK bytes, %XX-escaped UTF-8, or an RFC 2047 encoded word.
// filename* wins over filename. The name is reduced to its base name
// without control characters, at most 255 runes.
func ParseContentDisposition(v string) (disposition, filename string) {
	typ, rest, _ := strings.Cut(v, ";")
	disposition = strings.ToLower(strings.TrimSpace(typ))
	if strings.Contains(disposition, "=") {
		// "filename=x.pdf" with no type.
		disposition, rest = "", v
	}
	var plain, extended string
	for _, kv := range splitParams(rest) {
		switch strings.ToLower(kv[0]) {
		case "filename*":
			if n, ok := decodeExtended(kv[1]); ok {
				extended = n
			}
		case "filename":
			plain = decodePlain(kv[1])
		case "name":
			if plain == "" {
				plain = decodePlain(kv[1])
			}
		}
	}
	filename = extended
	if filename == "" {
		filename = plain
	}
	return disposition, cleanFileName(filename)
}

// splitParams splits "; a=b; c=\"d;e\"" into pairs, honouring quotes and
// backslash escapes inside them; values keep their raw bytes.
func splitParams(s string) [][2]string {
	var out [][2]string
	i := 0
	for i < len(s) && len(out) < 32 {
		for i < len(s) && (s[i] == ';' || s[i] == ' ' || s[i] == '\t') {
			i++
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ';' {
			i++
		}
		name := strings.TrimSpace(s[start:i])
		if i >= len(s) || s[i] == ';' {
			continue
		}
		i++ // =
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		var val strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			for i < len(s) && s[i] != '"' {
				// A backslash escapes a quote or a backslash; before anything
				// else it is a Windows path separator servers leave in.
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				val.WriteByte(s[i])
				i++
			}
			i++ // closing quote (or end)
			for i < len(s) && s[i] != ';' {
				i++
			}
		} else {
			start := i
			for i < len(s) && s[i] != ';' {
				i++
			}
			val.WriteString(strings.TrimSpace(s[start:i]))
		}
		if name != "" {
			out = append(out, [2]string{name, val.String()})
		}
	}
	return out
}

// decodeExtended decodes charset'lang'%XX (RFC 5987).
func decodeExtended(v string) (string, bool) {
	v = strings.Trim(v, `"`)
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return "", false
	}
	raw, err := url.PathUnescape(parts[2])
	if err != nil {
		return "", false
	}
	return decodeBytes([]byte(raw), strings.ToLower(strings.TrimSpace(parts[0]))), true
}

// decodePlain decodes a filename parameter: an encoded word, %XX
// escapes, or raw bytes.
func decodePlain(v string) string {
	if strings.Contains(v, "=?") {
		d := mime.WordDecoder{CharsetReader: charsetReader}
		if s, err := d.DecodeHeader(v); err == nil {
			return s
		}
	}
	if strings.Contains(v, "%") {
		if raw, err := url.PathUnescape(v); err == nil && raw != v {
			return decodeBytes([]byte(raw), "")
		}
	}
	return decodeBytes([]byte(v), "")
}

// decodeBytes decodes a file name's bytes: in the declared charset, else
// UTF-8 when valid, else GB18030 (GBK names from Java servers).
func decodeBytes(b []byte, charset string) string {
	switch charset {
	case "gbk", "gb2312", "gb18030", "cp936", "x-gbk":
		if s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
			return string(s)
		}
	case "iso-8859-1", "latin1", "us-ascii":
		if !utf8.Valid(b) {
			s, _ := charmap.ISO8859_1.NewDecoder().Bytes(b)
			return string(s)
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "gbk", "gb2312", "gb18030", "cp936":
		return simplifiedchinese.GB18030.NewDecoder().Reader(input), nil
	case "iso-8859-1", "latin1":
		return charmap.ISO8859_1.NewDecoder().Reader(input), nil
	}
	return input, nil
}

// cleanFileName keeps the base name, without control characters, at most
// 255 runes.
func cleanFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 255 {
		s = string([]rune(s)[:255])
	}
	return s
}
