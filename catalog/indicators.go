package catalog

import "slices"

// VetoItem is a single-item veto (单项否决) of the national indicator set
// for government websites (国办秘函〔2019〕19号).
type VetoItem struct {
	// Name is the item as the indicator set names it.
	Name string
	// Pass is the evidence shown when the checks that see it found nothing.
	Pass string
	// Manual, for an item no check can see, is the evidence shown: the
	// item stays unchecked, for a person to review.
	Manual string
}

// Veto item names.
const (
	VetoSiteDown      = "站点无法访问"
	VetoHomepageStale = "首页不更新"
	VetoColumnsStale  = "栏目不更新"
	VetoBlankColumns  = "空白栏目"
	VetoSerious       = "严重表述错误（含被挂马、暗链）"
	VetoInteraction   = "互动回应差"
)

var vetoItems = []VetoItem{
	{Name: VetoSiteDown, Pass: "本次巡检首页探测均成功（一周可用率由 serve 持续监测）"},
	{Name: VetoHomepageStale, Pass: "首页两周内有更新"},
	{Name: VetoColumnsStale, Pass: "未达到栏目不更新的否决数量"},
	{Name: VetoBlankColumns, Pass: "没有空白栏目"},
	{Name: VetoSerious, Pass: "未发现严重表述错误和暗链"},
	{Name: VetoInteraction, Manual: "需人工核查留言办理情况"},
}

// VetoItems returns the single-item vetoes in the indicator set's order.
func VetoItems() []VetoItem { return slices.Clone(vetoItems) }

// ManualItems returns the names of the vetoes only a person can check.
func ManualItems() []string {
	var out []string
	for _, v := range vetoItems {
		if v.Manual != "" {
			out = append(out, v.Name)
		}
	}
	return out
}

// IsManual reports whether the veto named item is one only a person can
// check.
func IsManual(item string) bool { return slices.Contains(ManualItems(), item) }

// DeductionItem is a deduction item (扣分项) a crawler can see.
type DeductionItem struct {
	// Key names the item in the configuration (evaluation.deductions).
	Key string
	// Name is the item in Chinese.
	Name string
}

// Deduction item keys.
const (
	DeductHomepageLinks = "homepage-broken-links"
	DeductOtherLinks    = "other-broken-links"
	DeductTypos         = "typos"
	DeductIPv6          = "ipv6"
	DeductHTTPS         = "https"
	DeductExternalLinks = "external-links"
)

var deductionItems = []DeductionItem{
	{DeductHomepageLinks, "首页不可用链接"},
	{DeductOtherLinks, "其他页面不可用链接"},
	{DeductTypos, "错别字"},
	{DeductIPv6, "未支持 IPv6"},
	{DeductHTTPS, "未提供 HTTPS"},
	{DeductExternalLinks, "指向违规内容的外部链接"},
}

// DeductionItems returns the deduction items in the order reports list them.
func DeductionItems() []DeductionItem { return slices.Clone(deductionItems) }
