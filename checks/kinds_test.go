package checks

import (
	"testing"

	"github.com/xunjian/xunjian/catalog"
	"github.com/xunjian/xunjian/crawler"
	"github.com/xunjian/xunjian/finding"
	"github.com/xunjian/xunjian/pii"
)

// TestEmittedKindsLabelled: every kind a check makes from a variable —
// the crawler's failure classes and references it did not check, the
// dark-link techniques, the kinds of personal data — is listed in the
// catalog's kinds table: its own Chinese label (the ledger's 问题类型) and
// fix, not the finding name's default. Kinds written as literals are
// checked by catalog's TestEmittedKindsListed.
func TestEmittedKindsLabelled(t *testing.T) {
	emitted := map[string][]string{
		catalog.BrokenLink: {
			crawler.ClassNotFound, crawler.ClassGone, crawler.ClassForbidden, crawler.ClassRateLimited,
			crawler.ClassServerError, crawler.ClassClientError, crawler.ClassTimeout, crawler.ClassDNS,
			crawler.ClassRefused, crawler.ClassReset, crawler.ClassTLS, crawler.ClassRedirectLoop,
			crawler.ClassTooManyRedirects, crawler.ClassPrivate, crawler.ClassSoft404, crawler.ClassNetwork,
			crawler.ClassFirewall,
			"url-too-long", // crawler.NotChecked's reason
		},
		catalog.Privacy: {pii.IDCard, pii.IDCard15, pii.Mobile, pii.BankCard},
	}
	for tech := range techniqueLabels {
		emitted[catalog.DarkLink] = append(emitted[catalog.DarkLink], tech)
	}
	for name, kinds := range emitted {
		listed := catalog.KindLabels(name)
		for _, kind := range kinds {
			if _, ok := listed[kind]; !ok {
				t.Errorf("%s kind %q has no label and fix of its own", name, kind)
			}
			if catalog.Fix(finding.Finding{Check: name, Kind: kind}) == "" {
				t.Errorf("%s kind %q has no fix", name, kind)
			}
		}
	}
}
