package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/match"
	"github.com/xunjian/xunjian/rules"
)

// sensitiveWord finds the words of the sensitive-word packs (gambling,
// porn, violence, political, spam, custom) in page and attachment text,
// through spacing tricks, full-width letters and traditional characters.
type sensitiveWord struct {
	words *wordMatcher
	q     quoter
	// scan, when set, reads the text for this check and typo at once.
	scan *textScan
}

var _ TextReader = (*sensitiveWord)(nil)

func newSensitiveWord(d Deps) (Check, error) {
	w, err := d.wordMatcher()
	if err != nil {
		return nil, err
	}
	if w == nil {
		return nil, fmt.Errorf("no rule packs loaded")
	}
	return &sensitiveWord{words: w, q: newQuoter(d)}, nil
}

func (c *sensitiveWord) Name() string { return catalog.SensitiveWord }

var categoryLabels = map[string]string{
	"gambling": "赌博", "porn": "色情", "violence": "违禁品", "political": "政治话题", "spam": "垃圾广告", "custom": "自定义",
	"fraud": "诈骗与非法贷款", "game": "游戏私服", "seo": "黑帽SEO", "cult": "邪教", "reactionary": "反动宣传",
}

func (c *sensitiveWord) Text(_ context.Context, doc *Document) []finding.Finding {
	var out []finding.Finding
	seen := map[string]int{}
	titleCue, _ := rules.NoticeTitle(docTitle(doc))
	for k, seg := range doc.Segments {
		text := seg.Text
		var ms []match.Match
		if c.scan != nil {
			ms = c.scan.find(doc, k, c.words.m, false)
		} else {
			ms = c.words.m.FindAll([]byte(text))
		}
		for k, x := range ms {
			if c.q.allowed(text, x.Start, x.End) {
				continue
			}
			v := rules.JudgeWord(text, ms, k, c.words.entries, titleCue)
			if !v.Report {
				continue
			}
			e := c.words.entries[x.Word]
			e.Severity = v.Severity
			shown := fold(text[x.Start:x.End])
			word := e.Word
			if e.Base != "" {
				word = e.Base
			}
			key := word + "|" + seg.Where + "|" + string(v.Severity)
			if i, ok := seen[key]; ok {
				out[i].Details["count"] = out[i].Details["count"].(int) + 1
				continue
			}
			seen[key] = len(out)
			label := categoryLabels[e.Category]
			if label == "" {
				label = e.Category
			}
			msg := fmt.Sprintf("敏感词（%s）：%s", label, word)
			if shown != word {
				msg += fmt.Sprintf("（页面写作“%s”）", shown)
			}
			switch v.Reason {
			case "mention":
				msg += fmt.Sprintf("；所在语句含“%s”，疑为打击、防范或通报中的提及，仅供参考", v.Cue)
			case "notice":
				msg += fmt.Sprintf("；文件标题含“%s”，疑为打击、防范或通报中的提及，仅供参考", v.Cue)
			case "political":
				msg += "；政务文本常见话题，仅供参考"
			}
			cert := finding.Confirmed
			details := map[string]any{"word": word, "category": e.Category, "rule": packRef(e.Pack, e.Line), "where": seg.Where, "count": 1}
			if e.Variant != "" {
				details["variant"] = e.Variant
			}
			if v.Reason != "" {
				details["context"], cert = v.Reason, finding.Suspected
			}
			out = append(out, contentFinding(c.Name(), doc, e.Severity, cert, e.Category, shown, msg,
				whereLabel(seg.Where)+"："+c.q.quote(text, x.Start, x.End), details))
		}
	}
	return out
}

// docTitle is a document's title: a page's title, or the first line of a
// file's text (where documents put theirs).
func docTitle(doc *Document) string {
	for _, seg := range doc.Segments {
		if seg.Where == "title" {
			return seg.Text
		}
	}
	if len(doc.Segments) == 0 || !doc.Attachment {
		return ""
	}
	first := strings.TrimSpace(doc.Segments[0].Text)
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	return first
}
