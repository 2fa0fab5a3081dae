package inspect

import (
	"fmt"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/finding"
)

// mergeViews makes one problem one finding when several checks saw it,
// the other checks' views kept in the remaining finding's details under
// their check's name:
//
//   - the homepage that could not be opened: the connectivity check's
//     outage (down or probe-failed) absorbs the broken-link check's
//     首页失效;
//   - a hidden link whose target serves bad content: the dark link absorbs
//     the external-link check's bad-content finding, and becomes a
//     confirmed, critical dark link (a hidden link to gambling is a
//     hacked site, whatever its anchor says);
//   - a sensitive word that is only the text of hidden links on a page:
//     the dark links absorb the sensitive-word finding.
//
// IDs are not changed: the absorbing finding keeps the fields its id is
// made of.
func mergeViews(fs []finding.Finding, home string) []finding.Finding {
	drop := map[int]bool{}

	outage := -1
	for i, f := range fs {
		if f.Check == catalog.Connectivity && (f.Kind == "down" || f.Kind == "probe-failed") {
			outage = i
		}
	}
	if outage >= 0 {
		for i, f := range fs {
			if f.Check == catalog.BrokenLink && f.Page == home && f.Target == home {
				o := &fs[outage]
				addView(o, f)
				if f.Severity.Rank() > o.Severity.Rank() {
					o.Severity = f.Severity
				}
				drop[i] = true
			}
		}
	}

	darkByTarget := map[string][]int{}
	darkWords := map[string]int{} // page + word -> dark links with it
	for i, f := range fs {
		if f.Check != catalog.DarkLink {
			continue
		}
		if f.Target != "" {
			darkByTarget[f.Target] = append(darkByTarget[f.Target], i)
		}
		if f.Match != "" {
			darkWords[f.Page+"\x00"+f.Match]++
		}
	}
	for i, f := range fs {
		if f.Check != catalog.ExternalLink || f.Kind != "bad-content" {
			continue
		}
		dark := darkByTarget[f.Target]
		if len(dark) == 0 {
			continue
		}
		for _, j := range dark {
			d := &fs[j]
			addView(d, f)
			if d.Severity != finding.Critical || d.Certainty != finding.Confirmed {
				word, _ := f.Details["word"].(string)
				d.Severity, d.Certainty = finding.Critical, finding.Confirmed
				how := strings.TrimSuffix(strings.TrimPrefix(catalog.KindLabel(d.Check, d.Kind), "暗链（"), "）")
				d.Message = fmt.Sprintf("暗链：隐藏的外部链接指向含“%s”等违规内容的网站（%s），请排查网站是否被篡改", word, how)
			}
		}
		drop[i] = true
	}
	for i, f := range fs {
		if f.Check != catalog.SensitiveWord {
			continue
		}
		word, _ := f.Details["word"].(string)
		count := intOf(f.Details["count"])
		n := darkWords[f.Page+"\x00"+word]
		if n == 0 || count > n {
			continue // seen outside the hidden links too
		}
		for j := range fs {
			if fs[j].Check == catalog.DarkLink && fs[j].Page == f.Page && fs[j].Match == word {
				addView(&fs[j], f)
			}
		}
		drop[i] = true
	}

	if len(drop) == 0 {
		return fs
	}
	out := fs[:0]
	for i, f := range fs {
		if !drop[i] {
			out = append(out, f)
		}
	}
	return out
}

// addView records another check's view of the same problem in f's
// details, under that check's name.
func addView(f *finding.Finding, other finding.Finding) {
	if f.Details == nil {
		f.Details = map[string]any{}
	}
	view := map[string]any{"kind": other.Kind, "message": other.Message}
	if other.Evidence != "" {
		view["evidence"] = other.Evidence
	}
	if other.Page != f.Page {
		view["page"] = other.Page
	}
	for k, v := range other.Details {
		if _, ok := view[k]; !ok {
			view[k] = v
		}
	}
	f.Details["also_"+strings.ReplaceAll(other.Check, "-", "_")] = view
}

// intOf reads a count from details, decoded (float64) or not (int).
func intOf(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	}
	return 0
}
