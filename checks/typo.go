package checks

import (
	"context"
	"fmt"
	"time"

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
	now     func() time.Time
	// scan, when set, reads the text for this check and sensitive-word
	// at once.
	scan *textScan
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
	// Plain: real text, no noise skipping; Words: no match across words
	// (严峻，工作 is not 峻工, 卫生体育 is not 生体).
	m, err := match.BuildWith(words, match.Options{Plain: true, Words: match.Words()})
	if err != nil {
		return nil, err
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &typo{entries: d.Packs.Typos, m: m, q: newQuoter(d), now: now}, nil
}

func (c *typo) Name() string { return catalog.Typo }

func (c *typo) Text(_ context.Context, doc *Document) []finding.Finding {
	var out []finding.Finding
	seen := map[string]int{}
	var heads []string
	for _, seg := range doc.Segments {
		if seg.Where == "title" || seg.Where == "body" || doc.Attachment {
			heads = append(heads, seg.Text)
		}
	}
	archival, year := rules.Archival(c.now(), heads...)
	for k, seg := range doc.Segments {
		text := seg.Text
		var ms []match.Match
		if c.scan != nil {
			ms = c.scan.find(doc, k, c.m, true)
		} else {
			ms = c.m.FindAll([]byte(text))
		}
		for _, x := range ms {
			e := c.entries[x.Word]
			sev, why := rules.JudgeTypo(e, archival)
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
			details := map[string]any{"wrong": e.Wrong, "right": e.Right, "rule": packRef(e.Pack, e.Line), "where": seg.Where, "count": 1}
			switch why {
			case "archival":
				cert = finding.Suspected
				msg += fmt.Sprintf("（文件形成于%d年，当时的用法，供参考）", year)
				details["archival_year"] = year
			case "word":
				msg += "（该写法本身也是常用词或常见搭配，请结合语境判断）"
			case "short":
				msg += "（两字写法可能是其他词语的一部分，请结合语境判断）"
			}
			if why != "" {
				details["context"] = why
			}
			out = append(out, contentFinding(c.Name(), doc, sev, cert, kind, shown, msg,
				whereLabel(seg.Where)+"："+c.q.quote(text, x.Start, x.End), details))
		}
	}
	return out
}
