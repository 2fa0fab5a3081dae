package store

import (
	"context"
	"encoding/json"
	"time"
)

// Memory keeps, per site and URL, what the last crawls learnt about each
// page and target (its validators, links, outcome and the findings of its
// content, in a blob the inspection encodes), so that a re-inspection can
// make conditional requests, spread a large site's link check over the
// week and resume a run an earlier attempt began; and one checkpoint per
// (site, day) of a scheduled run in progress. Both stores implement it.
type Memory interface {
	// URLState returns what is kept of a URL of a site (ok false: nothing).
	URLState(ctx context.Context, site, url string) (s URLState, ok bool, err error)
	// ScanURLStates calls fn with each state kept of a site, in no order,
	// until fn returns false.
	ScanURLStates(ctx context.Context, site string, fn func(URLState) bool) error
	// PutURLStates stores states, replacing those of the same URLs.
	PutURLStates(ctx context.Context, site string, states []URLState) error
	// TouchURLs moves the checked time of stored URLs (answered 304 Not
	// Modified: everything else kept is still true).
	TouchURLs(ctx context.Context, site string, urls []string, at time.Time) error
	// CountPages counts the URLs of a site kept as pages.
	CountPages(ctx context.Context, site string) (int, error)
	// Checkpoint returns the checkpoint of a site's run for a day.
	Checkpoint(ctx context.Context, site, day string) (c Checkpoint, ok bool, err error)
	// PutCheckpoint creates or replaces a checkpoint.
	PutCheckpoint(ctx context.Context, c Checkpoint) error
	// DeleteCheckpoint forgets a checkpoint (its run is saved).
	DeleteCheckpoint(ctx context.Context, site, day string) error
}

// URLState is what a crawl kept of one URL.
type URLState struct {
	URL string
	// Page is true for a URL crawled as a page (CountPages counts them).
	Page bool
	// CheckedAt is when the URL was last requested.
	CheckedAt time.Time
	// Data is the inspection's record, opaque to the store.
	Data []byte
}

// Checkpoint is the progress of a scheduled run of a (site, day), saved
// while it runs, so that another attempt of the same run resumes it.
type Checkpoint struct {
	Site, Day string
	// Attempt is the attempt that saved it last.
	Attempt int
	// Data is the inspection's record (bounded: counters and times).
	Data      json.RawMessage
	UpdatedAt time.Time
}

// URLStateRetention is how long a URL no run has requested is kept: a
// page no longer linked from the site is forgotten after it.
const URLStateRetention = 60 * 24 * time.Hour
