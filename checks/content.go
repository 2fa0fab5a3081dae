package checks

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/pii"
)

// quoter cuts context snippets around matches for the content checks, with
// personal data in them masked: a report must never republish it.
type quoter struct {
	chars int
	allow []string
	mask  pii.Scanner
}

func newQuoter(d Deps) quoter {
	return quoter{chars: d.Config.Content.ContextChars, allow: d.Config.Content.Allow.Phrases, mask: pii.Scanner{Now: d.Now}}
}

// quote returns about q.chars characters either side of text[start:end],
// the match in 【】, whitespace folded and personal data masked.
func (q quoter) quote(text string, start, end int) string {
	from := start
	for n := 0; from > 0 && n < q.chars; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:from])
		from -= size
	}
	to := end
	for n := 0; to < len(text) && n < q.chars; n++ {
		_, size := utf8.DecodeRuneInString(text[to:])
		to += size
	}
	s := fold(text[from:start]) + "【" + fold(text[start:end]) + "】" + fold(text[end:to])
	if from > 0 {
		s = "…" + s
	}
	if to < len(text) {
		s += "…"
	}
	return q.mask.MaskText(s)
}

// fold collapses whitespace and drops control characters.
func fold(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			return -1
		}
		if r == '\n' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// allowed reports whether text[start:end] lies inside an allow-list phrase.
func (q quoter) allowed(text string, start, end int) bool {
	for _, p := range q.allow {
		lo := max(0, end-len(p))
		hi := min(len(text), start+len(p))
		for i := lo; i <= hi-len(p) && i <= start; i++ {
			if strings.HasPrefix(text[i:], p) && i+len(p) >= end {
				return true
			}
		}
	}
	return false
}

// whereLabel names a segment in Chinese.
func whereLabel(where string) string {
	switch where {
	case "title":
		return "标题"
	case "meta-description":
		return "页面描述"
	case "alt":
		return "图片说明"
	case "body":
		return "正文"
	case "attachment":
		return "附件"
	case "list":
		return "脚本列表"
	case "rendered":
		return "脚本生成的内容"
	}
	return where
}

// contentFinding fills the fields every content finding shares.
func contentFinding(check string, doc *Document, sev finding.Severity, cert finding.Certainty, kind, match, msg, evidence string, details map[string]any) finding.Finding {
	f := finding.Finding{
		Check: check, Severity: sev, Certainty: cert, Kind: kind, Page: doc.URL,
		Match: match, Message: msg, Evidence: evidence, Details: details,
	}
	if doc.Attachment {
		label := doc.FileLabel
		if label == "" {
			label = "附件"
		}
		f.Target = doc.URL
		f.Message = label + "中" + msg
	}
	return f
}

// packRef names the rule that fired.
func packRef(pack string, line int) string { return fmt.Sprintf("%s:%d", pack, line) }
