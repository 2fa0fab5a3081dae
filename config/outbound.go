package config

import "github.com/xunjian/xunjian/netpolicy"

// Outbound returns the options of the run's outbound policy (package
// netpolicy) for a site with the given hosts (host or host:port, the
// homepage's first): the crawl policy's User-Agent, politeness, timeouts,
// retries, redirects, guard and page cap, and the attachment cap.
func (cr Crawl) Outbound(maxAttachmentBytes int64, siteHosts ...string) netpolicy.Options {
	return netpolicy.Options{
		UserAgent:          cr.UserAgent,
		Concurrency:        cr.Concurrency,
		Rate:               cr.Rate,
		Timeout:            cr.Timeout.D(),
		Retries:            cr.Retries,
		RetryBackoff:       cr.RetryBackoff.D(),
		MaxRetryAfter:      cr.MaxRetryAfter.D(),
		MaxRedirects:       cr.MaxRedirects,
		AllowPrivate:       cr.AllowPrivate,
		AllowNetworks:      cr.AllowNetworks,
		SiteHosts:          siteHosts,
		MaxPageBytes:       cr.MaxPageBytes,
		MaxAttachmentBytes: maxAttachmentBytes,
	}
}
