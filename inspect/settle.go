package inspect

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/evaluate"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/finding"
)

// interruptedNote is what a report interrupted by its context says (the
// crawler says the same when the interruption came during the crawl).
const interruptedNote = "巡检被中断，报告只含中断前已检查的内容"

// settle makes a finished report honest about what was checked: an
// interrupted run is incomplete and reports nothing its interruption
// caused; a homepage that could not be opened means the site's content
// was not checked; a check that failed is named, in Chinese; one problem
// seen by several checks is one finding. It returns what the
// pre-evaluation may rely on.
func settle(ctx context.Context, rep *finding.Report, res *crawler.Result, checkErrs map[string]string) evaluate.Inputs {
	var in evaluate.Inputs
	interrupted := ctx.Err() != nil
	if interrupted {
		rep.Findings = dropCancelled(rep.Findings)
		addIncomplete(rep, interruptedNote)
	}
	switch {
	case interrupted && res.Stats.Pages == 0:
		in.NoContent = "巡检在读取网站页面前被中断"
	case res.Home.Failed():
		in.NoContent = "首页无法打开（" + outcomeReason(res.Home) + "），网站内容未能检查"
		addIncomplete(rep, in.NoContent)
	case res.Stats.Pages == 0:
		in.NoContent = "首页不是可检查的网页，网站内容未能检查"
		addIncomplete(rep, in.NoContent)
	}
	if !rep.Complete || interrupted {
		in.Partial = "巡检不完整（" + strings.Join(rep.Incomplete, "；") + "）"
	}
	if len(checkErrs) > 0 {
		rep.CheckErrors = checkErrs
		for _, name := range slices.Sorted(maps.Keys(checkErrs)) {
			e := checkErrs[name]
			if interrupted && explain.Canceled(fmt.Errorf("%s", e)) {
				addIncomplete(rep, fmt.Sprintf("检查项“%s”因巡检中断未完成", catalog.Title(name)))
				continue
			}
			addIncomplete(rep, fmt.Sprintf("检查项“%s”未能完成：%s", catalog.Title(name), explain.Text(firstLine(e))))
		}
	}
	rep.Findings = mergeViews(rep.Findings, rep.Site)
	return in
}

// addIncomplete marks the report incomplete, saying why once.
func addIncomplete(rep *finding.Report, why string) {
	rep.Complete = false
	if !slices.Contains(rep.Incomplete, why) {
		rep.Incomplete = append(rep.Incomplete, why)
	}
}

// outcomeReason says in Chinese why a request failed.
func outcomeReason(o crawler.Outcome) string {
	if o.Status != 0 {
		return fmt.Sprintf("HTTP %d", o.Status)
	}
	if o.Err != "" {
		return explain.Text(o.Err)
	}
	return o.Class
}

// dropCancelled removes findings that an interruption of the run caused
// (a render or a request cut short by cancellation): they say nothing
// about the site.
func dropCancelled(fs []finding.Finding) []finding.Finding {
	out := fs[:0]
	for _, f := range fs {
		if cancelled(f) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func cancelled(f finding.Finding) bool {
	if strings.Contains(f.Evidence, "context canceled") {
		return true
	}
	e, _ := f.Details["error"].(string)
	return strings.Contains(e, "context canceled")
}
