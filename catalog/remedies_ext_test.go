package catalog_test

import (
	"testing"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/pii"
)

// TestEveryKindHasARemedy: every broken-link class and every kind of
// personal data has its own Chinese name and fix, not the check's default.
func TestEveryKindHasARemedy(t *testing.T) {
	classes := []string{crawler.ClassNotFound, crawler.ClassGone, crawler.ClassForbidden, crawler.ClassRateLimited, crawler.ClassServerError,
		crawler.ClassClientError, crawler.ClassTimeout, crawler.ClassDNS, crawler.ClassRefused, crawler.ClassReset, crawler.ClassTLS,
		crawler.ClassRedirectLoop, crawler.ClassTooManyRedirects, crawler.ClassPrivate, crawler.ClassSoft404, crawler.ClassNetwork}
	fallback := catalog.KindLabel(finding.Finding{Check: "broken-link", Kind: "no-such-kind"})
	for _, c := range classes {
		if catalog.KindLabel(finding.Finding{Check: "broken-link", Kind: c}) == fallback {
			t.Errorf("broken-link kind %q has no remedy of its own", c)
		}
	}
	fallback = catalog.KindLabel(finding.Finding{Check: "privacy", Kind: "no-such-kind"})
	for _, k := range []string{pii.IDCard, pii.IDCard15, pii.Mobile, pii.BankCard} {
		if catalog.KindLabel(finding.Finding{Check: "privacy", Kind: k}) == fallback {
			t.Errorf("privacy kind %q has no remedy of its own", k)
		}
	}
}
