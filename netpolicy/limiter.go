package netpolicy

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// limits enforces politeness per host: at most `concurrency` requests in
// flight and `rate` requests per second, slowed down when the host answers
// 429 or 503 and paused for as long as its Retry-After asks (capped).
// colly's LimitRule limits per rule, not per host; this one is shared by
// every request of a run to the host, whatever its purpose.
type limits struct {
	concurrency int
	rate        float64
	floor       float64
	maxPause    time.Duration
	now         func() time.Time
	mu          sync.Mutex
	hosts       map[string]*hostLimit
}

type hostLimit struct {
	slots   chan struct{}
	limiter *rate.Limiter
	// pausedUntil is a unix-nano time before which no request starts.
	pausedUntil atomic.Int64
	// throttled counts 429/503 answers.
	throttled atomic.Int64
}

func newLimits(concurrency int, perSecond float64, maxPause time.Duration) *limits {
	floor := max(perSecond/64, 0.1)
	if floor > perSecond {
		floor = perSecond
	}
	return &limits{concurrency: concurrency, rate: perSecond, floor: floor, maxPause: maxPause, now: time.Now, hosts: map[string]*hostLimit{}}
}

// limitKey names a host for the limiter: lower case, default port dropped,
// so that "http://x/" from Go and "http://x:80/" from a browser share one.
func limitKey(u *url.URL) string {
	h := strings.ToLower(u.Host)
	switch {
	case u.Scheme == "http" && strings.HasSuffix(h, ":80"):
		h = strings.TrimSuffix(h, ":80")
	case u.Scheme == "https" && strings.HasSuffix(h, ":443"):
		h = strings.TrimSuffix(h, ":443")
	}
	return h
}

func (l *limits) get(host string) *hostLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.hosts[host]
	if h == nil {
		h = &hostLimit{slots: make(chan struct{}, l.concurrency), limiter: rate.NewLimiter(rate.Limit(l.rate), burstFor(l.rate))}
		l.hosts[host] = h
	}
	return h
}

func burstFor(r float64) int { return max(1, int(r)) }

// acquire waits for a slot and a rate token for host, honouring ctx and any
// pause the host asked for; release frees the slot.
func (l *limits) acquire(ctx context.Context, host string) (release func(), err error) {
	h := l.get(host)
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = sync.OnceFunc(func() { <-h.slots })
	for {
		until := h.pausedUntil.Load()
		if until == 0 || !l.now().Before(time.Unix(0, until)) {
			break
		}
		if err := sleepCtx(ctx, time.Unix(0, until).Sub(l.now())); err != nil {
			release()
			return nil, err
		}
	}
	if err := h.limiter.Wait(ctx); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// observe adapts host's pace to an answer: 429 and 503 halve its rate (down
// to a floor) and pause it for the Retry-After asked (capped at maxPause);
// any other answer wins back a 32nd of the configured rate.
func (l *limits) observe(host string, status int, header http.Header) {
	h := l.get(host)
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		if cur := float64(h.limiter.Limit()); cur < l.rate {
			l.setRate(h, min(l.rate, cur+l.rate/32))
		}
		return
	}
	h.throttled.Add(1)
	l.setRate(h, max(l.floor, float64(h.limiter.Limit())/2))
	if d, ok := RetryAfter(header, l.now()); ok {
		l.pause(h, l.now().Add(min(d, l.maxPause)))
	}
}

func (l *limits) setRate(h *hostLimit, r float64) {
	h.limiter.SetLimit(rate.Limit(r))
	h.limiter.SetBurst(burstFor(r))
}

// pause delays every request to h until t.
func (l *limits) pause(h *hostLimit, t time.Time) {
	for {
		cur := h.pausedUntil.Load()
		if cur >= t.UnixNano() || h.pausedUntil.CompareAndSwap(cur, t.UnixNano()) {
			return
		}
	}
}

// HostState is what the limiter knows of one host (for measurements and
// tests).
type HostState struct {
	// Rate is the current requests per second (the configured rate unless
	// the host throttled us).
	Rate float64
	// PausedUntil is when the last Retry-After pause ends (zero if none).
	PausedUntil time.Time
	// Throttled counts the 429 and 503 answers.
	Throttled int64
	// InFlight counts requests holding a slot.
	InFlight int
}

func (l *limits) state(host string) HostState {
	h := l.get(host)
	s := HostState{Rate: float64(h.limiter.Limit()), Throttled: h.throttled.Load(), InFlight: len(h.slots)}
	if u := h.pausedUntil.Load(); u > 0 {
		s.PausedUntil = time.Unix(0, u)
	}
	return s
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
