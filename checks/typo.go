package checks

import (
	"context"
	"fmt"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/match"
	"github.com/xunjian/xunjian/rules"
)

// typo finds wrong forms from the typo packs (疑似错别字) and the serious
// wording pack (严重表述错误: the country's name, forbidden formulations,
// leaders' names), each with its correction.
type typo struct {
	entries []rules.TypoEntry
	m       *match.Matcher
	q       quoter
}

var _ TextReader = (*typo)(nil)

func newTypo(d Deps) (Check, error) {
	if d.Packs == nil {
		return nil, fmt.Errorf("no rule packs loaded")
	}
	words := make([]string, len(d.Packs.Typos))
	for i, e := range d.Packs.Typos {
		words[i] = e.Wrong
	}
	m, err := match.Build(words)
	if err != nil {
		return nil, err
	}
	return &typo{entries: d.Packs.Typos, m: m, q: newQuoter(d)}, nil
}

func (c *typo) Name() string { return catalog.Typo }

func (c *typo) Text(_ context.Context, doc *Document) []finding.Finding {
	var out []finding.Finding
	seen := map[string]int{}
	for _, seg := range doc.Segments {
		text := seg.Text
		for _, x := range c.m.FindAll([]byte(text)) {
			e := c.entries[x.Word]
			if e.After != nil && !e.After.MatchString(text[x.End:min(len(text), x.End+60)]) {
				continue
			}
			if e.Before != nil && !e.Before.MatchString(text[max(0, x.Start-60):x.Start]) {
				continue
			}
			if c.q.allowed(text, x.Start, x.End) {
				continue
			}
			shown := fold(text[x.Start:x.End])
			key := e.Wrong + "|" + seg.Where
			if i, ok := seen[key]; ok {
				out[i].Details["count"] = out[i].Details["count"].(int) + 1
				continue
			}
			seen[key] = len(out)
			kind, cert, msg := "typo", finding.Suspected, fmt.Sprintf("疑似错别字：%s，应为：%s", shown, e.Right)
			if e.Serious {
				kind, cert, msg = "serious", finding.Confirmed, fmt.Sprintf("严重表述错误：%s，应为：%s", shown, e.Right)
			}
			out = append(out, contentFinding(c.Name(), doc, e.Severity, cert, kind, shown, msg,
				whereLabel(seg.Where)+"："+c.q.quote(text, x.Start, x.End),
				map[string]any{"wrong": e.Wrong, "right": e.Right, "rule": packRef(e.Pack, e.Line), "where": seg.Where, "count": 1}))
		}
	}
	return out
}
