package checks

import (
	"testing"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
)

// TestBrokenLinkKindsLabelled: every failure class the crawler gives a
// broken-link finding has its own Chinese label (the ledger's 问题类型).
func TestBrokenLinkKindsLabelled(t *testing.T) {
	def := catalog.KindLabel(catalog.BrokenLink, "")
	for _, class := range []string{
		crawler.ClassNotFound, crawler.ClassGone, crawler.ClassForbidden, crawler.ClassRateLimited,
		crawler.ClassServerError, crawler.ClassClientError, crawler.ClassTimeout, crawler.ClassDNS,
		crawler.ClassRefused, crawler.ClassReset, crawler.ClassTLS, crawler.ClassRedirectLoop,
		crawler.ClassTooManyRedirects, crawler.ClassPrivate, crawler.ClassSoft404, crawler.ClassNetwork,
	} {
		if l := catalog.KindLabel(catalog.BrokenLink, class); l == def {
			t.Errorf("%s has no label of its own", class)
		}
	}
	for tech := range techniqueLabels {
		if l := catalog.KindLabel(catalog.DarkLink, tech); l == catalog.KindLabel(catalog.DarkLink, "") {
			t.Errorf("dark-link technique %s has no label of its own", tech)
		}
	}
}
