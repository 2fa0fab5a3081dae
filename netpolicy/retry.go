package netpolicy

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Attempts is how many times a retried request is tried in all (1 + retries).
func (p *Policy) Attempts() int { return 1 + p.o.Retries }

// Backoff is the wait before retry number attempt (1 for the first retry):
// the configured backoff doubled for each retry, with ±10% jitter.
func (p *Policy) Backoff(attempt int) time.Duration {
	d := p.o.RetryBackoff << max(attempt-1, 0)
	if d <= 0 {
		return 0
	}
	j := time.Duration(rand.Int64N(int64(d)/5 + 1))
	return d - d/10 + j
}

// RetryWait is the wait before retrying a request that got status and
// header on its attempt-th try: the Retry-After a 429 or 503 asks for
// (capped at the policy's maximum), else the backoff. The host itself is
// already paused by the transport that saw the answer.
func (p *Policy) RetryWait(attempt, status int, header http.Header) time.Duration {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if ra, ok := RetryAfter(header, time.Now()); ok {
			return min(ra, p.o.MaxRetryAfter)
		}
	}
	return p.Backoff(attempt)
}

// RetryAfter parses a Retry-After header (seconds or an HTTP date).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(min(s, 86400)) * time.Second, true // a day at most: no overflow
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
