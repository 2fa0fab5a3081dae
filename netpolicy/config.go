package netpolicy

import "github.com/xunjian/xunjian/rules"

// FromConfig returns the options of a run of cfg over a site with the
// given hosts (host or host:port; the homepage's first).
func FromConfig(cfg rules.Config, siteHosts ...string) Options {
	c := cfg.Crawl
	return Options{
		UserAgent:          c.UserAgent,
		Concurrency:        c.Concurrency,
		Rate:               c.Rate,
		Timeout:            c.Timeout.D(),
		Retries:            c.Retries,
		RetryBackoff:       c.RetryBackoff.D(),
		MaxRetryAfter:      c.MaxRetryAfter.D(),
		MaxRedirects:       c.MaxRedirects,
		AllowPrivate:       c.AllowPrivate,
		AllowNetworks:      c.AllowNetworks,
		SiteHosts:          siteHosts,
		MaxPageBytes:       c.MaxPageBytes,
		MaxAttachmentBytes: cfg.Content.MaxAttachmentBytes,
	}
}
