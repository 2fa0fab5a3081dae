package checks

import (
	"context"
	"encoding/json"

	"github.com/xunjian/xunjian/crawler"
)

// Recaller is a PageChecker that keeps site-level state from the pages it
// sees, not only findings. On a re-inspection a page may stand in from the
// crawl's memory instead of being read (crawler.Page.Reused: unchanged
// since the last run, left for another day by the spread, or done by an
// earlier attempt of the run): it has its URL, final URL, links and frames
// but no document or text. The inspection replays the findings the page
// gave when it was read, skips PageCheckers' Page for it, and gives each
// Recaller back what its Memo returned then.
type Recaller interface {
	PageChecker
	// Memo returns what the check keeps of a page it has just seen (nil:
	// nothing), and whether the page must be requested every day, even
	// when the spread leaves other pages for later (a column's list: its
	// newest date matters every day).
	Memo(p *crawler.Page) (memo json.RawMessage, daily bool)
	// Recall restores what Memo returned for a page not read again (memo
	// is nil when it returned nothing). Called from several goroutines.
	Recall(ctx context.Context, p *crawler.Page, memo json.RawMessage)
}

// Recallers returns the checks of list that are Recallers.
func Recallers(list []Check) []Recaller {
	var out []Recaller
	for _, c := range list {
		if r, ok := c.(Recaller); ok {
			out = append(out, r)
		}
	}
	return out
}
