package netpolicy

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestAllow is the guard as Chromium's request interception will call it.
func TestAllow(t *testing.T) {
	p := testPolicy(t, func(o *Options) { o.SiteHosts = []string{"www.example.gov.cn", "10.1.2.3"} })
	open := testPolicy(t, func(o *Options) { o.AllowNetworks = []string{"127.0.0.0/8"} })
	for _, tc := range []struct {
		name, url string
		policy    *Policy
		want      error
	}{
		{"own-host", "https://www.example.gov.cn/index.html", p, nil},
		{"own-internal-host", "http://10.1.2.3/", p, nil},
		{"public-name", "http://public.example/a.png", p, nil},
		{"public-address", "http://203.0.113.9/", p, nil},
		{"data", "data:image/png;base64,AAAA", p, nil},
		{"blob", "blob:https://www.example.gov.cn/1234", p, nil},
		{"about", "about:blank", p, nil},
		{"loopback", "http://127.0.0.1:8080/admin", p, ErrPrivateAddress},
		{"decimal", "http://2130706433/", p, ErrPrivateAddress},
		{"metadata", "http://169.254.169.254/latest/meta-data/", p, ErrPrivateAddress},
		{"name-resolving-inside", "http://intranet.example/", p, ErrPrivateAddress},
		{"name-resolving-mixed", "https://mixed.example/", p, ErrPrivateAddress},
		{"websocket-inside", "ws://[::1]:9222/devtools", p, ErrPrivateAddress},
		{"websocket-mapped", "wss://[::ffff:10.0.0.1]/", p, ErrPrivateAddress},
		{"other-own-subnet-host", "http://10.1.2.4/", p, ErrPrivateAddress},
		{"file", "file:///etc/passwd", p, ErrScheme},
		{"chrome", "chrome://settings", p, ErrScheme},
		{"ftp", "ftp://public.example/", p, ErrScheme},
		{"allowed-network", "http://127.0.0.2:8080/", open, nil},
		{"allowed-network-by-name", "http://intranet.example/", open, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.policy.Allow(context.Background(), mustURL(t, tc.url))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Allow(%s) = %v, want %v", tc.url, err, tc.want)
			}
		})
	}
}

// TestObserveAndWait: a 429 the browser saw pauses the host for everyone;
// ws URLs share their http host's limit.
func TestObserveAndWait(t *testing.T) {
	p := testPolicy(t, func(o *Options) { o.MaxRetryAfter = 300 * time.Millisecond; o.Rate = 100 })
	page := mustURL(t, "https://www.example.gov.cn/a.html")
	h := http.Header{}
	h.Set("Retry-After", "60") // uncapped: a minute; the bound below is far from both
	p.Observe(page, 429, h)
	start := time.Now()
	release, err := p.Wait(context.Background(), mustURL(t, "wss://www.example.gov.cn:443/socket"))
	if err != nil {
		t.Fatal(err)
	}
	release()
	if el := time.Since(start); el < 250*time.Millisecond || el > 10*time.Second {
		t.Errorf("Wait after a browser-seen 429 took %v, want the capped 300ms pause", el)
	}
	if st := p.HostState(page); st.Throttled != 1 || st.Rate != 50 {
		t.Errorf("state %+v", st)
	}
}
