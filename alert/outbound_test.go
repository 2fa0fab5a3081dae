package alert

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/xunjian/xunjian/netpolicy"
)

// TestWebhookRedirectToIntranetRefused: a webhook endpoint on a loopback
// relay is trusted as configured, but a redirect from it to another
// internal host is refused by the outbound policy.
func TestWebhookRedirectToIntranetRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	var hits atomic.Int64
	inner := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	})}}
	inner.Start()
	defer inner.Close()
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/admin", http.StatusTemporaryRedirect)
	}))
	defer relay.Close()
	w, err := NewWebhook("值班群", WeCom, relay.URL)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Send(context.Background(), Message{Title: "【示例县】首页无法访问"})
	if !errors.Is(err, netpolicy.ErrPrivateAddress) || hits.Load() != 0 {
		t.Errorf("send: %v, internal hits %d", err, hits.Load())
	}
}
