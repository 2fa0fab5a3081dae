package checks

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/xunjian/xunjian/config"
	"github.com/xunjian/xunjian/match"
	"github.com/xunjian/xunjian/netpolicy"
	"github.com/xunjian/xunjian/render"
	"github.com/xunjian/xunjian/rules"
)

// Deps are what checks are built with.
type Deps struct {
	Config config.Config
	Logger *slog.Logger
	// Now returns the current time (fixed in tests).
	Now func() time.Time
	// TLS is the client TLS configuration for probes (tests trust their own CA).
	TLS *tls.Config
	// Packs are the loaded rule packs (content checks).
	Packs *rules.Packs
	// SiteHosts are the inspected site's hosts (host or host:port): links
	// elsewhere are external.
	SiteHosts []string
	// Net is the run's outbound policy: every request a check makes goes
	// through its clients (built from Config, SiteHosts and TLS when nil).
	Net *netpolicy.Policy
	// Browser is the run's shared Chromium (SharedBrowser); checks that
	// render start their own when it is nil.
	Browser *render.Shared

	// words is the sensitive-word matcher, built once by Build for every
	// check that reads words (nil without packs).
	words *wordMatcher
}

// net returns the run's outbound policy, building one when the deps did
// not come with it (a check constructed on its own).
func (d Deps) net() (*netpolicy.Policy, error) {
	if d.Net != nil {
		return d.Net, nil
	}
	o := d.Config.Crawl.Outbound(d.Config.Content.MaxAttachmentBytes, d.SiteHosts...)
	o.TLS = d.TLS
	return netpolicy.New(o)
}

// wordMatcher is the automaton of the sensitive-word packs and their entries.
type wordMatcher struct {
	m       *match.Matcher
	entries []rules.WordEntry
}

// wordMatcher returns the shared matcher, building it when the deps did
// not come through Build (a check constructed on its own).
func (d Deps) wordMatcher() (*wordMatcher, error) {
	if d.words != nil {
		return d.words, nil
	}
	return newWordMatcher(d.Packs)
}

func newWordMatcher(p *rules.Packs) (*wordMatcher, error) {
	if p == nil {
		return nil, nil
	}
	words := make([]string, len(p.Words))
	weak := make([]bool, len(p.Words))
	for i, w := range p.Words {
		words[i], weak[i] = w.Word, w.Weak
	}
	m, err := match.BuildWith(words, match.Options{Words: match.Words(), Unbounded: weak})
	if err != nil {
		return nil, fmt.Errorf("sensitive-word packs: %w", err)
	}
	return &wordMatcher{m: m, entries: p.Words}, nil
}

// inScope reports whether u's host is one of the site's.
func (d Deps) inScope(u *url.URL) bool {
	for _, h := range d.SiteHosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}
