package netpolicy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRetryAfter is the crawler's Retry-After test, moved with the code.
func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want int
		ok   bool
	}{{"3", 3, true}, {"", 0, false}, {"soon", 0, false}, {"Wed, 21 Oct 2015 07:28:00 GMT", 0, true}, {"99999999999", 86400, true}} {
		h := map[string][]string{"Retry-After": {tc.v}}
		d, ok := RetryAfter(h, mustTime("2015-10-21T07:28:00Z"))
		if ok != tc.ok || int(d.Seconds()) != tc.want {
			t.Errorf("%q: %v %v", tc.v, d, ok)
		}
	}
}

func TestBackoffAndRetryWait(t *testing.T) {
	p := testPolicy(t, func(o *Options) {
		o.RetryBackoff = 100 * time.Millisecond
		o.Retries = 2
		o.MaxRetryAfter = 2 * time.Second
	})
	if p.Attempts() != 3 {
		t.Errorf("attempts %d", p.Attempts())
	}
	for attempt, base := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond} {
		for range 20 {
			if d := p.Backoff(attempt); d < base*9/10 || d > base*11/10 {
				t.Fatalf("backoff(%d) = %v, want %v ±10%%", attempt, d, base)
			}
		}
	}
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		lo, hi     time.Duration
	}{
		{"429-honoured", 429, "1", time.Second, time.Second},
		{"503-capped", 503, "3600", 2 * time.Second, 2 * time.Second},
		{"429-without-header-backs-off", 429, "", 90 * time.Millisecond, 110 * time.Millisecond},
		{"500-ignores-header", 500, "30", 90 * time.Millisecond, 110 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.retryAfter != "" {
				h.Set("Retry-After", tc.retryAfter)
			}
			if d := p.RetryWait(1, tc.status, h); d < tc.lo || d > tc.hi {
				t.Errorf("wait %v, want [%v, %v]", d, tc.lo, tc.hi)
			}
		})
	}
}

// throttler answers 429 or 503 (with an optional Retry-After) to the
// requests it is told to, 200 to the rest, and records arrival times.
type throttler struct {
	mu       sync.Mutex
	arrivals []time.Time
	answers  []func(http.ResponseWriter)
}

func (th *throttler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	th.mu.Lock()
	th.arrivals = append(th.arrivals, time.Now())
	var answer func(http.ResponseWriter)
	if len(th.answers) > 0 {
		answer, th.answers = th.answers[0], th.answers[1:]
	}
	th.mu.Unlock()
	if answer != nil {
		answer(w)
		return
	}
	w.Write([]byte("ok"))
}

func throttle(status int, retryAfter string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(status)
	}
}

// TestLimiterAdapts: a 429 or 503 slows the host and pauses it for its
// Retry-After (capped), for requests of every purpose; later answers win
// the rate back.
func TestLimiterAdapts(t *testing.T) {
	for _, tc := range []struct {
		name       string
		answer     func(http.ResponseWriter)
		pause      time.Duration // expected gap before the next request
		wantPaused bool
	}{
		{"429-retry-after", throttle(429, "1"), 400 * time.Millisecond, true}, // capped at MaxRetryAfter
		{"503-retry-after-date", throttle(503, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)), 400 * time.Millisecond, true},
		{"503-without-retry-after", throttle(503, ""), 0, false},
		{"429-retry-after-zero", throttle(429, "0"), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th := &throttler{answers: []func(http.ResponseWriter){tc.answer}}
			srv := httptest.NewServer(th)
			defer srv.Close()
			p := testPolicy(t, func(o *Options) {
				o.AllowNetworks = []string{"127.0.0.0/8"}
				o.Rate = 64
				o.MaxRetryAfter = 400 * time.Millisecond
			})
			u := mustURL(t, srv.URL+"/")
			resp, _, err := get(context.Background(), p.Client(Stylesheet), u.String())
			if err != nil || resp.StatusCode != 429 && resp.StatusCode != 503 {
				t.Fatalf("first answer %v %v", resp, err)
			}
			st := p.HostState(u)
			if st.Rate != 32 || st.Throttled != 1 {
				t.Errorf("after one throttle: rate %v throttled %d, want 32 and 1", st.Rate, st.Throttled)
			}
			if paused := st.PausedUntil.After(time.Now()); paused != tc.wantPaused {
				t.Errorf("paused until %v (paused %v, want %v)", st.PausedUntil, paused, tc.wantPaused)
			}
			// The next request, for another purpose, waits for the pause.
			if _, _, err := get(context.Background(), p.Client(Cloaking), u.String()); err != nil {
				t.Fatal(err)
			}
			gap := th.arrivals[1].Sub(th.arrivals[0])
			if tc.pause > 0 && (gap < tc.pause-50*time.Millisecond || gap > tc.pause+time.Second) {
				t.Errorf("next request after %v, want about %v", gap, tc.pause)
			}
			if tc.pause == 0 && gap > 300*time.Millisecond {
				t.Errorf("next request after %v, want no pause", gap)
			}
			// Each later answer wins back a 32nd of the configured rate.
			if got := p.HostState(u).Rate; got != 34 {
				t.Errorf("rate after one success %v, want 34", got)
			}
			for range 20 {
				get(context.Background(), p.Client(External), u.String())
			}
			if got := p.HostState(u).Rate; got != 64 {
				t.Errorf("rate after recovery %v, want the configured 64", got)
			}
		})
	}
	t.Run("floor", func(t *testing.T) {
		p := testPolicy(t, func(o *Options) { o.Rate = 10 })
		u := mustURL(t, "http://www.example.gov.cn/")
		for range 20 {
			p.Observe(u, 503, nil)
		}
		if got := p.HostState(u).Rate; got != 0.15625 {
			t.Errorf("rate after 20 throttles %v, want the floor 10/64", got)
		}
	})
}

// TestConcurrencySharedAcrossPurposes: the per-host slots are one pool for
// the crawl, stylesheets, cloaking, external pages, attachments, probes and
// the hook's Wait.
func TestConcurrencySharedAcrossPurposes(t *testing.T) {
	var inFlight, peak atomic.Int64
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-gate
		inFlight.Add(-1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	p := testPolicy(t, func(o *Options) { o.AllowNetworks = []string{"127.0.0.0/8"}; o.Concurrency = 2 })
	u := mustURL(t, srv.URL+"/")
	var wg sync.WaitGroup
	for _, purpose := range []Purpose{Crawl, Document, Stylesheet, Cloaking, External} {
		wg.Go(func() {
			if _, _, err := get(context.Background(), p.Client(purpose), u.String()); err != nil {
				t.Errorf("%s: %v", purpose, err)
			}
		})
	}
	wg.Go(func() {
		if r := p.Probe(context.Background(), u.String(), "tcp", 5*time.Second); r.Err != nil {
			t.Errorf("probe: %v", r.Err)
		}
	})
	// Wait until both slots are taken, then the hook cannot get one.
	deadline := time.Now().Add(3 * time.Second)
	for p.HostState(u).InFlight < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := p.Wait(ctx, u)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hook Wait with both slots taken: %v", err)
	}
	close(gate)
	wg.Wait()
	if got := peak.Load(); got != 2 {
		t.Errorf("peak in flight %d, want 2 (concurrency shared by all purposes)", got)
	}
	release, err := p.Wait(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if p.HostState(u).InFlight != 1 {
		t.Errorf("hook slot not counted")
	}
	release()
	release() // idempotent
	if p.HostState(u).InFlight != 0 {
		t.Errorf("slots leaked: %d", p.HostState(u).InFlight)
	}
}

// TestContextCancellation: a cancelled context ends a request waiting for
// a slot, for a Retry-After pause, or for a slow answer, and frees the
// slot; a request with no answer ends at the policy's timeout.
func TestContextCancellation(t *testing.T) {
	stall := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			select {
			case <-stall:
			case <-r.Context().Done():
			}
		case "/pause":
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(429)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	defer close(stall)
	newP := func(timeout time.Duration) *Policy {
		return testPolicy(t, func(o *Options) {
			o.AllowNetworks = []string{"127.0.0.0/8"}
			o.Concurrency = 1
			o.Timeout = timeout
			o.MaxRetryAfter = time.Minute
		})
	}
	// cancelLimit is far above what honouring a cancel or a timeout costs
	// (milliseconds, on a loaded machine under -race too) and far below the
	// minute that ignoring it would.
	const cancelLimit = 10 * time.Second
	within := func(t *testing.T, d time.Duration, f func() error) error {
		t.Helper()
		start := time.Now()
		err := f()
		if el := time.Since(start); el > d {
			t.Errorf("took %v, want under %v", el, d)
		}
		return err
	}
	t.Run("slow-answer", func(t *testing.T) {
		p := newP(time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		err := within(t, cancelLimit, func() error { _, _, err := get(ctx, p.Client(External), srv.URL+"/slow"); return err })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		// The slot is free again.
		if _, _, err := get(context.Background(), p.Client(External), srv.URL+"/"); err != nil {
			t.Errorf("after cancel: %v", err)
		}
	})
	t.Run("waiting-for-slot", func(t *testing.T) {
		p := newP(time.Minute)
		release, _ := p.Wait(context.Background(), mustURL(t, srv.URL+"/"))
		defer release()
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		err := within(t, cancelLimit, func() error { _, _, err := get(ctx, p.Client(Stylesheet), srv.URL+"/"); return err })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("waiting-for-retry-after", func(t *testing.T) {
		p := newP(time.Minute)
		get(context.Background(), p.Client(Crawl), srv.URL+"/pause") // pauses the host for 60 s
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		err := within(t, cancelLimit, func() error { _, _, err := get(ctx, p.Client(Crawl), srv.URL+"/"); return err })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := p.Wait(ctx, mustURL(t, srv.URL+"/x")); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("hook Wait during the pause: %v", err)
		}
	})
	t.Run("policy-timeout", func(t *testing.T) {
		p := newP(200 * time.Millisecond)
		err := within(t, cancelLimit, func() error {
			_, _, err := get(context.Background(), p.Client(Document), srv.URL+"/slow")
			return err
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("probe", func(t *testing.T) {
		p := newP(time.Minute)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		var r ProbeResult
		within(t, cancelLimit, func() error { r = p.Probe(ctx, srv.URL+"/slow", "tcp", time.Minute); return r.Err })
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("probe err = %v", r.Err)
		}
	})
	t.Run("delivery", func(t *testing.T) {
		c, _ := DeliveryClient(200*time.Millisecond, srv.URL)
		err := within(t, cancelLimit, func() error { _, _, err := get(context.Background(), c, srv.URL+"/slow"); return err })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestDialEndsWithContextOrTimeout: an SMTP connection to a server that
// never speaks ends when ctx is cancelled or after the timeout.
func TestDialEndsWithContextOrTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accepted, never answered
		}
	}()
	for _, tc := range []struct {
		name    string
		cancel  time.Duration
		timeout time.Duration
	}{
		{"cancelled", 100 * time.Millisecond, time.Minute},
		{"timeout", 0, 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			c, err := Dial(ctx, ln.Addr().String(), tc.timeout)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			_, err = c.Read(make([]byte, 1))
			if err == nil || time.Since(start) > 2*time.Second {
				t.Errorf("read: %v after %v", err, time.Since(start))
			}
		})
	}
}
