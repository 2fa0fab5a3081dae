package checks

import (
	"context"
	"encoding/json"
	"time"

	"github.com/xunjian/xunjian/crawler"
)

var _ Recaller = (*columns)(nil)

// columnsMemo is what the columns check keeps of a page between runs: its
// list (when it can be a column) and its own publication date (an article:
// it dates undated list entries that link to it).
type columnsMemo struct {
	Summary *pageSummary `json:"s,omitempty"`
	Own     time.Time    `json:"d,omitzero"`
}

// Memo implements Recaller: a page kept as a possible column is daily.
func (c *columns) Memo(p *crawler.Page) (json.RawMessage, bool) {
	u := p.URL.String()
	c.mu.Lock()
	s := c.pages[u]
	own, dated := c.articles[u]
	var m columnsMemo
	if s != nil {
		cp := *s
		m.Summary = &cp
	}
	c.mu.Unlock()
	if dated {
		m.Own = own
	}
	if m.Summary == nil && !dated {
		return nil, false
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, true // read it again tomorrow rather than lose it
	}
	return b, m.Summary != nil
}

// Recall implements Recaller.
func (c *columns) Recall(_ context.Context, p *crawler.Page, memo json.RawMessage) {
	if len(memo) == 0 {
		return
	}
	var m columnsMemo
	if json.Unmarshal(memo, &m) != nil {
		return
	}
	u := p.URL.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !m.Own.IsZero() && len(c.articles) < maxArticleDates {
		c.articles[u] = m.Own
	}
	if s := m.Summary; s != nil && len(c.pages) < maxSummaries {
		s.URL, s.Home, s.FramedBy = u, p.Home, ""
		if p.FramedBy != nil {
			s.FramedBy = p.FramedBy.String()
		}
		if p.Home {
			c.home = s
		}
		c.pages[u] = s
	}
}
