package readers

import (
	"bytes"
	"html"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/xunjian/xunjian/dates"
)

// Hanweb reads 大汉 JCMS column pages. Their entries are not markup: they
// sit in <script type="text/xml"><datastore><recordset><record><![CDATA[
// <li><a href=…>…</a><span>2026-01-05</span></li>]]></record>… and are drawn
// by the jpage plugin, which fetches further groups of records from
// /module/web/jpage/dataproxy.jsp with the POST the page's own script
// configures:
//
//	$('#123').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage:15,
//	    totalRecord:301, groupSize:3, ajaxParam:{col:1, appid:1, webid:1,
//	    path:'/', columnid:1201, sourceContentType:1, unitid:5501,
//	    webname:'…', permissiontype:0}})
//	→ POST …/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15
//	  col=1&appid=1&webid=1&path=%2F&columnid=1201&…
//
// The answer is a datastore again (<totalrecord>, <recordset>…). Older
// pages keep the parameters in var param_5501 = {…}; others page with a
// GET <nextgroup><![CDATA[<a href="…dataproxy.jsp?page=2&…">]]></nextgroup>.
// The reader asks for one group at a time: each answer asks for the next
// while the column has more, and the crawler bounds the chain.
type Hanweb struct{}

// Name implements Reader.
func (Hanweb) Name() string { return "hanweb" }

// datastore is a parsed Hanweb datastore.
type datastore struct {
	found       bool
	totalRecord int // -1 when not given
	totalPage   int // -1 when not given
	nextGroup   string
	records     []string // record HTML fragments
	malformed   int
	capped      int
}

// jpageConfig is what a jpage call configures.
type jpageConfig struct {
	proxy     string
	perPage   int
	groupSize int
	total     int // -1 when not given
	params    [][2]string
}

// Read implements Reader.
func (h Hanweb) Read(p *Page, lim Limits) Result {
	var out Result
	if p.Request != nil {
		h.readAnswer(p, lim, &out)
		return out
	}
	if p.Doc == nil {
		return out
	}
	idx := p.index(lim)
	// What this reader reads is in the data islands and in a script's
	// jpage( call: a page with neither is done without reading its body
	// twice for the words.
	if len(idx.dataScripts) == 0 && !anyContains(idx.scripts, "jpage(", 0) ||
		!bytes.Contains(p.Body, []byte("datastore")) && !bytes.Contains(p.Body, []byte("jpage")) {
		return out
	}
	b := base(p)
	stores := 0
	var first datastore
	taken := 0
	for _, text := range idx.dataScripts {
		ds := parseDatastore(text, lim.MaxEntries-taken)
		if !ds.found {
			continue
		}
		if stores == 0 {
			first = ds
		}
		stores++
		taken += len(ds.records)
		h.addRecords(ds, b, "hanweb:datastore", &out)
	}
	cfg, ok := findJpage(idx.scripts, lim)
	switch {
	case ok:
		if u, ok := resolve(b, cfg.proxy); ok && sameSite(u, p.URL) {
			step := cfg.perPage * cfg.groupSize
			total := cfg.total
			if total < 0 {
				total = first.totalRecord
			}
			if total < 0 || total > step {
				out.Requests = append(out.Requests, jpageRequest(h.Name(), u, cfg.params, step+1, 2*step, cfg.perPage))
			}
		}
	case first.nextGroup != "":
		if u, ok := resolve(b, first.nextGroup); ok && sameSite(u, p.URL) {
			out.Requests = append(out.Requests, Request{Reader: h.Name(), Method: "GET", URL: u})
		}
	}
	return out
}

// readAnswer reads a dataproxy answer and asks for the next group while
// the column has more records.
func (h Hanweb) readAnswer(p *Page, lim Limits, out *Result) {
	ds := parseDatastore(string(p.Body), lim.MaxEntries)
	if !ds.found {
		out.skip("hanweb-answer-not-datastore", 1)
		return
	}
	h.addRecords(ds, p.URL, "hanweb:dataproxy", out)
	if len(ds.records) == 0 {
		return
	}
	req := p.Request
	q := req.URL.Query()
	if req.Method == "POST" {
		start, err1 := strconv.Atoi(q.Get("startrecord"))
		end, err2 := strconv.Atoi(q.Get("endrecord"))
		per, _ := strconv.Atoi(q.Get("perpage"))
		if err1 != nil || err2 != nil || end < start {
			return
		}
		step := end - start + 1
		more := ds.totalRecord > end || ds.totalRecord < 0 && len(ds.records) >= step
		if more {
			next := *req
			u := *req.URL
			q.Set("startrecord", strconv.Itoa(end+1))
			q.Set("endrecord", strconv.Itoa(end+step))
			if per > 0 {
				q.Set("perpage", strconv.Itoa(per))
			}
			u.RawQuery = orderedQuery(req.URL.RawQuery, q)
			next.URL = &u
			out.Requests = append(out.Requests, next)
		}
		return
	}
	// GET paging: follow <nextgroup> until <totalpage>.
	if ds.nextGroup == "" {
		return
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if ds.totalPage >= 0 && page >= ds.totalPage {
		return
	}
	if u, ok := resolve(p.URL, ds.nextGroup); ok && sameSite(u, p.URL) {
		out.Requests = append(out.Requests, Request{Reader: h.Name(), Method: "GET", URL: u})
	}
}

// addRecords turns records into links: every link of a record, the
// record's main link (the longest title) marked as the list entry with
// the date written beside it.
func (h Hanweb) addRecords(ds datastore, b *url.URL, where string, out *Result) {
	out.skip("hanweb-malformed-records", ds.malformed)
	out.skip("hanweb-records-capped", ds.capped)
	for _, rec := range ds.records {
		links, date := recordLinks(rec, b)
		main := -1
		for i, l := range links {
			if main < 0 || len([]rune(l.Text)) > len([]rune(links[main].Text)) {
				main = i
			}
		}
		for i := range links {
			links[i].Where = where
			if i == main {
				links[i].Entry = true
				links[i].Date = date
			}
		}
		out.Links = append(out.Links, links...)
	}
}

// recordLinks parses one record's HTML fragment.
func recordLinks(frag string, b *url.URL) ([]Link, string) {
	nodes, err := nethtml.ParseFragment(strings.NewReader(frag), &nethtml.Node{Type: nethtml.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return nil, ""
	}
	var links []Link
	var all strings.Builder
	var walk func(n *nethtml.Node, depth int)
	walk = func(n *nethtml.Node, depth int) {
		if depth > 64 {
			return
		}
		switch n.Type {
		case nethtml.TextNode:
			all.WriteString(n.Data)
			all.WriteByte(' ')
		case nethtml.ElementNode:
			if n.DataAtom == atom.Script || n.DataAtom == atom.Style {
				return
			}
			if n.DataAtom == atom.A {
				href, title := "", ""
				for _, a := range n.Attr {
					switch a.Key {
					case "href":
						href = a.Val
					case "title":
						title = a.Val
					}
				}
				if u, ok := resolve(b, href); ok {
					text := collapse(nodeText(n), 200)
					if t := collapse(title, 200); len([]rune(t)) >= len([]rune(text)) || t != "" && dateOnly(text) {
						text = t
					} else if f, ok := dates.First(text, dates.Options{}); ok && f.Start > 0 {
						// "<a><span>标题</span><i>2020-08-14</i></a>": the date is not the title.
						text = strings.TrimSpace(text[:f.Start] + text[f.End:])
					}
					links = append(links, Link{URL: u, Kind: KindPage, Text: collapse(text, 100)})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	for _, n := range nodes {
		walk(n, 0)
	}
	date := ""
	if f, ok := dates.First(all.String(), dates.Options{}); ok {
		date = all.String()[f.Start:f.End]
	}
	return links, date
}

func dateOnly(s string) bool {
	f, ok := dates.First(s, dates.Options{})
	return ok && f.Start == 0 && f.End >= len(strings.TrimSpace(s))
}

func nodeText(n *nethtml.Node) string {
	var b strings.Builder
	var walk func(n *nethtml.Node, depth int)
	walk = func(n *nethtml.Node, depth int) {
		if depth > 64 || b.Len() > 1000 {
			return
		}
		if n.Type == nethtml.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// parseDatastore scans a datastore without an XML parser: real ones are
// often not well-formed (unescaped & in URLs, HTML in records without
// CDATA), and a malformed one must still give what it can. It keeps at
// most maxRecords records.
func parseDatastore(s string, maxRecords int) datastore {
	ds := datastore{totalRecord: -1, totalPage: -1}
	low := asciiLower(s)
	at := strings.Index(low, "<datastore")
	if at < 0 {
		return ds
	}
	ds.found = true
	s, low = s[at:], low[at:]
	if end := strings.Index(low, "</datastore>"); end >= 0 {
		s, low = s[:end], low[:end]
	}
	ds.totalRecord = intElement(s, low, "totalrecord")
	ds.totalPage = intElement(s, low, "totalpage")
	if ng, ok := element(s, low, "nextgroup"); ok {
		if frag := unwrapCDATA(ng); frag != "" {
			ds.nextGroup = hrefOf(frag)
		}
	}
	i := 0
	for {
		k := strings.Index(low[i:], "<record")
		if k < 0 {
			break
		}
		k += i
		// <recordset> is not a record.
		rest := low[k+len("<record"):]
		if rest != "" && rest[0] != '>' && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' && rest[0] != '\r' && rest[0] != '/' {
			i = k + len("<record")
			continue
		}
		open := strings.IndexByte(low[k:], '>')
		if open < 0 {
			ds.malformed++
			break
		}
		open += k + 1
		closeAt := strings.Index(low[open:], "</record>")
		if closeAt < 0 {
			ds.malformed++
			break
		}
		closeAt += open
		body := unwrapCDATA(s[open:closeAt])
		i = closeAt + len("</record>")
		if body == "" {
			ds.malformed++
			continue
		}
		if len(ds.records) >= maxRecords {
			ds.capped++
			continue
		}
		ds.records = append(ds.records, body)
	}
	return ds
}

// unwrapCDATA returns the CDATA sections' text, or the unescaped text
// when there are none; "" for an unterminated section.
func unwrapCDATA(s string) string {
	if !strings.Contains(s, "<![CDATA[") {
		return strings.TrimSpace(html.UnescapeString(s))
	}
	var b strings.Builder
	for {
		k := strings.Index(s, "<![CDATA[")
		if k < 0 {
			break
		}
		s = s[k+len("<![CDATA["):]
		e := strings.Index(s, "]]>")
		if e < 0 {
			return ""
		}
		b.WriteString(s[:e])
		s = s[e+3:]
	}
	return strings.TrimSpace(b.String())
}

func element(s, low, name string) (string, bool) {
	k := strings.Index(low, "<"+name+">")
	if k < 0 {
		return "", false
	}
	k += len(name) + 2
	e := strings.Index(low[k:], "</"+name+">")
	if e < 0 {
		return "", false
	}
	return s[k : k+e], true
}

func intElement(s, low, name string) int {
	v, ok := element(s, low, name)
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(unwrapCDATA(v)))
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// hrefOf returns the first href attribute of a fragment.
func hrefOf(frag string) string {
	nodes, err := nethtml.ParseFragment(strings.NewReader(frag), &nethtml.Node{Type: nethtml.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return ""
	}
	var find func(n *nethtml.Node, depth int) string
	find = func(n *nethtml.Node, depth int) string {
		if depth > 64 {
			return ""
		}
		if n.Type == nethtml.ElementNode && n.DataAtom == atom.A {
			for _, a := range n.Attr {
				if a.Key == "href" {
					return a.Val
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if h := find(c, depth+1); h != "" {
				return h
			}
		}
		return ""
	}
	for _, n := range nodes {
		if h := find(n, 0); h != "" {
			return h
		}
	}
	return ""
}

// findJpage reads the first jpage call's configuration, resolving an
// ajaxParam given as a variable (var param_5501 = {…}).
func findJpage(scripts []string, lim Limits) (jpageConfig, bool) {
	for _, s := range scripts {
		k := strings.Index(s, "jpage(")
		if k < 0 {
			continue
		}
		open := k + len("jpage(")
		v, _, err := parseLiteral(s, open, lim.MaxNesting, 4096)
		if err != nil || v.kind != jsObject {
			continue
		}
		cfg := jpageConfig{proxy: v.get("proxyUrl").scalar(), total: -1, groupSize: 1}
		if cfg.proxy == "" {
			continue
		}
		cfg.perPage, _ = strconv.Atoi(v.get("perPage").scalar())
		if n, err := strconv.Atoi(v.get("totalRecord").scalar()); err == nil && n >= 0 {
			cfg.total = n
		}
		if n, err := strconv.Atoi(v.get("groupSize").scalar()); err == nil && n > 0 {
			cfg.groupSize = n
		}
		if cfg.perPage <= 0 || cfg.perPage > 10000 || cfg.groupSize > 1000 {
			continue
		}
		params := v.get("ajaxParam")
		if params != nil && params.kind == jsOther {
			params = findVar(scripts, params.str, lim)
		}
		if params != nil && params.kind == jsObject {
			for i, key := range params.keys {
				cfg.params = append(cfg.params, [2]string{key, strings.Clone(params.vals[i].scalar())})
			}
		}
		return cfg, true
	}
	return jpageConfig{}, false
}

// findVar finds var name = {…} in the scripts.
func findVar(scripts []string, name string, lim Limits) *jsValue {
	if name == "" || strings.ContainsAny(name, " ()[]{}.'\"") {
		return nil
	}
	for _, s := range scripts {
		for from := 0; from < len(s); {
			k := strings.Index(s[from:], name)
			if k < 0 {
				break
			}
			k += from
			from = k + len(name)
			j := from
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if j >= len(s) || s[j] != '=' || j+1 < len(s) && s[j+1] == '=' {
				continue
			}
			j++
			for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
				j++
			}
			if v, _, err := parseLiteral(s, j, lim.MaxNesting, 4096); err == nil && v.kind == jsObject {
				return v
			}
		}
	}
	return nil
}

// jpageRequest builds the POST jpage sends for records start…end.
func jpageRequest(reader string, proxy *url.URL, params [][2]string, start, end, perPage int) Request {
	u := *proxy
	q := "startrecord=" + strconv.Itoa(start) + "&endrecord=" + strconv.Itoa(end) + "&perpage=" + strconv.Itoa(perPage)
	if u.RawQuery != "" {
		u.RawQuery += "&" + q
	} else {
		u.RawQuery = q
	}
	var body strings.Builder
	for i, kv := range params {
		if i > 0 {
			body.WriteByte('&')
		}
		body.WriteString(url.QueryEscape(kv[0]))
		body.WriteByte('=')
		body.WriteString(url.QueryEscape(kv[1]))
	}
	return Request{Reader: reader, Method: "POST", URL: &u, Body: body.String(), ContentType: "application/x-www-form-urlencoded; charset=UTF-8"}
}

// orderedQuery re-encodes q keeping the keys in the order of raw, so that
// the next request differs from the last only in its record range.
func orderedQuery(raw string, q url.Values) string {
	var b strings.Builder
	done := map[string]bool{}
	for _, kv := range strings.Split(raw, "&") {
		k, _, _ := strings.Cut(kv, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || done[key] || !q.Has(key) {
			continue
		}
		done[key] = true
		for _, v := range q[key] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(key) + "=" + url.QueryEscape(v))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(q)) {
		if done[key] {
			continue
		}
		for _, v := range q[key] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(key) + "=" + url.QueryEscape(v))
		}
	}
	return b.String()
}

// sameSite reports the same host: readers never send a page's requests
// elsewhere.
func sameSite(u, page *url.URL) bool { return strings.EqualFold(u.Host, page.Host) }

// asciiLower lower-cases ASCII letters only, so that indices into the
// result are indices into s (strings.ToLower changes lengths on some
// runes and on invalid UTF-8).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
