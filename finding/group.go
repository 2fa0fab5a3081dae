package finding

import (
	"fmt"
	"sort"
	"strings"
)

// Kinds of the findings Group makes.
const (
	// KindMore is the one finding that counts what was left unlisted.
	KindMore = "more"
)

// Group keeps a report readable when one check finds a flood (a hostile
// page with 300,000 broken images, a template link broken on every page):
// for every check with more than max findings it merges, most urgent
// kept first, the findings of one target into one finding with the count
// of its pages (details "pages", "example_pages"), then those of one page
// into one with the count of its targets ("targets", "example_targets"),
// and if that is still too many, lists the max−1 most urgent and counts
// the rest in one finding of kind "more". max ≤ 0 groups nothing.
func Group(fs []Finding, max int) []Finding {
	if max <= 0 || len(fs) <= max {
		return fs
	}
	byCheck := map[string][]Finding{}
	var order []string
	for _, f := range fs {
		if _, ok := byCheck[f.Check]; !ok {
			order = append(order, f.Check)
		}
		byCheck[f.Check] = append(byCheck[f.Check], f)
	}
	out := make([]Finding, 0, min(len(fs), max*len(order)))
	for _, c := range order {
		list := byCheck[c]
		if len(list) > max {
			sort.SliceStable(list, func(i, j int) bool { return list[i].Severity.Rank() > list[j].Severity.Rank() })
			list = merge(list, func(f Finding) string { return f.Target }, "pages", "example_pages", func(f Finding) string { return f.Page }, "（共 %d 个页面含此问题）")
		}
		if len(list) > max {
			list = merge(list, func(f Finding) string { return f.Page }, "targets", "example_targets", func(f Finding) string { return f.Target }, "（该页共 %d 处同类问题）")
		}
		if len(list) > max {
			list = truncate(list, max)
		}
		out = append(out, list...)
	}
	return out
}

// exampleCount is how many pages or targets a merged finding names.
const exampleCount = 5

// merge makes one finding of the findings sharing (kind, key(f)) when
// key is not empty: the first (most urgent) stands for them, with the
// count of distinct other(f) in details[countKey] and a few examples.
func merge(list []Finding, key func(Finding) string, countKey, examplesKey string, other func(Finding) string, note string) []Finding {
	type group struct {
		at       int // index in out
		seen     map[string]bool
		examples []string
		n        int
	}
	groups := map[[2]string]*group{}
	out := list[:0:0]
	for _, f := range list {
		k := key(f)
		if k == "" {
			out = append(out, f)
			continue
		}
		gk := [2]string{f.Kind, k}
		g := groups[gk]
		if g == nil {
			g = &group{at: len(out), seen: map[string]bool{}}
			groups[gk] = g
			out = append(out, f)
		}
		o := other(f)
		if !g.seen[o] {
			g.seen[o] = true
			g.n++
			if len(g.examples) < exampleCount {
				g.examples = append(g.examples, o)
			}
		}
	}
	for _, g := range groups {
		if g.n < 2 {
			continue
		}
		f := &out[g.at]
		d := make(map[string]any, len(f.Details)+2)
		for k, v := range f.Details {
			d[k] = v
		}
		d[countKey] = g.n
		d[examplesKey] = g.examples
		f.Details = d
		f.Message += fmt.Sprintf(note, g.n)
	}
	return out
}

// truncate keeps the max−1 most urgent findings and one that counts the
// others by kind.
func truncate(list []Finding, max int) []Finding {
	keep := list[: max-1 : max-1]
	rest := list[max-1:]
	kinds := map[string]int{}
	worst := rest[0].Severity
	for _, f := range rest {
		kinds[f.Kind]++
		if f.Severity.Rank() > worst.Rank() {
			worst = f.Severity
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		label := k
		if label == "" {
			label = "其他"
		}
		parts = append(parts, fmt.Sprintf("%s %d 条", label, kinds[k]))
	}
	more := Finding{
		Check: rest[0].Check, Severity: worst, Certainty: Suspected, Kind: KindMore, Page: rest[0].Page,
		Message:  fmt.Sprintf("另有 %d 条同类问题未逐条列出（每项检查最多列出 %d 条，report.max_findings_per_check）", len(rest), max),
		Evidence: strings.Join(parts, "；"),
		Details:  map[string]any{"count": len(rest), "by_kind": kinds},
	}
	return append(keep, more)
}
