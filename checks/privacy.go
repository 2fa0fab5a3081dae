package checks

import (
	"context"
	"fmt"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/pii"
)

// privacy finds personal data published in pages and attachments (ID
// numbers, mobile numbers, bank cards), the 隐私泄露 part of the daily
// inspection. Findings carry only masked values.
type privacy struct {
	scan pii.Scanner
	q    quoter
}

var _ TextReader = (*privacy)(nil)

func newPrivacy(d Deps) (Check, error) {
	return &privacy{scan: pii.Scanner{Now: d.Now}, q: newQuoter(d)}, nil
}

func (c *privacy) Name() string { return catalog.Privacy }

// maxPerKind caps findings of one kind in one document: a leaked list of
// 5,000 people is one problem to fix, and its count says how big.
const maxPerKind = 50

var piiLabels = map[string]string{
	pii.IDCard: "居民身份证号码", pii.IDCard15: "15位居民身份证号码", pii.Mobile: "手机号码", pii.BankCard: "银行卡号",
	pii.PublicContact: "单位公开联系电话",
}

var piiSeverity = map[string]finding.Severity{
	pii.IDCard: finding.High, pii.IDCard15: finding.Medium, pii.BankCard: finding.High, pii.Mobile: finding.Medium,
	pii.PublicContact: finding.Info,
}

func (c *privacy) Text(_ context.Context, doc *Document) []finding.Finding {
	var out []finding.Finding
	counts := map[string]int{}
	seen := map[string]bool{}
	first := map[string]int{}
	for _, seg := range doc.Segments {
		text := seg.Text
		// The scanner only reads the text and keeps none of it (values are
		// copied): no copy of a page's 25 KB of text.
		c.scan.ScanDocument(bytesOf(text), func(h pii.Hit) {
			counts[h.Kind]++
			if seen[h.Kind+h.Masked] || counts[h.Kind] > maxPerKind {
				return
			}
			seen[h.Kind+h.Masked] = true
			if _, ok := first[h.Kind]; !ok {
				first[h.Kind] = len(out)
			}
			// The wording follows the certainty: 疑似 only on a suspected
			// finding, never beside a 确认 badge.
			msg := fmt.Sprintf("泄露%s：%s", piiLabels[h.Kind], h.Masked)
			cert := finding.Confirmed
			switch h.Kind {
			case pii.PublicContact:
				msg = fmt.Sprintf("%s：%s（单位对外公布的电话，不属于个人信息泄露，仅供核对）", piiLabels[h.Kind], h.Masked)
			case pii.IDCard15:
				cert = finding.Suspected // legacy format, often another code
				msg = "疑似" + msg
			}
			details := map[string]any{"where": seg.Where}
			if h.Column != "" {
				details["column"] = h.Column
			}
			out = append(out, contentFinding(c.Name(), doc, piiSeverity[h.Kind], cert, h.Kind, h.Masked, msg,
				whereLabel(seg.Where)+"："+c.q.quote(text, h.Start, h.End), details))
		})
	}
	for kind, i := range first {
		out[i].Details["total_in_document"] = counts[kind]
		if counts[kind] > 1 {
			out[i].Evidence += fmt.Sprintf("；本文件共发现 %d 个%s", counts[kind], piiLabels[kind])
		}
	}
	return out
}
