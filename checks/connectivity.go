package checks

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/crawler/readers"
	"github.com/xunjian/xunjian/explain"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/netpolicy"
)

// connectivity probes the homepage several times, as the national rule's
// 站点无法访问 indicator does, and measures each request's phases; it also
// checks HTTPS, the TLS certificate's expiry and IPv6.
type connectivity struct {
	cfg catalog.ConnectivityConfig
	now func() time.Time
	net *netpolicy.Policy
}

var _ Starter = (*connectivity)(nil)

func newConnectivity(d Deps) (Check, error) {
	pol, err := d.net()
	if err != nil {
		return nil, err
	}
	return &connectivity{cfg: d.Config.Checks.Connectivity, now: d.Now, net: pol}, nil
}

func (c *connectivity) Name() string { return catalog.Connectivity }

// Probe is one homepage request, with its phases in milliseconds.
type Probe struct {
	At         time.Time `json:"at"`
	Status     int       `json:"status,omitempty"`
	Class      string    `json:"class,omitempty"`
	Error      string    `json:"error,omitempty"`
	DNSMs      float64   `json:"dns_ms"`
	ConnectMs  float64   `json:"connect_ms"`
	TLSMs      float64   `json:"tls_ms"`
	TTFBMs     float64   `json:"ttfb_ms"`
	TotalMs    float64   `json:"total_ms"`
	Redirects  []string  `json:"redirects,omitempty"`
	FinalURL   string    `json:"final_url,omitempty"`
	RemoteAddr string    `json:"remote_addr,omitempty"`
	// Firewall names the web application firewall whose challenge, block
	// or rate-limit page answered (瑞数, 加速乐…): the site is up — a
	// browser passes the challenge —, only the inspector was stopped, so
	// the probe counts as answered (the crawl's firewall finding says what
	// to whitelist).
	Firewall   string `json:"firewall,omitempty"`
	certExpiry time.Time
}

// Failed reports whether the probe did not open the homepage.
func (p Probe) Failed() bool { return p.Class != "" }

// ConnectivityResult is what the check records in the report's measurements.
type ConnectivityResult struct {
	Probes        []Probe    `json:"probes"`
	Failed        int        `json:"failed"`
	MedianTotalMs float64    `json:"median_total_ms"`
	HTTPS         bool       `json:"https"`
	HTTPSError    string     `json:"https_error,omitempty"`
	CertNotAfter  *time.Time `json:"cert_not_after,omitempty"`
	CertDaysLeft  *int       `json:"cert_days_left,omitempty"`
	IPv6Addresses []string   `json:"ipv6_addresses,omitempty"`
	IPv6Answers   bool       `json:"ipv6_answers"`
	IPv6Error     string     `json:"ipv6_error,omitempty"`
}

// Start probes the homepage beside the crawl; the probes are measured
// under the check's name.
func (c *connectivity) Start(ctx context.Context, s *Site) (Result, error) {
	home := s.Home.String()
	res := ConnectivityResult{}
	for i := range c.cfg.Probes {
		if i > 0 {
			t := time.NewTimer(c.cfg.Interval.D())
			select {
			case <-ctx.Done():
				t.Stop()
				return Result{}, fmt.Errorf("connectivity: %w", ctx.Err())
			case <-t.C:
			}
		}
		p := c.probe(ctx, home, "tcp")
		if ctx.Err() != nil {
			return Result{}, fmt.Errorf("connectivity: %w", ctx.Err())
		}
		res.Probes = append(res.Probes, p)
		if p.Failed() {
			res.Failed++
		}
	}
	var totals []float64
	for _, p := range res.Probes {
		if !p.Failed() {
			totals = append(totals, p.TotalMs)
		}
		if !p.certExpiry.IsZero() && res.CertNotAfter == nil {
			t := p.certExpiry
			res.CertNotAfter = &t
		}
	}
	if len(totals) > 0 {
		slices.Sort(totals)
		res.MedianTotalMs = totals[len(totals)/2]
	}
	c.checkHTTPS(ctx, s.Home, &res)
	if c.cfg.CheckIPv6 {
		c.checkIPv6(ctx, s.Home, &res)
	}
	if res.CertNotAfter != nil {
		d := int(res.CertNotAfter.Sub(c.now()).Hours() / 24)
		if res.CertNotAfter.Before(c.now()) {
			d = -1 + int(res.CertNotAfter.Sub(c.now()).Hours()/24)
		}
		res.CertDaysLeft = &d
	}
	return Result{Findings: c.findings(home, res), Measurements: map[string]any{c.Name(): res}}, nil
}

func (c *connectivity) findings(home string, r ConnectivityResult) []finding.Finding {
	var out []finding.Finding
	add := func(sev finding.Severity, cert finding.Certainty, kind, msg, evidence string, details map[string]any) {
		out = append(out, finding.Finding{
			Check: c.Name(), Severity: sev, Certainty: cert, Kind: kind, Page: home, Target: home,
			Message: msg, Evidence: evidence, Details: details,
		})
	}
	n := len(r.Probes)
	var reasons []string
	for _, p := range r.Probes {
		if p.Failed() {
			reasons = append(reasons, probeReason(p))
		}
	}
	switch {
	case n > 0 && r.Failed == n:
		add(finding.High, finding.Confirmed, "down",
			fmt.Sprintf("首页无法访问：%d 次探测全部失败", n),
			strings.Join(uniq(reasons), "；"), map[string]any{"probes": n, "failed": r.Failed})
	case r.Failed > 0:
		add(finding.Medium, finding.Suspected, "probe-failed",
			fmt.Sprintf("首页访问不稳定：%d 次探测中 %d 次失败", n, r.Failed),
			strings.Join(uniq(reasons), "；"), map[string]any{"probes": n, "failed": r.Failed})
	}
	if slow := c.cfg.SlowAfter.D(); slow > 0 && r.MedianTotalMs > float64(slow.Milliseconds()) {
		add(finding.Low, finding.Confirmed, "slow",
			fmt.Sprintf("首页打开缓慢：中位耗时 %.1f 秒，超过 %.0f 秒", r.MedianTotalMs/1000, slow.Seconds()),
			"", map[string]any{"median_total_ms": r.MedianTotalMs})
	}
	down := n > 0 && r.Failed == n
	if c.cfg.CheckHTTPS && !r.HTTPS {
		ev, details := humanize(r.HTTPSError)
		switch {
		case r.HTTPSError != "" && strings.HasPrefix(r.HTTPSError, crawler.ClassTLS):
			add(finding.Medium, finding.Confirmed, "https-error", "网站的 HTTPS 证书或配置有误，浏览器会提示不安全", ev, details)
		case down:
			// The site answers neither way: whether it offers HTTPS is
			// unknown, and the outage is the finding.
		default:
			add(finding.Low, finding.Confirmed, "no-https", "网站未提供 HTTPS 访问", ev, details)
		}
	}
	if r.CertDaysLeft != nil {
		days := *r.CertDaysLeft
		ev := "证书到期时间：" + r.CertNotAfter.Format("2006-01-02")
		switch {
		case days < 0:
			add(finding.High, finding.Confirmed, "cert-expired", "HTTPS 证书已过期", ev, map[string]any{"days_left": days})
		case days < c.cfg.CertWarnDays:
			add(finding.Medium, finding.Confirmed, "cert-expiring", fmt.Sprintf("HTTPS 证书将在 %d 天后过期", days), ev, map[string]any{"days_left": days})
		}
	}
	if c.cfg.CheckIPv6 {
		switch {
		case len(r.IPv6Addresses) == 0:
			ev, details := humanize(r.IPv6Error)
			add(finding.Low, finding.Confirmed, "no-ipv6", "网站域名没有 IPv6 地址（AAAA 记录），未支持 IPv6 访问", ev, details)
		case !r.IPv6Answers:
			ev, details := humanize(r.IPv6Error)
			add(finding.Medium, finding.Confirmed, "ipv6-unreachable", "网站有 IPv6 地址，但通过 IPv6 无法访问首页",
				strings.Join(r.IPv6Addresses, ", ")+"："+ev, details)
		}
	}
	return out
}

// humanize returns the Chinese evidence for a recorded error text, and the
// details keeping the technical text when it was translated.
func humanize(s string) (string, map[string]any) {
	if !explain.Known(s) {
		return s, nil
	}
	return explain.Text(s), map[string]any{"error": s}
}

func probeReason(p Probe) string {
	if p.Status != 0 {
		return fmt.Sprintf("HTTP %d", p.Status)
	}
	return classLabel(p.Class)
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// probe requests the homepage once on a fresh connection over network
// ("tcp" or "tcp6"), timing each phase with httptrace (netpolicy.Probe).
func (c *connectivity) probe(ctx context.Context, target, network string) Probe {
	return probeOnce(ctx, c.net, c.now(), target, network, c.cfg.Timeout.D())
}

func probeOnce(ctx context.Context, pol *netpolicy.Policy, at time.Time, target, network string, timeout time.Duration) Probe {
	r := pol.Probe(ctx, target, network, timeout)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p := Probe{
		At: at, Status: r.Status, DNSMs: ms(r.DNS), ConnectMs: ms(r.Connect), TLSMs: ms(r.TLS), TTFBMs: ms(r.TTFB),
		TotalMs: ms(r.Total), Redirects: r.Redirects, FinalURL: r.FinalURL, RemoteAddr: r.RemoteAddr, certExpiry: r.CertNotAfter,
	}
	var fw *readers.Firewall
	if r.Err == nil && r.Status != 0 {
		fw = readers.RecogniseFirewall(r.Status, r.Header, r.Head)
	}
	switch {
	case r.Err != nil:
		p.Class, p.Error = crawler.ClassifyError(r.Err), r.Err.Error()
	case fw != nil:
		p.Firewall = fw.Name
		if p.Firewall == "" {
			p.Firewall = fw.Kind
		}
	case p.Status >= 400:
		p.Class = crawler.ClassifyStatus(p.Status)
	}
	return p
}

// ProbeHomepage requests home once as the connectivity check does (a fresh
// connection through pol, within timeout): whether it opened, in how many
// milliseconds, and why not. serve's periodic probes are this.
func ProbeHomepage(ctx context.Context, pol *netpolicy.Policy, home string, timeout time.Duration) (ok bool, totalMs float64, reason string) {
	p := probeOnce(ctx, pol, time.Now(), home, "tcp", timeout)
	if p.Failed() {
		return false, p.TotalMs, probeReason(p)
	}
	return true, p.TotalMs, ""
}

// checkHTTPS records whether the site answers over HTTPS.
func (c *connectivity) checkHTTPS(ctx context.Context, home *url.URL, r *ConnectivityResult) {
	if home.Scheme == "https" {
		for _, p := range r.Probes {
			if !p.Failed() {
				r.HTTPS = true
				return
			}
		}
		for _, p := range r.Probes {
			if p.Class == crawler.ClassTLS {
				r.HTTPSError = crawler.ClassTLS + "：" + p.Error
				return
			}
		}
		return
	}
	if !c.cfg.CheckHTTPS {
		return
	}
	u := url.URL{Scheme: "https", Host: home.Hostname(), Path: "/"}
	if strings.Contains(home.Hostname(), ":") {
		u.Host = "[" + home.Hostname() + "]"
	}
	p := c.probe(ctx, u.String(), "tcp")
	if p.Status != 0 && p.Class != crawler.ClassTLS {
		r.HTTPS = true
		if !p.certExpiry.IsZero() {
			t := p.certExpiry
			r.CertNotAfter = &t
		}
		return
	}
	r.HTTPSError = p.Class + "：" + classLabel(p.Class)
	if p.Error != "" {
		r.HTTPSError += "（" + p.Error + "）"
	}
}

// checkIPv6 looks up AAAA records and requests the homepage over IPv6.
func (c *connectivity) checkIPv6(ctx context.Context, home *url.URL, r *ConnectivityResult) {
	host := home.Hostname()
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() == nil {
			r.IPv6Addresses = []string{ip.String()}
		} else {
			r.IPv6Error = "首页地址是 IPv4 地址 " + host
			return
		}
	} else {
		lctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout.D())
		addrs, err := net.DefaultResolver.LookupIPAddr(lctx, host)
		cancel()
		if err != nil {
			r.IPv6Error = "域名解析失败：" + err.Error()
			return
		}
		for _, a := range addrs {
			if a.IP.To4() == nil {
				r.IPv6Addresses = append(r.IPv6Addresses, a.IP.String())
			}
		}
		if len(r.IPv6Addresses) == 0 {
			r.IPv6Error = "没有 AAAA 记录"
			return
		}
	}
	p := c.probe(ctx, home.String(), "tcp6")
	if p.Status != 0 && p.Status < 500 {
		r.IPv6Answers = true
		return
	}
	r.IPv6Error = classLabel(p.Class)
	if p.Error != "" {
		r.IPv6Error += "（" + p.Error + "）"
	}
}
