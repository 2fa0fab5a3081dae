package crawler

import (
	"encoding/binary"
	"fmt"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/xunjian/xunjian/crawler/readers"
)

// Firewalls and rate limits are not broken links. This file recognises the
// answers of web application firewalls (challenge and block pages, by
// readers.RecogniseFirewall), a storm of 403/405 answers that starts in the
// middle of a crawl (a firewall that took offence without saying so), and
// keeps them out of the failures: the crawl's result names, per host, the
// firewall, the first URL it answered and how many targets it kept from
// being checked; the report is then incomplete for what was not reached.

// ClassFirewall marks a target answered by a firewall's challenge or block
// page: not checked, not broken.
const ClassFirewall = "firewall"

// Storm detection: at least stormMin 403/405 answers from one in-scope
// host, after it had answered normally, with at most stormOKShare of the
// answers after the first of them normal.
const (
	stormMin     = 10
	stormOKShare = 0.1
	maxHostLog   = 1 << 20
	maxExamples  = 5
)

// Blocked is one host whose firewall kept the inspection out.
type Blocked struct {
	Host string `json:"host"`
	// InScope is true for the inspected site's own hosts.
	InScope bool `json:"in_scope"`
	// Vendor, Name, Kind ("challenge", "block" or "storm"), Reason and
	// Evidence are the recogniser's verdict (see readers.Firewall); a storm
	// of 403/405 answers has no vendor.
	Vendor   string   `json:"vendor,omitempty"`
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Reason   string   `json:"reason"`
	Evidence []string `json:"evidence,omitempty"`
	// FirstURL is the first target the firewall answered, at At;
	// FirstPage is a page that links to it ("" if none is known).
	FirstURL  string    `json:"first_url"`
	FirstPage string    `json:"first_page,omitempty"`
	At        time.Time `json:"at"`
	// Targets counts the targets left unchecked; Examples names a few.
	Targets  int      `json:"targets"`
	Examples []string `json:"examples,omitempty"`
	// Source is the local address the crawl's connections to the host
	// came from (recorded from the first connection): what the site's
	// firewall sees, unless a NAT or proxy is in between.
	Source string `json:"source_address,omitempty"`
}

// hostEvent is one final answer from an in-scope host, in order.
type hostEvent struct {
	deny bool // 403 or 405 without a firewall page
	ok   bool
	url  string
	at   time.Time
}

// walls is the run's firewall state.
type walls struct {
	mu      sync.Mutex
	blocked map[string]*Blocked
	log     map[string][]hostEvent
	// throttled counts 429 and 503 answers per host (retries included).
	throttled map[string]int
}

// firewallAnswer recognises a firewall's answer to one request; a 429 or
// 503 is counted as throttling. Successful pages are read only when a
// marker of a known challenge is in them (challenges can come with 200),
// so ordinary pages cost a few byte searches.
func (cr *Crawler) firewallAnswer(target string, res *fetchResult) *readers.Firewall {
	st := res.status
	if st == 429 || st == 503 {
		if u, err := url.Parse(target); err == nil {
			cr.walls.mu.Lock()
			if cr.walls.throttled == nil {
				cr.walls.throttled = map[string]int{}
			}
			cr.walls.throttled[u.Host]++
			cr.walls.mu.Unlock()
		}
	}
	switch {
	case st == 0:
		return nil
	case st < 400 && st != 202 && st != 200:
		return nil
	case st == 200 && !mayBeChallenge(res.sniff()):
		return nil
	}
	h := restoreHeader(res.header.Clone())
	return readers.RecogniseFirewall(st, h, res.sniff())
}

// challengeAnchors lists the marks one of which every challenge page
// served with 200 carries, and names two byte pairs of each: one that
// starts at an even offset in the mark and one at an odd offset, each the
// rarest of its parity in ordinary pages (counted over the benchmark
// site's pages and 1.6 MB of real pages in seven languages: "$_" never
// occurs, "t-" of tencent-cloud is the commonest, ~1 in 1,000 bytes).
// The search reads only the pairs that start at even offsets in the page
// (half the table look-ups of reading every pair): a mark starting at an
// even offset has its even anchor there, one at an odd offset its odd
// anchor (building the table panics on a pair not in its mark at its
// parity; TestMayBeChallengeFindsEveryMark finds each mark at both).
var challengeAnchors = [...]struct{ mark, even, odd string }{
	{"$_ts", "$_", "_t"}, {"r='m'", "'m", "m'"}, {`r="m"`, `"m`, `m"`}, {"__jsl", "__", "_j"},
	{"('_')+('_')", "_'", "+("}, {"yunsuo", "yu", "su"}, {"safedog", "sa", "af"}, {"wzws", "wz", "zw"},
	{"jiasule", "ji", "su"}, {"acw_sc__v2", "__", "cw"}, {"_cf_chl", "f_", "cf"},
	{"security_verify", "_v", "fy"}, {"365cyd", "yd", "cy"}, {"tencent-cloud", "t-", "ud"},
}

// anchoredMark is a mark and where its anchor pair starts in it.
type anchoredMark struct {
	mark string
	at   int
}

// challengeByPair maps a byte pair, as a little-endian uint16 (first byte
// low), to 1 + its index in challengeGroups (0: no mark anchored there);
// a group lists the marks the pair anchors.
var challengeByPair, challengeGroups = func() (*[1 << 16]uint8, [][]anchoredMark) {
	var t [1 << 16]uint8
	var groups [][]anchoredMark
	add := func(mark, pair string, parity int) {
		at := -1
		for i := parity; i+1 < len(mark); i += 2 {
			if mark[i:i+2] == pair {
				at = i
				break
			}
		}
		if at < 0 {
			panic("crawler: challenge anchor " + pair + " not in " + mark)
		}
		k := uint16(pair[0]) | uint16(pair[1])<<8
		if t[k] == 0 {
			groups = append(groups, nil)
			t[k] = uint8(len(groups))
		}
		groups[t[k]-1] = append(groups[t[k]-1], anchoredMark{mark, at})
	}
	for _, a := range challengeAnchors {
		add(a.mark, a.even, 0)
		add(a.mark, a.odd, 1)
	}
	return &t, groups
}()

// mayBeChallenge reports whether body carries a challenge mark where the
// recogniser reads (its first readers.FirewallScan bytes): only then can
// a page that came with 200 be a challenge, and it is worth reading.
//
// Every page of a crawl is sniffed, so the search is one pass reading
// two bytes in every second place, sixteen bytes a step with one branch
// (the marks' anchor pairs are rare: almost every step finds none), about
// 4 GB/s; the window spares the rest of a big page. It was 1.6 GB/s over
// every byte pair of the first 256 KB, 70 µs of every 100 KB page; and
// 0.35 ms before that, a bytes.Contains per mark.
//
// Reading the window only changes no verdict a page can get from its
// marks: readers.RecogniseFirewall reads no further, so a mark past the
// window never convicted a page; it only let the recogniser convict it on
// a firewall's header (which firewalls also put on the pages they pass)
// or on a mark of other case inside the window, of a page over 64 KB —
// a site's own page, not a challenge (those are a few KB: 瑞数's seed
// and $_ts script, 加速乐's cookie script, 云锁's redirect, 安全狗's and
// 腾讯云's block pages).
func mayBeChallenge(body []byte) bool {
	if len(body) < 2 || len(body) > 256<<10 {
		return false
	}
	if len(body) > readers.FirewallScan {
		body = body[:readers.FirewallScan]
	}
	t := challengeByPair
	i := 0
	for ; i+16 <= len(body); i += 16 {
		lo := binary.LittleEndian.Uint64(body[i:])
		hi := binary.LittleEndian.Uint64(body[i+8:])
		if t[uint16(lo)]|t[uint16(lo>>16)]|t[uint16(lo>>32)]|t[uint16(lo>>48)]|
			t[uint16(hi)]|t[uint16(hi>>16)]|t[uint16(hi>>32)]|t[uint16(hi>>48)] != 0 && challengeFrom(body, i, i+16) {
			return true
		}
	}
	return challengeFrom(body, i, len(body)-1)
}

// challengeFrom reports a challenge mark anchored at an even offset in
// body[from:to] (from even).
func challengeFrom(body []byte, from, to int) bool {
	for i := from; i < to; i += 2 {
		g := challengeByPair[uint16(body[i])|uint16(body[i+1])<<8]
		if g == 0 {
			continue
		}
		for _, m := range challengeGroups[g-1] {
			if s := i - m.at; s >= 0 && s+len(m.mark) <= len(body) && string(body[s:s+len(m.mark)]) == m.mark {
				return true
			}
		}
	}
	return false
}

// block records a target a firewall answered instead of the site.
func (cr *Crawler) block(it Item, out Outcome) {
	u, err := url.Parse(it.URL)
	if err != nil {
		return
	}
	fw := out.Firewall
	cr.walls.mu.Lock()
	defer cr.walls.mu.Unlock()
	if cr.walls.blocked == nil {
		cr.walls.blocked = map[string]*Blocked{}
	}
	b := cr.walls.blocked[u.Host]
	if b == nil {
		b = &Blocked{Host: u.Host, InScope: cr.inScope(u), Vendor: fw.Vendor, Name: fw.Name, Kind: fw.Kind, Reason: fw.Reason,
			Evidence: fw.Evidence, FirstURL: it.URL, At: time.Now()}
		cr.walls.blocked[u.Host] = b
	}
	b.Targets++
	if len(b.Examples) < maxExamples {
		b.Examples = append(b.Examples, it.URL)
	}
}

// observe logs an in-scope target's final answer for storm detection.
func (cr *Crawler) observe(it Item, out Outcome) {
	u, err := url.Parse(it.URL)
	if err != nil || !cr.inScope(u) || out.Firewall != nil && out.Class == ClassFirewall {
		return
	}
	ev := hostEvent{ok: !out.Failed(), deny: out.Status == 403 || out.Status == 405}
	if ev.deny {
		ev.url, ev.at = it.URL, time.Now()
	}
	cr.walls.mu.Lock()
	defer cr.walls.mu.Unlock()
	if cr.walls.log == nil {
		cr.walls.log = map[string][]hostEvent{}
	}
	if l := cr.walls.log[u.Host]; len(l) < maxHostLog {
		cr.walls.log[u.Host] = append(l, ev)
	}
}

// storm finds where a run of 403/405 answers starts in a host's log: the
// earliest deny after a normal answer from which on the denies number at
// least stormMin and the normal answers at most stormOKShare. -1 if none.
func storm(log []hostEvent) int {
	n := len(log)
	denyAfter, okAfter := make([]int, n+1), make([]int, n+1)
	for i := n - 1; i >= 0; i-- {
		denyAfter[i], okAfter[i] = denyAfter[i+1], okAfter[i+1]
		if log[i].deny {
			denyAfter[i]++
		}
		if log[i].ok {
			okAfter[i]++
		}
	}
	seenOK := false
	for i, e := range log {
		if e.ok {
			seenOK = true
		}
		if !e.deny || !seenOK {
			continue
		}
		rest := n - i
		if denyAfter[i] >= stormMin && float64(okAfter[i]) <= stormOKShare*float64(rest) {
			return i
		}
	}
	return -1
}

// settleWalls moves what firewalls answered out of the failures: storms
// of 403/405 become blocked hosts, and the blocked in-scope hosts make the
// result incomplete. It runs under cr.mu, when the crawl is over.
func (cr *Crawler) settleWalls(r *Result) {
	cr.walls.mu.Lock()
	defer cr.walls.mu.Unlock()
	for host, log := range cr.walls.log {
		i := storm(log)
		if i < 0 {
			continue
		}
		if _, ok := cr.walls.blocked[host]; ok {
			continue // a recognised firewall names itself
		}
		b := &Blocked{Host: host, InScope: true, Kind: "storm", Name: "未知防火墙或访问控制",
			Reason:   "网站在巡检途中开始对请求一律返回 403/405 拒绝访问（此前同类页面可以访问），通常是防火墙或访问控制封禁了巡检程序",
			FirstURL: log[i].url, At: log[i].at}
		denied := map[string]bool{}
		for _, e := range log[i:] {
			if e.deny {
				denied[e.url] = true
			}
		}
		for u, f := range cr.failures {
			if denied[u] && (f.Outcome.Status == 403 || f.Outcome.Status == 405) {
				delete(cr.failures, u)
				b.Targets++
				if len(b.Examples) < maxExamples {
					b.Examples = append(b.Examples, u)
				}
			}
		}
		sort.Strings(b.Examples)
		b.Evidence = []string{fmt.Sprintf("自 %s 起 %d 次请求被拒绝（403/405），其后正常答复不足 %d%%", log[i].url, b.Targets, int(stormOKShare*100))}
		if cr.walls.blocked == nil {
			cr.walls.blocked = map[string]*Blocked{}
		}
		cr.walls.blocked[host] = b
	}
	hosts := make([]string, 0, len(cr.walls.blocked))
	for h := range cr.walls.blocked {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		b := cr.walls.blocked[h]
		b.Source = cr.transport.source(h)
		r.Blocked = append(r.Blocked, *b)
		if b.InScope {
			r.Complete = false
			r.Incomplete = append(r.Incomplete, fmt.Sprintf("网站防火墙（%s）自 %s 起拦截了巡检，%d 个地址未能检查（见“巡检被网站防火墙拦截”问题）", b.Name, b.FirstURL, b.Targets))
		}
	}
	if len(cr.walls.throttled) > 0 {
		r.Throttled = map[string]int{}
		for h, n := range cr.walls.throttled {
			r.Throttled[h] = n
		}
	}
}
