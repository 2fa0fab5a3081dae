package checks

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
)

// columns judges the site's columns (栏目): it finds them from the
// homepage's navigation, the list pages and the ColumnName meta tag (as
// list reading, lists.go, gives them), dates each column's newest entry and
// reports 栏目不更新 (stale-column), 空白栏目 (blank-column) and 首页不更新
// against the national thresholds, with early warnings and the veto counts.
type columns struct {
	cfg       catalog.ColumnsConfig
	now       func() time.Time
	attachExt map[string]bool

	mu       sync.Mutex
	pages    map[string]*pageSummary // by URL
	articles map[string]time.Time    // an article page's own publication date
	home     *pageSummary
}

var (
	_ PageChecker = (*columns)(nil)
	_ Finisher    = (*columns)(nil)
)

// Caps that bound memory on a 100,000-page site.
const (
	maxSummaries     = 50000
	maxArticleDates  = 200000
	hubShareOfColumn = 0.5
)

func newColumns(d Deps) (Check, error) {
	ext := map[string]bool{}
	for _, e := range d.Config.Crawl.AttachmentExtensions {
		ext["."+strings.ToLower(e)] = true
	}
	for _, e := range []string{".jpg", ".jpeg", ".png", ".gif"} {
		ext[e] = true
	}
	return &columns{cfg: d.Config.Columns, now: d.Now, attachExt: ext, pages: map[string]*pageSummary{}, articles: map[string]time.Time{}}, nil
}

func (c *columns) Name() string { return catalog.Columns }

// pageSummary is what the check keeps of a page.
type pageSummary struct {
	URL         string
	Title       string
	ColumnMeta  string
	Entries     []listEntry
	Placeholder bool
	Article     bool
	Nav         []listEntry // homepage only: navigation links (Date unused)
	Home        bool
	// FramedBy is the page framing this one: its list is that column's.
	FramedBy string
	// Unrendered: the page's scripts build its content and the run could
	// not render it (no Chromium, budget spent, render failed): an empty
	// reading is not a blank column. RenderError says why, if it failed.
	Unrendered  bool
	RenderError string
}

// columnURL is the URL whose column the page's list belongs to.
func (s *pageSummary) columnURL() string {
	if s.FramedBy != "" {
		return s.FramedBy
	}
	return s.URL
}

var (
	listURL    = regexp.MustCompile(`(/|/(index|list|default|more)(_\d+)?\.s?html?|[?&](page|p|pageNo)=\d+)$`)
	paginated  = regexp.MustCompile(`^(.*/)(index|list|default|more)?_\d+\.s?html?$`)
	pageParams = []string{"page", "p", "pageno", "pageindex", "curpage", "pagenum", "currentpage", "pn"}
)

// Page reads a page as a list (lists.go) and keeps what the judgement
// needs: its dated entries, placeholder text, own publication date, and
// (for the homepage) its navigation. It keeps entries only for pages that
// can be columns (the navigation's targets, configured columns, ColumnName
// pages, pages with dated lists that are not articles), so a 100,000-page
// site costs little
// memory; it runs on the crawl's hot path, so the page's tree is walked
// once, without copying it, and an article's body not at all.
func (c *columns) Page(_ context.Context, p *crawler.Page) []finding.Finding {
	now := c.now()
	u := p.URL.String()
	r := readMeta(p, now)
	s := &pageSummary{URL: u, ColumnMeta: r.ColumnMeta, Home: p.Home,
		Unrendered: p.ScriptFed && p.Rendered == nil, RenderError: p.RenderError}
	if p.FramedBy != nil {
		s.FramedBy = p.FramedBy.String()
	}
	c.mu.Lock()
	candidate := p.Home || s.ColumnMeta != "" || s.FramedBy != "" || c.isNavOrExplicit(columnKey(s.columnURL()))
	c.mu.Unlock()
	if candidate || r.OwnDate.IsZero() || isListURL(u) {
		// Not an article by its meta tag: its body decides (an article
		// dated by its meta tag is left below without reading the body).
		r.readMain()
	}
	own := r.OwnDate
	s.Article = !own.IsZero()
	if !candidate && (!own.IsZero() && !isListURL(u) || r.DatesInText() < c.cfg.MinListEntries) {
		// Not a column: an article (its 相关信息 list is no column, and
		// Finish never judges an article as one), or too few dates to be
		// a list. Only its own date matters. Keeping the entries of every
		// article with a dated list cost 110 MB on a 20,000-page site.
		if !own.IsZero() {
			c.mu.Lock()
			if len(c.articles) < maxArticleDates {
				c.articles[u] = own
			}
			c.mu.Unlock()
		}
		return nil
	}
	s.Entries = r.Entries(c.attachExt)
	dated := 0
	for _, e := range s.Entries {
		if e.dated() {
			dated++
		}
	}
	if p.Home {
		s.Nav = r.Nav()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !own.IsZero() && len(c.articles) < maxArticleDates {
		c.articles[u] = own
	}
	if !candidate && dated == 0 || len(c.pages) >= maxSummaries {
		return nil
	}
	s.Title = r.Title()
	s.Placeholder = r.Shows(c.cfg.Placeholders)
	s.keepOwnStrings()
	if p.Home {
		c.home = s
	}
	c.pages[u] = s
	return nil
}

// keepOwnStrings copies the summary's strings, kept for the run: text and
// attribute values read from the tree are substrings of the whole page
// (crawler/htmlfast), which a summary would otherwise keep alive.
func (s *pageSummary) keepOwnStrings() {
	s.Title, s.ColumnMeta, s.RenderError = strings.Clone(s.Title), strings.Clone(s.ColumnMeta), strings.Clone(s.RenderError)
	for _, es := range [][]listEntry{s.Entries, s.Nav} {
		for i := range es {
			es[i].Title, es[i].URL = strings.Clone(es[i].Title), strings.Clone(es[i].URL)
		}
	}
}

// isNavOrExplicit reports a column key the homepage's navigation or the
// config names. The homepage is the first page crawled, so its navigation
// is known before any other page arrives.
func (c *columns) isNavOrExplicit(key string) bool {
	if c.home != nil {
		for _, n := range c.home.Nav {
			if columnKey(n.URL) == key {
				return true
			}
		}
	}
	for _, e := range c.cfg.Explicit {
		if columnKey(e.URL) == key {
			return true
		}
	}
	return false
}

// columnKey strips pagination: /xwdt/index_2.html and /xwdt/?page=3 are
// pages of /xwdt/.
func columnKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if mayBePaginated(u.Path) {
		if m := paginated.FindStringSubmatch(u.Path); m != nil {
			u.Path = m[1]
		}
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "index.html"), "index.htm")
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if slices.Contains(pageParams, strings.ToLower(k)) {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// isListURL is listURL.MatchString(u), the regexp run only where its
// match could end (a URL ending in /, in htm or html after a list page's
// name, or in digits after =): the column check asks it of every page.
func isListURL(u string) bool {
	if u == "" {
		return false
	}
	switch last := u[len(u)-1]; {
	case last == '/':
	case last == 'm' || last == 'l':
		if !strings.Contains(u, "/index") && !strings.Contains(u, "/list") && !strings.Contains(u, "/default") && !strings.Contains(u, "/more") {
			return false
		}
	case last >= '0' && last <= '9':
		if !strings.Contains(u, "=") {
			return false
		}
	default:
		return false
	}
	return listURL.MatchString(u)
}

// mayBePaginated reports whether paginated can match path: it needs an
// underscore and a name ending in htm or html.
func mayBePaginated(path string) bool {
	return strings.Contains(path, "_") && (strings.HasSuffix(path, "htm") || strings.HasSuffix(path, "html"))
}

// Column is one line of the report's column table.
type Column struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	Type        string `json:"type"`
	Days        int    `json:"threshold_days"`
	Newest      string `json:"newest_date,omitempty"`
	NewestTitle string `json:"newest_title,omitempty"`
	NewestURL   string `json:"newest_url,omitempty"`
	DaysSince   int    `json:"days_since,omitempty"`
	Entries     int    `json:"entries"`
	Pages       int    `json:"pages"`
	// Status: ok, warning, stale, undated, blank, excluded, hub.
	Status string `json:"status"`
}

var typeLabels = map[string]string{catalog.ColumnNews: "动态要闻类", catalog.ColumnNotice: "通知公告与政策文件类", catalog.ColumnBasic: "基础信息类", catalog.ColumnHomepage: "首页"}

// Finish judges the columns found in the pages: the column table is
// measured under the check's name.
func (c *columns) Finish(_ context.Context, _ *Site, _ *crawler.Result) (Result, error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	type cand struct {
		name, typ string
		explicit  bool
	}
	cands := map[string]*cand{} // by column key
	add := func(u, name, typ string, explicit bool) {
		k := columnKey(u)
		if cd, ok := cands[k]; ok {
			if cd.name == "" {
				cd.name = name
			}
			return
		}
		cands[k] = &cand{name: name, typ: typ, explicit: explicit}
	}
	for _, e := range c.cfg.Explicit {
		add(e.URL, e.Name, e.Type, true)
	}
	if c.home != nil {
		for _, n := range c.home.Nav {
			add(n.URL, n.Title, "", false)
		}
	}
	for _, p := range c.pages {
		if p.Home || p.Article {
			continue
		}
		dated := 0
		for _, e := range p.Entries {
			if e.dated() {
				dated++
			}
		}
		// ColumnName is on article pages too on many sites: it names a
		// column only on a page that looks like a list.
		if p.ColumnMeta != "" && len(p.Entries) > 0 && (dated >= 2 || isListURL(p.URL)) || dated >= c.cfg.MinListEntries ||
			p.FramedBy != "" && dated >= 2 {
			add(p.columnURL(), p.ColumnMeta, "", false)
		}
	}
	// Gather each column's pages (pagination included).
	byKey := map[string][]*pageSummary{}
	for _, p := range c.pages {
		k := columnKey(p.columnURL())
		if _, ok := cands[k]; ok {
			byKey[k] = append(byKey[k], p)
		}
	}
	var cols []Column
	var out []finding.Finding
	staleNewsNotice, staleAny, blank := 0, 0, 0
	keys := make([]string, 0, len(cands))
	for k := range cands {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cd := cands[k]
		pages := byKey[k]
		if len(pages) == 0 && !cd.explicit {
			continue // never crawled (out of depth, failed): broken-link reports it
		}
		sort.Slice(pages, func(i, j int) bool { return pages[i].URL < pages[j].URL })
		name := cd.name
		for _, p := range pages {
			if name == "" && p.ColumnMeta != "" {
				name = p.ColumnMeta
			}
		}
		if name == "" && len(pages) > 0 {
			name = strings.TrimSpace(strings.SplitN(strings.SplitN(pages[0].Title, "_", 2)[0], "-", 2)[0])
		}
		col := Column{Name: name, URL: k, Pages: len(pages)}
		col.Type = cd.typ
		if col.Type == "" {
			col.Type = c.classify(name)
		}
		col.Days = c.cfg.Days[col.Type]
		excluded := false
		for _, o := range c.cfg.Overrides {
			if (o.URL != "" && columnKey(o.URL) == k) || (o.Name != "" && o.Name == name) {
				if o.Type != "" {
					col.Type = o.Type
					col.Days = c.cfg.Days[o.Type]
				}
				if o.Days > 0 {
					col.Days = o.Days
				}
				excluded = excluded || o.Exclude
			}
		}
		var entries []listEntry
		placeholder, unrendered := false, ""
		seen := map[string]bool{}
		for _, p := range pages {
			placeholder = placeholder || p.Placeholder
			if p.Unrendered && unrendered == "" {
				unrendered = "本次未渲染（未开启渲染或渲染页数已用完，见 crawl.render_pages）"
				if p.RenderError != "" {
					unrendered = "渲染失败：" + p.RenderError
				}
			}
			for _, e := range p.Entries {
				if seen[e.URL] {
					continue
				}
				seen[e.URL] = true
				e.Date = c.resolve(e, now)
				entries = append(entries, e)
			}
		}
		col.Entries = len(entries)
		toColumns := 0
		var newest listEntry
		unknown := newestUnknown(entries, now)
		for _, e := range entries {
			if _, ok := cands[columnKey(e.URL)]; ok {
				toColumns++
			}
			if e.Date.After(newest.Date) {
				newest = e
			}
		}
		if !newest.Date.IsZero() {
			col.Newest = newest.Date.Format("2006-01-02")
			col.NewestTitle, col.NewestURL = newest.Title, newest.URL
			col.DaysSince = int(now.Sub(newest.Date).Hours() / 24)
		}
		switch {
		case excluded:
			col.Status = "excluded"
		case len(entries) == 0 && !placeholder && unrendered != "":
			// Its scripts build the list and no browser ran them: an
			// empty reading says nothing.
			col.Status = "unrendered"
		case len(entries) == 0 || (placeholder && newest.Date.IsZero() && unknown.IsZero()):
			col.Status = "blank" // a placeholder beats breadcrumbs and sidebars
		case float64(toColumns) >= hubShareOfColumn*float64(len(entries)):
			col.Status = "hub" // a section page listing its sub-columns
		case unknown.After(newest.Date) && (newest.Date.IsZero() || col.DaysSince > c.cfg.WarnDays[col.Type]):
			// Month-day dates nothing dates: they may be newer than
			// anything dated, so neither stale nor fresh can be said.
			col.Status = "date-unknown"
		case newest.Date.IsZero():
			col.Status = "undated"
		case col.DaysSince > col.Days:
			col.Status = "stale"
		case c.cfg.WarnDays[col.Type] > 0 && col.DaysSince >= col.Days-(c.cfg.Days[col.Type]-c.cfg.WarnDays[col.Type]):
			// The type's lead time before the threshold, also for overrides.
			col.Status = "warning"
		default:
			col.Status = "ok"
		}
		cols = append(cols, col)
		switch col.Status {
		case "blank":
			blank++
			msg := fmt.Sprintf("空白栏目：“%s”没有任何内容", col.Name)
			if placeholder {
				msg = fmt.Sprintf("空白栏目：“%s”只有“暂无信息”一类的占位内容", col.Name)
			}
			out = append(out, finding.Finding{
				Check: catalog.BlankColumn, Severity: finding.Medium, Certainty: finding.Confirmed, Kind: "blank",
				Page: col.URL, Message: msg, Evidence: fmt.Sprintf("栏目类型：%s", typeLabels[col.Type]),
				Details: map[string]any{"column": col.Name, "type": col.Type},
			})
		case "unrendered":
			out = append(out, finding.Finding{
				Check: catalog.BlankColumn, Severity: finding.Info, Certainty: finding.Suspected, Kind: "unrendered",
				Page:     col.URL,
				Message:  fmt.Sprintf("栏目未检查：“%s”的内容由页面脚本生成，本次巡检未能在浏览器中渲染该页（需要 Chromium，见 crawl.render_pages），未判定是否空白或超期", col.Name),
				Evidence: "页面脚本写入列表，原始 HTML 中没有条目；" + unrendered,
				Details:  map[string]any{"column": col.Name, "type": col.Type},
			})
		case "date-unknown":
			out = append(out, finding.Finding{
				Check: catalog.StaleColumn, Severity: finding.Low, Certainty: finding.Suspected, Kind: "date-unknown",
				Page: col.URL, Target: col.NewestURL, Anchor: col.NewestTitle,
				Message:  fmt.Sprintf("栏目更新时间无法确定：“%s”的列表只写月日、不写年份，文章页和地址也看不出年份，未判定是否超期", col.Name),
				Evidence: fmt.Sprintf("%s，更新期限 %d 天；共 %d 条内容", typeLabels[col.Type], col.Days, col.Entries),
				Details:  map[string]any{"column": col.Name, "type": col.Type, "threshold_days": col.Days, "newest_date": col.Newest},
			})
		case "stale", "undated", "warning":
			f := c.staleFinding(col)
			out = append(out, f)
			if col.Status != "warning" {
				staleAny++
				if col.Type == catalog.ColumnNews || col.Type == catalog.ColumnNotice {
					staleNewsNotice++
				}
			}
		}
	}
	out = append(out, c.homepage(now)...)
	out = append(out, c.veto(staleNewsNotice, staleAny, blank)...)
	if cols == nil {
		cols = []Column{}
	}
	return Result{Findings: out, Measurements: map[string]any{c.Name(): cols}}, nil
}

func (c *columns) classify(name string) string {
	for _, t := range catalog.ColumnTypes() {
		for _, kw := range c.cfg.Keywords[t] {
			if strings.Contains(name, kw) {
				return t
			}
		}
	}
	return c.cfg.DefaultType
}

func (c *columns) staleFinding(col Column) finding.Finding {
	f := finding.Finding{
		Check: catalog.StaleColumn, Certainty: finding.Confirmed, Page: col.URL, Target: col.NewestURL, Anchor: col.NewestTitle,
		Details: map[string]any{
			"column": col.Name, "type": col.Type, "threshold_days": col.Days, "newest_date": col.Newest,
			"newest_title": col.NewestTitle, "newest_url": col.NewestURL, "days_since": col.DaysSince,
		},
	}
	label := typeLabels[col.Type]
	switch col.Status {
	case "undated":
		f.Kind, f.Severity = "undated", severityForType(col.Type)
		f.Message = fmt.Sprintf("栏目不更新：“%s”的条目都没有发布日期，按规定视为未更新", col.Name)
		f.Evidence = fmt.Sprintf("%s，更新期限 %d 天；共 %d 条内容", label, col.Days, col.Entries)
	case "stale":
		f.Kind, f.Severity = "stale", severityForType(col.Type)
		f.Details["days_overdue"] = col.DaysSince - col.Days
		f.Message = fmt.Sprintf("栏目不更新：“%s”已 %d 天未更新，超过 %d 天期限 %d 天", col.Name, col.DaysSince, col.Days, col.DaysSince-col.Days)
		f.Evidence = fmt.Sprintf("%s；最新一条：%s《%s》", label, col.Newest, col.NewestTitle)
	case "warning":
		f.Kind, f.Severity = "warning", finding.Low
		f.Message = fmt.Sprintf("栏目即将超期：“%s”已 %d 天未更新，期限 %d 天，还剩 %d 天", col.Name, col.DaysSince, col.Days, col.Days-col.DaysSince)
		f.Evidence = fmt.Sprintf("%s；最新一条：%s《%s》", label, col.Newest, col.NewestTitle)
	}
	return f
}

// severityForType: news and notice columns count towards the veto.
func severityForType(t string) finding.Severity {
	if t == catalog.ColumnNews || t == catalog.ColumnNotice {
		return finding.High
	}
	return finding.Medium
}

// homepage reports 首页不更新: no new dated listEntry on the homepage.
func (c *columns) homepage(now time.Time) []finding.Finding {
	if c.home == nil {
		return nil
	}
	var newest listEntry
	entries := make([]listEntry, 0, len(c.home.Entries))
	for _, e := range c.home.Entries {
		e.Date = c.resolve(e, now)
		entries = append(entries, e)
		if e.Date.After(newest.Date) {
			newest = e
		}
	}
	days, warn := c.cfg.Days[catalog.ColumnHomepage], c.cfg.WarnDays[catalog.ColumnHomepage]
	f := finding.Finding{Check: catalog.StaleColumn, Certainty: finding.Confirmed, Page: c.home.URL, Target: newest.URL, Anchor: newest.Title,
		Details: map[string]any{"column": "首页", "type": catalog.ColumnHomepage, "threshold_days": days}}
	if unknown := newestUnknown(entries, now); unknown.After(newest.Date) && (newest.Date.IsZero() || now.Sub(newest.Date).Hours()/24 >= float64(warn)) {
		f.Kind, f.Severity, f.Certainty = "date-unknown", finding.Low, finding.Suspected
		f.Message = "首页更新时间无法确定：首页列表只写月日、不写年份，文章页和地址也看不出年份，未判定首页是否更新"
		return []finding.Finding{f}
	}
	if newest.Date.IsZero() {
		f.Kind, f.Severity = "homepage", finding.Critical
		f.Message = "首页不更新：首页没有任何带发布日期的信息"
		return []finding.Finding{f}
	}
	since := int(now.Sub(newest.Date).Hours() / 24)
	f.Details["newest_date"], f.Details["days_since"] = newest.Date.Format("2006-01-02"), since
	f.Evidence = fmt.Sprintf("首页最新一条：%s《%s》", newest.Date.Format("2006-01-02"), newest.Title)
	switch {
	case since > days:
		f.Kind, f.Severity = "homepage", finding.Critical
		f.Message = fmt.Sprintf("首页不更新：首页已 %d 天没有新信息，超过 %d 天（单项否决）", since, days)
	case warn > 0 && since >= warn:
		f.Kind, f.Severity = "homepage-warning", finding.Medium
		f.Message = fmt.Sprintf("首页即将超期：首页已 %d 天没有新信息，%d 天即单项否决", since, days)
	default:
		return nil
	}
	return []finding.Finding{f}
}

// dated reports an entry showing a date, with or without its year.
func (e listEntry) dated() bool { return !e.Date.IsZero() || e.Month != 0 }

// resolve dates an entry: the date its list shows; else the article's own
// date (PubDate, 发布时间); else, for a month-day date, the year its URL
// carries (t20261011_, /art/2026/10/11/, /202610/, /2026/). A month-day
// date nothing gives a year stays unknown (zero).
func (c *columns) resolve(e listEntry, now time.Time) time.Time {
	if !e.Date.IsZero() {
		return e.Date
	}
	if d := c.articles[e.URL]; !d.IsZero() {
		return d
	}
	if e.Month == 0 {
		return time.Time{}
	}
	if y := urlYear(e.URL, e.Month, e.Day); y != 0 {
		if d := time.Date(y, time.Month(e.Month), e.Day, 0, 0, 0, 0, time.UTC); d.Day() == e.Day && !d.After(now) {
			return d
		}
	}
	return time.Time{}
}

var (
	urlYMD      = regexp.MustCompile(`(?:^|\D)((?:19|20)\d{2})(\d{2})(\d{2})(?:\D|$)`)
	urlYSlashMD = regexp.MustCompile(`/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|\.|_|$)`)
	urlYM       = regexp.MustCompile(`/((?:19|20)\d{2})-?(\d{2})/`)
	urlY        = regexp.MustCompile(`/((?:19|20)\d{2})/`)
)

// urlYear returns the year an article's URL carries for a month-day date
// (its month, and day where the URL has one, must agree); 0 if none.
func urlYear(raw string, month, day int) int {
	u, err := url.Parse(raw)
	if err != nil {
		return 0
	}
	p := u.Path
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, re := range []*regexp.Regexp{urlYMD, urlYSlashMD} {
		if m := re.FindStringSubmatch(p); m != nil && atoi(m[2]) == month && atoi(m[3]) == day {
			return atoi(m[1])
		}
	}
	if m := urlYM.FindStringSubmatch(p); m != nil && atoi(m[2]) == month {
		return atoi(m[1])
	}
	if m := urlY.FindStringSubmatch(p); m != nil {
		return atoi(m[1])
	}
	return 0
}

// newestUnknown returns the latest date the undated month-day entries
// could stand for (each in its most recent year up to now); zero if none.
func newestUnknown(entries []listEntry, now time.Time) time.Time {
	var out time.Time
	for _, e := range entries {
		if !e.Date.IsZero() || e.Month == 0 {
			continue
		}
		d := time.Date(now.Year(), time.Month(e.Month), e.Day, 0, 0, 0, 0, time.UTC)
		if d.After(now) {
			d = d.AddDate(-1, 0, 0)
		}
		if d.After(out) {
			out = d
		}
	}
	return out
}

// veto adds the summary findings of the national counts.
func (c *columns) veto(staleNewsNotice, staleAny, blank int) []finding.Finding {
	if c.home == nil {
		return nil
	}
	v := c.cfg.Veto
	home := c.home.URL
	var out []finding.Finding
	if v.StaleNewsNotice > 0 && staleNewsNotice >= v.StaleNewsNotice {
		out = append(out, finding.Finding{Check: catalog.StaleColumn, Severity: finding.Critical, Certainty: finding.Confirmed, Kind: "veto-news-notice", Page: home,
			Message:  fmt.Sprintf("单项否决：动态要闻类与通知公告、政策文件类栏目共 %d 个未按期更新（达到 %d 个即否决）", staleNewsNotice, v.StaleNewsNotice),
			Evidence: "见各栏目的栏目不更新问题", Details: map[string]any{"count": staleNewsNotice, "threshold": v.StaleNewsNotice}})
	}
	if v.StaleAny > 0 && staleAny >= v.StaleAny {
		out = append(out, finding.Finding{Check: catalog.StaleColumn, Severity: finding.Critical, Certainty: finding.Confirmed, Kind: "veto-any", Page: home,
			Message:  fmt.Sprintf("单项否决：共 %d 个栏目长期未更新（达到 %d 个即否决）", staleAny, v.StaleAny),
			Evidence: "见各栏目的栏目不更新问题", Details: map[string]any{"count": staleAny, "threshold": v.StaleAny}})
	}
	switch {
	case v.Blank > 0 && blank >= v.Blank:
		out = append(out, finding.Finding{Check: catalog.BlankColumn, Severity: finding.Critical, Certainty: finding.Confirmed, Kind: "veto", Page: home,
			Message:  fmt.Sprintf("单项否决：空白栏目 %d 个（达到 %d 个即否决）", blank, v.Blank),
			Evidence: "见各空白栏目问题", Details: map[string]any{"count": blank, "threshold": v.Blank}})
	case v.BlankWarning > 0 && blank >= v.BlankWarning:
		out = append(out, finding.Finding{Check: catalog.BlankColumn, Severity: finding.High, Certainty: finding.Confirmed, Kind: "veto-warning", Page: home,
			Message:  fmt.Sprintf("预警：空白栏目已有 %d 个，达到 %d 个即单项否决", blank, v.Blank),
			Evidence: "见各空白栏目问题", Details: map[string]any{"count": blank, "threshold": v.Blank}})
	}
	return out
}
