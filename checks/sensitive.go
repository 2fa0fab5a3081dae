package checks

import (
	"context"
	"fmt"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
)

// sensitiveWord finds the words of the sensitive-word packs (gambling,
// porn, violence, political, spam, custom) in page and attachment text,
// through spacing tricks, full-width letters and traditional characters.
type sensitiveWord struct {
	words *wordMatcher
	q     quoter
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
	"gambling": "赌博", "porn": "色情", "violence": "暴力", "political": "政治", "spam": "垃圾广告", "custom": "自定义",
}

func (c *sensitiveWord) Text(_ context.Context, doc *Document) []finding.Finding {
	var out []finding.Finding
	seen := map[string]int{}
	for _, seg := range doc.Segments {
		text := seg.Text
		for _, x := range c.words.m.FindAll([]byte(text)) {
			if c.q.allowed(text, x.Start, x.End) {
				continue
			}
			e := c.words.entries[x.Word]
			shown := fold(text[x.Start:x.End])
			key := e.Word + "|" + seg.Where
			if i, ok := seen[key]; ok {
				out[i].Details["count"] = out[i].Details["count"].(int) + 1
				continue
			}
			seen[key] = len(out)
			label := categoryLabels[e.Category]
			if label == "" {
				label = e.Category
			}
			msg := fmt.Sprintf("敏感词（%s）：%s", label, e.Word)
			if shown != e.Word {
				msg += fmt.Sprintf("（页面写作“%s”）", shown)
			}
			out = append(out, contentFinding(c.Name(), doc, e.Severity, finding.Confirmed, e.Category, shown, msg,
				whereLabel(seg.Where)+"："+c.q.quote(text, x.Start, x.End),
				map[string]any{"word": e.Word, "category": e.Category, "rule": packRef(e.Pack, e.Line), "where": seg.Where, "count": 1}))
		}
	}
	return out
}
